package httpapi

import (
	"net/http"

	"kefu/internal/auth"
	"kefu/internal/webhook"
)

func init() { routeGroups = append(routeGroups, (*Server).webhookRoutes) }

func (s *Server) webhookRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/webhooks", Perm: auth.PermSettingsWrite, Handler: s.listWebhooks, Tag: "webhooks", Summary: "List webhook subscriptions", Response: listResponse[webhook.Webhook]{}},
		{Method: "POST", Path: "/api/v1/webhooks", Perm: auth.PermSettingsWrite, Handler: s.createWebhook, Tag: "webhooks", Summary: "Subscribe a URL to ticket and after-sales events (the signing secret is shown once)", Body: webhook.NewWebhook{}, Response: webhook.Webhook{}, Status: http.StatusCreated},
		{Method: "DELETE", Path: "/api/v1/webhooks/{id}", Perm: auth.PermSettingsWrite, Handler: s.deleteWebhook, Tag: "webhooks", Summary: "Remove a webhook subscription", Status: http.StatusNoContent},
		{Method: "GET", Path: "/api/v1/webhooks/{id}/deliveries", Perm: auth.PermSettingsWrite, Handler: s.webhookDeliveries, Tag: "webhooks", Summary: "Latest deliveries of a webhook with their attempts and errors", Response: listResponse[webhook.Delivery]{}},
	}
}

func (s *Server) listWebhooks(w http.ResponseWriter, r *http.Request) error {
	hooks, err := s.Services.Webhooks.List(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listResponse[webhook.Webhook]{Items: hooks, Limit: len(hooks)})
	return nil
}

func (s *Server) createWebhook(w http.ResponseWriter, r *http.Request) error {
	var in webhook.NewWebhook
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	h, err := s.Services.Webhooks.Create(r.Context(), in)
	if err != nil {
		return err
	}
	s.audit(r, "webhook.create", "webhook", h.ID, map[string]any{"url": h.URL})
	writeJSON(w, http.StatusCreated, h)
	return nil
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	if err := s.Services.Webhooks.Delete(r.Context(), id); err != nil {
		return err
	}
	s.audit(r, "webhook.delete", "webhook", id, nil)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *Server) webhookDeliveries(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	ds, err := s.Services.Webhooks.Deliveries(r.Context(), id)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listResponse[webhook.Delivery]{Items: ds, Limit: len(ds)})
	return nil
}
