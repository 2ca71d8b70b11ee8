package conversation

import (
	"context"
	"strconv"
	"strings"
)

// CountCap bounds each queue count. The workspace shows "999+" past it: an agent needs to
// know that a queue is long, not whether it holds 48 210 or 48 211 conversations, and a count
// that stops at the cap costs the same on a database of ten thousand or ten million rows.
const CountCap = 1000

// Queues are the workspace's conversation queues, in the order of its tabs.
var Queues = []string{"agent", "mine", "team", "unassigned", "bot"}

// QueueCounts is how many conversations each queue holds, each at most Cap (meaning "Cap or more").
type QueueCounts struct {
	Agent      int `json:"agent"`      // needs a person (handled by agents)
	Mine       int `json:"mine"`       // assigned to the caller
	Team       int `json:"team"`       // routed to a team the caller belongs to
	Unassigned int `json:"unassigned"` // handled by agents, nobody assigned yet
	Bot        int `json:"bot"`        // handled by the bot
	Cap        int `json:"cap"`        // a count equal to Cap means "at least Cap"
}

// queueFilter is the list filter of a queue for user me, as the workspace's tabs list it.
func queueFilter(queue, status string, me int64) Filter {
	f := Filter{Status: status}
	switch queue {
	case "agent":
		f.HandledBy = "agent"
	case "mine":
		f.AssigneeID = me
	case "team":
		f.MemberOf = me
	case "unassigned":
		f.HandledBy, f.Unassigned = "agent", true
	case "bot":
		f.HandledBy = "bot"
	}
	return f
}

// CountQueues counts the conversations of every queue for user me, optionally of one status
// ("" for any), in one round trip. Each count reads at most CountCap rows (a LIMIT inside the
// count), so it stays cheap however large the table grows.
func (s *Service) CountQueues(ctx context.Context, me int64, status string) (QueueCounts, error) {
	var parts []string
	var args []any
	limit := strconv.Itoa(CountCap)
	for _, q := range Queues {
		if me == 0 && (q == "mine" || q == "team") {
			parts = append(parts, "0") // nobody's queue (an unfiltered count would be everyone's)
			continue
		}
		w := queueFilter(q, status, me).where()
		count := `(SELECT COUNT(*) FROM (SELECT 1 FROM conversations` + w.SQL() + ` LIMIT ` + limit + `) q_` + q + `)`
		if q == "team" {
			// conversations.team_id has no index: finding no row of "my teams" reads every
			// conversation of the status. Most agents are in no team; for them, answer 0 at once.
			count = `CASE WHEN EXISTS (SELECT 1 FROM team_members WHERE user_id = ?) THEN ` + count + ` ELSE 0 END`
			args = append(args, me)
		}
		parts = append(parts, count)
		args = append(args, w.Args()...)
	}
	out := QueueCounts{Cap: CountCap}
	err := s.DB.QueryRow(ctx, `SELECT `+strings.Join(parts, ", "), args...).Scan(&out.Agent, &out.Mine, &out.Team, &out.Unassigned, &out.Bot)
	return out, err
}
