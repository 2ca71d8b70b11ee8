package conversation

import (
	"testing"
	"time"
)

func TestNoticeRoundTrip(t *testing.T) {
	for _, ev := range []Event{
		{Kind: EventMessage, ConversationID: 7, MessageID: 42, SenderKind: "customer"},
		{Kind: EventTyping, ConversationID: 7, SenderKind: "agent", SenderID: 3, Typing: true},
		{Kind: EventTyping, ConversationID: 7, SenderKind: "customer"},
		{Kind: EventConversation, ConversationID: 7},
		{Kind: EventRead, ConversationID: 9, SenderKind: "customer", MessageID: 11},
	} {
		got, inst, ok := decodeNotice(encodeNotice(ev, "abc"))
		if !ok || inst != "abc" || got != ev {
			t.Errorf("round trip of %+v: %+v %q %v", ev, got, inst, ok)
		}
	}
	for _, bad := range []string{"", "m", "m|x|1|i", "m|0|1|i", "m|-1|1|i", "t|1|root|1|1|i", "r|1|agent|1|i", "z|1|2|3", "m|1|2|i|extra", "m|1|2|root|i"} {
		if _, _, ok := decodeNotice(bad); ok {
			t.Errorf("decodeNotice(%q) accepted", bad)
		}
	}
	// A notice from an instance that predates the sender kind.
	if ev, inst, ok := decodeNotice("m|7|42|old"); !ok || inst != "old" || ev != (Event{Kind: EventMessage, ConversationID: 7, MessageID: 42}) {
		t.Errorf("legacy message notice: %+v %q %v", ev, inst, ok)
	}
}

func TestBucket(t *testing.T) {
	t0 := time.Unix(0, 0)
	b := NewBucket(2, 3, t0)
	for i := 0; i < 3; i++ {
		if ok, _ := b.Take(t0); !ok {
			t.Fatalf("burst token %d refused", i)
		}
	}
	ok, wait := b.Take(t0)
	if ok || wait != 500*time.Millisecond {
		t.Fatalf("empty bucket: ok=%v wait=%v, want refusal for 500ms", ok, wait)
	}
	if ok, _ := b.Take(t0.Add(500 * time.Millisecond)); !ok {
		t.Fatal("refilled token refused")
	}
	if ok, _ := b.Take(t0.Add(time.Hour)); !ok || b.tokens != 2 {
		t.Fatalf("refill must cap at the burst: tokens %v", b.tokens)
	}
}

func TestRateLimiterKeysAreIndependentAndSwept(t *testing.T) {
	now := time.Unix(0, 0)
	l := NewRateLimiter(1, 1)
	l.Now = func() time.Time { return now }
	if ok, _ := l.Allow("a"); !ok {
		t.Fatal("a refused")
	}
	if ok, _ := l.Allow("a"); ok {
		t.Fatal("a allowed twice")
	}
	if ok, _ := l.Allow("b"); !ok {
		t.Fatal("b refused because of a")
	}
	now = now.Add(2 * time.Minute)
	l.Allow("c")
	if len(l.buckets) != 1 {
		t.Fatalf("refilled buckets not swept: %d left", len(l.buckets))
	}
}

func TestSignIsHexHMAC(t *testing.T) {
	// RFC 4231 test case 2.
	if got := Sign("Jefe", "what do ya want for nothing?"); got != "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843" {
		t.Fatalf("Sign = %s", got)
	}
}

func TestIndexedForSearch(t *testing.T) {
	for sender, want := range map[string]bool{"customer": true, "agent": true, "bot": false, "system": false} {
		if got := indexedForSearch(sender); got != want {
			t.Errorf("%s: %v, want %v", sender, got, want)
		}
	}
}

func TestPresence(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	p := presence{window: 30 * time.Second}
	if !p.othersMayListen(at(time.Hour)) {
		t.Error("listener down: must notify (a newcomer would go unheard)")
	}
	p.listeningSince.Store(t0.UnixNano())
	for _, c := range []struct {
		name     string
		peerSeen time.Duration // after t0; <0 = never
		now      time.Duration
		want     bool
	}{
		{"learning: just started listening", -1, 10 * time.Second, true},
		{"alone past the window", -1, 31 * time.Second, false},
		{"a peer's heartbeat is recent", 20 * time.Second, 45 * time.Second, true},
		{"the peer went quiet", 20 * time.Second, 51 * time.Second, false},
	} {
		p.peerSeen.Store(0)
		if c.peerSeen >= 0 {
			p.peerSeen.Store(at(c.peerSeen).UnixNano())
		}
		if got := p.othersMayListen(at(c.now)); got != c.want {
			t.Errorf("%s: othersMayListen = %v, want %v", c.name, got, c.want)
		}
	}
	for _, join := range []bool{true, false} {
		if inst, j, ok := parseHello(hello("abc123", join)); !ok || inst != "abc123" || j != join {
			t.Errorf("hello round trip (join %v): %q %v %v", join, inst, j, ok)
		}
	}
	for _, bad := range []string{"", "h", "h||1", "h|a|2", "h|a|1|x", "m|1|2|customer|a"} {
		if _, _, ok := parseHello(bad); ok {
			t.Errorf("parseHello(%q) accepted", bad)
		}
	}
	if _, _, ok := decodeNotice(hello("a", true)); ok {
		t.Error("a hello decodes as an event")
	}
}
