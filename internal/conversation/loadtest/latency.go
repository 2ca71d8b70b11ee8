package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"time"

	"kefu/internal/conversation"
	"kefu/internal/conversation/client"
)

// LatencyReport is the latency phase's result. Times are measured by the client on the same
// machine: from writing the customer's frame to reading the server's answer.
type LatencyReport struct {
	Visitors   int     `json:"visitors"`
	TargetRate float64 `json:"target_rate"`
	Sent       int     `json:"sent"`
	Acked      int     `json:"acked"`
	Rate       float64 `json:"achieved_rate"` // acked messages per second while sending
	Ack        Dist    `json:"ack"`           // persisted and acknowledged
	Echo       Dist    `json:"echo"`          // the message delivered back through the subscription (fan-out)
	Reply      Dist    `json:"bot_reply"`     // first bot message after the customer's (when a bot answers)
	// ServerReply is the same latency as the server measures it (its kefu_bot_reply_seconds
	// histogram, read from /metrics before and after): from reading the customer's frame to
	// writing the bot's reply, without the load generator's own delays in reading it.
	// Quantiles are interpolated within the histogram's buckets.
	ServerReply Dist           `json:"server_bot_reply"`
	Unanswered  int            `json:"unanswered"` // acked messages no bot message followed (no bot, or handed to a person)
	Errors      map[string]int `json:"errors"`
	// ServerCPUPerMsg is the server's CPU time (user+system) per acknowledged customer
	// message, including the bot's work and replies: 1000/ServerCPUPerMsg is how many
	// messages per second one core sustains, whatever else the machine is doing.
	ServerCPUPerMsg float64 `json:"server_cpu_ms_per_message,omitempty"`
}

type latencyClient struct {
	v    visitor
	conn *client.Conn

	mu         sync.Mutex
	sentAt     map[string]time.Time // client_msg_id -> when written
	unanswered []pendingMsg         // customer messages (by id) the bot has not answered yet
}

type pendingMsg struct {
	id int64
	at time.Time
}

func runLatency(ctx context.Context, cfg Config) (*LatencyReport, error) {
	fmt.Fprintf(cfg.Progress, "latency: opening %d customer connections…\n", cfg.Visitors)
	vs, err := newVisitors(ctx, cfg.BaseURL, cfg.Visitors)
	if err != nil {
		return nil, err
	}
	rep := &LatencyReport{Visitors: cfg.Visitors, TargetRate: cfg.Rate, Errors: map[string]int{}}
	var mu sync.Mutex // guards rep's samples
	var ack, echo, reply []time.Duration
	clients := make([]*latencyClient, len(vs))
	for i, v := range vs {
		c, err := client.DialCustomer(ctx, cfg.BaseURL, v.token)
		if err != nil {
			return nil, err
		}
		defer c.WS.CloseNow()
		if err := subscribe(ctx, c, v.conv, 0); err != nil {
			return nil, err
		}
		clients[i] = &latencyClient{v: v, conn: c, sentAt: map[string]time.Time{}}
	}
	readCtx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	var readers sync.WaitGroup
	for _, lc := range clients {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				f, err := lc.conn.Read(readCtx)
				if err != nil {
					return
				}
				now := time.Now()
				switch {
				case f.Type == "ack" && f.Message != nil:
					lc.mu.Lock()
					at, ok := lc.sentAt[f.Ref]
					if ok && !f.Duplicate {
						lc.unanswered = append(lc.unanswered, pendingMsg{f.Message.ID, at})
					}
					lc.mu.Unlock()
					if ok {
						mu.Lock()
						ack = append(ack, now.Sub(at))
						rep.Acked++
						mu.Unlock()
					}
				case f.Type == "message" && f.Message != nil && f.Message.SenderKind == "customer" && f.Message.ClientMsgID != nil:
					lc.mu.Lock()
					at, ok := lc.sentAt[*f.Message.ClientMsgID]
					lc.mu.Unlock()
					if ok {
						mu.Lock()
						echo = append(echo, now.Sub(at))
						mu.Unlock()
					}
				case f.Type == "message" && f.Message != nil && f.Message.SenderKind == "bot":
					// The first bot message after a customer message answers it (and any
					// earlier unanswered ones: the bot may reply once to a burst).
					lc.mu.Lock()
					var answered []pendingMsg
					keep := lc.unanswered[:0]
					for _, p := range lc.unanswered {
						if p.id < f.Message.ID {
							answered = append(answered, p)
						} else {
							keep = append(keep, p)
						}
					}
					lc.unanswered = keep
					lc.mu.Unlock()
					mu.Lock()
					for _, p := range answered {
						reply = append(reply, now.Sub(p.at))
					}
					mu.Unlock()
				case f.Type == "error":
					mu.Lock()
					rep.Errors[f.Code()]++
					mu.Unlock()
				}
			}
		}()
	}

	before, scrapeErr := scrapeHistogram(ctx, cfg.BaseURL, replyMetric)
	var cpu0 time.Duration
	if cfg.ServerPID > 0 {
		if cpu0, err = CPUTime(cfg.ServerPID); err != nil {
			return nil, err
		}
	}
	fmt.Fprintf(cfg.Progress, "latency: sending %.0f messages/s for %s…\n", cfg.Rate, cfg.Duration)
	// Each customer sends on its own ticker, staggered, so the total is the target rate.
	interval := time.Duration(float64(time.Second) * float64(len(clients)) / cfg.Rate)
	start := time.Now()
	end := start.Add(cfg.Duration)
	lastSend := start // guarded by mu
	var senders sync.WaitGroup
	for i, lc := range clients {
		senders.Add(1)
		go func() {
			defer senders.Done()
			time.Sleep(time.Duration(rand.Int64N(int64(interval))))
			t := time.NewTicker(interval)
			defer t.Stop()
			for n := 0; time.Now().Before(end); n++ {
				id := fmt.Sprintf("lt-%d-%d", i, n)
				lc.mu.Lock()
				lc.sentAt[id] = time.Now()
				lc.mu.Unlock()
				err := lc.conn.Send(ctx, conversation.ClientFrame{Type: "send", Ref: id, ConversationID: lc.v.conv, ClientMsgID: id, Body: loadBodies[n%len(loadBodies)]})
				mu.Lock()
				if err != nil {
					rep.Errors["write_failed"]++
				} else {
					rep.Sent++
					lastSend = time.Now()
				}
				mu.Unlock()
				select {
				case <-ctx.Done():
					return
				case <-t.C:
				}
			}
		}()
	}
	senders.Wait()
	// The sending window ends with the last message sent, not when the senders' tickers
	// next fire (up to one interval later, which would understate the rate).
	mu.Lock()
	sendTime := lastSend.Sub(start)
	mu.Unlock()
	// Let the last answers arrive.
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		mu.Lock()
		done := rep.Acked >= rep.Sent
		mu.Unlock()
		if done {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	time.Sleep(500 * time.Millisecond)
	stopReading()
	readers.Wait()
	after, err := scrapeHistogram(ctx, cfg.BaseURL, replyMetric)
	mu.Lock()
	defer mu.Unlock()
	if scrapeErr = errors.Join(scrapeErr, err); scrapeErr != nil {
		rep.Errors["metrics_unreadable"]++
		fmt.Fprintf(cfg.Progress, "latency: no server-side figures: %v\n", scrapeErr)
	} else {
		rep.ServerReply = distBetween(before, after)
	}
	if cfg.ServerPID > 0 && rep.Acked > 0 {
		cpu1, err := CPUTime(cfg.ServerPID)
		if err != nil {
			return nil, err
		}
		rep.ServerCPUPerMsg = float64((cpu1 - cpu0).Microseconds()) / 1000 / float64(rep.Acked)
	}
	rep.Rate = float64(rep.Acked) / sendTime.Seconds()
	rep.Ack, rep.Echo, rep.Reply = distOf(ack), distOf(echo), distOf(reply)
	for _, lc := range clients {
		rep.Unanswered += len(lc.unanswered)
	}
	return rep, nil
}

// loadBodies are typical customer questions, so a bot behind the server does real work.
var loadBodies = []string{
	"我的订单什么时候发货？", "Where is my order?", "怎么申请退货", "I want a refund for my last order",
	"快递到哪里了", "Can I change my delivery address?", "优惠券怎么用", "你好", "发票怎么开", "How do I return an item?",
}
