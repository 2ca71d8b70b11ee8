package recordsearch

import (
	"context"
	"strings"
	"testing"
	"time"

	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

func terms(text string) []string {
	var out []string
	eachTerm(text, func(t string) { out = append(out, t) })
	return out
}

func TestTerms(t *testing.T) {
	cases := []struct {
		text string
		want string // terms joined by |
	}{
		{"申请退款流程", "申请|请退|退款|款流|流程"},
		{"退", ""}, // one character is no term
		{"Refunds!", "refund"},
		{"ＲＥＦＵＮＤ please", "refund|pleas"},
		{"订单KF20261123000042退款", "订单|kf20261123000042|退款"},
		{"%_\\ ' OR 1=1 --", "or"},
		{"a_b%c", ""},
		{"手机 138-1234-5678", "手机|138|1234|5678"},
		{"\x00\xff\u200b退款\u200b", "退款"},
	}
	for _, c := range cases {
		if got := strings.Join(terms(c.text), "|"); got != c.want {
			t.Errorf("terms(%q) = %q, want %q", c.text, got, c.want)
		}
	}
	if a, b := hashTerm(KindMessage, "退款"), hashTerm(KindTicket, "退款"); a == b {
		t.Error("kinds must not share postings")
	}
	long := strings.Repeat("退款refund", 10_000)
	if n := len(Terms(KindMessage, long)); n == 0 || n > 10 {
		t.Errorf("10 KB of repeats gives %d distinct terms", n)
	}
}

// TestWindowedScan makes the windows tiny so a query whose driving term is common but whose
// other term co-occurs only in the oldest record must page through windows: each request stops
// after maxScan postings with a cursor, and following the cursors finds the record exactly once.
func TestWindowedScan(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		defer func(w, m int) { window, maxScan = w, m }(window, maxScan)
		window, maxScan = 3, 6
		ctx := context.Background()
		now := time.Now().UTC()
		conv, err := store.InsertID(ctx, db, `INSERT INTO conversations (lang, created_at, updated_at) VALUES ('zh', ?, ?) RETURNING id`, now, now)
		if err != nil {
			t.Fatal(err)
		}
		insert := func(body string) int64 {
			id, err := store.InsertID(ctx, db, `INSERT INTO messages (conversation_id, sender_kind, body, created_at) VALUES (?, 'customer', ?, ?) RETURNING id`, conv, body, now)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		target := insert("退款 和 发票 一起")
		for i := 0; i < 20; i++ {
			insert("我要退款")
		}
		for i := 0; i < 21; i++ {
			insert("开发票")
		}
		if n, err := Sync(ctx, db, 1000); err != nil || n < 42 {
			t.Fatalf("sync: %d %v", n, err)
		}
		s := &Service{DB: db}
		var found []int64
		var before int64
		pages := 0
		for {
			page, err := s.Search(ctx, Query{Text: "退款 发票", Kind: "message", Before: before})
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, h := range page.Items {
				found = append(found, h.ID)
			}
			next, more := page.Next["message"]
			if !more {
				break
			}
			if next >= before && before != 0 || pages > 20 {
				t.Fatalf("cursor does not move: %d after %d", next, before)
			}
			before = next
		}
		if len(found) != 1 || found[0] != target {
			t.Fatalf("found %v, want [%d]", found, target)
		}
		if pages < 2 {
			t.Errorf("expected the tiny windows to split the scan, got %d page(s)", pages)
		}
	})
}
