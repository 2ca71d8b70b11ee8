package ticket

import "testing"

func agent(id int64, status AgentStatus, capacity, open int) AgentLoad {
	return AgentLoad{ID: id, Name: "a" + string(rune('0'+id)), Status: status, Capacity: capacity, Open: open}
}

func TestPickAgentStrategies(t *testing.T) {
	agents := []AgentLoad{
		agent(1, AgentOnline, 5, 4),
		agent(2, AgentAway, 5, 0),   // away: nothing new
		agent(3, AgentOnline, 5, 5), // full
		agent(4, AgentOnline, 5, 1),
		agent(5, AgentOffline, 5, 0),
		agent(6, AgentOnline, 0, 9), // unlimited capacity
	}
	cases := []struct {
		name     string
		strategy Strategy
		last     int64
		agents   []AgentLoad
		req      Request
		want     int64
		ok       bool
	}{
		{"round robin starts at the lowest id", RoundRobin, 0, agents, Request{}, 1, true},
		{"round robin continues after the last agent", RoundRobin, 1, agents, Request{}, 4, true},
		{"round robin skips away, full and offline", RoundRobin, 4, agents, Request{}, 6, true},
		{"round robin wraps around", RoundRobin, 6, agents, Request{}, 1, true},
		{"unknown strategy means round robin", "lottery", 1, agents, Request{}, 4, true},
		{"least loaded", LeastLoaded, 0, agents, Request{}, 4, true},
		{"least loaded tie goes to more spare capacity", LeastLoaded, 0,
			[]AgentLoad{agent(1, AgentOnline, 3, 1), agent(2, AgentOnline, 10, 1)}, Request{}, 2, true},
		{"nobody available", LeastLoaded, 0, []AgentLoad{agent(2, AgentAway, 5, 0), agent(3, AgentOnline, 1, 1)}, Request{}, 0, false},
		{"skills: language match wins over load", SkillsMatch, 0, []AgentLoad{
			{ID: 1, Status: AgentOnline, Open: 0},
			{ID: 2, Status: AgentOnline, Open: 3, Languages: []string{"en"}},
		}, Request{Language: "en"}, 2, true},
		{"skills: excluded language never picked", SkillsMatch, 0, []AgentLoad{
			{ID: 1, Status: AgentOnline, Languages: []string{"zh"}},
		}, Request{Language: "en"}, 0, false},
		{"skills: category and tier", SkillsMatch, 0, []AgentLoad{
			{ID: 1, Status: AgentOnline, Categories: []Category{CategoryRefund}},
			{ID: 2, Status: AgentOnline, Categories: []Category{CategoryRefund}, Tiers: []string{"gold"}},
			{ID: 3, Status: AgentOnline, Categories: []Category{CategoryLogistics}},
		}, Request{Category: CategoryRefund, Tier: "gold"}, 2, true},
		{"skills: tie broken by load", SkillsMatch, 0, []AgentLoad{
			{ID: 1, Status: AgentOnline, Open: 2, Languages: []string{"zh"}},
			{ID: 2, Status: AgentOnline, Open: 1, Languages: []string{"zh"}},
		}, Request{Language: "zh"}, 2, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := PickAgent(tc.req, TeamSnapshot{Strategy: tc.strategy, Agents: tc.agents, LastAgentID: tc.last})
			if ok != tc.ok || (ok && got.ID != tc.want) {
				t.Fatalf("got %d %v, want %d %v", got.ID, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestAssignTeams(t *testing.T) {
	online := []AgentLoad{agent(1, AgentOnline, 5, 0)}
	general := TeamSnapshot{ID: 1, Name: "general", Agents: online}
	refunds := TeamSnapshot{ID: 2, Name: "refunds", Categories: []Category{CategoryRefund, CategoryReturn}, Agents: online}
	english := TeamSnapshot{ID: 3, Name: "english", Languages: []string{"en"}, Agents: online}
	vip := TeamSnapshot{ID: 4, Name: "vip", ServesVIP: true, Categories: []Category{CategoryComplaint}, Agents: online}
	busyRefunds := TeamSnapshot{ID: 5, Name: "refunds-2", Categories: []Category{CategoryRefund}, Agents: []AgentLoad{agent(9, AgentOffline, 5, 0)}}
	cases := []struct {
		name     string
		req      Request
		teams    []TeamSnapshot
		wantTeam int64
		code     string
	}{
		{"category specialist beats generalist", Request{Category: CategoryRefund, Language: "zh"}, []TeamSnapshot{general, refunds}, 2, "skills_team"},
		{"generalist takes other categories", Request{Category: CategoryLogistics}, []TeamSnapshot{general, refunds}, 1, "skills_team"},
		{"language-restricted team excluded", Request{Category: CategoryLogistics, Language: "zh"}, []TeamSnapshot{english}, 0, "no_team"},
		{"language match", Request{Category: CategoryLogistics, Language: "en"}, []TeamSnapshot{general, english}, 3, "skills_team"},
		{"VIP goes to a VIP team even off-category", Request{Category: CategoryRefund, Tier: "vip"}, []TeamSnapshot{general, refunds, vip}, 4, "vip_team"},
		{"VIP without a VIP team uses skills", Request{Category: CategoryRefund, Tier: "VIP"}, []TeamSnapshot{general, refunds}, 2, "skills_team"},
		{"a VIP team with the right skills also serves others", Request{Category: CategoryComplaint, Tier: "gold"}, []TeamSnapshot{general, vip}, 4, "skills_team"},
		{"equal skills: a team with a free agent wins", Request{Category: CategoryRefund}, []TeamSnapshot{busyRefunds, refunds}, 2, "skills_team"},
		{"no teams at all", Request{Category: CategoryRefund}, nil, 0, "no_team"},
		{"team without free agents queues the ticket", Request{Category: CategoryRefund}, []TeamSnapshot{busyRefunds}, 5, "team_queue"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := Assign(tc.req, tc.teams)
			if a.TeamID != tc.wantTeam || a.Code != tc.code {
				t.Fatalf("got team %d code %s (%s), want team %d code %s", a.TeamID, a.Code, a.EN, tc.wantTeam, tc.code)
			}
			if (a.AgentID != 0) != (tc.code == "skills_team" || tc.code == "vip_team") {
				t.Fatalf("agent %d with code %s", a.AgentID, a.Code)
			}
			if a.ZH == "" || a.EN == "" {
				t.Fatal("assignment without an explanation")
			}
		})
	}
}
