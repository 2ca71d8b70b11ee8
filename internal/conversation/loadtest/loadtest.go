// Package loadtest drives a running kefu over real WebSockets to measure the realtime goals:
// reply latency at a target message rate, exactness across a reconnect storm, and the
// server's resident memory with many idle connections. It only talks to loopback addresses
// and every phase is bounded in connections and time.
package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"kefu/internal/conversation"
	"kefu/internal/conversation/client"
)

// Config says what to run. Zero values get defaults from Defaults.
type Config struct {
	BaseURL   string // http://127.0.0.1:8080
	ServerPID int    // for resident memory (VmRSS); 0 skips memory figures
	Phases    []string

	Visitors int           // latency: concurrent customers
	Rate     float64       // latency: customer messages per second, all customers together
	Duration time.Duration // latency: how long to send

	StormClients  int // storm: customers that all drop and reconnect together
	StormRounds   int
	StormMessages int // storm: messages each customer sends per round

	Idle int // idle: connections to hold open

	Progress io.Writer
}

// Bounds keep a mistyped flag from turning the load generator into a weapon.
const (
	maxConnections = 20000
	maxDuration    = 2 * time.Minute
	maxRate        = 5000
)

// Defaults fills zero fields.
func (c *Config) Defaults() {
	if len(c.Phases) == 0 {
		c.Phases = []string{"latency", "storm", "idle"}
	}
	if c.Visitors == 0 {
		c.Visitors = 200
	}
	if c.Rate == 0 {
		c.Rate = 500
	}
	if c.Duration == 0 {
		c.Duration = 10 * time.Second
	}
	if c.StormClients == 0 {
		c.StormClients = 100
	}
	if c.StormRounds == 0 {
		c.StormRounds = 5
	}
	if c.StormMessages == 0 {
		c.StormMessages = 5
	}
	if c.Idle == 0 {
		c.Idle = 10000
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
}

// Validate enforces loopback-only and the bounds.
func (c *Config) Validate() error {
	u, err := url.Parse(c.BaseURL)
	if err != nil || u.Scheme != "http" {
		return fmt.Errorf("--url must be http://127.0.0.1:PORT")
	}
	ip := net.ParseIP(u.Hostname())
	if u.Hostname() != "localhost" && (ip == nil || !ip.IsLoopback()) {
		return fmt.Errorf("--url must point at this machine (127.0.0.1, ::1 or localhost), not %q", u.Hostname())
	}
	if c.Visitors < 1 || c.Visitors > maxConnections || c.StormClients < 1 || c.StormClients > maxConnections || c.Idle < 1 || c.Idle > maxConnections {
		return fmt.Errorf("connection counts must be 1 to %d", maxConnections)
	}
	if c.Rate <= 0 || c.Rate > maxRate {
		return fmt.Errorf("--rate must be above 0 and at most %d", maxRate)
	}
	if c.Duration <= 0 || c.Duration > maxDuration {
		return fmt.Errorf("--duration must be above 0 and at most %s", maxDuration)
	}
	if c.StormRounds < 1 || c.StormRounds > 50 || c.StormMessages < 1 || c.StormMessages > 100 {
		return fmt.Errorf("storm rounds must be 1 to 50 and messages 1 to 100")
	}
	for _, p := range c.Phases {
		if p != "latency" && p != "storm" && p != "idle" {
			return fmt.Errorf("unknown phase %q (latency, storm, idle)", p)
		}
	}
	return nil
}

// Report holds every figure measured.
type Report struct {
	Latency *LatencyReport `json:"latency,omitempty"`
	Storm   *StormReport   `json:"storm,omitempty"`
	Idle    *IdleReport    `json:"idle,omitempty"`
}

// Run runs the configured phases in order.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg.Defaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := &Report{}
	for _, p := range cfg.Phases {
		pctx, cancel := context.WithTimeout(ctx, maxDuration+time.Minute)
		var err error
		switch p {
		case "latency":
			r.Latency, err = runLatency(pctx, cfg)
		case "storm":
			r.Storm, err = runStorm(pctx, cfg)
		case "idle":
			r.Idle, err = runIdle(pctx, cfg)
		}
		cancel()
		if err != nil {
			return r, fmt.Errorf("%s phase: %w", p, err)
		}
	}
	return r, nil
}

var httpClient = &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// visitor opens a widget session and starts a conversation, like a browser would.
type visitor struct {
	token string
	conv  int64
}

func newVisitor(ctx context.Context, base string) (visitor, error) {
	var s conversation.SessionResponse
	if err := postJSON(ctx, base+"/api/v1/widget/session", "", map[string]any{"lang": "zh"}, &s); err != nil {
		return visitor{}, err
	}
	var c conversation.CustomerConversation
	if err := postJSON(ctx, base+"/api/v1/widget/conversations", s.VisitorToken, map[string]any{"subject": "loadtest"}, &c); err != nil {
		return visitor{}, err
	}
	return visitor{token: s.VisitorToken, conv: c.ID}, nil
}

func newVisitors(ctx context.Context, base string, n int) ([]visitor, error) {
	out := make([]visitor, n)
	errs := make(chan error, n)
	sem := make(chan struct{}, 16)
	var wg sync.WaitGroup
	for i := range out {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			v, err := newVisitor(ctx, base)
			if err != nil {
				errs <- err
				return
			}
			out[i] = v
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, fmt.Errorf("open widget sessions: %w (if rate_limited, start the server with KEFU_WIDGET_SESSION_RATE=1000)", err)
	}
	return out, nil
}

func postJSON(ctx context.Context, u, token string, body, out any) error {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, "POST", u, bytes.NewReader(b))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("X-Visitor-Token", token)
	}
	return doJSON(req, out)
}

func getJSON(ctx context.Context, u, token string, out any) error {
	req, err := http.NewRequestWithContext(ctx, "GET", u, nil)
	if err != nil {
		return err
	}
	req.Header.Set("X-Visitor-Token", token)
	return doJSON(req, out)
}

func doJSON(req *http.Request, out any) error {
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: %d %s", req.Method, req.URL.Path, resp.StatusCode, bytes.TrimSpace(raw))
	}
	return json.Unmarshal(raw, out)
}

// subscribe sends subscribe and waits for the confirmation (skipping hello).
func subscribe(ctx context.Context, c *client.Conn, conv, after int64) error {
	if err := c.Send(ctx, conversation.ClientFrame{Type: "subscribe", Ref: "sub", ConversationID: conv, AfterID: after}); err != nil {
		return err
	}
	for {
		f, err := c.Read(ctx)
		if err != nil {
			return err
		}
		if f.Ref == "sub" {
			if f.Type != "subscribed" {
				return fmt.Errorf("subscribe: %s", f.Code())
			}
			return nil
		}
	}
}

// Dist summarises a latency sample.
type Dist struct {
	N   int     `json:"n"`
	P50 float64 `json:"p50_ms"`
	P95 float64 `json:"p95_ms"`
	P99 float64 `json:"p99_ms"`
	Max float64 `json:"max_ms"`
}

func distOf(d []time.Duration) Dist {
	if len(d) == 0 {
		return Dist{}
	}
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	ms := func(x time.Duration) float64 { return float64(x.Microseconds()) / 1000 }
	q := func(p float64) float64 { return ms(d[min(len(d)-1, int(p*float64(len(d))))]) }
	return Dist{N: len(d), P50: q(0.50), P95: q(0.95), P99: q(0.99), Max: ms(d[len(d)-1])}
}

func (d Dist) String() string {
	if d.N == 0 {
		return "no samples"
	}
	return fmt.Sprintf("n=%d p50=%.2fms p95=%.2fms p99=%.2fms max=%.2fms", d.N, d.P50, d.P95, d.P99, d.Max)
}

// CPUTime reads a process's user+system CPU time from /proc/PID/stat.
func CPUTime(pid int) (time.Duration, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return 0, err
	}
	// Fields after the command name (which is in parentheses and may hold spaces).
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0, errors.New("short /proc stat")
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, errors.New("bad /proc stat")
	}
	const clockTicks = 100 // USER_HZ on Linux
	return time.Duration(utime+stime) * time.Second / clockTicks, nil
}

// RSS reads a process's resident memory in bytes from /proc.
func RSS(pid int) (int64, error) {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return 0, err
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "VmRSS:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				n, err := strconv.ParseInt(f[0], 10, 64)
				return n * 1024, err
			}
		}
	}
	return 0, errors.New("no VmRSS in /proc/" + strconv.Itoa(pid) + "/status")
}
