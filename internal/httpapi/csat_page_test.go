package httpapi_test

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"kefu/internal/app/apptest"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
	"kefu/internal/ticket"
)

// TestCSATPageRatesWithoutSigningIn drives the HTML page an e-mailed rating link opens.
func TestCSATPageRatesWithoutSigningIn(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		ctx := context.Background()
		cust, err := store.InsertID(ctx, db, `INSERT INTO customers (name, tier, lang, created_at) VALUES ('Tom', 'regular', 'en', ?) RETURNING id`, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		tk, err := env.App.Tickets.Create(ctx, ticket.CreateInput{Subject: "invoice please", CustomerID: cust, Language: "en"}, ticket.System)
		if err != nil {
			t.Fatal(err)
		}
		link, err := env.App.Tickets.NewCSATLink(ctx, tk.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		page := env.Server.URL + "/csat/" + link.Token
		get := func() (int, string) {
			res, err := http.Get(page)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		if status, body := get(); status != 200 || !strings.Contains(body, "not resolved yet") || strings.Contains(body, "<form") {
			t.Fatalf("before resolving: %d %s", status, body)
		}
		agent := ticket.Agent(env.Users["agent"].ID, "agent")
		if _, err := env.App.Tickets.RecordAgentReply(ctx, tk.ID, agent); err != nil {
			t.Fatal(err)
		}
		if _, err := env.App.Tickets.Transition(ctx, tk.ID, 0, ticket.StatusResolved, agent, ""); err != nil {
			t.Fatal(err)
		}
		if status, body := get(); status != 200 || !strings.Contains(body, "<form") || !strings.Contains(body, tk.Ref) {
			t.Fatalf("rating page: %d %s", status, body)
		}
		post := func(form url.Values) (int, string) {
			res, err := http.PostForm(page, form)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res.StatusCode, string(b)
		}
		if status, _ := post(url.Values{"score": {"9"}}); status != http.StatusBadRequest {
			t.Fatalf("score 9: %d", status)
		}
		if status, body := post(url.Values{"score": {"4"}, "comment": {"<b>fine</b>"}}); status != http.StatusCreated || !strings.Contains(body, "Thank you") {
			t.Fatalf("rating: %d %s", status, body)
		}
		if status, _ := post(url.Values{"score": {"5"}}); status != http.StatusConflict {
			t.Fatalf("second rating: %d", status)
		}
		var score int
		var comment string
		db.QueryRow(ctx, `SELECT score, comment FROM csat_responses WHERE ticket_id = ?`, tk.ID).Scan(&score, &comment)
		if score != 4 || comment != "<b>fine</b>" {
			t.Fatalf("stored %d %q", score, comment)
		}
		res, _ := http.Get(env.Server.URL + "/csat/1.2.forged")
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound || res.Header.Get("Content-Type") != "text/html; charset=utf-8" {
			t.Fatalf("forged link: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
		}
	})
}
