package httpapi

import (
	"context"
	"net/http"
	"strings"

	"kefu/internal/apperr"
	"kefu/internal/auth"
	"kefu/internal/nlu"
	"kefu/internal/store"
)

func init() { routeGroups = append(routeGroups, (*Server).nluRoutes) }

// NLUServices are what the NLU endpoints need: the example and model store, and a way to
// queue retraining (a durable job, so a long training run survives restarts).
type NLUServices struct {
	Store   *nlu.Store
	Intents []string // the labels an agent may choose from
	Retrain func(r *http.Request, task string) error
	Reload  func(ctx context.Context) error // put the active models into the running engine
}

func (s *Server) nluRoutes() []Route {
	return []Route{
		{Method: "POST", Path: "/api/v1/messages/{id}/intent", Perm: auth.PermConversationsW, Handler: s.correctIntent, Tag: "nlu",
			Summary: "Correct the intent of a customer message; the correction becomes a training example", Body: intentCorrection{}, Response: intentCorrectionResult{}},
		{Method: "GET", Path: "/api/v1/nlu/intents", Perm: auth.PermConversations, Handler: s.listIntents, Tag: "nlu", Summary: "The intents an agent can choose from", Response: listResponse[string]{}},
		{Method: "GET", Path: "/api/v1/nlu/models", Perm: auth.PermNLUTrain, Handler: s.listModels, Tag: "nlu", Summary: "Every trained model version with its held-out metrics",
			Query: []Param{{Name: "task", Type: "string", Enum: []string{"intent", "sentiment"}}}, Response: listResponse[nlu.ModelVersion]{}},
		{Method: "POST", Path: "/api/v1/nlu/retrain", Perm: auth.PermNLUTrain, Handler: s.retrain, Tag: "nlu", Summary: "Queue retraining from the shipped and corrected examples (activated only if not worse)",
			Body: retrainRequest{}, Status: http.StatusAccepted, Response: statusResponse{}},
		{Method: "POST", Path: "/api/v1/nlu/models/{version}/activate", Perm: auth.PermNLUTrain, Handler: s.activateModel, Tag: "nlu", Summary: "Activate a stored model version (roll back or forward)",
			Body: retrainRequest{}, Response: statusResponse{}},
	}
}

type intentCorrection struct {
	Intent string `json:"intent"`
}

type intentCorrectionResult struct {
	MessageID int64  `json:"message_id"`
	Intent    string `json:"intent"`
	ExampleID int64  `json:"example_id"`
}

func (s *Server) correctIntent(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in intentCorrection
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	in.Intent = strings.TrimSpace(in.Intent)
	if !containsString(s.Services.NLU.Intents, in.Intent) {
		return apperr.Invalid("intent", "must be one of the known intents (GET /api/v1/nlu/intents)")
	}
	var body, lang, sender string
	err = s.DB.QueryRow(r.Context(), `SELECT body, lang, sender_kind FROM messages WHERE id = ?`, id).Scan(&body, &lang, &sender)
	if err != nil {
		if store.IsNoRows(err) {
			return apperr.NotFound("message")
		}
		return err
	}
	if sender != "customer" {
		return apperr.Invalid("id", "only customer messages have an intent to correct")
	}
	exID, err := s.Services.NLU.Store.AddCorrection(r.Context(), nlu.Correction{Text: body, Label: in.Intent, Lang: lang, MessageID: id, CreatedBy: principal(r).User.ID})
	if err != nil {
		return err
	}
	if _, err := s.DB.Exec(r.Context(), `UPDATE messages SET intent = ? WHERE id = ?`, in.Intent, id); err != nil {
		return err
	}
	s.audit(r, "nlu.correct_intent", "message", id, map[string]any{"intent": in.Intent})
	writeJSON(w, http.StatusOK, intentCorrectionResult{MessageID: id, Intent: in.Intent, ExampleID: exID})
	return nil
}

func (s *Server) listIntents(w http.ResponseWriter, r *http.Request) error {
	writeJSON(w, http.StatusOK, listResponse[string]{Items: s.Services.NLU.Intents, Limit: len(s.Services.NLU.Intents)})
	return nil
}

func (s *Server) listModels(w http.ResponseWriter, r *http.Request) error {
	task, err := queryEnum(r, "task", "intent", "sentiment")
	if err != nil {
		return err
	}
	if task == "" {
		task = "intent"
	}
	vs, err := s.Services.NLU.Store.Versions(r.Context(), task)
	if err != nil {
		return err
	}
	if vs == nil {
		vs = []nlu.ModelVersion{}
	}
	writeJSON(w, http.StatusOK, listResponse[nlu.ModelVersion]{Items: vs, Limit: len(vs)})
	return nil
}

type retrainRequest struct {
	Task string `json:"task"`
}

func (r retrainRequest) task() (string, error) {
	switch r.Task {
	case "", "intent":
		return "intent", nil
	case "sentiment":
		return "sentiment", nil
	}
	return "", apperr.Invalid("task", "must be intent or sentiment")
}

func (s *Server) retrain(w http.ResponseWriter, r *http.Request) error {
	var in retrainRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	task, err := in.task()
	if err != nil {
		return err
	}
	if err := s.Services.NLU.Retrain(r, task); err != nil {
		return err
	}
	s.audit(r, "nlu.retrain", "nlu_model", 0, map[string]any{"task": task})
	writeJSON(w, http.StatusAccepted, statusResponse{Status: "queued"})
	return nil
}

func (s *Server) activateModel(w http.ResponseWriter, r *http.Request) error {
	version, err := pathID(r, "version")
	if err != nil {
		return err
	}
	var in retrainRequest
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	task, err := in.task()
	if err != nil {
		return err
	}
	if err := nlu.Rollback(r.Context(), s.Services.NLU.Store, task, version); err != nil {
		return err
	}
	if err := s.Services.NLU.Reload(r.Context()); err != nil {
		return err
	}
	s.audit(r, "nlu.activate", "nlu_model", version, map[string]any{"task": task})
	writeJSON(w, http.StatusOK, statusResponse{Status: "active"})
	return nil
}

func containsString(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}
