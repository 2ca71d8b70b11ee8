package kb_test

import (
	"bufio"
	"context"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"kefu/internal/app/apptest"
	"kefu/internal/auth"
	"kefu/internal/kb"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

func TestKBAPI(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		var a kb.Article
		env.JSON(t, auth.RoleSupervisor, "POST", "/api/v1/kb/articles", kb.Input{Lang: "zh", Title: "申请退款流程",
			Questions: []string{"怎么申请退款"}, Answer: "在订单详情页点击**申请退款**。", Status: "published", Tags: []string{"退款"}}, 201, &a)
		if a.ID == 0 || a.Version != 1 || a.AuthorID == nil || *a.AuthorID != env.Users[auth.RoleSupervisor].ID {
			t.Fatalf("created: %+v", a)
		}
		// Agents read and search but do not edit.
		status, raw := env.Do(t, auth.RoleAgent, "POST", "/api/v1/kb/articles", kb.Input{Lang: "zh", Title: "x", Answer: "y"})
		if status != 403 || apptest.ErrorCode(raw) != "forbidden" {
			t.Errorf("agent create: %d %s", status, raw)
		}
		status, raw = env.Do(t, auth.RoleSupervisor, "POST", "/api/v1/kb/articles", kb.Input{Lang: "xx", Title: "x", Answer: "y"})
		if status != 400 || apptest.ErrorCode(raw) != "invalid_field" {
			t.Errorf("bad lang: %d %s", status, raw)
		}

		var res kb.SearchResult
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/kb/search?q="+url.QueryEscape("退款"), nil, 200, &res)
		if len(res.Items) != 1 || res.Items[0].Article.ID != a.ID || !strings.Contains(res.Items[0].Passage.HTML, "<mark>") {
			t.Fatalf("search: %+v", res)
		}

		// Update with the right version, then a stale one.
		title := "退款申请流程"
		var u kb.Article
		env.JSON(t, auth.RoleAdmin, "PATCH", "/api/v1/kb/articles/"+itoa(a.ID), kb.Patch{Version: 1, Title: &title}, 200, &u)
		if u.Version != 2 || u.Title != title {
			t.Errorf("patched: %+v", u)
		}
		status, raw = env.Do(t, auth.RoleAdmin, "PATCH", "/api/v1/kb/articles/"+itoa(a.ID), kb.Patch{Version: 1, Title: &title})
		if status != 409 || apptest.ErrorCode(raw) != "stale_version" {
			t.Errorf("stale patch: %d %s", status, raw)
		}
		var vs []kb.Version
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/kb/articles/"+itoa(a.ID)+"/versions", nil, 200, &vs)
		if len(vs) != 2 || vs[0].AuthorID == nil {
			t.Errorf("versions: %+v", vs)
		}
		var list struct {
			Items []kb.Article `json:"items"`
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/kb/articles?lang=zh&status=published&limit=10", nil, 200, &list)
		if len(list.Items) != 1 {
			t.Errorf("list: %+v", list)
		}
		if status, _ := env.Do(t, auth.RoleAgent, "GET", "/api/v1/kb/articles?status=gone", nil); status != 400 {
			t.Errorf("bad status filter: %d", status)
		}

		// Import CSV with a bad row, export, markdown import.
		csvBody := "translation_key,lang,title,questions,answer,category,tags,status,audience\n" +
			"ship,zh,发货时间,几天发货,48 小时内发货。,shipping,,published,\n" +
			"bad,zh,,,答案,,,published,\n"
		var rep kb.ImportReport
		env.JSON(t, auth.RoleSupervisor, "POST", "/api/v1/kb/import?format=csv", csvBody, 200, &rep)
		if rep.Created != 1 || len(rep.Errors) != 1 || rep.Errors[0].Line != 3 {
			t.Errorf("import: %+v", rep)
		}
		status, raw = env.Do(t, auth.RoleSupervisor, "GET", "/api/v1/kb/export?format=csv", nil)
		if status != 200 || !strings.Contains(string(raw), "发货时间") || !strings.HasPrefix(string(raw), "translation_key,") {
			t.Errorf("export: %d %s", status, raw)
		}
		var md struct {
			Files []kb.MarkdownFile `json:"files"`
		}
		env.JSON(t, auth.RoleSupervisor, "GET", "/api/v1/kb/export?format=markdown&lang=zh", nil, 200, &md)
		if len(md.Files) != 2 {
			t.Fatalf("markdown export: %+v", md)
		}
		md.Files[0].Content = strings.Replace(md.Files[0].Content, "lang: zh", "lang: en", 1) // a new en translation
		env.JSON(t, auth.RoleSupervisor, "POST", "/api/v1/kb/import?format=markdown", md, 200, &rep)
		if rep.Created != 1 || rep.Updated != 1 || len(rep.Errors) != 0 {
			t.Errorf("markdown import: %+v", rep)
		}

		// Suggestions and insertion for a conversation.
		cid, err := store.InsertID(ctx(), db, `INSERT INTO conversations (lang, created_at, updated_at) VALUES ('zh', CURRENT_TIMESTAMP, CURRENT_TIMESTAMP) RETURNING id`)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.Exec(ctx(), `INSERT INTO messages (conversation_id, sender_kind, body, created_at) VALUES (?, 'customer', '我要退款，怎么弄', CURRENT_TIMESTAMP)`, cid); err != nil {
			t.Fatal(err)
		}
		var sug kb.Suggestions
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/kb/suggestions?conversation_id="+itoa(cid), nil, 200, &sug)
		if len(sug.Items) == 0 || sug.Items[0].Article.ID != a.ID {
			t.Fatalf("suggestions: %+v", sug)
		}
		var ins kb.Inserted
		env.JSON(t, auth.RoleAgent, "POST", "/api/v1/kb/articles/"+itoa(a.ID)+"/insert", map[string]any{"conversation_id": cid}, 200, &ins)
		if !strings.Contains(ins.Text, "申请退款") {
			t.Errorf("insert: %+v", ins)
		}
		if status, raw := env.Do(t, auth.RoleAgent, "POST", "/api/v1/kb/events", map[string]any{"article_id": a.ID, "kind": "helpful", "conversation_id": cid}); status != 204 {
			t.Errorf("event: %d %s", status, raw)
		}
		var usage kb.Usage
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/kb/articles/"+itoa(a.ID)+"/usage", nil, 200, &usage)
		if usage.Counts["suggested"] != 1 || usage.Counts["inserted"] != 1 || usage.Counts["helpful"] != 1 {
			t.Errorf("usage: %+v", usage)
		}

		// Gaps are for supervisors.
		if err := env.App.Server.Services.KB.RecordUnanswered(ctx(), db, kb.Unanswered{Question: "门店在哪里", Lang: "zh"}); err != nil {
			t.Fatal(err)
		}
		if status, _ := env.Do(t, auth.RoleAgent, "GET", "/api/v1/kb/gaps", nil); status != 403 {
			t.Errorf("agent gaps: %d", status)
		}
		var gaps []kb.Gap
		env.JSON(t, auth.RoleSupervisor, "GET", "/api/v1/kb/gaps?lang=zh", nil, 200, &gaps)
		if len(gaps) != 1 || gaps[0].Count != 1 {
			t.Fatalf("gaps: %+v", gaps)
		}
		var fromGap kb.Article
		env.JSON(t, auth.RoleSupervisor, "POST", "/api/v1/kb/gaps/article", kb.GapArticle{QuestionIDs: gaps[0].QuestionIDs, Answer: "我们只在线上销售。"}, 201, &fromGap)
		if fromGap.Status != "draft" || fromGap.Title != "门店在哪里" {
			t.Errorf("from gap: %+v", fromGap)
		}

		// Archive then hard delete.
		var arch kb.Article
		env.JSON(t, auth.RoleSupervisor, "DELETE", "/api/v1/kb/articles/"+itoa(a.ID), nil, 200, &arch)
		if arch.Status != "archived" {
			t.Errorf("archive: %+v", arch)
		}
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/kb/search?q="+url.QueryEscape("申请退款流程"), nil, 200, &res)
		for _, h := range res.Items {
			if h.Article.ID == a.ID {
				t.Errorf("archived article in search")
			}
		}
		env.JSON(t, auth.RoleSupervisor, "DELETE", "/api/v1/kb/articles/"+itoa(a.ID)+"?hard=true", nil, 204, nil)
		if status, raw := env.Do(t, auth.RoleAgent, "GET", "/api/v1/kb/articles/"+itoa(a.ID), nil); status != 404 {
			t.Errorf("get deleted: %d %s", status, raw)
		}
	})
}

// TestKBAPISearchHostile sends hostile strings, search syntax and a 10 KB query: always 200
// with results or an empty list.
func TestKBAPISearchHostile(t *testing.T) {
	dir := os.Getenv("KEFU_EVAL_DATA")
	if dir == "" {
		dir = filepath.Join("..", "..", "..", "shared", "data")
	}
	queries := []string{"", "*", "\"", "退款 AND OR NOT", "title:refund^2 ~fuzzy*", "' OR '1'='1", "%_\\", "(((", "<script>alert(1)</script>",
		strings.Repeat("退款", 5000), strings.Repeat("x", 10240)}
	if f, err := os.Open(filepath.Join(dir, "hostile", "blns", "blns.txt")); err == nil {
		sc := bufio.NewScanner(f)
		for i := 0; sc.Scan(); i++ {
			if l := sc.Text(); l != "" && !strings.HasPrefix(l, "#") && i%3 == 0 {
				queries = append(queries, l)
			}
		}
		f.Close()
	}
	db := storetest.OpenSQLite(t)
	env := apptest.Start(t, db)
	env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/kb/articles", kb.Input{Lang: "zh", Title: "申请退款流程", Answer: "在订单页申请退款。", Status: "published"}, 201, nil)
	for _, q := range queries {
		status, raw := env.Do(t, auth.RoleAgent, "GET", "/api/v1/kb/search?q="+url.QueryEscape(q), nil)
		if status != 200 || !strings.Contains(string(raw), `"items":[`) {
			t.Fatalf("query %.60q: %d %s", q, status, raw)
		}
	}
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

func ctx() context.Context { return context.Background() }
