package conversation

import (
	"cmp"
	"slices"
)

// maxInboxPending bounds the changes an inbox feed queues; past it the client is told to
// re-read its list instead.
const maxInboxPending = 500

// inboxKey is what inbox changes coalesce under: a conversation and the kind of change
// ("customer", "bot" or "agent" for a message from that sender, "updated" for the
// conversation itself). Coalescing per kind keeps every fact a client acts on: a bot reply
// right after a customer's message must not hide that the customer wrote (the agent's
// notification), and a message must not hide that the conversation was closed or reassigned.
type inboxKey struct {
	conv int64
	kind string
}

// inboxQueue holds an inbox feed's changes between deliveries. Not safe for concurrent use:
// the session's mutex guards it.
type inboxQueue struct {
	pending map[inboxKey]ServerFrame
	resync  bool
}

// add queues one inbox frame: the latest message of each sender per conversation wins, and a
// resync (or an overflow) replaces everything queued.
func (q *inboxQueue) add(f ServerFrame) {
	if f.Reason == "resync" || len(q.pending) >= maxInboxPending {
		q.resync, q.pending = true, nil
		return
	}
	if q.resync {
		return // the client re-reads everything anyway
	}
	if q.pending == nil {
		q.pending = map[inboxKey]ServerFrame{}
	}
	k := inboxKey{f.ConversationID, f.Reason}
	if f.Reason == "message" {
		k.kind = f.SenderKind
	}
	if old, ok := q.pending[k]; !ok || f.MessageID >= old.MessageID {
		q.pending[k] = f
	}
}

// drain empties the queue and returns its frames in conversation order; within a
// conversation its messages in commit order, then the update.
func (q *inboxQueue) drain() []ServerFrame {
	pending, resync := q.pending, q.resync
	q.pending, q.resync = nil, false
	if resync {
		return []ServerFrame{{Type: FrameInbox, Reason: "resync"}}
	}
	frames := make([]ServerFrame, 0, len(pending))
	for _, f := range pending {
		frames = append(frames, f)
	}
	slices.SortFunc(frames, func(a, b ServerFrame) int {
		if a.ConversationID != b.ConversationID {
			return cmp.Compare(a.ConversationID, b.ConversationID)
		}
		if au, bu := a.Reason == "updated", b.Reason == "updated"; au != bu {
			if au {
				return 1
			}
			return -1
		}
		return cmp.Compare(a.MessageID, b.MessageID)
	})
	return frames
}
