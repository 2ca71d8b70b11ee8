package conversation

import (
	"strings"
	"sync/atomic"
	"time"
)

// presence tracks whether another kefu instance listens on this database, so that a lone
// instance on PostgreSQL does not send the NOTIFY that tells nobody anything (two per answered
// customer message: its own and the bot's reply, each a statement and a transaction).
//
// Instances say hello on the channel: once when their listener starts ("join", which every
// other instance answers at once with a hello of its own) and every helloEvery after. An
// instance notifies whenever it cannot be sure it is alone: while its own listener is down
// (it would not hear a newcomer), for presenceWindow after its listener starts (it has not
// yet heard the others' heartbeats), and for presenceWindow after the last hello from
// another instance.
//
// A newcomer is safe from its first moment: its clients connect after it has joined, every
// subscription starts with a database read, and the join reaches the others within
// milliseconds, long before a client could subscribe through it.
type presence struct {
	window, every  time.Duration // presenceWindow and helloEvery, shorter in tests
	listeningSince atomic.Int64  // UnixNano when this instance's LISTEN took effect; 0 while down
	peerSeen       atomic.Int64  // UnixNano of the last hello from another instance
}

const (
	presenceWindow = 30 * time.Second
	helloEvery     = 10 * time.Second
)

// othersMayListen says whether a notice could reach another instance.
func (p *presence) othersMayListen(now time.Time) bool {
	since := p.listeningSince.Load()
	if since == 0 {
		return true // our listener is down: we would not have heard a newcomer
	}
	n := now.UnixNano()
	return n-since < int64(p.window) || n-p.peerSeen.Load() < int64(p.window)
}

// hello is the notice an instance sends about itself; join asks the others to answer at once.
func hello(instance string, join bool) string {
	if join {
		return "h|" + instance + "|1"
	}
	return "h|" + instance + "|0"
}

// parseHello reads a hello notice; ok is false for any other payload.
func parseHello(p string) (instance string, join, ok bool) {
	f := strings.Split(p, "|")
	if len(f) != 3 || f[0] != "h" || f[1] == "" || (f[2] != "0" && f[2] != "1") {
		return "", false, false
	}
	return f[1], f[2] == "1", true
}
