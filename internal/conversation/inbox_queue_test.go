package conversation

import (
	"fmt"
	"reflect"
	"testing"
)

func TestInboxQueueCoalescing(t *testing.T) {
	msg := func(conv, id int64, sender string) ServerFrame {
		return ServerFrame{Type: FrameInbox, Reason: "message", ConversationID: conv, MessageID: id, SenderKind: sender}
	}
	upd := func(conv int64) ServerFrame {
		return ServerFrame{Type: FrameInbox, Reason: "updated", ConversationID: conv}
	}
	resync := ServerFrame{Type: FrameInbox, Reason: "resync"}
	for _, c := range []struct {
		name string
		in   []ServerFrame
		want []ServerFrame
	}{
		{"nothing", nil, []ServerFrame{}},
		{"a burst from one sender keeps the latest", []ServerFrame{msg(1, 10, "customer"), msg(1, 12, "customer"), msg(1, 11, "customer")}, []ServerFrame{msg(1, 12, "customer")}},
		// The bug this type exists for: the bot's reply replaced the customer's message, and
		// a reply then a close showed only the reply, so the agent never heard of either.
		{"a bot reply does not hide the customer's message", []ServerFrame{msg(1, 10, "customer"), msg(1, 11, "bot")}, []ServerFrame{msg(1, 10, "customer"), msg(1, 11, "bot")}},
		{"a message does not hide an update", []ServerFrame{msg(1, 11, "bot"), upd(1)}, []ServerFrame{msg(1, 11, "bot"), upd(1)}},
		{"an update before a message still goes last", []ServerFrame{upd(1), msg(1, 11, "agent"), upd(1)}, []ServerFrame{msg(1, 11, "agent"), upd(1)}},
		{"conversations in order", []ServerFrame{upd(3), msg(2, 20, "customer"), msg(1, 30, "customer")}, []ServerFrame{msg(1, 30, "customer"), msg(2, 20, "customer"), upd(3)}},
		{"resync replaces everything", []ServerFrame{msg(1, 10, "customer"), resync, upd(2)}, []ServerFrame{resync}},
	} {
		t.Run(c.name, func(t *testing.T) {
			var q inboxQueue
			for _, f := range c.in {
				q.add(f)
			}
			if got := q.drain(); !reflect.DeepEqual(got, c.want) {
				t.Errorf("got %+v\nwant %+v", got, c.want)
			}
			if again := q.drain(); len(again) != 0 {
				t.Errorf("second drain: %+v", again)
			}
		})
	}
}

func TestInboxQueueOverflowAsksForResync(t *testing.T) {
	var q inboxQueue
	for i := range maxInboxPending + 1 {
		q.add(ServerFrame{Type: FrameInbox, Reason: "updated", ConversationID: int64(i + 1)})
	}
	if got := q.drain(); len(got) != 1 || got[0].Reason != "resync" {
		t.Fatalf("after %d changes: %s", maxInboxPending+1, fmt.Sprint(got))
	}
}
