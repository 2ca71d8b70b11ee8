package loadtest

import (
	"context"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"kefu/internal/conversation"
	"kefu/internal/conversation/client"
)

// StormReport is the reconnect storm's result: every client compares what it received over
// all its connections with what the database holds for its conversation.
type StormReport struct {
	Clients     int `json:"clients"`
	Rounds      int `json:"rounds"`
	Reconnects  int `json:"reconnects"`
	Stored      int `json:"stored_messages"`    // messages in the clients' conversations (visible to them)
	Received    int `json:"received_unique"`    // distinct messages the clients received
	Lost        int `json:"lost"`               // stored but never received
	Duplicated  int `json:"duplicated"`         // received more than once
	OutOfOrder  int `json:"out_of_order"`       // an id not above the previous one on a connection
	Resent      int `json:"resent"`             // sends retried after a drop (same client_msg_id)
	StoredTwice int `json:"stored_twice"`       // a client_msg_id stored more than once (must be 0)
	Unconfirmed int `json:"unconfirmed_at_end"` // sends never acknowledged even after retries
	TimedOut    int `json:"timed_out"`          // clients that had not caught up after a minute
}

type stormClient struct {
	v        visitor
	mu       sync.Mutex
	received map[int64]int
	lastID   int64
	unacked  map[string]string // client_msg_id -> body
	order    int               // out-of-order deliveries seen
	// final is the database's view when the client had caught up: messages stored later
	// (a bot still answering) are not expected to have arrived.
	final    []client.Message
	timedOut bool
}

func runStorm(ctx context.Context, cfg Config) (*StormReport, error) {
	fmt.Fprintf(cfg.Progress, "storm: %d customers, %d rounds of send-and-drop…\n", cfg.StormClients, cfg.StormRounds)
	vs, err := newVisitors(ctx, cfg.BaseURL, cfg.StormClients)
	if err != nil {
		return nil, err
	}
	clients := make([]*stormClient, len(vs))
	for i, v := range vs {
		clients[i] = &stormClient{v: v, received: map[int64]int{}, unacked: map[string]string{}}
	}
	rep := &StormReport{Clients: len(clients), Rounds: cfg.StormRounds}
	var repMu sync.Mutex
	for round := 0; round <= cfg.StormRounds; round++ {
		final := round == cfg.StormRounds
		// Everyone drops at the same moment, then everyone reconnects at once: the storm.
		dropAt := time.Now().Add(2 * time.Second)
		var wg sync.WaitGroup
		errs := make(chan error, len(clients))
		for i, sc := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				resent, err := sc.session(ctx, cfg.BaseURL, i, round, cfg.StormMessages, final, dropAt.Add(time.Duration(rand.Int64N(int64(50*time.Millisecond)))))
				repMu.Lock()
				rep.Resent += resent
				rep.Reconnects++
				repMu.Unlock()
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		if err := <-errs; err != nil {
			return nil, err
		}
		fmt.Fprintf(cfg.Progress, "storm: round %d done\n", round+1)
	}
	// Compare with the database.
	for _, sc := range clients {
		stored := sc.final
		if sc.timedOut {
			rep.TimedOut++
		}
		seenClientIDs := map[string]int{}
		for _, m := range stored {
			if m.ClientMsgID != nil {
				seenClientIDs[*m.ClientMsgID]++
			}
			if sc.received[m.ID] == 0 {
				rep.Lost++
			}
		}
		for _, n := range seenClientIDs {
			if n > 1 {
				rep.StoredTwice += n - 1
			}
		}
		rep.Stored += len(stored)
		rep.Received += len(sc.received)
		for _, n := range sc.received {
			if n > 1 {
				rep.Duplicated += n - 1
			}
		}
		rep.OutOfOrder += sc.order
		rep.Unconfirmed += len(sc.unacked)
	}
	return rep, nil
}

// session is one connection of one client: resume after the last id seen, resend what was
// never acknowledged, send new messages, and drop abruptly at dropAt. The final session
// instead stays until the client has caught up with the database.
func (sc *stormClient) session(ctx context.Context, base string, idx, round, perRound int, final bool, dropAt time.Time) (resent int, err error) {
	c, err := client.DialCustomer(ctx, base, sc.v.token)
	if err != nil {
		return 0, err
	}
	defer c.WS.CloseNow()
	sc.mu.Lock()
	after := sc.lastID
	sc.mu.Unlock()
	if err := subscribe(ctx, c, sc.v.conv, after); err != nil {
		return 0, err
	}
	readCtx, stop := context.WithCancel(ctx)
	defer stop()
	readerDone := make(chan struct{})
	go func() {
		defer close(readerDone)
		var prev int64 = after
		for {
			f, err := c.Read(readCtx)
			if err != nil {
				return
			}
			sc.mu.Lock()
			switch f.Type {
			case "message":
				if f.Message.ID <= prev {
					sc.order++
				}
				prev = f.Message.ID
				sc.received[f.Message.ID]++
				sc.lastID = max(sc.lastID, f.Message.ID)
			case "ack":
				delete(sc.unacked, f.Ref)
			}
			sc.mu.Unlock()
		}
	}()
	// Sends are paced under the server's per-customer limit (5/s), as a well-behaved widget
	// would: first what was never acknowledged (same client_msg_id), then new messages.
	pace := time.NewTicker(sendPace)
	defer pace.Stop()
	sendOne := func(id, body string) bool {
		if c.Send(ctx, conversation.ClientFrame{Type: "send", Ref: id, ConversationID: sc.v.conv, ClientMsgID: id, Body: body}) != nil {
			return false
		}
		<-pace.C
		return true
	}
	if !final {
		for id, body := range sc.pending() {
			if time.Now().After(dropAt) || !sendOne(id, body) {
				break
			}
			resent++
		}
		for k := 0; k < perRound && time.Now().Before(dropAt); k++ {
			id := fmt.Sprintf("st-%d-%d-%d", idx, round, k)
			body := loadBodies[(idx+k)%len(loadBodies)]
			sc.mu.Lock()
			sc.unacked[id] = body
			sc.mu.Unlock()
			if !sendOne(id, body) {
				break
			}
		}
		time.Sleep(time.Until(dropAt))
		c.WS.CloseNow() // abrupt: no close handshake, frames in flight are lost
		stop()
		<-readerDone
		return resent, nil
	}
	// Final: wait until every send is acknowledged and everything stored has arrived.
	deadline := time.Now().Add(time.Minute)
	sc.timedOut = true
	lastResend := time.Now()
	for time.Now().Before(deadline) {
		time.Sleep(300 * time.Millisecond)
		// Like a real client: resend what is still unacknowledged (refused by the rate limit,
		// or lost with a dropped connection) until it is; the client_msg_id makes it safe.
		if time.Since(lastResend) > time.Second {
			lastResend = time.Now()
			n := 0
			for id, body := range sc.pending() {
				if n == 4 || !sendOne(id, body) {
					break
				}
				n++
				resent++
			}
		}
		stored, err := allMessages(ctx, base, sc.v)
		if err != nil {
			return resent, err
		}
		sc.final = stored
		sc.mu.Lock()
		caughtUp := len(sc.unacked) == 0 && (len(stored) == 0 || sc.received[stored[len(stored)-1].ID] > 0)
		sc.mu.Unlock()
		if caughtUp {
			sc.timedOut = false
			time.Sleep(300 * time.Millisecond) // any late duplicate would show up now
			break
		}
	}
	c.Close()
	stop()
	<-readerDone
	return resent, nil
}

// sendPace keeps one customer under the server's default 5 messages per second.
const sendPace = 250 * time.Millisecond

func (sc *stormClient) pending() map[string]string {
	sc.mu.Lock()
	defer sc.mu.Unlock()
	out := make(map[string]string, len(sc.unacked))
	for k, v := range sc.unacked {
		out[k] = v
	}
	return out
}

// allMessages pages through the customer-visible messages of the visitor's conversation.
func allMessages(ctx context.Context, base string, v visitor) ([]client.Message, error) {
	var out []client.Message
	var after int64
	for {
		var page struct {
			Items       []client.Message `json:"items"`
			NextAfterID int64            `json:"next_after_id"`
			HasMore     bool             `json:"has_more"`
		}
		if err := getJSON(ctx, fmt.Sprintf("%s/api/v1/widget/conversations/%d/messages?after_id=%d", base, v.conv, after), v.token, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Items...)
		if !page.HasMore {
			return out, nil
		}
		after = page.NextAfterID
	}
}
