package loadtest_test

import (
	"context"
	"os"
	"testing"
	"time"

	"kefu/internal/app/apptest"
	"kefu/internal/conversation/loadtest"
	"kefu/internal/store/storetest"
)

// TestSmallRun drives a real server with a small load: every phase must work end to end and
// the storm must lose and duplicate nothing. (The figures themselves come from `kefu loadtest`.)
func TestSmallRun(t *testing.T) {
	env := apptest.Start(t, storetest.OpenSQLite(t))
	rep, err := loadtest.Run(context.Background(), loadtest.Config{
		BaseURL: env.Server.URL, ServerPID: os.Getpid(),
		Visitors: 3, Rate: 30, Duration: time.Second,
		StormClients: 3, StormRounds: 2, StormMessages: 2, Idle: 30,
	})
	if err != nil {
		t.Fatal(err)
	}
	if l := rep.Latency; l.Sent == 0 || l.Acked != l.Sent || l.Ack.N != l.Acked || l.Echo.N != l.Acked || len(l.Errors) != 0 {
		t.Fatalf("latency %+v", l)
	}
	// The server's own reply clock saw every reply the client timed (one connection each).
	if l := rep.Latency; l.Reply.N == 0 || l.ServerReply.N != l.Reply.N || l.ServerReply.P99 <= 0 || l.ServerReply.P99 > l.ServerReply.Max {
		t.Fatalf("bot replies: client %+v, server %+v", l.Reply, l.ServerReply)
	}
	if s := rep.Storm; s.Stored == 0 || s.Lost != 0 || s.Duplicated != 0 || s.OutOfOrder != 0 || s.StoredTwice != 0 || s.Unconfirmed != 0 || s.TimedOut != 0 {
		t.Fatalf("storm %+v", s)
	}
	if i := rep.Idle; i.Alive != i.Sampled || i.Sampled == 0 || i.RSSAfter == 0 {
		t.Fatalf("idle %+v", i)
	}
}

func TestLoopbackOnlyAndBounded(t *testing.T) {
	for _, c := range []loadtest.Config{
		{BaseURL: "http://example.com:8080"},
		{BaseURL: "http://10.0.0.1:8080"},
		{BaseURL: "https://127.0.0.1:8080"},
		{BaseURL: "http://127.0.0.1:8080", Idle: 1_000_000},
		{BaseURL: "http://127.0.0.1:8080", Rate: 1e9},
		{BaseURL: "http://127.0.0.1:8080", Duration: time.Hour},
		{BaseURL: "http://127.0.0.1:8080", Phases: []string{"ddos"}},
	} {
		c.Defaults()
		if err := c.Validate(); err == nil {
			t.Errorf("accepted %+v", c)
		}
	}
	ok := loadtest.Config{BaseURL: "http://localhost:8080"}
	ok.Defaults()
	if err := ok.Validate(); err != nil {
		t.Fatal(err)
	}
}
