package ticket

import (
	"context"
	"strings"
	"testing"

	"kefu/internal/apperr"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

func intPtr(v int) *int { return &v }

func TestTeamInputValidation(t *testing.T) {
	ok := TeamInput{Name: "English desk", Assignment: "least_loaded"}
	cases := []struct {
		change func(*TeamInput)
		field  string
	}{
		{func(in *TeamInput) { in.Name = " " }, "name"},
		{func(in *TeamInput) { in.Name = strings.Repeat("组", 51) }, "name"},
		{func(in *TeamInput) { in.NameEN = "a\x00b" }, "name_en"},
		{func(in *TeamInput) { in.Languages = []string{"english"} }, "languages[0]"},
		{func(in *TeamInput) { in.Categories = []string{"logistics", "weather"} }, "categories[1]"},
		{func(in *TeamInput) { in.Tiers = []string{"diamond"} }, "tiers[0]"},
		{func(in *TeamInput) { in.Assignment = "random" }, "assignment"},
		{func(in *TeamInput) { in.Members = []TeamMemberInput{{UserID: 0}} }, "members[0].user_id"},
		{func(in *TeamInput) { in.Members = []TeamMemberInput{{UserID: 1}, {UserID: 1}} }, "members[1].user_id"},
		{func(in *TeamInput) { in.Members = []TeamMemberInput{{UserID: 1, Capacity: intPtr(-1)}} }, "members[0].capacity"},
		{func(in *TeamInput) { in.Members = []TeamMemberInput{{UserID: 1, Languages: []string{"??"}}} }, "members[0].languages[0]"},
	}
	for i, c := range cases {
		in := ok
		c.change(&in)
		_, err := in.validate()
		if e, isApp := apperr.As(err); !isApp || e.Status != 400 || e.Field != c.field {
			t.Errorf("case %d: %v, want 400 on %s", i, err, c.field)
		}
	}
	v, err := TeamInput{Name: " Desk ", Languages: []string{"en", "en"}, Categories: []string{"Invoice"}, Tiers: []string{"VIP"}}.validate()
	if err != nil || v.name != "Desk" || v.strategy != RoundRobin || len(v.skills.Languages) != 1 || v.skills.Categories[0] != CategoryInvoice || v.skills.Tiers[0] != "vip" {
		t.Errorf("normalised: %+v %v", v, err)
	}
}

// TestTeamEditsRouteTheNextTicket: routing reads the teams on every ticket, so a team created
// or changed in the console takes the very next ticket, by its new skills, rule and members.
func TestTeamEditsRouteTheNextTicket(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		invoice := func() *Ticket {
			t.Helper()
			tk, err := f.svc.Create(ctx, CreateInput{Subject: "Invoice please", CustomerID: f.regular, Intent: "invoice_request"}, System)
			if err != nil {
				t.Fatal(err)
			}
			return tk
		}
		if tk := invoice(); deref(tk.TeamID) != f.generalTeam {
			t.Fatalf("before: team %d, want the general team", deref(tk.TeamID))
		}

		// An English invoice desk with Bob: the next English invoice ticket goes there.
		desk, err := f.svc.CreateTeam(ctx, TeamInput{Name: "Invoice desk", NameEN: "Invoice desk", Languages: []string{"en"},
			Categories: []string{"invoice"}, Assignment: "least_loaded",
			Members: []TeamMemberInput{{UserID: f.agentB, Capacity: intPtr(3), Languages: []string{"en"}}}})
		if err != nil {
			t.Fatal(err)
		}
		if len(desk.Members) != 1 || desk.Members[0].ID != f.agentB || desk.Members[0].Capacity != 3 || desk.Assignment != LeastLoaded ||
			len(desk.Members[0].Languages) != 1 {
			t.Fatalf("created team: %+v", desk)
		}
		tk := invoice()
		if deref(tk.TeamID) != desk.ID || deref(tk.AssigneeID) != f.agentB || tk.Summary.Assignment.Strategy != LeastLoaded {
			t.Fatalf("after create: team %d agent %d %+v", deref(tk.TeamID), deref(tk.AssigneeID), tk.Summary.Assignment)
		}

		// Swap the member: Alice takes the next one.
		if _, err := f.svc.UpdateTeam(ctx, desk.ID, TeamInput{Name: "Invoice desk", Languages: []string{"en"}, Categories: []string{"invoice"},
			Assignment: "round_robin", Members: []TeamMemberInput{{UserID: f.agentA}}}); err != nil {
			t.Fatal(err)
		}
		if tk := invoice(); deref(tk.TeamID) != desk.ID || deref(tk.AssigneeID) != f.agentA {
			t.Fatalf("after member swap: team %d agent %d", deref(tk.TeamID), deref(tk.AssigneeID))
		}
		// Bob's capacity of 3 is his own: it stays after he leaves the team.
		var capacity int
		db.QueryRow(ctx, `SELECT capacity FROM users WHERE id = ?`, f.agentB).Scan(&capacity)
		if capacity != 3 {
			t.Errorf("Bob's capacity = %d, want 3", capacity)
		}

		// The desk stops taking invoices: they go back to the general team.
		if _, err := f.svc.UpdateTeam(ctx, desk.ID, TeamInput{Name: "Invoice desk", Categories: []string{"refund"}, Members: []TeamMemberInput{{UserID: f.agentA}}}); err != nil {
			t.Fatal(err)
		}
		if tk := invoice(); deref(tk.TeamID) != f.generalTeam {
			t.Fatalf("after category change: team %d", deref(tk.TeamID))
		}

		// Names are unique; unknown teams and users are refused without half-written changes.
		if _, err := f.svc.UpdateTeam(ctx, desk.ID, TeamInput{Name: "售后组"}); !hasCode(err, "team_name_taken") {
			t.Errorf("duplicate name: %v", err)
		}
		if _, err := f.svc.CreateTeam(ctx, TeamInput{Name: "售后组"}); !hasCode(err, "team_name_taken") {
			t.Errorf("duplicate name on create: %v", err)
		}
		if _, err := f.svc.UpdateTeam(ctx, 424242, TeamInput{Name: "x"}); !hasCode(err, "not_found") {
			t.Errorf("unknown team: %v", err)
		}
		_, err = f.svc.UpdateTeam(ctx, desk.ID, TeamInput{Name: "Renamed", Members: []TeamMemberInput{{UserID: f.agentB}, {UserID: 424242}}})
		if e, ok := apperr.As(err); !ok || e.Field != "members[1].user_id" {
			t.Errorf("unknown member: %v", err)
		}
		got, _ := f.svc.GetTeam(ctx, desk.ID)
		if got.Name != "Invoice desk" || len(got.Members) != 1 || got.Members[0].ID != f.agentA {
			t.Errorf("a refused update changed the team: %+v", got)
		}

		// A team with open tickets cannot be deleted; once they are closed it can, and its
		// closed tickets keep their history without the team.
		if _, err := f.svc.DeleteTeam(ctx, desk.ID); !hasCode(err, "team_has_open_tickets") {
			t.Fatalf("delete with open tickets: %v", err)
		}
		if _, err := db.Exec(ctx, `UPDATE tickets SET status = 'closed' WHERE team_id = ?`, desk.ID); err != nil {
			t.Fatal(err)
		}
		if name, err := f.svc.DeleteTeam(ctx, desk.ID); err != nil || name != "Invoice desk" {
			t.Fatalf("delete: %q %v", name, err)
		}
		var orphaned, members int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM tickets WHERE team_id IS NULL AND status = 'closed'`).Scan(&orphaned)
		db.QueryRow(ctx, `SELECT COUNT(*) FROM team_members WHERE team_id = ?`, desk.ID).Scan(&members)
		if orphaned != 2 || members != 0 {
			t.Errorf("after delete: %d closed tickets without team (want 2), %d members left", orphaned, members)
		}
		if _, err := f.svc.DeleteTeam(ctx, desk.ID); !hasCode(err, "not_found") {
			t.Errorf("delete twice: %v", err)
		}
		teams, err := f.svc.Teams(ctx)
		if err != nil || len(teams) != 2 {
			t.Errorf("teams after delete: %d %v", len(teams), err)
		}
	})
}

func hasCode(err error, code string) bool {
	e, ok := apperr.As(err)
	return ok && e.Code == code
}
