package ticket

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/store"
)

// SaveMacro validates and stores a macro (insert when ID is 0, update otherwise).
func (s *Service) SaveMacro(ctx context.Context, m Macro, actor Actor) (Macro, error) {
	if err := m.Validate(); err != nil {
		return Macro{}, err
	}
	name, err := cleanText("name", m.Name, 1, 100)
	if err != nil {
		return Macro{}, err
	}
	m.Name = name
	if m.Actions == nil {
		m.Actions = []Action{}
	}
	now := s.now()
	if m.ID == 0 {
		m.ID, err = store.InsertID(ctx, s.DB, `INSERT INTO macros (name, body, actions, created_by, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?) RETURNING id`, m.Name, m.Body, toJSON(m.Actions), nullID(actor.ID), now, now)
	} else {
		var res sql.Result
		res, err = s.DB.Exec(ctx, `UPDATE macros SET name = ?, body = ?, actions = ?, updated_at = ? WHERE id = ?`,
			m.Name, m.Body, toJSON(m.Actions), now, m.ID)
		if err == nil {
			if n, _ := res.RowsAffected(); n == 0 {
				return Macro{}, apperr.NotFound("macro")
			}
		}
	}
	if store.IsUniqueViolation(err) {
		return Macro{}, apperr.Conflict("macro_name_taken", fmt.Sprintf("a macro named %q already exists", m.Name))
	}
	return m, err
}

// Macros lists all macros by name.
func (s *Service) Macros(ctx context.Context) ([]Macro, error) {
	rows, err := s.DB.Query(ctx, `SELECT id, name, body, actions FROM macros ORDER BY name, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Macro{}
	for rows.Next() {
		var m Macro
		var actions string
		if err := rows.Scan(&m.ID, &m.Name, &m.Body, &actions); err != nil {
			return nil, err
		}
		_ = json.Unmarshal([]byte(actions), &m.Actions)
		out = append(out, m)
	}
	return out, rows.Err()
}

// DeleteMacro removes a macro.
func (s *Service) DeleteMacro(ctx context.Context, id int64) error {
	res, err := s.DB.Exec(ctx, `DELETE FROM macros WHERE id = ?`, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("macro")
	}
	return nil
}

// ApplyMacro expands a macro for a ticket and applies its actions in one guarded change. The
// ticket's own variables (ticket.*, customer.*, order.number, agent.name) are filled in; vars
// adds or overrides others (shop.name, tracking.number…). The reply text is returned for the
// caller to send in the conversation (then RecordAgentReply).
func (s *Service) ApplyMacro(ctx context.Context, ticketID int64, version int, macroID int64, vars map[string]string, actor Actor) (*Ticket, string, error) {
	var m Macro
	var actions string
	err := s.DB.QueryRow(ctx, `SELECT id, name, body, actions FROM macros WHERE id = ?`, macroID).Scan(&m.ID, &m.Name, &m.Body, &actions)
	if store.IsNoRows(err) {
		return nil, "", apperr.NotFound("macro")
	} else if err != nil {
		return nil, "", err
	}
	if err := json.Unmarshal([]byte(actions), &m.Actions); err != nil {
		return nil, "", fmt.Errorf("macro %d actions: %w", macroID, err)
	}
	var reply string
	t, err := s.change(ctx, ticketID, version, func(q store.Querier, t *Ticket, now time.Time) error {
		all, err := s.macroVars(ctx, q, t, actor)
		if err != nil {
			return err
		}
		for k, v := range vars {
			all[k] = v
		}
		snap := Snapshot{ID: t.ID, Status: t.Status, Priority: t.Priority, Tags: t.Tags, TeamID: deref(t.TeamID), AgentID: deref(t.AssigneeID)}
		res, err := ApplyMacro(m, snap, all, actor)
		if err != nil {
			return err
		}
		reply = res.Reply
		after := res.Ticket
		if after.TeamID != snap.TeamID {
			var n int
			if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM teams WHERE id = ?`, after.TeamID).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return apperr.Invalid("macro", fmt.Sprintf("the macro assigns to team %d, which does not exist", after.TeamID))
			}
		}
		if after.AgentID != snap.AgentID {
			var n int
			if err := q.QueryRow(ctx, `SELECT COUNT(*) FROM users WHERE id = ? AND disabled = ?`, after.AgentID, false).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return apperr.Invalid("macro", fmt.Sprintf("the macro assigns to agent %d, who is not an active user", after.AgentID))
			}
		}
		if after.Priority != t.Priority {
			t.PriorityReasons = append(t.PriorityReasons, overrideReason(t.Priority, after.Priority, actor))
			t.Priority, t.PriorityOverridden = after.Priority, true
			if err := s.retarget(ctx, q, t); err != nil {
				return err
			}
		}
		t.Tags, t.TeamID, t.AssigneeID = after.Tags, idPtr(after.TeamID), idPtr(after.AgentID)
		for _, c := range res.Changes {
			if c.Field == "status" {
				continue // applyStatus records its own event
			}
			if err := insertEvent(ctx, q, t.ID, now, actor, Event{Kind: "macro", Field: c.Field, Before: c.From, After: c.To, Body: m.Name}); err != nil {
				return err
			}
		}
		if after.Status != t.Status {
			return s.applyStatus(ctx, q, t, after.Status, actor, "macro: "+m.Name, now)
		}
		return s.syncSLA(ctx, q, t, now)
	})
	return t, reply, err
}

func (s *Service) macroVars(ctx context.Context, q store.Querier, t *Ticket, actor Actor) (map[string]string, error) {
	v := map[string]string{
		"ticket.id": t.Ref, "ticket.subject": t.Subject, "ticket.status": t.Status.Label(t.lang),
		"agent.name": actor.Name, "customer.tier": t.Summary.Tier,
	}
	if t.CustomerID != nil {
		var name string
		if err := q.QueryRow(ctx, `SELECT name FROM customers WHERE id = ?`, *t.CustomerID).Scan(&name); err != nil && !store.IsNoRows(err) {
			return nil, err
		}
		v["customer.name"] = name
	}
	if t.OrderID != nil {
		var number string
		if err := q.QueryRow(ctx, `SELECT number FROM orders WHERE id = ?`, *t.OrderID).Scan(&number); err != nil && !store.IsNoRows(err) {
			return nil, err
		}
		v["order.number"] = number
	}
	return v, nil
}

// Merge closes a duplicate ticket into another of the same customer: the duplicate is closed
// with merged_into_id set, its tags carried over, and both histories record the merge.
func (s *Service) Merge(ctx context.Context, sourceID, targetID int64, actor Actor) (*Ticket, error) {
	if actor.Kind != ActorAgent {
		return nil, apperr.Invalid("actor", "only agents merge tickets")
	}
	var out *Ticket
	err := s.DB.Tx(ctx, func(tx *store.Tx) error {
		src, err := s.get(ctx, tx, sourceID)
		if err != nil {
			return err
		}
		dst, err := s.get(ctx, tx, targetID)
		if err != nil {
			return err
		}
		if err := CheckMerge(MergeCandidate{src.ID, src.Status, deref(src.CustomerID)}, MergeCandidate{dst.ID, dst.Status, deref(dst.CustomerID)}); err != nil {
			return err
		}
		if _, err := s.changeTx(ctx, tx, sourceID, 0, func(q store.Querier, t *Ticket, now time.Time) error {
			t.MergedIntoID = &dst.ID
			if err := insertEvent(ctx, q, t.ID, now, actor, Event{Kind: "merge", Field: "merged_into", After: dst.Ref}); err != nil {
				return err
			}
			return s.applyStatus(ctx, q, t, StatusClosed, actor, "merged into "+dst.Ref, now)
		}); err != nil {
			return err
		}
		out, err = s.changeTx(ctx, tx, targetID, 0, func(q store.Querier, t *Ticket, now time.Time) error {
			for _, tag := range src.Tags {
				if !contains(t.Tags, tag) && len(t.Tags) < 20 {
					t.Tags = append(t.Tags, tag)
				}
			}
			return insertEvent(ctx, q, t.ID, now, actor, Event{Kind: "merge", Field: "merged_from", After: src.Ref, Body: src.Subject})
		})
		return err
	})
	return out, err
}

// CSATResult is a recorded rating and, for a low score, the follow-up ticket it opened.
type CSATResult struct {
	ResponseID int64   `json:"response_id"`
	FollowUp   *Ticket `json:"follow_up,omitempty"`
}

// RecordCSAT stores the customer's rating of a resolved ticket (once). The actor is the ticket's
// customer, or an agent relaying the customer's rating. A low score opens a high-priority
// follow-up ticket assigned to a supervisor (the least busy active one).
func (s *Service) RecordCSAT(ctx context.Context, ticketID int64, score int, comment string, customer Actor) (*CSATResult, error) {
	comment, err := CheckCSAT(score, comment)
	if err != nil {
		return nil, err
	}
	var out CSATResult
	err = s.DB.Tx(ctx, func(tx *store.Tx) error {
		t, err := s.get(ctx, tx, ticketID)
		if err != nil {
			return err
		}
		switch {
		case t.CustomerID == nil:
			return apperr.Conflict("no_customer", "the ticket has no customer to rate it")
		case customer.Kind == ActorAgent:
			// An agent records a rating the customer gave by phone or in chat; the event says who.
		case customer.Kind != ActorCustomer || customer.ID != *t.CustomerID:
			return apperr.Forbidden("only the ticket's customer can rate it")
		}
		if err := CSATAllowed(t.Status); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM csat_responses WHERE ticket_id = ?`, ticketID).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			return apperr.Conflict("csat_already_given", "this ticket has already been rated")
		}
		now := s.now()
		out.ResponseID, err = store.InsertID(ctx, tx, `INSERT INTO csat_responses (ticket_id, conversation_id, customer_id, agent_id,
			team_id, category, tier, score, comment, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id`,
			t.ID, t.ConversationID, t.CustomerID, t.AssigneeID, t.TeamID, string(t.Category), t.Summary.Tier, score, comment, now)
		if err != nil {
			return err
		}
		if err := insertEvent(ctx, tx, t.ID, now, customer, Event{Kind: "csat", Field: "score", After: strconv.Itoa(score), Body: comment}); err != nil {
			return err
		}
		if err := s.thankForCSAT(ctx, tx, t, score, now); err != nil {
			return err
		}
		if !NeedsFollowUp(score) {
			return nil
		}
		desc := fmt.Sprintf("客户对工单 %s 评分 %d/5。Customer rated %s %d/5.", t.Ref, score, t.Ref, score)
		if comment != "" {
			desc += "\n" + comment
		}
		fu, err := s.CreateTx(ctx, tx, CreateInput{
			Subject: fmt.Sprintf("满意度回访 CSAT follow-up: %s (%d/5)", t.Ref, score), Description: desc, Type: "complaint",
			Source: "system", CustomerID: deref(t.CustomerID), OrderID: deref(t.OrderID), ConversationID: deref(t.ConversationID),
			Category: CategoryComplaint, Priority: PriorityHigh, Tags: []string{CSATFollowUpTag}, Language: t.lang,
		}, System)
		if err != nil {
			return err
		}
		var supervisor int64
		err = tx.QueryRow(ctx, `SELECT u.id FROM users u WHERE u.role = 'supervisor' AND u.disabled = ?
			ORDER BY CASE u.status WHEN 'online' THEN 0 WHEN 'away' THEN 1 ELSE 2 END,
			(SELECT COUNT(*) FROM tickets x WHERE x.assignee_id = u.id AND x.status IN ('new','open','pending','on_hold')), u.id
			LIMIT 1`, false).Scan(&supervisor)
		if err != nil && !store.IsNoRows(err) {
			return err
		}
		if supervisor > 0 {
			fu, err = s.changeTx(ctx, tx, fu.ID, 0, func(q store.Querier, f *Ticket, now time.Time) error {
				f.AssigneeID = &supervisor
				return insertEvent(ctx, q, f.ID, now, System, Event{Kind: "assign", Field: "assignee", After: fmt.Sprintf("agent=%d", supervisor), Body: "low CSAT: supervisor follow-up"})
			})
			if err != nil {
				return err
			}
		}
		out.FollowUp = fu
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}
