package recordsearch_test

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"kefu/internal/app/apptest"
	"kefu/internal/auth"
	"kefu/internal/conversation"
	"kefu/internal/crm"
	"kefu/internal/recordsearch"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

var ctx = context.Background()

// search calls the agents' route and returns the page.
func search(t *testing.T, env *apptest.Env, params url.Values) recordsearch.Page {
	t.Helper()
	var page recordsearch.Page
	env.JSON(t, auth.RoleAgent, "GET", "/api/v1/kb/records?"+params.Encode(), nil, http.StatusOK, &page)
	return page
}

func ids(page recordsearch.Page, kind string) map[int64]bool {
	out := map[int64]bool{}
	for _, h := range page.Items {
		if h.Kind == kind {
			out[h.ID] = true
		}
	}
	return out
}

// TestAgentSearch goes through the real services (messages indexed when posted, the subject
// reindexed when changed, erasure through crm) and the HTTP route, on both databases.
func TestAgentSearch(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		a := env.App
		agent := env.Users[auth.RoleAgent].ID
		alice, err := a.CRM.CreateCustomer(ctx, db, crm.NewCustomer{Name: "Alice", Phone: "13912345678", Lang: "zh"})
		if err != nil {
			t.Fatal(err)
		}
		bob, err := a.CRM.CreateCustomer(ctx, db, crm.NewCustomer{Name: "Bob", Phone: "13700000000", Lang: "en"})
		if err != nil {
			t.Fatal(err)
		}
		conv := func(customer int64, subject string) int64 {
			c, err := a.Conversations.Create(ctx, db, conversation.NewConversation{CustomerID: customer, Subject: subject, Lang: "zh"})
			if err != nil {
				t.Fatal(err)
			}
			return c.ID
		}
		post := func(convID int64, body string) int64 {
			m, _, err := a.Conversations.Post(ctx, conversation.NewMessage{ConversationID: convID, SenderKind: "agent", SenderID: agent, Body: body})
			if err != nil {
				t.Fatal(err)
			}
			return m.ID
		}
		ca, cb := conv(alice, "退款咨询"), conv(bob, "Shipping question")
		zh := post(ca, "您好，这是申请退款流程的说明")
		en := post(ca, "We will REFUND your order today")
		order := post(ca, "订单 KF20261123000042 已经发货")
		bobZh := post(cb, "退货地址在上海")
		bobEn := post(cb, "Refunds take three days")

		// Chinese inside a longer word, which full-text search by words would miss.
		p := search(t, env, url.Values{"q": {"退款"}})
		if m := ids(p, "message"); !m[zh] || m[bobZh] {
			t.Errorf("退款: messages %v, want %d and not %d", m, zh, bobZh)
		}
		if !ids(p, "conversation")[ca] {
			t.Errorf("退款: the subject 退款咨询 was not found: %+v", p.Items)
		}
		for _, h := range p.Items {
			if h.Kind == "message" && h.ID == zh && !strings.Contains(h.Snippet.HTML, "<mark>退款</mark>") {
				t.Errorf("snippet not highlighted: %q", h.Snippet.HTML)
			}
		}
		if m := ids(search(t, env, url.Values{"q": {"申请退款流程"}}), "message"); !m[zh] {
			t.Errorf("phrase: %v", m)
		}
		if m := ids(search(t, env, url.Values{"q": {"退款申请"}}), "message"); m[zh] {
			t.Errorf("退款申请 is not in %d (款申 is missing), but it was found", zh)
		}
		// English words by stem, any case.
		if m := ids(search(t, env, url.Values{"q": {"refund"}}), "message"); !m[en] || !m[bobEn] {
			t.Errorf("refund: %v, want %d and %d", m, en, bobEn)
		}
		if m := ids(search(t, env, url.Values{"q": {"refund today"}}), "message"); !m[en] || m[bobEn] {
			t.Errorf("two words must both match: %v", m)
		}
		// Order numbers as text.
		if m := ids(search(t, env, url.Values{"q": {"kf20261123000042"}}), "message"); len(m) != 1 || !m[order] {
			t.Errorf("order number: %v", m)
		}
		// Phone through the keyed hash: only that customer's records.
		p = search(t, env, url.Values{"q": {"refund"}, "phone": {"139 1234 5678"}})
		if m := ids(p, "message"); !m[en] || m[bobEn] {
			t.Errorf("phone filter: %v", m)
		}
		if p := search(t, env, url.Values{"phone": {"13600000000"}}); len(p.Items) != 0 {
			t.Errorf("unknown phone: %+v", p.Items)
		}
		// Filters: customer, conversation, dates.
		if m := ids(search(t, env, url.Values{"q": {"refund"}, "customer_id": {itoa(bob)}}), "message"); !m[bobEn] || m[en] {
			t.Errorf("customer filter: %v", m)
		}
		if m := ids(search(t, env, url.Values{"q": {"退款"}, "conversation_id": {itoa(cb)}}), "message"); len(m) != 0 {
			t.Errorf("conversation filter: %v", m)
		}
		future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		if p := search(t, env, url.Values{"q": {"refund"}, "from": {future}}); len(p.Items) != 0 {
			t.Errorf("from filter: %+v", p.Items)
		}
		if p := search(t, env, url.Values{"q": {"refund"}, "to": {future}}); len(ids(p, "message")) != 2 {
			t.Errorf("to filter: %+v", p.Items)
		}
		// A changed subject is searched by its new words only.
		if err := a.Conversations.UpdateConversation(ctx, db, cb, conversation.Update{Subject: ptr("发票抬头")}); err != nil {
			t.Fatal(err)
		}
		if !ids(search(t, env, url.Values{"q": {"发票"}}), "conversation")[cb] || ids(search(t, env, url.Values{"q": {"shipping"}}), "conversation")[cb] {
			t.Error("subject change not reflected in search")
		}
		// A ticket written straight to the database (as bulk writers do) is found at once.
		now := time.Now().UTC()
		tid, err := store.InsertID(ctx, db, `INSERT INTO tickets (subject, description, customer_id, created_at, updated_at) VALUES ('屏幕碎了', '收到时屏幕有裂痕', ?, ?, ?) RETURNING id`, alice, now, now)
		if err != nil {
			t.Fatal(err)
		}
		if !ids(search(t, env, url.Values{"q": {"裂痕"}}), "ticket")[tid] {
			t.Error("new ticket not found")
		}
	})
}

// TestAgentSearchErasure: erasing a customer removes the words of their messages from the
// index, not only from the messages.
func TestAgentSearchErasure(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		a := env.App
		cust, err := a.CRM.CreateCustomer(ctx, db, crm.NewCustomer{Name: "Carol", Phone: "13811112222", Lang: "zh"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := a.Conversations.Create(ctx, db, conversation.NewConversation{CustomerID: cust, Lang: "zh"})
		if err != nil {
			t.Fatal(err)
		}
		body := "我住在朝阳区幸福小区 电话 13811112222"
		m, _, err := a.Conversations.Post(ctx, conversation.NewMessage{ConversationID: c.ID, SenderKind: "customer", Body: body})
		if err != nil {
			t.Fatal(err)
		}
		if !ids(search(t, env, url.Values{"q": {"幸福小区"}}), "message")[m.ID] {
			t.Fatal("message not found before erasure")
		}
		env.JSON(t, auth.RoleAdmin, "DELETE", "/api/v1/customers/"+itoa(cust), nil, http.StatusNoContent, nil)
		for _, q := range []string{"幸福小区", "13811112222", "朝阳"} {
			if m2 := ids(search(t, env, url.Values{"q": {q}}), "message"); m2[m.ID] {
				t.Errorf("%s still finds the erased message", q)
			}
		}
		var left int
		terms := recordsearch.Terms(recordsearch.KindMessage, body)
		parts := make([]string, len(terms))
		for i, t := range terms {
			parts[i] = strconv.FormatInt(t, 10)
		}
		db.QueryRow(ctx, `SELECT COUNT(*) FROM search_terms WHERE record_id = ? AND term IN (`+strings.Join(parts, ",")+`)`, m.ID).Scan(&left)
		if left != 0 {
			t.Errorf("%d postings of the erased text remain", left)
		}
	})
}

// TestAgentSearchHostileInput: wildcards, quotes, control bytes, invalid UTF-8 and 10 KB of
// text give an empty list or a 4xx with a stable code, never a 500 — and never "everything".
func TestAgentSearchHostileInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		a := env.App
		cust, err := a.CRM.CreateCustomer(ctx, db, crm.NewCustomer{Name: "Dan", Lang: "zh"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := a.Conversations.Create(ctx, db, conversation.NewConversation{CustomerID: cust, Subject: "任意", Lang: "zh"})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := a.Conversations.Post(ctx, conversation.NewMessage{ConversationID: c.ID, SenderKind: "agent", SenderID: env.Users[auth.RoleAgent].ID, Body: "100% 正品 a_b c\\d"}); err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"%", "_", "\\", "%_\\", "%%", "' OR 1=1 --", "\x00", "\xff\xfe", "退", strings.Repeat("退款%", 3500),
			strings.Repeat("x", 10_240), "<script>alert(1)</script>", "a_b", "c\\d"} {
			status, raw := env.Do(t, auth.RoleAgent, "GET", "/api/v1/kb/records?q="+url.QueryEscape(q), nil)
			switch {
			case status == http.StatusOK:
				var page recordsearch.Page
				env.JSON(t, auth.RoleAgent, "GET", "/api/v1/kb/records?q="+url.QueryEscape(q), nil, http.StatusOK, &page)
				for _, h := range page.Items {
					if h.Kind == "message" && !strings.Contains(strings.ToLower(q), "script") {
						t.Errorf("%q matched %q", q, h.Snippet.Text)
					}
				}
			case status >= 400 && status < 500:
				if apptest.ErrorCode(raw) == "" {
					t.Errorf("%q: %d without an error code: %s", q, status, raw)
				}
			default:
				t.Errorf("%q: status %d: %s", q, status, raw)
			}
		}
		for _, bad := range []string{"kind=nope&q=x1", "before=5&q=refund", "before=-1&kind=message&q=refund", "from=yesterday&q=refund", "limit=1000&q=refund"} {
			if status, raw := env.Do(t, auth.RoleAgent, "GET", "/api/v1/kb/records?"+bad, nil); status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", bad, status, raw)
			}
		}
	})
}

// TestAgentSearchPaging: newest first, pages of one kind follow the cursor without gaps or
// repeats.
func TestAgentSearchPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		a := env.App
		cust, err := a.CRM.CreateCustomer(ctx, db, crm.NewCustomer{Name: "Eve", Lang: "zh"})
		if err != nil {
			t.Fatal(err)
		}
		c, err := a.Conversations.Create(ctx, db, conversation.NewConversation{CustomerID: cust, Lang: "zh"})
		if err != nil {
			t.Fatal(err)
		}
		var want []int64
		for i := 0; i < 25; i++ {
			m, _, err := a.Conversations.Post(ctx, conversation.NewMessage{ConversationID: c.ID, SenderKind: "agent", SenderID: env.Users[auth.RoleAgent].ID,
				Body: "第" + strconv.Itoa(i) + "次催发货"})
			if err != nil {
				t.Fatal(err)
			}
			want = append([]int64{m.ID}, want...)
		}
		var got []int64
		params := url.Values{"q": {"发货"}, "kind": {"message"}, "limit": {"10"}}
		for pages := 0; pages < 5; pages++ {
			p := search(t, env, params)
			for _, h := range p.Items {
				got = append(got, h.ID)
			}
			next, ok := p.Next["message"]
			if !ok {
				break
			}
			params.Set("before", itoa(next))
		}
		if len(got) != len(want) {
			t.Fatalf("got %d hits, want %d", len(got), len(want))
		}
		for i := range want {
			if got[i] != want[i] {
				t.Fatalf("hit %d: %d, want %d (newest first, no gaps)", i, got[i], want[i])
			}
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ptr[T any](v T) *T { return &v }
