package httpapi_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"
	"time"

	"kefu/internal/aftersales"
	"kefu/internal/app/apptest"
	"kefu/internal/auth"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
	"kefu/internal/ticket"
)

type ticketList struct {
	Items   []ticket.Ticket `json:"items"`
	HasMore bool            `json:"has_more"`
}

// The ticket API on both databases: creation from a shop's form, filters, the workflow's 409s,
// overrides, notes with mentions, macros, merging and the settings supervisors edit.
func TestTicketAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		ctx := context.Background()
		now := time.Now().UTC()
		cust, err := store.InsertID(ctx, db, `INSERT INTO customers (name, tier, lang, created_at) VALUES ('Tom', 'gold', 'en', ?) RETURNING id`, now)
		if err != nil {
			t.Fatal(err)
		}
		team, _ := store.InsertID(ctx, db, `INSERT INTO teams (name, created_at) VALUES ('Logistics', ?) RETURNING id`, now)
		agent := env.Users[auth.RoleAgent]

		var a, b ticket.Ticket
		env.JSON(t, auth.RoleAgent, "POST", "/api/v1/tickets", map[string]any{"subject": "Parcel not moving", "customer_id": cust,
			"intent": "order_status", "sentiment": -0.4}, 201, &a)
		if a.Source != "api" || a.Category != ticket.CategoryLogistics || a.Status != ticket.StatusNew || len(a.PriorityReasons) == 0 || a.FirstResponseDueAt == nil {
			t.Fatalf("created %+v", a)
		}
		env.JSON(t, auth.RoleAgent, "POST", "/api/v1/tickets", map[string]any{"subject": "Parcel still not moving", "customer_id": cust,
			"category": "logistics", "priority": "urgent", "source": "agent"}, 201, &b)
		if b.Priority != ticket.PriorityUrgent || !b.PriorityOverridden {
			t.Fatalf("agent's priority not recorded as an override: %+v", b)
		}
		for _, bad := range []map[string]any{{"subject": ""}, {"subject": "x", "source": "bot_handoff"}, {"subject": "x", "priority": "asap"}, {"subject": "x", "customer_id": 999999}} {
			if status, raw := env.Do(t, auth.RoleAgent, "POST", "/api/v1/tickets", bad); status != http.StatusBadRequest {
				t.Errorf("create %v: %d %s", bad, status, raw)
			}
		}

		// Filters and sort.
		var l ticketList
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/tickets?assignee_id=unassigned&sort=created_at", nil, 200, &l)
		if len(l.Items) != 2 || l.Items[0].ID != a.ID {
			t.Fatalf("unassigned queue: %+v", l.Items)
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/tickets?priority=urgent&category=logistics&status=new", nil, 200, &l)
		if len(l.Items) != 1 || l.Items[0].ID != b.ID {
			t.Fatalf("priority filter: %+v", l.Items)
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/tickets?q="+b.Ref, nil, 200, &l)
		if len(l.Items) != 1 || l.Items[0].ID != b.ID {
			t.Fatalf("search by reference: %+v", l.Items)
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/tickets?q=still&limit=1", nil, 200, &l)
		if len(l.Items) != 1 || l.Items[0].ID != b.ID || l.HasMore {
			t.Fatalf("search by subject: %+v", l)
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/tickets?sla_at_risk=true", nil, 200, &l)
		if len(l.Items) != 0 {
			t.Fatalf("fresh tickets are not at risk: %+v", l.Items)
		}
		for _, q := range []string{"status=lost", "assignee_id=me", "sla_at_risk=maybe", "sort=-subject", "team_id=-1"} {
			if status, raw := env.Do(t, auth.RoleAgent, "GET", "/api/v1/tickets?"+q, nil); status != http.StatusBadRequest {
				t.Errorf("list ?%s: %d %s", q, status, raw)
			}
		}

		// Reassign, then the workflow: 409s carry the reason.
		env.JSON(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/assign", a.ID), map[string]any{"team_id": team, "agent_id": agent.ID, "version": a.Version}, 200, &a)
		if a.TeamID == nil || *a.TeamID != team || a.AssigneeID == nil || *a.AssigneeID != agent.ID {
			t.Fatalf("reassigned %+v", a)
		}
		env.JSON(t, auth.RoleAgent, "GET", fmt.Sprintf("/api/v1/tickets?assignee_id=%d&team_id=%d", agent.ID, team), nil, 200, &l)
		if len(l.Items) != 1 || l.Items[0].ID != a.ID {
			t.Fatalf("assignee filter: %+v", l.Items)
		}
		status, raw := env.Do(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/transition", a.ID), map[string]any{"to": "open", "version": a.Version - 1})
		if status != http.StatusConflict || apptest.ErrorCode(raw) != "stale_version" {
			t.Fatalf("stale: %d %s", status, raw)
		}
		env.JSON(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/transition", a.ID), map[string]any{"to": "pending", "version": a.Version, "note": "asked for the address"}, 200, &a)
		if a.Status != ticket.StatusPending || a.SLAPausedAt == nil {
			t.Fatalf("pending %+v", a)
		}
		status, raw = env.Do(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/transition", a.ID), map[string]any{"to": "new"})
		if status != http.StatusConflict || apptest.ErrorCode(raw) != "invalid_transition" {
			t.Fatalf("pending → new: %d %s", status, raw)
		}
		env.JSON(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/priority", a.ID), map[string]any{"priority": "high", "version": a.Version, "note": "VIP order"}, 200, &a)
		if a.Priority != ticket.PriorityHigh || !a.PriorityOverridden || a.PriorityReasons[len(a.PriorityReasons)-1].Code != "agent_override" {
			t.Fatalf("override %+v", a)
		}
		var note ticket.Event
		env.JSON(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/notes", a.ID), map[string]any{"body": "@Alice 请跟进 @bob.li"}, 201, &note)
		if !note.Internal || note.After != `["Alice","bob.li"]` {
			t.Fatalf("note %+v", note)
		}

		// Macros: create, apply (reply expanded, actions applied), update, delete.
		var m ticket.Macro
		env.JSON(t, auth.RoleAgent, "POST", "/api/v1/macros", map[string]any{"name": "Carrier chased", "body": "Hi {customer.name}, we chased the carrier for {ticket.id}.",
			"actions": []map[string]any{{"type": "add_tag", "value": "carrier"}}}, 201, &m)
		var applied struct {
			Ticket ticket.Ticket `json:"ticket"`
			Reply  string        `json:"reply"`
		}
		env.JSON(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/macros/%d", a.ID, m.ID), map[string]any{"version": a.Version}, 200, &applied)
		if applied.Reply != "Hi Tom, we chased the carrier for "+a.Ref+"." || len(applied.Ticket.Tags) == 0 || applied.Ticket.Tags[len(applied.Ticket.Tags)-1] != "carrier" {
			t.Fatalf("macro applied %+v", applied)
		}
		m.Name = "Carrier chased (v2)"
		env.JSON(t, auth.RoleAgent, "PUT", fmt.Sprintf("/api/v1/macros/%d", m.ID), m, 200, &m)
		env.JSON(t, auth.RoleAgent, "DELETE", fmt.Sprintf("/api/v1/macros/%d", m.ID), nil, 204, nil)
		env.JSON(t, auth.RoleAgent, "DELETE", fmt.Sprintf("/api/v1/macros/%d", m.ID), nil, 404, nil)

		// Merge the duplicate; the detail shows the history.
		env.JSON(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/tickets/%d/merge", b.ID), map[string]any{"into_id": a.ID}, 200, nil)
		var detail struct {
			Ticket  ticket.Ticket   `json:"ticket"`
			Events  []ticket.Event  `json:"events"`
			Allowed []ticket.Status `json:"allowed_transitions"`
		}
		env.JSON(t, auth.RoleAgent, "GET", fmt.Sprintf("/api/v1/tickets/%d", b.ID), nil, 200, &detail)
		if detail.Ticket.Status != ticket.StatusClosed || detail.Ticket.MergedIntoID == nil || len(detail.Allowed) != 0 {
			t.Fatalf("merged duplicate %+v", detail)
		}
		env.JSON(t, auth.RoleAgent, "GET", fmt.Sprintf("/api/v1/tickets/%d", a.ID), nil, 200, &detail)
		kinds := map[string]int{}
		for _, e := range detail.Events {
			kinds[e.Kind]++
		}
		if kinds["merge"] != 1 || kinds["note"] != 1 || kinds["status"] != 1 || kinds["assign"] < 2 || kinds["macro"] != 1 {
			t.Fatalf("history %v", kinds)
		}

		// Settings: everyone reads, supervisors and admins write (policies:write; validated).
		var pol struct {
			Policies []map[string]any `json:"policies"`
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/settings/sla-policies", nil, 200, &pol)
		if len(pol.Policies) == 0 {
			t.Fatal("no SLA policies")
		}
		env.JSON(t, auth.RoleAgent, "PUT", "/api/v1/settings/sla-policies", pol, 403, nil)
		env.JSON(t, auth.RoleSupervisor, "PUT", "/api/v1/settings/sla-policies", pol, 200, nil)
		env.JSON(t, auth.RoleAdmin, "PUT", "/api/v1/settings/sla-policies", pol, 200, nil)
		if status, _ := env.Do(t, auth.RoleAdmin, "PUT", "/api/v1/settings/sla-policies", map[string]any{"policies": []any{}}); status != http.StatusBadRequest {
			t.Errorf("empty SLA policies accepted: %d", status)
		}
		env.JSON(t, auth.RoleAdmin, "PUT", fmt.Sprintf("/api/v1/teams/%d/business-hours", team), map[string]any{"time_zone": "Asia/Shanghai",
			"weekly": map[string]any{"monday": []string{"09:00-18:00"}}}, 200, nil)
		if status, raw := env.Do(t, auth.RoleAdmin, "PUT", "/api/v1/settings/business-hours", map[string]any{"time_zone": "Mars/Olympus"}); status != http.StatusBadRequest {
			t.Errorf("bad time zone: %d %s", status, raw)
		}
		var rules map[string]any
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/settings/priority-rules", nil, 200, &rules)
		env.JSON(t, auth.RoleAgent, "PUT", "/api/v1/settings/priority-rules", rules, 403, nil)
		env.JSON(t, auth.RoleSupervisor, "PUT", "/api/v1/settings/priority-rules", rules, 200, nil)
		env.JSON(t, auth.RoleSupervisor, "PUT", fmt.Sprintf("/api/v1/teams/%d/business-hours", team), map[string]any{"time_zone": "Asia/Shanghai",
			"weekly": map[string]any{"monday": []string{"09:00-20:00"}}}, 200, nil)
	})
}

// The after-sales API: the policy is readable by agents, editable by supervisors and admins
// (policies:write), validated; a case
// created by an agent shows the deciding rule.
func TestAftersalesPolicyAPI(t *testing.T) {
	env := apptest.Start(t, storetest.OpenSQLite(t))
	var p aftersales.Policy
	env.JSON(t, auth.RoleAgent, "GET", "/api/v1/aftersales/policy", nil, 200, &p)
	if p.For(aftersales.TierVIP).ReturnWindowDays != 30 || p.For(aftersales.TierRegular).PriceProtectionDays != 15 {
		t.Fatalf("policy %+v", p)
	}
	env.JSON(t, auth.RoleAgent, "PUT", "/api/v1/aftersales/policy", p, 403, nil)
	tp := p.Tiers[aftersales.TierSilver]
	tp.ReturnWindowDays = 10
	tp.QualityWindowDays = 10
	p.Tiers[aftersales.TierSilver] = tp
	env.JSON(t, auth.RoleSupervisor, "PUT", "/api/v1/aftersales/policy", p, 200, &p)
	if p.For(aftersales.TierSilver).ReturnWindowDays != 10 {
		t.Fatalf("saved policy %+v", p.For(aftersales.TierSilver))
	}
	for body, code := range map[string]string{
		`{"tiers":{},"retrun_window_days":7}`: "invalid_policy",
		`{"tiers":{}}`:                        "invalid_field",
		`nope`:                                "invalid_policy",
	} {
		status, raw := env.Do(t, auth.RoleAdmin, "PUT", "/api/v1/aftersales/policy", []byte(body))
		if status != http.StatusBadRequest || apptest.ErrorCode(raw) != code {
			t.Errorf("PUT %s: %d %s, want 400 %s", body, status, raw, code)
		}
	}
	if status, raw := env.Do(t, auth.RoleAgent, "POST", "/api/v1/aftersales/cases/999999/events", map[string]any{"event": "approve"}); status != http.StatusNotFound {
		t.Errorf("event on a missing case: %d %s", status, raw)
	}
	if status, raw := env.Do(t, auth.RoleAgent, "POST", "/api/v1/aftersales/cases", map[string]any{"kind": "gift"}); status != http.StatusBadRequest {
		t.Errorf("unknown kind: %d %s", status, raw)
	}
}
