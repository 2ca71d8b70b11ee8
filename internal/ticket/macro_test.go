package ticket

import (
	"slices"
	"strings"
	"testing"

	"kefu/internal/apperr"
)

func TestExpand(t *testing.T) {
	vars := map[string]string{"customer.name": "王芳", "order.number": "SO-2026-001", "ticket.id": "T-7",
		"agent.name": "Lily", "evil": "{order.number}"}
	cases := []struct {
		name, tmpl, want, missing string
	}{
		{"zh", "{customer.name}您好，订单 {order.number} 已为您加急。——{agent.name}", "王芳您好，订单 SO-2026-001 已为您加急。——Lily", ""},
		{"en", "Hi {customer.name}, ticket {ticket.id} is on it.", "Hi 王芳, ticket T-7 is on it.", ""},
		{"repeated", "{ticket.id}/{ticket.id}", "T-7/T-7", ""},
		{"escaped brace", "{{customer.name} is literal", "{customer.name} is literal", ""},
		{"braces in prose stay", "JSON {\"a\": 1} and {你好} and { x }", "JSON {\"a\": 1} and {你好} and { x }", ""},
		{"unclosed", "oops {customer.name", "oops {customer.name", ""},
		{"values are not re-expanded", "{evil}", "{order.number}", ""},
		{"missing value", "Dear {customer.name}, {shop.name} and {tracking.number} {shop.name}", "", "{shop.name}, {tracking.number}"},
		{"no placeholders", "plain", "plain", ""},
		{"empty", "", "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Expand(tc.tmpl, vars)
			if tc.missing != "" {
				ae, ok := apperr.As(err)
				if !ok || !strings.HasSuffix(ae.Message, tc.missing) {
					t.Fatalf("err = %v, want missing %s", err, tc.missing)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := Expand("{customer.name}", map[string]string{"customer.name": "  "}); err == nil {
		t.Fatal("blank value accepted")
	}
}

func TestMacroValidate(t *testing.T) {
	ok := Macro{Name: "ship", Body: "Hi {customer.name}", Actions: []Action{{ActionSetStatus, "pending"}}}
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		m     Macro
		field string
	}{
		{"no name", Macro{Body: "x"}, "name"},
		{"nothing to do", Macro{Name: "n", Body: "  "}, "body"},
		{"unknown variable", Macro{Name: "n", Body: "Hi {customer.nickname}"}, "body"},
		{"invalid utf8", Macro{Name: "n", Body: "\xff"}, "body"},
		{"bad status", Macro{Name: "n", Actions: []Action{{ActionSetStatus, "done"}}}, "actions[0].value"},
		{"bad priority", Macro{Name: "n", Actions: []Action{{ActionAddTag, "ok"}, {ActionSetPriority, "p1"}}}, "actions[1].value"},
		{"empty tag", Macro{Name: "n", Actions: []Action{{ActionAddTag, " "}}}, "actions[0].value"},
		{"long tag", Macro{Name: "n", Actions: []Action{{ActionRemoveTag, strings.Repeat("标", MaxTagLen+1)}}}, "actions[0].value"},
		{"bad team", Macro{Name: "n", Actions: []Action{{ActionAssignTeam, "sales"}}}, "actions[0].value"},
		{"zero agent", Macro{Name: "n", Actions: []Action{{ActionAssignAgent, "0"}}}, "actions[0].value"},
		{"unknown action", Macro{Name: "n", Actions: []Action{{"delete_ticket", "1"}}}, "actions[0].type"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ae, ok := apperr.As(tc.m.Validate())
			if !ok || ae.Field != tc.field {
				t.Fatalf("got %v, want field %s", ae, tc.field)
			}
		})
	}
}

func TestApplyMacro(t *testing.T) {
	m := Macro{Name: "need photos", Body: "{customer.name}，请上传商品照片，谢谢！",
		Actions: []Action{{ActionSetStatus, "pending"}, {ActionSetPriority, "high"}, {ActionAddTag, "需要照片"},
			{ActionAddTag, "vip"}, {ActionRemoveTag, "new"}, {ActionAssignTeam, "3"}, {ActionAssignAgent, "42"}}}
	before := Snapshot{ID: 7, Status: StatusOpen, Priority: PriorityNormal, Tags: []string{"new", "vip"}, TeamID: 1}
	res, err := ApplyMacro(m, before, map[string]string{"customer.name": "李雷"}, Agent(42, "Lily"))
	if err != nil {
		t.Fatal(err)
	}
	if res.Reply != "李雷，请上传商品照片，谢谢！" {
		t.Fatalf("reply %q", res.Reply)
	}
	want := Snapshot{ID: 7, Status: StatusPending, Priority: PriorityHigh, Tags: []string{"vip", "需要照片"}, TeamID: 3, AgentID: 42}
	if res.Ticket.Status != want.Status || res.Ticket.Priority != want.Priority || !slices.Equal(res.Ticket.Tags, want.Tags) ||
		res.Ticket.TeamID != 3 || res.Ticket.AgentID != 42 {
		t.Fatalf("ticket %+v, want %+v", res.Ticket, want)
	}
	wantChanges := []Change{{"status", "open", "pending"}, {"priority", "normal", "high"}, {"tag", "", "需要照片"},
		{"tag", "new", ""}, {"team_id", "1", "3"}, {"agent_id", "0", "42"}}
	if !slices.Equal(res.Changes, wantChanges) {
		t.Fatalf("changes %v\nwant    %v", res.Changes, wantChanges)
	}
	if !slices.Equal(before.Tags, []string{"new", "vip"}) {
		t.Fatal("ApplyMacro mutated the caller's tags")
	}
	// Applying it again to the result changes nothing but still replies.
	again, err := ApplyMacro(m, res.Ticket, map[string]string{"customer.name": "李雷"}, Agent(42, "Lily"))
	if err != nil || len(again.Changes) != 0 {
		t.Fatalf("second application: %v %v", again.Changes, err)
	}
	// A status the workflow forbids fails the whole macro.
	_, err = ApplyMacro(m, Snapshot{Status: StatusClosed}, map[string]string{"customer.name": "x"}, Agent(1, ""))
	if ae, ok := apperr.As(err); !ok || ae.Code != "ticket_closed" {
		t.Fatalf("closed ticket: %v", err)
	}
	// A missing variable fails before any action.
	if _, err := ApplyMacro(m, before, nil, Agent(1, "")); err == nil {
		t.Fatal("missing variable accepted")
	}
	// Actions-only macro has an empty reply.
	res, err = ApplyMacro(Macro{Name: "close", Actions: []Action{{ActionSetStatus, "resolved"}}}, before, nil, Agent(1, ""))
	if err != nil || res.Reply != "" || res.Ticket.Status != StatusResolved {
		t.Fatalf("actions-only: %+v %v", res, err)
	}
}
