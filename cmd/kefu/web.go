package main

import (
	"net/http"
	"strings"

	"kefu/internal/app"
	"kefu/internal/web"
)

// The web front end (workspace, console, widget, demo shop) wraps the API handler. Every
// top-level path the API registers stays the API's, so a new endpoint is never shadowed by an
// app page.
func init() {
	frontEnd = func(a *app.App, api http.Handler) http.Handler {
		return web.New(api, web.Options{Reserved: apiPrefixes(a)})
	}
}

// apiPrefixes lists the first path segment of every API route ("/healthz", "/api/", "/ws"…).
func apiPrefixes(a *app.App) []string {
	seen := map[string]bool{}
	var out []string
	for _, rt := range a.Server.AllRoutes() {
		seg := "/" + strings.SplitN(strings.TrimPrefix(rt.Path, "/"), "/", 2)[0]
		if seg != "/" && !seen[seg] {
			seen[seg] = true
			out = append(out, seg)
		}
	}
	return out
}
