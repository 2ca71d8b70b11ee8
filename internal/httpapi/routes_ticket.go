package httpapi

import (
	"net/http"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/sla"
	"kefu/internal/ticket"
)

func init() { routeGroups = append(routeGroups, (*Server).ticketRoutes) }

func (s *Server) ticketRoutes() []Route {
	statuses, priorities, categories := statusNames(), priorityNames(), categoryNames()
	return []Route{
		{Method: "GET", Path: "/api/v1/tickets", Perm: auth.PermTicketsRead, Handler: s.listTickets, Tag: "tickets", Summary: "List tickets with filters (the agent's queue, the unassigned queue, SLA at risk)",
			Query: append(pageParams("id, created_at, updated_at, first_response_due_at, resolution_due_at"),
				Param{Name: "status", Type: "string", Enum: statuses}, Param{Name: "priority", Type: "string", Enum: priorities},
				Param{Name: "category", Type: "string", Enum: categories}, Param{Name: "team_id", Type: "integer"},
				Param{Name: "assignee_id", Type: "string", Description: `an agent id, or "unassigned" for the queue`},
				Param{Name: "customer_id", Type: "integer"}, Param{Name: "order_id", Type: "integer"}, Param{Name: "conversation_id", Type: "integer"},
				Param{Name: "sla_at_risk", Type: "boolean", Description: "open tickets past an SLA warning or breached"},
				Param{Name: "breached", Type: "boolean"}, Param{Name: "open", Type: "boolean", Description: "only tickets still being worked (new, open, pending, on hold): the mine and team queues"}, Param{Name: "q", Type: "string", Description: "a reference (T-1024) or words of the subject"}),
			Response: listResponse[*ticket.Ticket]{}},
		{Method: "POST", Path: "/api/v1/tickets", Perm: auth.PermTicketsWrite, Handler: s.createTicket, Tag: "tickets", Summary: "Create a ticket (a shop's own form through the API, or an agent): classified, prioritised with reasons, under SLA, assigned", Body: ticket.CreateInput{}, Response: ticket.Ticket{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/tickets/{id}", Perm: auth.PermTicketsRead, Handler: s.getTicket, Tag: "tickets", Summary: "Get a ticket with its SLA clocks, full event history and the moves the caller may make", Response: ticketDetail{}},
		{Method: "POST", Path: "/api/v1/tickets/{id}/transition", Perm: auth.PermTicketsWrite, Handler: s.transitionTicket, Tag: "tickets", Summary: "Move a ticket to another status (409 with the reason when the move is not allowed or the version is stale)", Body: transitionBody{}, Response: ticket.Ticket{}},
		{Method: "POST", Path: "/api/v1/tickets/{id}/priority", Perm: auth.PermTicketsWrite, Handler: s.setTicketPriority, Tag: "tickets", Summary: "Override the priority (recorded with the reason; running SLA clocks follow)", Body: priorityBody{}, Response: ticket.Ticket{}},
		{Method: "POST", Path: "/api/v1/tickets/{id}/assign", Perm: auth.PermTicketsWrite, Handler: s.reassignTicket, Tag: "tickets", Summary: "Reassign a ticket to a team and/or agent (0 puts it back in the queue)", Body: assignBody{}, Response: ticket.Ticket{}},
		{Method: "POST", Path: "/api/v1/tickets/{id}/notes", Perm: auth.PermTicketsWrite, Handler: s.addTicketNote, Tag: "tickets", Summary: "Add an internal note; @mentions are recorded", Body: noteBody{}, Response: ticket.Event{}, Status: http.StatusCreated},
		{Method: "POST", Path: "/api/v1/tickets/{id}/replies", Perm: auth.PermTicketsWrite, Handler: s.recordTicketReply, Tag: "tickets", Summary: "Record that the agent answered the customer (stops the first-response clock; a new ticket opens)", Response: ticket.Ticket{}},
		{Method: "POST", Path: "/api/v1/tickets/{id}/merge", Perm: auth.PermTicketsWrite, Handler: s.mergeTicket, Tag: "tickets", Summary: "Merge this duplicate into another ticket of the same customer (this one closes)", Body: mergeBody{}, Response: ticket.Ticket{}},
		{Method: "POST", Path: "/api/v1/tickets/{id}/macros/{macro_id}", Perm: auth.PermTicketsWrite, Handler: s.applyTicketMacro, Tag: "tickets", Summary: "Apply a macro: its actions change the ticket, the expanded reply is returned for sending", Body: applyMacroBody{}, Response: macroApplied{}},
		{Method: "POST", Path: "/api/v1/tickets/{id}/csat", Perm: auth.PermTicketsWrite, Handler: s.recordTicketCSAT, Tag: "tickets", Summary: "Record the customer's satisfaction rating (1–5) given to the agent; a low score opens a supervisor follow-up", Body: csatBody{}, Response: ticket.CSATResult{}, Status: http.StatusCreated},
		{Method: "POST", Path: "/api/v1/tickets/{id}/csat-link", Perm: auth.PermTicketsWrite, Handler: s.newCSATLink, Tag: "tickets", Summary: "Sign a link (valid 7 days) the customer can use to rate the ticket without signing in", Response: ticket.CSATLink{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/csat/{token}", Public: true, Handler: s.csatInvitation, Tag: "csat", Summary: "What a signed satisfaction link is for (public; the token is the credential)", Response: ticket.CSATInvitation{}},
		{Method: "GET", Path: "/csat/{token}", Public: true, Handler: s.csatPageGet, Tag: "csat", Summary: "The HTML rating page e-mailed links open (public; the token is the credential)", Raw: true},
		{Method: "POST", Path: "/csat/{token}", Public: true, Handler: s.csatPagePost, Tag: "csat", Summary: "Rate from the HTML page (form fields score, comment)", Raw: true},
		{Method: "POST", Path: "/api/v1/csat/{token}", Public: true, Handler: s.csatByLink, Tag: "csat", Summary: "Rate a ticket through a signed link (public; once per ticket)", Body: csatBody{}, Response: csatThanks{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/csat-results", Perm: auth.PermReportsRead, Handler: s.csatResults, Tag: "csat", Summary: "Satisfaction by agent, team, category or customer tier",
			Query:    []Param{{Name: "by", Type: "string", Enum: ticket.CSATDimensions}, {Name: "since", Type: "string", Description: "RFC 3339 time; default: all"}},
			Response: listResponse[ticket.CSATGroup]{}},

		{Method: "GET", Path: "/api/v1/macros", Perm: auth.PermTicketsRead, Handler: s.listMacros, Tag: "macros", Summary: "List macros (canned replies with variables and actions)", Response: listResponse[ticket.Macro]{}},
		{Method: "POST", Path: "/api/v1/macros", Perm: auth.PermTicketsWrite, Handler: s.createMacro, Tag: "macros", Summary: "Create a macro", Body: ticket.Macro{}, Response: ticket.Macro{}, Status: http.StatusCreated},
		{Method: "PUT", Path: "/api/v1/macros/{id}", Perm: auth.PermTicketsWrite, Handler: s.updateMacro, Tag: "macros", Summary: "Replace a macro", Body: ticket.Macro{}, Response: ticket.Macro{}},
		{Method: "DELETE", Path: "/api/v1/macros/{id}", Perm: auth.PermTicketsWrite, Handler: s.deleteMacro, Tag: "macros", Summary: "Delete a macro", Status: http.StatusNoContent},

		{Method: "GET", Path: "/api/v1/settings/sla-policies", Perm: auth.PermTicketsRead, Handler: s.getSLAPolicies, Tag: "settings", Summary: "SLA policies: first-response and resolution targets by priority and tier", Response: sla.PolicySet{}},
		{Method: "PUT", Path: "/api/v1/settings/sla-policies", Perm: auth.PermPoliciesWrite, Handler: s.putSLAPolicies, Tag: "settings", Summary: "Replace the SLA policies (validated; applies to new clocks)", Body: sla.PolicySet{}, Response: sla.PolicySet{}},
		{Method: "GET", Path: "/api/v1/settings/business-hours", Perm: auth.PermTicketsRead, Handler: s.getBusinessHours, Tag: "settings", Summary: "Default business hours and holiday calendar SLA deadlines are counted in", Response: sla.BusinessHours{}},
		{Method: "PUT", Path: "/api/v1/settings/business-hours", Perm: auth.PermPoliciesWrite, Handler: s.putBusinessHours, Tag: "settings", Summary: "Replace the default business hours (validated)", Body: sla.BusinessHours{}, Response: sla.BusinessHours{}},
		{Method: "GET", Path: "/api/v1/teams/{id}/business-hours", Perm: auth.PermTicketsRead, Handler: s.getTeamHours, Tag: "settings", Summary: "A team's business hours (its own, or the default)", Response: sla.BusinessHours{}},
		{Method: "PUT", Path: "/api/v1/teams/{id}/business-hours", Perm: auth.PermPoliciesWrite, Handler: s.putTeamHours, Tag: "settings", Summary: "Give a team its own business hours (validated)", Body: sla.BusinessHours{}, Response: sla.BusinessHours{}},
		{Method: "GET", Path: "/api/v1/settings/priority-rules", Perm: auth.PermTicketsRead, Handler: s.getPriorityRules, Tag: "settings", Summary: "Priority rules: points for intent, sentiment, anger, tier, order value and repeat contacts", Response: ticket.PriorityRules{}},
		{Method: "PUT", Path: "/api/v1/settings/priority-rules", Perm: auth.PermPoliciesWrite, Handler: s.putPriorityRules, Tag: "settings", Summary: "Replace the priority rules (validated)", Body: ticket.PriorityRules{}, Response: ticket.PriorityRules{}},
	}
}

// ticketDetail is one ticket as the agent's ticket page needs it.
type ticketDetail struct {
	Ticket  *ticket.Ticket  `json:"ticket"`
	Events  []ticket.Event  `json:"events"`
	Allowed []ticket.Status `json:"allowed_transitions"`
}

type transitionBody struct {
	To      ticket.Status `json:"to"`
	Version int           `json:"version"` // the version the agent saw; 0 skips the check
	Note    string        `json:"note"`
}

type priorityBody struct {
	Priority ticket.Priority `json:"priority"`
	Version  int             `json:"version"`
	Note     string          `json:"note"`
}

type assignBody struct {
	TeamID  int64 `json:"team_id"`
	AgentID int64 `json:"agent_id"`
	Version int   `json:"version"`
}

type noteBody struct {
	Body string `json:"body"`
}

type mergeBody struct {
	IntoID int64 `json:"into_id"`
}

type applyMacroBody struct {
	Version int               `json:"version"`
	Vars    map[string]string `json:"vars"`
}

type macroApplied struct {
	Ticket *ticket.Ticket `json:"ticket"`
	Reply  string         `json:"reply"`
}

type csatBody struct {
	Score   int    `json:"score"`
	Comment string `json:"comment"`
}

type csatThanks struct {
	TicketRef string `json:"ticket_ref"`
	Score     int    `json:"score"`
}

// agentActor is the signed-in user as the ticket workflow sees them.
func agentActor(r *http.Request) ticket.Actor {
	p := principal(r)
	return ticket.Agent(p.User.ID, p.User.Name)
}

func (s *Server) listTickets(w http.ResponseWriter, r *http.Request) error {
	page, err := parsePage(r, ticket.Sorts, "-id")
	if err != nil {
		return err
	}
	var f ticket.Filter
	var v string
	if v, err = queryEnum(r, "status", statusNames()...); err != nil {
		return err
	}
	f.Status = ticket.Status(v)
	if v, err = queryEnum(r, "priority", priorityNames()...); err != nil {
		return err
	}
	f.Priority = ticket.Priority(v)
	if v, err = queryEnum(r, "category", categoryNames()...); err != nil {
		return err
	}
	f.Category = ticket.Category(v)
	for name, dst := range map[string]*int64{"team_id": &f.TeamID, "customer_id": &f.CustomerID, "order_id": &f.OrderID, "conversation_id": &f.ConversationID} {
		if *dst, err = queryID(r, name); err != nil {
			return err
		}
	}
	if r.URL.Query().Get("assignee_id") == "unassigned" {
		f.Unassigned = true
	} else if f.AssigneeID, err = queryID(r, "assignee_id"); err != nil {
		return apperr.Invalid("assignee_id", `must be an agent id or "unassigned"`)
	}
	if f.SLAAtRisk, err = queryBool(r, "sla_at_risk"); err != nil {
		return err
	}
	if f.Open, err = queryBool(r, "open"); err != nil {
		return err
	}
	if f.Breached, err = queryBool(r, "breached"); err != nil {
		return err
	}
	if f.Query, err = queryText(r, "q", 200); err != nil {
		return err
	}
	items, err := s.Services.Tickets.List(r.Context(), f, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(items, page))
	return nil
}

// queryBool reads an optional true/false query parameter.
func queryBool(r *http.Request, name string) (bool, error) {
	switch r.URL.Query().Get(name) {
	case "", "false", "0":
		return false, nil
	case "true", "1":
		return true, nil
	}
	return false, apperr.Invalid(name, "must be true or false")
}

func statusNames() []string {
	out := make([]string, len(ticket.Statuses))
	for i, st := range ticket.Statuses {
		out[i] = string(st)
	}
	return out
}

func priorityNames() []string {
	out := make([]string, len(ticket.Priorities))
	for i, p := range ticket.Priorities {
		out[i] = string(p)
	}
	return out
}

func categoryNames() []string {
	out := make([]string, len(ticket.Categories))
	for i, c := range ticket.Categories {
		out[i] = string(c)
	}
	return out
}

// apiSources are the sources a caller of the API may claim; bot handoffs and system tickets
// are created by kefu itself.
var apiSources = []string{"api", "agent", "email"}

func (s *Server) createTicket(w http.ResponseWriter, r *http.Request) error {
	var in ticket.CreateInput
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Source == "" {
		in.Source = "api"
	}
	ok := false
	for _, src := range apiSources {
		ok = ok || in.Source == src
	}
	if !ok {
		return apperr.Invalid("source", "must be api, agent or email")
	}
	t, err := s.Services.Tickets.Create(r.Context(), in, agentActor(r))
	if err != nil {
		return err
	}
	s.audit(r, "ticket.create", "ticket", t.ID, nil)
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) getTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.Services.Tickets.Get(r.Context(), id)
	if err != nil {
		return err
	}
	events, err := s.Services.Tickets.Events(r.Context(), id)
	if err != nil {
		return err
	}
	allowed := ticket.AllowedTransitions(t.Status, agentActor(r))
	if allowed == nil {
		allowed = []ticket.Status{}
	}
	writeJSON(w, http.StatusOK, ticketDetail{Ticket: t, Events: events, Allowed: allowed})
	return nil
}

func (s *Server) transitionTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in transitionBody
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	to, err := ticket.ParseStatus(string(in.To))
	if err != nil {
		return apperr.Invalid("to", "unknown status; use one of new, open, pending, on_hold, resolved, closed")
	}
	t, err := s.Services.Tickets.Transition(r.Context(), id, in.Version, to, agentActor(r), in.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) setTicketPriority(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in priorityBody
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	t, err := s.Services.Tickets.SetPriority(r.Context(), id, in.Version, in.Priority, agentActor(r), in.Note)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) reassignTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in assignBody
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.TeamID < 0 || in.AgentID < 0 {
		return apperr.Invalid("team_id", "ids are positive, or 0 to clear")
	}
	t, err := s.Services.Tickets.Reassign(r.Context(), id, in.Version, in.TeamID, in.AgentID, agentActor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) addTicketNote(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in noteBody
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	ev, err := s.Services.Tickets.AddNote(r.Context(), id, agentActor(r), in.Body)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, ev)
	return nil
}

func (s *Server) recordTicketReply(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	t, err := s.Services.Tickets.RecordAgentReply(r.Context(), id, agentActor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) mergeTicket(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in mergeBody
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.IntoID <= 0 {
		return apperr.Invalid("into_id", "name the ticket to merge into")
	}
	t, err := s.Services.Tickets.Merge(r.Context(), id, in.IntoID, agentActor(r))
	if err != nil {
		return err
	}
	s.audit(r, "ticket.merge", "ticket", id, map[string]any{"into": in.IntoID})
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) applyTicketMacro(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	macroID, err := pathID(r, "macro_id")
	if err != nil {
		return err
	}
	var in applyMacroBody
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	t, reply, err := s.Services.Tickets.ApplyMacro(r.Context(), id, in.Version, macroID, in.Vars, agentActor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, macroApplied{Ticket: t, Reply: reply})
	return nil
}

func (s *Server) recordTicketCSAT(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in csatBody
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	res, err := s.Services.Tickets.RecordCSAT(r.Context(), id, in.Score, in.Comment, agentActor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, res)
	return nil
}

func (s *Server) newCSATLink(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	link, err := s.Services.Tickets.NewCSATLink(r.Context(), id, 0)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, link)
	return nil
}

func (s *Server) csatInvitation(w http.ResponseWriter, r *http.Request) error {
	inv, err := s.Services.Tickets.CSATInvitationFor(r.Context(), r.PathValue("token"))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, inv)
	return nil
}

func (s *Server) csatByLink(w http.ResponseWriter, r *http.Request) error {
	var in csatBody
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	token := r.PathValue("token")
	if _, err := s.Services.Tickets.RecordCSATByLink(r.Context(), token, in.Score, in.Comment); err != nil {
		return err
	}
	inv, err := s.Services.Tickets.CSATInvitationFor(r.Context(), token)
	if err != nil {
		return err
	}
	// The follow-up ticket a low score opens is internal; the customer just gets thanks.
	writeJSON(w, http.StatusCreated, csatThanks{TicketRef: inv.TicketRef, Score: in.Score})
	return nil
}

func (s *Server) csatResults(w http.ResponseWriter, r *http.Request) error {
	by, err := queryEnum(r, "by", ticket.CSATDimensions...)
	if err != nil {
		return err
	}
	if by == "" {
		by = "agent"
	}
	var since time.Time
	if v := r.URL.Query().Get("since"); v != "" {
		if since, err = time.Parse(time.RFC3339, v); err != nil {
			return apperr.Invalid("since", "must be an RFC 3339 time, e.g. 2026-01-01T00:00:00Z")
		}
	}
	groups, err := s.Services.Tickets.CSATResults(r.Context(), by, since.UTC())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listResponse[ticket.CSATGroup]{Items: groups, Limit: len(groups)})
	return nil
}

func (s *Server) listMacros(w http.ResponseWriter, r *http.Request) error {
	ms, err := s.Services.Tickets.Macros(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listResponse[ticket.Macro]{Items: ms, Limit: len(ms)})
	return nil
}

func (s *Server) createMacro(w http.ResponseWriter, r *http.Request) error {
	var in ticket.Macro
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	in.ID = 0
	m, err := s.Services.Tickets.SaveMacro(r.Context(), in, agentActor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusCreated, m)
	return nil
}

func (s *Server) updateMacro(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ticket.Macro
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	in.ID = id
	m, err := s.Services.Tickets.SaveMacro(r.Context(), in, agentActor(r))
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, m)
	return nil
}

func (s *Server) deleteMacro(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Services.Tickets.DeleteMacro(r.Context(), id); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) getSLAPolicies(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Services.Tickets.SLAPolicies(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) putSLAPolicies(w http.ResponseWriter, r *http.Request) error {
	var in sla.PolicySet
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Services.Tickets.SetSLAPolicies(r.Context(), in); err != nil {
		return err
	}
	s.audit(r, "settings.sla_policies", "settings", 0, nil)
	return s.getSLAPolicies(w, r)
}

func (s *Server) getBusinessHours(w http.ResponseWriter, r *http.Request) error {
	h, err := s.Services.Tickets.DefaultHours(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) putBusinessHours(w http.ResponseWriter, r *http.Request) error {
	var in sla.BusinessHours
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Services.Tickets.SetDefaultHours(r.Context(), in); err != nil {
		return err
	}
	s.audit(r, "settings.business_hours", "settings", 0, nil)
	return s.getBusinessHours(w, r)
}

func (s *Server) getTeamHours(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var n int
	if err := s.DB.QueryRow(r.Context(), `SELECT COUNT(*) FROM teams WHERE id = ?`, id).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return apperr.NotFound("team")
	}
	h, err := s.Services.Tickets.TeamHours(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, h)
	return nil
}

func (s *Server) putTeamHours(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in sla.BusinessHours
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Services.Tickets.SetTeamHours(r.Context(), id, in); err != nil {
		return err
	}
	s.audit(r, "team.business_hours", "team", id, nil)
	return s.getTeamHours(w, r)
}

func (s *Server) getPriorityRules(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Services.Tickets.PriorityRules(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) putPriorityRules(w http.ResponseWriter, r *http.Request) error {
	var in ticket.PriorityRules
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := s.Services.Tickets.SetPriorityRules(r.Context(), in); err != nil {
		return err
	}
	s.audit(r, "settings.priority_rules", "settings", 0, nil)
	return s.getPriorityRules(w, r)
}
