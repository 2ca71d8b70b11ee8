package httpapi

import (
	"io"
	"net/http"
	"strings"

	"kefu/internal/aftersales"
	"kefu/internal/apperr"
	"kefu/internal/auth"
)

func init() { routeGroups = append(routeGroups, (*Server).aftersalesRoutes) }

func (s *Server) aftersalesRoutes() []Route {
	kinds := make([]string, len(aftersales.Kinds))
	for i, k := range aftersales.Kinds {
		kinds[i] = string(k)
	}
	sorts := "id, created_at, updated_at"
	return []Route{
		{Method: "GET", Path: "/api/v1/aftersales/cases", Perm: auth.PermAftersalesRead, Handler: s.listCases, Tag: "aftersales", Summary: "List after-sales cases",
			Query: append(pageParams(sorts), Param{Name: "kind", Type: "string", Enum: kinds}, Param{Name: "state", Type: "string"},
				Param{Name: "customer_id", Type: "integer"}, Param{Name: "order_id", Type: "integer"}, Param{Name: "ticket_id", Type: "integer"}),
			Response: listResponse[*aftersales.Record]{}},
		{Method: "POST", Path: "/api/v1/aftersales/cases", Perm: auth.PermAftersalesWrite, Handler: s.createCase, Tag: "aftersales", Summary: "Open a case on behalf of a customer: the tier policy decides (the decision names the rule), auto-approvals and rejections apply at once", Body: aftersales.CreateInput{}, Response: aftersales.Record{}, Status: http.StatusCreated},
		{Method: "GET", Path: "/api/v1/aftersales/cases/{id}", Perm: auth.PermAftersalesRead, Handler: s.getCase, Tag: "aftersales", Summary: "Get a case with the policy decision (rule id and trace), its history and the events the agent may apply", Response: caseDetail{}},
		{Method: "POST", Path: "/api/v1/aftersales/cases/{id}/events", Perm: auth.PermAftersalesWrite, Handler: s.caseEvent, Tag: "aftersales", Summary: "Move a case: approve, reject (note), request_return, ship_return (tracking number), receive, pass_inspection, fail_inspection, refund (amount), reship, start_repair, return_to_customer, investigate, resolve, close… (409 with the reason when not allowed)", Body: caseEventBody{}, Response: aftersales.Record{}},
		{Method: "GET", Path: "/api/v1/aftersales/policy", Perm: auth.PermAftersalesRead, Handler: s.getAftersalesPolicy, Tag: "aftersales", Summary: "The shop's after-sales policy per customer tier", Response: aftersales.Policy{}},
		{Method: "PUT", Path: "/api/v1/aftersales/policy", Perm: auth.PermPoliciesWrite, Handler: s.putAftersalesPolicy, Tag: "aftersales", Summary: "Replace the after-sales policy (validated; unknown fields are refused)", Body: aftersales.Policy{}, Response: aftersales.Policy{}},
	}
}

// caseDetail is one case as the agent's case page needs it.
type caseDetail struct {
	Case    *aftersales.Record     `json:"case"`
	Events  []aftersales.CaseEvent `json:"events"`
	Allowed []aftersales.EventName `json:"allowed_events"`
}

type caseEventBody struct {
	Event          aftersales.EventName `json:"event"`
	Version        int                  `json:"version"` // the version the agent saw; 0 skips the check
	TrackingNumber string               `json:"tracking_number"`
	Amount         aftersales.Money     `json:"amount"` // fen; for approve (optional cap) and refund
	Note           string               `json:"note"`
}

func caseActor(r *http.Request) aftersales.Actor {
	p := principal(r)
	return aftersales.Actor{Kind: aftersales.ActorAgent, ID: p.User.ID, Name: p.User.Name}
}

func (s *Server) listCases(w http.ResponseWriter, r *http.Request) error {
	page, err := parsePage(r, aftersales.CaseSorts, "-id")
	if err != nil {
		return err
	}
	var f aftersales.CaseFilter
	kinds := make([]string, len(aftersales.Kinds))
	for i, k := range aftersales.Kinds {
		kinds[i] = string(k)
	}
	var v string
	if v, err = queryEnum(r, "kind", kinds...); err != nil {
		return err
	}
	f.Kind = aftersales.Kind(v)
	if v, err = queryText(r, "state", 40); err != nil {
		return err
	}
	f.State = aftersales.State(v)
	for name, dst := range map[string]*int64{"customer_id": &f.CustomerID, "order_id": &f.OrderID, "ticket_id": &f.TicketID} {
		if *dst, err = queryID(r, name); err != nil {
			return err
		}
	}
	items, err := s.Services.Aftersales.List(r.Context(), f, page)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, pageOf(items, page))
	return nil
}

func (s *Server) createCase(w http.ResponseWriter, r *http.Request) error {
	var in aftersales.CreateInput
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	rec, err := s.Services.Aftersales.Create(r.Context(), in, caseActor(r))
	if err != nil {
		return err
	}
	s.audit(r, "aftersales.create", "aftersales_case", rec.ID, map[string]any{"rule_id": rec.Decision.RuleID})
	writeJSON(w, http.StatusCreated, rec)
	return nil
}

func (s *Server) getCase(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	rec, err := s.Services.Aftersales.Get(r.Context(), id)
	if err != nil {
		return err
	}
	events, err := s.Services.Aftersales.Events(r.Context(), id)
	if err != nil {
		return err
	}
	allowed := aftersales.Events(aftersales.Case{Kind: rec.Kind, State: rec.State}, caseActor(r))
	if allowed == nil {
		allowed = []aftersales.EventName{}
	}
	writeJSON(w, http.StatusOK, caseDetail{Case: rec, Events: events, Allowed: allowed})
	return nil
}

func (s *Server) caseEvent(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in caseEventBody
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Event == "" {
		return apperr.Invalid("event", "name the event, e.g. approve, reject, receive, refund")
	}
	if in.Amount < 0 {
		return apperr.Invalid("amount", "must not be negative")
	}
	rec, err := s.Services.Aftersales.Transition(r.Context(), id, in.Version,
		aftersales.Event{Name: in.Event, TrackingNumber: in.TrackingNumber, Amount: in.Amount, Note: in.Note}, caseActor(r))
	if err != nil {
		return err
	}
	if in.Event == aftersales.EventApprove || in.Event == aftersales.EventReject || in.Event == aftersales.EventRefund {
		s.audit(r, "aftersales."+string(in.Event), "aftersales_case", id, map[string]any{"amount": in.Amount, "policy_rule_id": rec.Decision.RuleID})
	}
	writeJSON(w, http.StatusOK, rec)
	return nil
}

func (s *Server) getAftersalesPolicy(w http.ResponseWriter, r *http.Request) error {
	p, err := s.Services.Aftersales.Policy(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, p)
	return nil
}

func (s *Server) putAftersalesPolicy(w http.ResponseWriter, r *http.Request) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return apperr.New(http.StatusUnsupportedMediaType, "unsupported_media_type", "send the body as application/json")
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.MaxBodyBytes))
	if err != nil {
		return apperr.New(http.StatusRequestEntityTooLarge, "body_too_large", "the policy is too large")
	}
	// ParsePolicy refuses unknown fields and validates every tier, so a typo never becomes a
	// silently ignored rule.
	p, err := aftersales.ParsePolicy(raw)
	if err != nil {
		return err
	}
	if err := s.Services.Aftersales.SetPolicy(r.Context(), p); err != nil {
		return err
	}
	s.audit(r, "settings.aftersales_policy", "settings", 0, nil)
	return s.getAftersalesPolicy(w, r)
}
