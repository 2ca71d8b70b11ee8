package httpapi

import (
	"net/http"

	"kefu/internal/auth"
	"kefu/internal/ticket"
)

func init() { routeGroups = append(routeGroups, (*Server).teamRoutes) }

// teamRoutes expose the teams routing uses: anyone working tickets sees them; admins change
// them (settings:write). Teams are organisation settings like users and integrations: a team's
// members, their capacity and skills decide who gets which customer, so supervisors (who tune
// SLA and after-sales policies with policies:write) see teams but do not restructure them.
// Routing reads the tables on every ticket, so a saved change applies to the next ticket.
func (s *Server) teamRoutes() []Route {
	return []Route{
		{Method: "GET", Path: "/api/v1/teams", Perm: auth.PermTicketsRead, Handler: s.listTeams, Tag: "settings",
			Summary: "Teams with their skills (languages, categories, tiers), assignment rule and members", Response: listResponse[ticket.Team]{}},
		{Method: "POST", Path: "/api/v1/teams", Perm: auth.PermSettingsWrite, Handler: s.createTeam, Tag: "settings",
			Summary: "Create a team: skills, VIP service, assignment rule (round_robin, least_loaded, skills_match) and members with their capacity",
			Body:    ticket.TeamInput{}, Response: ticket.Team{}, Status: http.StatusCreated},
		{Method: "PUT", Path: "/api/v1/teams/{id}", Perm: auth.PermSettingsWrite, Handler: s.updateTeam, Tag: "settings",
			Summary: "Replace a team's settings and members; routing uses them from the next ticket", Body: ticket.TeamInput{}, Response: ticket.Team{}},
		{Method: "DELETE", Path: "/api/v1/teams/{id}", Perm: auth.PermSettingsWrite, Handler: s.deleteTeam, Tag: "settings",
			Summary: "Delete a team without open tickets (409 team_has_open_tickets otherwise)", Status: http.StatusNoContent},
	}
}

func (s *Server) listTeams(w http.ResponseWriter, r *http.Request) error {
	teams, err := s.Services.Tickets.Teams(r.Context())
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, listResponse[ticket.Team]{Items: teams, Limit: len(teams)})
	return nil
}

func (s *Server) createTeam(w http.ResponseWriter, r *http.Request) error {
	var in ticket.TeamInput
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	t, err := s.Services.Tickets.CreateTeam(r.Context(), in)
	if err != nil {
		return err
	}
	s.audit(r, "team.create", "team", t.ID, teamAudit(t))
	writeJSON(w, http.StatusCreated, t)
	return nil
}

func (s *Server) updateTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	var in ticket.TeamInput
	if err := s.decodeJSON(w, r, &in); err != nil {
		return err
	}
	t, err := s.Services.Tickets.UpdateTeam(r.Context(), id, in)
	if err != nil {
		return err
	}
	s.audit(r, "team.update", "team", t.ID, teamAudit(t))
	writeJSON(w, http.StatusOK, t)
	return nil
}

func (s *Server) deleteTeam(w http.ResponseWriter, r *http.Request) error {
	id, err := pathID(r, "id")
	if err != nil {
		return err
	}
	name, err := s.Services.Tickets.DeleteTeam(r.Context(), id)
	if err != nil {
		return err
	}
	s.audit(r, "team.delete", "team", id, map[string]any{"name": name})
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// teamAudit is what the audit log keeps of a saved team: enough to see what routing used.
func teamAudit(t *ticket.Team) map[string]any {
	members := make([]int64, len(t.Members))
	for i, m := range t.Members {
		members[i] = m.ID
	}
	return map[string]any{"name": t.Name, "languages": t.Languages, "categories": t.Categories, "tiers": t.Tiers,
		"serves_vip": t.ServesVIP, "assignment": t.Assignment, "members": members}
}
