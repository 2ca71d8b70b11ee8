package webhook_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"kefu/internal/jobs"
	"kefu/internal/pii"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
	"kefu/internal/webhook"
)

func TestDeliveriesAreSignedRetriedAndComplete(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		box, _ := pii.New(bytes.Repeat([]byte{3}, 32))
		svc := webhook.New(db, box)
		clock := time.Now()
		svc.Now = func() time.Time { return clock }
		q := jobs.New(db, nil)
		q.Now = svc.Now
		svc.Register(q, time.Minute)

		var mu sync.Mutex
		var got []webhook.Payload
		var secret string
		calls := 0
		recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			defer mu.Unlock()
			calls++
			if !webhook.Verify(secret, r.Header.Get("X-Kefu-Timestamp"), r.Header.Get("X-Kefu-Signature"), body, clock, 5*time.Minute) {
				t.Errorf("bad signature on %s", body)
				w.WriteHeader(401)
				return
			}
			if calls <= 2 { // the receiver is down for the first two attempts
				w.WriteHeader(503)
				return
			}
			var p webhook.Payload
			json.Unmarshal(body, &p)
			got = append(got, p)
		}))
		defer recv.Close()

		h, err := svc.Create(ctx, webhook.NewWebhook{URL: recv.URL + "/hook", Events: []string{"ticket.created"}})
		if err != nil {
			t.Fatal(err)
		}
		secret = h.Secret
		if _, err := svc.Create(ctx, webhook.NewWebhook{URL: "ftp://x"}); err == nil {
			t.Fatal("ftp URL accepted")
		}
		if _, err := svc.Create(ctx, webhook.NewWebhook{URL: "https://x.test", Events: []string{"order.eaten"}}); err == nil {
			t.Fatal("unknown event accepted")
		}
		// Two ticket events: one the hook wants, one it does not.
		now := clock
		tid, err := store.InsertID(ctx, db, `INSERT INTO tickets (subject, created_at, updated_at) VALUES ('物流', ?, ?) RETURNING id`, now, now)
		if err != nil {
			t.Fatal(err)
		}
		db.Exec(ctx, `INSERT INTO ticket_events (ticket_id, at, actor_kind, kind, after_value) VALUES (?, ?, 'system', 'created', 'new')`, tid, now)
		db.Exec(ctx, `INSERT INTO ticket_events (ticket_id, at, actor_kind, kind, field, before_value, after_value) VALUES (?, ?, 'user', 'status', 'status', 'new', 'open')`, tid, now)
		if err := webhook.Start(ctx, db); err != nil {
			t.Fatal(err)
		}
		if err := webhook.Start(ctx, db); err != nil { // a second instance starting: still one scan
			t.Fatal(err)
		}
		for i := 0; i < 6; i++ {
			for {
				ran, err := q.RunOne(ctx)
				if err != nil {
					t.Fatal(err)
				}
				if !ran {
					break
				}
			}
			clock = clock.Add(jobs.Backoff(i+1) + time.Second)
		}
		mu.Lock()
		defer mu.Unlock()
		if len(got) != 1 || got[0].Event != "ticket.created" || got[0].ObjectID != tid || calls != 3 {
			t.Fatalf("received %+v after %d calls; want one ticket.created after two failures", got, calls)
		}
		ds, err := svc.Deliveries(ctx, h.ID)
		if err != nil || len(ds) != 1 || ds[0].Status != "delivered" || ds[0].Attempts != 3 {
			t.Fatalf("deliveries = %+v, %v", ds, err)
		}
		var scans int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = ? AND status = 'queued'`, webhook.ScanJob).Scan(&scans)
		if scans != 1 {
			t.Fatalf("%d scans scheduled, want exactly 1", scans)
		}
	})
}

func TestVerifyRejectsTamperingAndOldTimestamps(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	body := []byte(`{"event":"ticket.created"}`)
	sig := webhook.Sign("whsec_x", now.Unix(), body)
	ts := "1800000000"
	if !webhook.Verify("whsec_x", ts, sig, body, now, time.Minute) {
		t.Fatal("valid signature rejected")
	}
	if webhook.Verify("whsec_y", ts, sig, body, now, time.Minute) || webhook.Verify("whsec_x", ts, sig, []byte(`{}`), now, time.Minute) ||
		webhook.Verify("whsec_x", ts, sig, body, now.Add(time.Hour), time.Minute) || webhook.Verify("whsec_x", "x", sig, body, now, time.Minute) {
		t.Fatal("tampered delivery accepted")
	}
}
