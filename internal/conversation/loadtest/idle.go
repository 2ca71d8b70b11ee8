package loadtest

import (
	"context"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"kefu/internal/conversation"
	"kefu/internal/conversation/client"
)

// IdleReport is the idle phase's result.
type IdleReport struct {
	Connections int     `json:"connections"`
	RSSBefore   int64   `json:"server_rss_before_bytes"`
	RSSAfter    int64   `json:"server_rss_after_bytes"` // with every connection open and subscribed
	PerConnKB   float64 `json:"per_connection_kb"`
	Alive       int     `json:"alive_sample"` // sampled connections that still answered a ping
	Sampled     int     `json:"sampled"`
}

// connsPerVisitor: many tabs per visitor keeps widget-session setup cheap; each connection
// still subscribes to its conversation like a real widget.
const connsPerVisitor = 200

func runIdle(ctx context.Context, cfg Config) (*IdleReport, error) {
	rep := &IdleReport{Connections: cfg.Idle}
	if cfg.ServerPID > 0 {
		runtime.GC()
		var err error
		if rep.RSSBefore, err = RSS(cfg.ServerPID); err != nil {
			return nil, err
		}
	}
	vs, err := newVisitors(ctx, cfg.BaseURL, (cfg.Idle+connsPerVisitor-1)/connsPerVisitor)
	if err != nil {
		return nil, err
	}
	fmt.Fprintf(cfg.Progress, "idle: opening %d connections…\n", cfg.Idle)
	conns := make([]*client.Conn, cfg.Idle)
	defer func() {
		for _, c := range conns {
			if c != nil {
				c.WS.CloseNow()
			}
		}
	}()
	var next atomic.Int64
	var firstErr error
	var errOnce sync.Once
	var wg sync.WaitGroup
	for w := 0; w < 32; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1) - 1)
				if i >= len(conns) || ctx.Err() != nil {
					return
				}
				v := vs[i/connsPerVisitor]
				c, err := client.DialCustomer(ctx, cfg.BaseURL, v.token)
				if err == nil {
					err = subscribe(ctx, c, v.conv, 0)
				}
				if err != nil {
					errOnce.Do(func() { firstErr = fmt.Errorf("connection %d: %w", i, err) })
					return
				}
				conns[i] = c
				if (i+1)%2000 == 0 {
					fmt.Fprintf(cfg.Progress, "idle: %d open\n", i+1)
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	time.Sleep(2 * time.Second) // let the server settle
	if cfg.ServerPID > 0 {
		if rep.RSSAfter, err = RSS(cfg.ServerPID); err != nil {
			return nil, err
		}
		rep.PerConnKB = float64(rep.RSSAfter-rep.RSSBefore) / 1024 / float64(cfg.Idle)
	}
	// Every connection should still be alive: ping a spread sample.
	step := max(1, len(conns)/100)
	for i := 0; i < len(conns); i += step {
		rep.Sampled++
		c := conns[i]
		pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		if c.Send(pctx, conversation.ClientFrame{Type: "ping", Ref: "alive"}) == nil {
			for {
				f, err := c.Read(pctx)
				if err != nil {
					break
				}
				if f.Type == "pong" {
					rep.Alive++
					break
				}
			}
		}
		cancel()
	}
	return rep, nil
}
