package httpapi

import (
	"net/http"
	"time"

	"kefu/internal/auth"
	"kefu/internal/widgetconf"
)

func init() { routeGroups = append(routeGroups, (*Server).widgetSettingsRoutes) }

// widgetSettingsRoutes: admins save the widget's look; the widget on any shop page reads it
// (public, cross-origin like the rest of /api/v1/widget/, nothing secret in it).
func (s *Server) widgetSettingsRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/widget/settings", Public: true, Handler: s.widgetSettings, Tag: "widget",
			Summary:  "The widget's look saved in the console (colour, titles, greetings, logo, quick replies); the snippet's own attributes win",
			Response: widgetconf.Settings{}},
		{Method: "PUT", Path: "/api/v1/settings/widget", Perm: auth.PermSettingsWrite, Handler: s.saveWidgetSettings, Tag: "settings",
			Summary: "Save the widget's look; every embedded widget picks it up on its next page load", Body: widgetconf.Settings{}, Response: widgetconf.Settings{}},
	}
}

func (s *Server) widgetSettings(w http.ResponseWriter, r *http.Request) error {
	ws, err := widgetconf.Load(r.Context(), s.DB)
	if err != nil {
		return err
	}
	// Every page view of every shop asks; a minute of browser caching spares the database
	// while a saved change still shows within a minute.
	w.Header().Set("Cache-Control", "public, max-age=60")
	writeJSON(w, http.StatusOK, ws)
	return nil
}

func (s *Server) saveWidgetSettings(w http.ResponseWriter, r *http.Request) error {
	var in widgetconf.Settings
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	saved, err := widgetconf.Save(r.Context(), s.DB, in, time.Now())
	if err != nil {
		return err
	}
	s.audit(r, "settings.widget", "settings", 0, map[string]any{"color": saved.Color, "logo_url": saved.LogoURL})
	writeJSON(w, http.StatusOK, saved)
	return nil
}
