package ticket

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"kefu/internal/apperr"
)

// Variables are the placeholders a macro body may use, written {customer.name}. A fixed list
// lets a macro be checked when it is saved rather than when an agent sends it.
var Variables = []string{
	"customer.name", "customer.tier", "order.number", "ticket.id", "ticket.subject",
	"ticket.status", "agent.name", "shop.name", "case.number", "tracking.number",
}

// ActionType is something a macro does to the ticket besides replying.
type ActionType string

const (
	ActionSetStatus   ActionType = "set_status"
	ActionSetPriority ActionType = "set_priority"
	ActionAddTag      ActionType = "add_tag"
	ActionRemoveTag   ActionType = "remove_tag"
	ActionAssignTeam  ActionType = "assign_team"  // value: team id
	ActionAssignAgent ActionType = "assign_agent" // value: agent id
)

// Action is one macro action.
type Action struct {
	Type  ActionType `json:"type"`
	Value string     `json:"value"`
}

// Macro is a canned reply with variables plus actions, applied by an agent in one click.
type Macro struct {
	ID      int64    `json:"id,omitempty"`
	Name    string   `json:"name"`
	Body    string   `json:"body"`
	Actions []Action `json:"actions,omitempty"`
}

// MaxTagLen bounds a tag, in characters.
const MaxTagLen = 64

// Validate checks the name, every placeholder in the body and every action.
func (m Macro) Validate() error {
	if strings.TrimSpace(m.Name) == "" {
		return apperr.Invalid("name", "a macro needs a name")
	}
	if !utf8.ValidString(m.Body) {
		return apperr.Invalid("body", "the body is not valid UTF-8")
	}
	if strings.TrimSpace(m.Body) == "" && len(m.Actions) == 0 {
		return apperr.Invalid("body", "a macro needs a reply body or at least one action")
	}
	for _, name := range placeholders(m.Body) {
		if !slices.Contains(Variables, name) {
			return apperr.Invalid("body", fmt.Sprintf("unknown variable {%s}; known: {%s}", name, strings.Join(Variables, "}, {")))
		}
	}
	for i, a := range m.Actions {
		if err := a.validate(); err != nil {
			err.Field = fmt.Sprintf("actions[%d].%s", i, err.Field)
			return err
		}
	}
	return nil
}

func (a Action) validate() *apperr.Error {
	v := strings.TrimSpace(a.Value)
	switch a.Type {
	case ActionSetStatus:
		if !Status(v).Valid() {
			return apperr.Invalid("value", fmt.Sprintf("unknown status %q", a.Value))
		}
	case ActionSetPriority:
		if !Priority(v).Valid() {
			return apperr.Invalid("value", fmt.Sprintf("unknown priority %q", a.Value))
		}
	case ActionAddTag, ActionRemoveTag:
		if v == "" || utf8.RuneCountInString(v) > MaxTagLen || !utf8.ValidString(v) {
			return apperr.Invalid("value", fmt.Sprintf("a tag must be 1-%d characters", MaxTagLen))
		}
	case ActionAssignTeam, ActionAssignAgent:
		if id, err := strconv.ParseInt(v, 10, 64); err != nil || id <= 0 {
			return apperr.Invalid("value", fmt.Sprintf("%s needs a positive id, got %q", a.Type, a.Value))
		}
	default:
		return apperr.Invalid("type", fmt.Sprintf("unknown action %q", a.Type))
	}
	return nil
}

// scan walks a template, calling lit for literal text and ph for each {placeholder}. "{{"
// is a literal "{"; a brace not forming {name} (e.g. "{ ok }" or "{你好}") stays literal, so
// ordinary prose with braces survives untouched.
func scan(tmpl string, lit func(string), ph func(string)) {
	for len(tmpl) > 0 {
		i := strings.IndexByte(tmpl, '{')
		if i < 0 {
			lit(tmpl)
			return
		}
		lit(tmpl[:i])
		tmpl = tmpl[i:]
		if strings.HasPrefix(tmpl, "{{") {
			lit("{")
			tmpl = tmpl[2:]
			continue
		}
		end := strings.IndexByte(tmpl, '}')
		if end > 0 && isVarName(tmpl[1:end]) {
			ph(tmpl[1:end])
			tmpl = tmpl[end+1:]
			continue
		}
		lit("{")
		tmpl = tmpl[1:]
	}
}

// isVarName accepts dotted lower-case identifiers: customer.name, order.number.
func isVarName(s string) bool {
	if s == "" {
		return false
	}
	for _, part := range strings.Split(s, ".") {
		if part == "" || part[0] < 'a' || part[0] > 'z' {
			return false
		}
		for i := 0; i < len(part); i++ {
			c := part[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				return false
			}
		}
	}
	return true
}

func placeholders(tmpl string) []string {
	var out []string
	scan(tmpl, func(string) {}, func(name string) { out = append(out, name) })
	return out
}

// Expand fills {variables} from vars. Every placeholder needs a non-empty value: a reply that
// says "Dear ," is worse than an error the agent can fix before sending.
func Expand(tmpl string, vars map[string]string) (string, error) {
	var b strings.Builder
	var missing []string
	scan(tmpl, func(s string) { b.WriteString(s) }, func(name string) {
		v, ok := vars[name]
		if !ok || strings.TrimSpace(v) == "" {
			if !slices.Contains(missing, name) {
				missing = append(missing, name)
			}
			return
		}
		b.WriteString(v) // values are inserted verbatim, never re-expanded
	})
	if len(missing) > 0 {
		return "", apperr.Invalid("body", "no value for {"+strings.Join(missing, "}, {")+"}")
	}
	return b.String(), nil
}

// Snapshot is the part of a ticket a macro can change.
type Snapshot struct {
	ID       int64    `json:"id"`
	Status   Status   `json:"status"`
	Priority Priority `json:"priority"`
	Tags     []string `json:"tags"`
	TeamID   int64    `json:"team_id"`
	AgentID  int64    `json:"agent_id"`
}

// Change is one field a macro changed, for the event history (before/after).
type Change struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// MacroResult is the reply to send and the ticket as it should be after the macro.
type MacroResult struct {
	Reply   string   `json:"reply"`
	Ticket  Snapshot `json:"ticket"`
	Changes []Change `json:"changes"`
}

// ApplyMacro expands the body and applies the actions in order, checking every status change
// against the workflow for this actor. Nothing is half-applied: on error the caller gets no result.
func ApplyMacro(m Macro, t Snapshot, vars map[string]string, actor Actor) (MacroResult, error) {
	if err := m.Validate(); err != nil {
		return MacroResult{}, err
	}
	var res MacroResult
	if strings.TrimSpace(m.Body) != "" {
		reply, err := Expand(m.Body, vars)
		if err != nil {
			return MacroResult{}, err
		}
		res.Reply = reply
	}
	cur := t
	cur.Tags = append([]string(nil), t.Tags...)
	for _, a := range m.Actions {
		v := strings.TrimSpace(a.Value)
		switch a.Type {
		case ActionSetStatus:
			to := Status(v)
			if to == cur.Status {
				continue // already there: a macro may be applied twice
			}
			if err := Transition(cur.Status, to, actor); err != nil {
				return MacroResult{}, err
			}
			res.Changes = append(res.Changes, Change{"status", string(cur.Status), v})
			cur.Status = to
		case ActionSetPriority:
			if Priority(v) != cur.Priority {
				res.Changes = append(res.Changes, Change{"priority", string(cur.Priority), v})
				cur.Priority = Priority(v)
			}
		case ActionAddTag:
			if !slices.Contains(cur.Tags, v) {
				cur.Tags = append(cur.Tags, v)
				res.Changes = append(res.Changes, Change{"tag", "", v})
			}
		case ActionRemoveTag:
			if i := slices.Index(cur.Tags, v); i >= 0 {
				cur.Tags = slices.Delete(cur.Tags, i, i+1)
				res.Changes = append(res.Changes, Change{"tag", v, ""})
			}
		case ActionAssignTeam, ActionAssignAgent:
			id, _ := strconv.ParseInt(v, 10, 64) // validated above
			field, old := "team_id", &cur.TeamID
			if a.Type == ActionAssignAgent {
				field, old = "agent_id", &cur.AgentID
			}
			if *old != id {
				res.Changes = append(res.Changes, Change{field, strconv.FormatInt(*old, 10), v})
				*old = id
			}
		}
	}
	res.Ticket = cur
	return res, nil
}
