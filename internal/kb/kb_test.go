package kb

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"kefu/internal/apperr"
	"kefu/internal/recordsearch"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

var ctx = context.Background()

func mustCreate(t *testing.T, s *Service, in Input) *Article {
	t.Helper()
	a, err := s.Create(ctx, in, 0)
	if err != nil {
		t.Fatalf("create %q: %v", in.Title, err)
	}
	return a
}

func code(err error) string {
	if e, ok := apperr.As(err); ok {
		return e.Code
	}
	if err != nil {
		return err.Error()
	}
	return ""
}

func searchIDs(t *testing.T, s *Service, q string) []int64 {
	t.Helper()
	res, err := s.Search(ctx, SearchRequest{Query: q, Limit: 10})
	if err != nil {
		t.Fatalf("search %q: %v", q, err)
	}
	var ids []int64
	for _, h := range res.Items {
		ids = append(ids, h.Article.ID)
	}
	return ids
}

func TestArticleCRUDAndVersions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := NewService(db, nil)
		a := mustCreate(t, s, Input{Lang: "zh", Title: "申请退款流程", Questions: []string{"怎么退款", "怎么退款", " "}, Answer: "您好 {customer.name}，订单 {order.number} 可在订单页申请退款。",
			Category: "refund", Tags: []string{"退款"}, Status: "published", Audience: []string{"vip", "gold"}})
		if a.Version != 1 || a.TranslationKey != "kb-"+itoa(int(a.ID)) || len(a.Questions) != 1 || a.Status != "published" {
			t.Fatalf("created: %+v", a)
		}
		en := mustCreate(t, s, Input{TranslationKey: a.TranslationKey, Lang: "en", Title: "How to request a refund", Answer: "Open the order page.", Status: "published"})
		got, err := s.Get(ctx, db, a.ID)
		if err != nil || len(got.Translations) != 1 || got.Translations[0].ID != en.ID {
			t.Fatalf("translation link: %+v %v", got, err)
		}
		if _, err := s.Create(ctx, Input{TranslationKey: a.TranslationKey, Lang: "en", Title: "dup", Answer: "x"}, 0); code(err) != "translation_exists" {
			t.Errorf("second en article for one key: %v", err)
		}
		// Validation.
		for _, in := range []Input{
			{Lang: "fr", Title: "x", Answer: "y"},
			{Lang: "zh", Title: "", Answer: "y"},
			{Lang: "zh", Title: "x", Answer: ""},
			{Lang: "zh", Title: "x", Answer: "订单 {order.numbr}"},
			{Lang: "zh", Title: "x", Answer: "y", Status: "live"},
			{Lang: "zh", Title: "x", Answer: "y", Audience: []string{"platinum"}},
			{Lang: "zh", Title: "x\x00", Answer: "y"},
			{Lang: "zh", Title: strings.Repeat("长", MaxTitle+1), Answer: "y"},
			{Lang: "zh", Title: "x", Answer: "y", TranslationKey: "has space"},
		} {
			if _, err := s.Create(ctx, in, 0); code(err) != "invalid_field" {
				t.Errorf("%+v: got %v, want invalid_field", in, err)
			}
		}
		// Update with optimistic concurrency.
		title := "退款申请流程"
		u, err := s.Update(ctx, a.ID, Patch{Version: 1, Title: &title}, 0)
		if err != nil || u.Version != 2 || u.Title != title || u.Answer != a.Answer {
			t.Fatalf("update: %+v %v", u, err)
		}
		other := "someone else's edit"
		if _, err := s.Update(ctx, a.ID, Patch{Version: 1, Title: &other}, 0); code(err) != "stale_version" {
			t.Errorf("stale update: %v", err)
		}
		if _, err := s.Update(ctx, a.ID, Patch{Title: &other}, 0); code(err) != "invalid_field" {
			t.Errorf("update without version: %v", err)
		}
		if _, err := s.Update(ctx, 99999, Patch{Version: 1, Title: &other}, 0); code(err) != "not_found" {
			t.Errorf("update missing: %v", err)
		}
		vs, err := s.Versions(ctx, a.ID)
		if err != nil || len(vs) != 2 || vs[0].Version != 2 || vs[0].Title != title || vs[1].Title != "申请退款流程" {
			t.Fatalf("versions: %+v %v", vs, err)
		}
		// List with filters.
		page := store.Page{Limit: 10, Sort: "id"}
		for _, c := range []struct {
			f    Filter
			want int
		}{{Filter{}, 2}, {Filter{Lang: "en"}, 1}, {Filter{Tag: "退款"}, 1}, {Filter{Category: "refund"}, 1}, {Filter{Text: "HOW TO"}, 1},
			{Filter{Text: "%"}, 0}, {Filter{TranslationKey: a.TranslationKey}, 2}, {Filter{Status: "draft"}, 0}} {
			items, err := s.List(ctx, c.f, page)
			if err != nil || len(items) != c.want {
				t.Errorf("list %+v: %d items, want %d (%v)", c.f, len(items), c.want, err)
			}
		}
		// Archive and delete.
		arch, err := s.Archive(ctx, en.ID, 0, 0)
		if err != nil || arch.Status != "archived" || arch.Version != 2 {
			t.Fatalf("archive: %+v %v", arch, err)
		}
		if err := s.Delete(ctx, en.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Get(ctx, db, en.ID); code(err) != "not_found" {
			t.Errorf("get deleted: %v", err)
		}
		if err := s.Delete(ctx, en.ID); code(err) != "not_found" {
			t.Errorf("delete twice: %v", err)
		}
	})
}

func TestIndexFollowsDatabase(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := NewService(db, nil)
		a := mustCreate(t, s, Input{Lang: "zh", Title: "申请退款流程", Questions: []string{"怎么申请退款"}, Answer: "在订单页申请退款。", Status: "published"})
		b := mustCreate(t, s, Input{Lang: "zh", Title: "修改收货地址", Questions: []string{"地址填错了"}, Answer: "发货前可以修改。", Status: "published"})
		draft := mustCreate(t, s, Input{Lang: "zh", Title: "会员积分规则", Answer: "草稿", Status: "draft"})
		// Plain SQL LIKE '退款' on the title would find this; a full-text index with a
		// whitespace tokenizer would not. The index finds 退款 inside 申请退款流程.
		if ids := searchIDs(t, s, "退款"); len(ids) == 0 || ids[0] != a.ID {
			t.Errorf("退款: %v, want %d first", ids, a.ID)
		}
		if ids := searchIDs(t, s, "会员积分规则"); len(ids) != 0 {
			t.Errorf("a draft was found by customer search: %v", ids)
		}
		res, _ := s.Search(ctx, SearchRequest{Query: "会员积分规则", Drafts: true})
		if len(res.Items) == 0 || res.Items[0].Article.ID != draft.ID {
			t.Errorf("staff search misses the draft: %+v", res.Items)
		}
		// Update: the new wording is found, the old one no longer leads to it.
		title, answer := "物流查询", "在订单页查看物流。"
		qs := []string{"快递到哪了"}
		if _, err := s.Update(ctx, b.ID, Patch{Version: 1, Title: &title, Answer: &answer, Questions: &qs}, 0); err != nil {
			t.Fatal(err)
		}
		if ids := searchIDs(t, s, "快递到哪了"); len(ids) == 0 || ids[0] != b.ID {
			t.Errorf("after update: %v", ids)
		}
		for _, id := range searchIDs(t, s, "收货地址填错") {
			if id == b.ID {
				t.Errorf("old question still finds the updated article")
			}
		}
		// Archive and delete remove it from search.
		if _, err := s.Archive(ctx, b.ID, 0, 0); err != nil {
			t.Fatal(err)
		}
		if ids := searchIDs(t, s, "快递到哪了"); len(ids) > 0 && ids[0] == b.ID {
			t.Errorf("archived article still found")
		}
		if err := s.Delete(ctx, a.ID); err != nil {
			t.Fatal(err)
		}
		if ids := searchIDs(t, s, "退款"); len(ids) > 0 {
			t.Errorf("deleted article still found: %v", ids)
		}
		// A new process (or another instance) rebuilds the same index from the database.
		c := mustCreate(t, s, Input{Lang: "en", Title: "Refund policy", Questions: []string{"can I get my money back"}, Answer: "Yes, within 7 days.", Status: "published"})
		fresh := NewService(db, nil)
		if ids := searchIDs(t, fresh, "money back"); len(ids) != 1 || ids[0] != c.ID {
			t.Errorf("rebuilt index: %v", ids)
		}
		// Another instance's change reaches this one at the next refresh.
		fresh.RefreshEvery = 0
		title2 := "Refund and return policy"
		if _, err := s.Update(ctx, c.ID, Patch{Version: 1, Title: &title2}, 0); err != nil {
			t.Fatal(err)
		}
		time.Sleep(10 * time.Millisecond)
		if ids := searchIDs(t, fresh, "return policy"); len(ids) != 1 || ids[0] != c.ID {
			t.Errorf("other instance's update not picked up: %v", ids)
		}
		if err := s.Delete(ctx, c.ID); err != nil {
			t.Fatal(err)
		}
		if ids := searchIDs(t, fresh, "money back"); len(ids) != 0 {
			t.Errorf("other instance's delete not picked up: %v", ids)
		}
	})
}

func TestRender(t *testing.T) {
	out, missing := Render("您好 {customer.name}，订单 {order.number} 已发货，{{order.number}} 是占位符写法，{ 不是 }。", map[string]string{"customer.name": "*张三*"})
	want := `您好 \*张三\*，订单  已发货，{order.number} 是占位符写法，{ 不是 }。`
	if out != want || len(missing) != 1 || missing[0] != "order.number" {
		t.Errorf("Render = %q %v", out, missing)
	}
	if err := CheckPlaceholders("{shop.name} {agent.name}"); err != nil {
		t.Error(err)
	}
	if err := CheckPlaceholders("{order.numbr}"); code(err) != "invalid_field" {
		t.Errorf("unknown placeholder accepted: %v", err)
	}
}

func TestImportExportRoundTrip(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := NewService(db, nil)
		csvText := "translation_key,lang,title,questions,answer,category,tags,status,audience\n" +
			"refund,zh,申请退款流程,\"怎么退款\n退款要多久\",\"在订单页申请退款，\n\n**3 天**内到账。\",refund,退款|售后,published,\n" +
			"refund,en,Refund process,how do I get a refund,\"Open the order, then \"\"Refund\"\".\",refund,refund,published,vip|gold\n" +
			// Lines are physical lines of the file (the quoted fields above span several), as an
			// editor shows them.
			"bad,fr,Titre,,Réponse,,,published,\n" + // line 7: bad lang
			"bad2,zh,,,答案,,,published,\n" + // line 8: no title
			"ship,zh,发货时间,几天发货,48 小时内发货。,shipping,,draft,\n" +
			"bad3,zh,标题,,答案,,,published,platinum\n" // line 10: bad tier
		rep, err := s.ImportCSV(ctx, strings.NewReader(csvText), 0)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 3 || len(rep.Errors) != 3 || rep.Errors[0].Line != 7 || rep.Errors[0].Field != "lang" ||
			rep.Errors[1].Line != 8 || rep.Errors[1].Field != "title" || rep.Errors[2].Line != 10 || rep.Errors[2].Field != "audience" {
			t.Fatalf("report: %+v", rep)
		}
		if ids := searchIDs(t, s, "退款要多久"); len(ids) == 0 {
			t.Errorf("imported article not searchable")
		}
		var buf bytes.Buffer
		if err := s.ExportCSV(ctx, &buf, Filter{}); err != nil {
			t.Fatal(err)
		}
		// Re-importing the export changes nothing but the versions.
		rep2, err := s.ImportCSV(ctx, bytes.NewReader(buf.Bytes()), 0)
		if err != nil || rep2.Updated != 3 || rep2.Created != 0 || len(rep2.Errors) != 0 {
			t.Fatalf("re-import: %+v %v", rep2, err)
		}
		var buf2 bytes.Buffer
		s.ExportCSV(ctx, &buf2, Filter{})
		if buf.String() != buf2.String() {
			t.Errorf("CSV round trip differs:\n%s\n---\n%s", buf.String(), buf2.String())
		}
		// Markdown: export, import into a fresh database, export again: identical.
		files, err := s.ExportMarkdown(ctx, Filter{})
		if err != nil || len(files) != 3 {
			t.Fatalf("markdown export: %d %v", len(files), err)
		}
		s2 := NewService(storetest.OpenSQLite(t), nil)
		rep3, err := s2.ImportMarkdown(ctx, append(files,
			MarkdownFile{Name: "broken.md", Content: "---\nlang: zh\ntitle: \"unclosed\n---\nx"},
			MarkdownFile{Name: "nofm.md", Content: "just text"},
			MarkdownFile{Name: "badkey.md", Content: "---\nlang: zh\ntitle: t\ncolour: red\n---\nanswer"},
		), 0)
		if err != nil || rep3.Created != 3 || len(rep3.Errors) != 3 {
			t.Fatalf("markdown import: %+v %v", rep3, err)
		}
		if e := rep3.Errors[0]; e.File != "broken.md" || e.Line != 3 || e.Field != "title" {
			t.Errorf("broken.md error: %+v", e)
		}
		if e := rep3.Errors[2]; e.File != "badkey.md" || e.Line != 4 {
			t.Errorf("badkey.md error: %+v", e)
		}
		files2, _ := s2.ExportMarkdown(ctx, Filter{})
		for i := range files {
			if files[i] != files2[i] {
				t.Errorf("markdown round trip differs:\n%s\n---\n%s", files[i].Content, files2[i].Content)
			}
		}
		// Broken CSV structure is reported, not a crash.
		rep4, err := s.ImportCSV(ctx, strings.NewReader("translation_key,lang,title,questions,answer\nk,zh,\"unterminated,q,a\n"), 0)
		if err != nil || len(rep4.Errors) != 1 || rep4.Errors[0].Code != "invalid_csv" {
			t.Errorf("broken quote: %+v %v", rep4, err)
		}
		if _, err := s.ImportCSV(ctx, strings.NewReader("nothing,useful\n"), 0); code(err) != "invalid_csv" {
			t.Errorf("bad header: %v", err)
		}
	})
}

func TestParseMarkdownFlowLists(t *testing.T) {
	in, err := ParseMarkdown("---\r\nlang: en\r\ntitle: 'It''s here'\r\ntags: [a, \"b, c\"]\r\nquestions:\r\n  - where\r\n  - \"when?\"\r\n---\r\nBody\r\n")
	if err != nil || in.Title != "It's here" || len(in.Tags) != 2 || in.Tags[1] != "b, c" || len(in.Questions) != 2 || strings.TrimSpace(in.Answer) != "Body" {
		t.Errorf("%+v %v", in, err)
	}
}

func insertConversation(t *testing.T, db *store.DB, lang string, customerTier string, messages ...string) int64 {
	t.Helper()
	now := time.Now().UTC()
	var customer any
	if customerTier != "" {
		id, err := store.InsertID(ctx, db, `INSERT INTO customers (name, tier, created_at) VALUES (?, ?, ?) RETURNING id`, "王*小明*", customerTier, now)
		if err != nil {
			t.Fatal(err)
		}
		customer = id
		if _, err := db.Exec(ctx, `INSERT INTO orders (number, customer_id, status, payment_status, total_cents, placed_at, updated_at)
			VALUES (?, ?, 'shipped', 'paid', 12345, ?, ?)`, "KF20260101"+itoa(int(id)), id, now, now); err != nil {
			t.Fatal(err)
		}
	}
	cid, err := store.InsertID(ctx, db, `INSERT INTO conversations (customer_id, lang, created_at, updated_at) VALUES (?, ?, ?, ?) RETURNING id`, customer, lang, now, now)
	if err != nil {
		t.Fatal(err)
	}
	for i, m := range messages {
		kind := "customer"
		if strings.HasPrefix(m, "bot:") {
			kind, m = "bot", strings.TrimPrefix(m, "bot:")
		}
		if _, err := db.Exec(ctx, `INSERT INTO messages (conversation_id, sender_kind, body, created_at) VALUES (?, ?, ?, ?)`, cid, kind, m, now.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	return cid
}

func TestSuggestInsertUsage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := NewService(db, nil)
		refund := mustCreate(t, s, Input{Lang: "zh", Title: "申请退款流程", Questions: []string{"怎么申请退款"},
			Answer: "{customer.name} 您好！订单 {order.number} 可在订单详情页申请退款，退款 3 天内原路返回。", Status: "published"})
		vip := mustCreate(t, s, Input{Lang: "zh", Title: "VIP 专属退款通道", Questions: []string{"VIP 怎么退款"}, Answer: "专属客服处理。", Status: "published", Audience: []string{"vip"}})
		cid := insertConversation(t, db, "zh", "regular", "你好", "bot:您好，请问有什么可以帮您？", "我的订单想退款，怎么操作")
		sug, err := s.Suggest(ctx, cid, 0, 5)
		if err != nil {
			t.Fatal(err)
		}
		if len(sug.Items) == 0 || sug.Items[0].Article.ID != refund.ID || !strings.Contains(sug.Items[0].Passage.HTML, "<mark>") {
			t.Fatalf("suggestions: %+v", sug)
		}
		for _, h := range sug.Items {
			if h.Article.ID == vip.ID {
				t.Errorf("a regular customer's conversation got the VIP-only article")
			}
		}
		ins, err := s.Insert(ctx, refund.ID, cid, 0)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(ins.Text, `王\*小明\*`) || !strings.Contains(ins.Text, "KF20260101") || len(ins.Missing) != 0 {
			t.Errorf("inserted: %+v", ins)
		}
		for _, k := range []string{EventHelpful, EventHelpful, EventUnhelpful} {
			if err := s.RecordEvent(ctx, db, Event{ArticleID: refund.ID, Kind: k, ConversationID: cid}); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.RecordEvent(ctx, db, Event{ArticleID: refund.ID, Kind: "liked"}); code(err) != "invalid_field" {
			t.Errorf("bad kind: %v", err)
		}
		if err := s.RecordEvent(ctx, db, Event{ArticleID: 9999, Kind: EventShown}); code(err) != "not_found" {
			t.Errorf("missing article: %v", err)
		}
		u, err := s.ArticleUsage(ctx, refund.ID)
		if err != nil || u.Counts[EventSuggested] != 1 || u.Counts[EventInserted] != 1 || u.Counts[EventHelpful] != 2 || u.HelpfulRate == nil || *u.HelpfulRate < 0.66 {
			t.Errorf("usage: %+v %v", u, err)
		}
		if _, err := s.Suggest(ctx, 99999, 0, 5); code(err) != "not_found" {
			t.Errorf("missing conversation: %v", err)
		}
		empty := insertConversation(t, db, "zh", "")
		if sug, err := s.Suggest(ctx, empty, 0, 5); err != nil || len(sug.Items) != 0 {
			t.Errorf("conversation without messages: %+v %v", sug, err)
		}
		// The bot's entry point: a clear question is answered and recorded as shown.
		r, err := s.Answer(ctx, BotRequest{Text: "怎么申请退款", Lang: "zh", ConversationID: cid})
		if err != nil || r.Decision != "answer" || !strings.Contains(r.Text, "申请退款") {
			t.Fatalf("bot answer: %+v %v", r, err)
		}
		u, _ = s.ArticleUsage(ctx, refund.ID)
		if u.Counts[EventShown] != 1 {
			t.Errorf("shown not recorded: %+v", u.Counts)
		}
	})
}

func TestKnowledgeGaps(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := NewService(db, nil)
		mustCreate(t, s, Input{Lang: "zh", Title: "申请退款流程", Questions: []string{"怎么申请退款"}, Answer: "在订单页申请退款。", Status: "published"})
		for _, q := range []string{
			"怎么开发票", "如何开发票", "发票怎么开", "可以开发票吗",
			"支持花呗分期吗", "能用花呗分期吗",
			"门店在哪里",
			"can I pay with paypal", "pay with paypal please",
		} {
			r, err := s.Answer(ctx, BotRequest{Text: q})
			if err != nil {
				t.Fatal(err)
			}
			if r.Decision != "handoff" {
				// Record it anyway: the test is about clustering, not about the threshold.
				if err := s.RecordUnanswered(ctx, db, Unanswered{Question: q, Lang: "zh"}); err != nil {
					t.Fatal(err)
				}
			}
		}
		gaps, err := s.Gaps(ctx, GapOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(gaps) < 3 || gaps[0].Count != 4 || gaps[0].Examples[0] != "怎么开发票" {
			t.Fatalf("gaps: %+v", gaps)
		}
		byFirst := map[string]int{}
		for _, g := range gaps {
			byFirst[g.Question] = g.Count
		}
		if byFirst["支持花呗分期吗"] != 2 || byFirst["can I pay with paypal"] != 2 || byFirst["门店在哪里"] != 1 {
			t.Errorf("clusters: %v", byFirst)
		}
		a, err := s.CreateFromGap(ctx, GapArticle{QuestionIDs: gaps[0].QuestionIDs, Answer: "在订单页申请开票。"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		if a.Status != "draft" || len(a.Questions) != 4 || a.Title != "怎么开发票" {
			t.Errorf("article from gap: %+v", a)
		}
		gaps2, _ := s.Gaps(ctx, GapOptions{})
		if len(gaps2) != len(gaps)-1 {
			t.Errorf("resolved questions still listed: %d → %d", len(gaps), len(gaps2))
		}
		if _, err := s.CreateFromGap(ctx, GapArticle{QuestionIDs: []int64{999999}, Answer: "x"}, 0); code(err) != "invalid_field" {
			t.Errorf("unknown question id: %v", err)
		}
	})
}

func evalData(t testing.TB) string {
	dir := os.Getenv("KEFU_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("evaluation data not found at %s (set KEFU_EVAL_DATA): %v", dir, err)
	}
	return dir
}

// TestHostileArticlesAndQueries stores hostile strings as article text and searches with
// them: every call gives results or an empty list, never an error.
func TestHostileArticlesAndQueries(t *testing.T) {
	f, err := os.Open(filepath.Join(evalData(t), "hostile", "blns", "blns.txt"))
	if err != nil {
		t.Skipf("hostile strings not available: %v", err)
	}
	var lines []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") {
			lines = append(lines, l)
		}
	}
	f.Close()
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := NewService(db, nil)
		stored := 0
		for i, l := range lines {
			if i%3 != 0 {
				continue // a third of them as article text keeps the test fast; all are queries below
			}
			_, err := s.Create(ctx, Input{Lang: "en", Title: "hostile " + l, Questions: []string{l}, Answer: "{{ " + l + " }}", Tags: []string{truncate(l, 30)}, Status: "published"}, 0)
			if err != nil {
				if _, ok := apperr.As(err); !ok {
					t.Fatalf("storing %q: %v (not a user error)", l, err)
				}
				continue
			}
			stored++
		}
		if stored < len(lines)/6 {
			t.Fatalf("only %d of %d hostile articles stored", stored, len(lines))
		}
		for _, l := range append(lines, strings.Repeat("退款 refund ' OR 1=1 -- ", 500)) {
			if _, err := s.Search(ctx, SearchRequest{Query: l, Drafts: true}); err != nil {
				t.Fatalf("search %q: %v", l, err)
			}
		}
	})
}

func TestSearchRecords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		s := NewService(db, nil)
		s.HashPhone = func(p string) string { return "h:" + p }
		cid := insertConversation(t, db, "zh", "gold", "我的快递三天没动了", "订单 KF20260101X 什么时候到")
		var customer int64
		db.QueryRow(ctx, `SELECT customer_id FROM conversations WHERE id = ?`, cid).Scan(&customer)
		if _, err := db.Exec(ctx, `UPDATE customers SET phone_hash = ? WHERE id = ?`, "h:13800138000", customer); err != nil {
			t.Fatal(err)
		}
		var order string
		var orderID int64
		db.QueryRow(ctx, `SELECT id, number FROM orders WHERE customer_id = ?`, customer).Scan(&orderID, &order)
		now := time.Now().UTC()
		if _, err := db.Exec(ctx, `INSERT INTO tickets (subject, description, customer_id, order_id, created_at, updated_at) VALUES ('快递延误', '客户催件', ?, ?, ?, ?)`, customer, orderID, now, now); err != nil {
			t.Fatal(err)
		}
		other := insertConversation(t, db, "zh", "regular", "快递什么时候到")
		kinds := func(hits []recordsearch.Hit) map[string]int {
			m := map[string]int{}
			for _, h := range hits {
				m[h.Kind]++
			}
			return m
		}
		find := func(q recordsearch.Query) []recordsearch.Hit {
			page, err := s.SearchRecords(ctx, q)
			if err != nil {
				t.Fatalf("%+v: %v", q, err)
			}
			return page.Items
		}
		page, err := s.SearchRecords(ctx, recordsearch.Query{Text: "快递"})
		if err != nil {
			t.Fatal(err)
		}
		hits := page.Items
		if err != nil || kinds(hits)["message"] != 2 || kinds(hits)["ticket"] != 1 {
			t.Fatalf("text: %+v %v", hits, err)
		}
		hits = find(recordsearch.Query{Text: "快递", Phone: "13800138000"})
		for _, h := range hits {
			if h.ConversationID == other {
				t.Errorf("phone filter let another customer's conversation through")
			}
		}
		if len(hits) == 0 || !strings.Contains(hits[0].Snippet.HTML, "<mark>快递</mark>") {
			t.Errorf("phone: %+v", hits)
		}
		if hits := find(recordsearch.Query{Phone: "13900000000"}); len(hits) != 0 {
			t.Errorf("unknown phone: %+v", hits)
		}
		if hits := find(recordsearch.Query{OrderNumber: order}); kinds(hits)["conversation"] != 1 || kinds(hits)["ticket"] != 1 {
			t.Errorf("order: %+v", hits)
		}
		if hits := find(recordsearch.Query{Text: "%_' OR 1=1 --"}); len(hits) != 0 {
			t.Errorf("wildcards must match literally: %+v", hits)
		}
		if _, err := s.SearchRecords(ctx, recordsearch.Query{}); code(err) != "invalid_field" {
			t.Errorf("no criteria: %v", err)
		}
	})
}
