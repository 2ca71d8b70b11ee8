package httpapi

import (
	"net/http"
	"strconv"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/nlu"
)

func init() { routeGroups = append(routeGroups, (*Server).nluExampleRoutes) }

// nluExampleRoutes show what an intent is trained on: the shipped examples (read-only, they
// are part of the release) and the stored corrections, which can be deleted so a wrong one
// does not train the next model.
func (s *Server) nluExampleRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/nlu/examples", Perm: auth.PermConversations, Handler: s.listIntentExamples, Tag: "nlu",
			Summary: "An intent's training examples: the first shipped ones with their total, and the stored corrections (newest first)",
			Query: []Param{{Name: "intent", Type: "string", Description: "required; one of GET /api/v1/nlu/intents"},
				{Name: "limit", Type: "integer", Description: "how many of each to return, 1-200 (default 50)"}},
			Response: intentExamples{}},
		{Method: "DELETE", Path: "/api/v1/nlu/examples/{id}", Perm: auth.PermNLUTrain, Handler: s.deleteIntentExample, Tag: "nlu",
			Summary: "Delete a stored correction so it no longer trains the model (from the next retrain)", Status: http.StatusNoContent},
	}
}

type intentExamples struct {
	Intent       string              `json:"intent"`
	Shipped      []string            `json:"shipped"`
	ShippedTotal int                 `json:"shipped_total"`
	Corrections  []nlu.StoredExample `json:"corrections"`
}

func (s *Server) listIntentExamples(w http.ResponseWriter, r *http.Request) error {
	intent := r.URL.Query().Get("intent")
	if intent == "" {
		return apperr.Invalid("intent", "is required")
	}
	if !containsString(s.Services.NLU.Intents, intent) {
		return apperr.Invalid("intent", "must be one of the known intents (GET /api/v1/nlu/intents)")
	}
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 200 {
			return apperr.Invalid("limit", "must be a whole number from 1 to 200")
		}
		limit = n
	}
	shipped, err := nlu.ShippedExamples(nlu.TaskIntent, intent)
	if err != nil {
		return err
	}
	corrections, err := s.Services.NLU.Store.StoredExamples(r.Context(), nlu.TaskIntent, intent, limit)
	if err != nil {
		return err
	}
	first := shipped[:min(limit, len(shipped))]
	writeJSON(w, http.StatusOK, intentExamples{Intent: intent, Shipped: append([]string{}, first...), ShippedTotal: len(shipped), Corrections: corrections})
	return nil
}

func (s *Server) deleteIntentExample(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ex, err := s.Services.NLU.Store.DeleteExample(r.Context(), id)
	if err != nil {
		return err
	}
	s.audit(r, "nlu.delete_example", "nlu_example", id, map[string]any{"label": ex.Label, "text": ex.Text, "source": ex.Source})
	w.WriteHeader(http.StatusNoContent)
	return nil
}
