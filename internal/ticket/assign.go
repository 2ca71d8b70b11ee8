package ticket

import (
	"fmt"
	"slices"
	"sort"
	"strings"
)

// AgentStatus is an agent's presence. Only online agents receive new tickets; away agents keep
// what they have (they will be back soon) but get nothing new.
type AgentStatus string

const (
	AgentOnline  AgentStatus = "online"
	AgentAway    AgentStatus = "away"
	AgentOffline AgentStatus = "offline"
)

// Strategy is how a team spreads tickets over its agents.
type Strategy string

const (
	RoundRobin  Strategy = "round_robin"  // take turns, skipping agents who are full or not online
	LeastLoaded Strategy = "least_loaded" // the agent with the fewest open tickets
	SkillsMatch Strategy = "skills_match" // the agent whose skills fit best, then least loaded
)

// Valid reports whether s is a known strategy.
func (s Strategy) Valid() bool { return s == RoundRobin || s == LeastLoaded || s == SkillsMatch }

// AgentLoad is a snapshot of one agent at assignment time.
type AgentLoad struct {
	ID       int64       `json:"id"`
	Name     string      `json:"name"`
	Status   AgentStatus `json:"status"`
	Capacity int         `json:"capacity"` // most open tickets at once; 0 means no limit
	Open     int         `json:"open"`
	// Skills; an empty list means "any".
	Languages  []string   `json:"languages,omitempty"`
	Categories []Category `json:"categories,omitempty"`
	Tiers      []string   `json:"tiers,omitempty"`
}

// Available reports whether the agent can take one more ticket now.
func (a AgentLoad) Available() bool {
	return a.Status == AgentOnline && (a.Capacity <= 0 || a.Open < a.Capacity)
}

// TeamSnapshot is a team with its agents at assignment time.
type TeamSnapshot struct {
	ID         int64       `json:"id"`
	Name       string      `json:"name"`
	Strategy   Strategy    `json:"strategy"`
	Languages  []string    `json:"languages,omitempty"`
	Categories []Category  `json:"categories,omitempty"`
	Tiers      []string    `json:"tiers,omitempty"`
	ServesVIP  bool        `json:"serves_vip"`
	Agents     []AgentLoad `json:"agents"`
	// LastAgentID is the round-robin cursor: the agent who got the previous ticket.
	LastAgentID int64 `json:"last_agent_id"`
}

// Request is what routing needs to know about a ticket.
type Request struct {
	Category Category
	Language string // "zh", "en"…
	Tier     string
}

// Assignment is the routing decision. AgentID 0 means the ticket waits in the team's queue;
// TeamID 0 means the shared unassigned queue.
type Assignment struct {
	TeamID   int64    `json:"team_id"`
	AgentID  int64    `json:"agent_id"`
	Strategy Strategy `json:"strategy,omitempty"`
	Code     string   `json:"code"`
	ZH       string   `json:"zh"`
	EN       string   `json:"en"`
}

// Assign routes a ticket: first a team (a VIP goes to a VIP team when one exists; otherwise the
// team whose skills fit), then an agent inside it by the team's strategy.
func Assign(req Request, teams []TeamSnapshot) Assignment {
	team, why, ok := PickTeam(req, teams)
	if !ok {
		return Assignment{Code: "no_team", ZH: "没有匹配的团队，进入待分配队列", EN: "No matching team; waiting in the unassigned queue"}
	}
	agent, ok := PickAgent(req, team)
	if !ok {
		return Assignment{TeamID: team.ID, Strategy: team.strategy(), Code: "team_queue",
			ZH: why.ZH + "；暂无可用客服，进入团队队列", EN: why.EN + "; no agent available, waiting in the team queue"}
	}
	return Assignment{TeamID: team.ID, AgentID: agent.ID, Strategy: team.strategy(), Code: why.Code,
		ZH: fmt.Sprintf("%s；按%s分配给 %s", why.ZH, strategyZh(team.strategy()), agent.Name),
		EN: fmt.Sprintf("%s; %s picked %s", why.EN, strings.ReplaceAll(string(team.strategy()), "_", "-"), agent.Name)}
}

func (t TeamSnapshot) strategy() Strategy {
	if t.Strategy.Valid() {
		return t.Strategy
	}
	return RoundRobin
}

func strategyZh(s Strategy) string {
	switch s {
	case LeastLoaded:
		return "最少负载"
	case SkillsMatch:
		return "技能匹配"
	}
	return "轮询"
}

// matchList scores one skill: -1 when the list excludes the value, 2 for an explicit match,
// 1 when the list is empty (serves anything) or the request doesn't say.
func matchList[T ~string](list []T, v string) int {
	if v == "" || len(list) == 0 {
		return 1
	}
	for _, x := range list {
		if strings.EqualFold(string(x), v) {
			return 2
		}
	}
	return -1
}

// skillScore sums the three skills, or -1 if any of them excludes the request.
func skillScore(langs []string, cats []Category, tiers []string, req Request) int {
	a, b, c := matchList(langs, req.Language), matchList(cats, string(req.Category)), matchList(tiers, req.Tier)
	if a < 0 || b < 0 || c < 0 {
		return -1
	}
	return a + b + c
}

// RouteReason says why a team was chosen.
type RouteReason struct{ Code, ZH, EN string }

// PickTeam chooses the team for a request. Among candidate teams the most specific skill match
// wins, then the one with an agent free now, then the lowest id (stable).
func PickTeam(req Request, teams []TeamSnapshot) (TeamSnapshot, RouteReason, bool) {
	if strings.EqualFold(req.Tier, "vip") {
		var vip []TeamSnapshot
		for _, t := range teams {
			if t.ServesVIP {
				vip = append(vip, t)
			}
		}
		if len(vip) > 0 {
			// VIP service beats skills: a VIP team that doesn't list the category still takes it.
			best := bestTeam(req, vip, true)
			return best, RouteReason{"vip_team", "VIP 客户分配至 VIP 团队 " + best.Name, "VIP customer routed to VIP team " + best.Name}, true
		}
	}
	var eligible []TeamSnapshot
	for _, t := range teams {
		if skillScore(t.Languages, t.Categories, t.Tiers, req) >= 0 {
			eligible = append(eligible, t)
		}
	}
	if len(eligible) == 0 {
		return TeamSnapshot{}, RouteReason{}, false
	}
	best := bestTeam(req, eligible, false)
	return best, RouteReason{"skills_team", "按技能匹配团队 " + best.Name, "Team " + best.Name + " matches the skills"}, true
}

func bestTeam(req Request, teams []TeamSnapshot, lenient bool) TeamSnapshot {
	score := func(t TeamSnapshot) int {
		s := skillScore(t.Languages, t.Categories, t.Tiers, req)
		if s < 0 && lenient {
			s = 0
		}
		return s
	}
	hasFree := func(t TeamSnapshot) bool {
		return slices.ContainsFunc(t.Agents, AgentLoad.Available)
	}
	sorted := slices.Clone(teams)
	sort.SliceStable(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if sa, sb := score(a), score(b); sa != sb {
			return sa > sb
		}
		if fa, fb := hasFree(a), hasFree(b); fa != fb {
			return fa
		}
		return a.ID < b.ID
	})
	return sorted[0]
}

// PickAgent chooses an available agent of a team by the team's strategy.
func PickAgent(req Request, team TeamSnapshot) (AgentLoad, bool) {
	var free []AgentLoad
	for _, a := range team.Agents {
		if a.Available() {
			free = append(free, a)
		}
	}
	if len(free) == 0 {
		return AgentLoad{}, false
	}
	sort.Slice(free, func(i, j int) bool { return free[i].ID < free[j].ID })
	switch team.strategy() {
	case LeastLoaded:
		return leastLoaded(free), true
	case SkillsMatch:
		return skillsMatch(req, free)
	default:
		return roundRobin(free, team.LastAgentID), true
	}
}

// roundRobin takes the first free agent after the previous one (by id), wrapping around.
func roundRobin(free []AgentLoad, last int64) AgentLoad {
	for _, a := range free {
		if a.ID > last {
			return a
		}
	}
	return free[0]
}

// leastLoaded takes the agent with the fewest open tickets; ties go to the one with more spare
// capacity, then the lowest id.
func leastLoaded(free []AgentLoad) AgentLoad {
	spare := func(a AgentLoad) int {
		if a.Capacity <= 0 {
			return 1 << 30
		}
		return a.Capacity - a.Open
	}
	best := free[0]
	for _, a := range free[1:] {
		if a.Open < best.Open || (a.Open == best.Open && spare(a) > spare(best)) {
			best = a
		}
	}
	return best
}

// skillsMatch keeps agents whose skills don't exclude the request, takes the best score, and
// breaks ties by load.
func skillsMatch(req Request, free []AgentLoad) (AgentLoad, bool) {
	bestScore := -1
	var best []AgentLoad
	for _, a := range free {
		s := skillScore(a.Languages, a.Categories, a.Tiers, req)
		switch {
		case s < 0:
		case s > bestScore:
			bestScore, best = s, []AgentLoad{a}
		case s == bestScore:
			best = append(best, a)
		}
	}
	if len(best) == 0 {
		return AgentLoad{}, false
	}
	return leastLoaded(best), true
}
