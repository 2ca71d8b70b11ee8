package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"testing"
	"time"

	"kefu/internal/app/apptest"
	"kefu/internal/auth"
	"kefu/internal/conversation"
	"kefu/internal/media"
	"kefu/internal/media/mediatest"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// upload posts a file as multipart/form-data (as the workspace's reply box does) with role's
// token, returning the status and body.
func upload(t *testing.T, env *apptest.Env, role auth.Role, path, name string, data []byte) (int, []byte) {
	t.Helper()
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", env.Server.URL+path, &b)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+env.Tokens[role])
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	return res.StatusCode, raw
}

// TestAgentSendsAPhoto: an agent uploads a photo to a conversation and sends it as an image
// message through the REST send path; the message carries a signed link that serves the
// bytes. Files that are not photos are refused by their content, whatever their name, and an
// upload cannot be sent in another conversation.
func TestAgentSendsAPhoto(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		env.App.Media.Dir = t.TempDir()
		ctx := context.Background()
		newConv := func(subject string) int64 {
			now := time.Now().UTC()
			id, err := store.InsertID(ctx, db, `INSERT INTO conversations (channel, status, handled_by, subject, lang, created_at, updated_at) VALUES ('web', 'open', 'agent', ?, 'en', ?, ?) RETURNING id`, subject, now, now)
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		convA, convB := newConv("A"), newConv("B")
		png := mediatest.TextPNG(t, "Replacement label", "Return code RT-4411")

		status, raw := upload(t, env, auth.RoleAgent, fmt.Sprintf("/api/v1/conversations/%d/attachments", convA), "label.png", png)
		if status != http.StatusCreated {
			t.Fatalf("agent upload: %d %s", status, raw)
		}
		var up media.Attachment
		json.Unmarshal(raw, &up)
		if up.ID == 0 || up.Kind != "image" || up.MIME != "image/png" || up.SizeBytes != int64(len(png)) || up.Name != "label.png" || up.URL == "" {
			t.Fatalf("upload answer %+v", up)
		}

		// Hostile or broken files: refused by content, never stored as photos.
		for name, tc := range map[string]struct {
			file string
			data []byte
			want int
			code string
		}{
			"html named .png":      {"photo.png", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>"), 415, "unsupported_file"},
			"svg with script":      {"logo.png", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`), 415, "unsupported_file"},
			"windows executable":   {"invoice.jpg", append([]byte("MZ\x90\x00\x03\x00\x00\x00"), make([]byte, 200)...), 415, "unsupported_file"},
			"truncated png":        {"cut.png", png[:len(png)/2], 415, "unsupported_file"},
			"empty":                {"empty.png", nil, 400, "empty_file"},
			"zip disguised as gif": {"a.gif", []byte("PK\x03\x04" + string(make([]byte, 100))), 415, "unsupported_file"},
		} {
			status, raw := upload(t, env, auth.RoleAgent, fmt.Sprintf("/api/v1/conversations/%d/attachments", convA), tc.file, tc.data)
			if status != tc.want || apptest.ErrorCode(raw) != tc.code {
				t.Errorf("%s: %d %s, want %d %s", name, status, raw, tc.want, tc.code)
			}
		}
		var stored int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM attachments`).Scan(&stored)
		if stored != 1 {
			t.Errorf("%d attachments stored after one good and six refused uploads", stored)
		}
		if status, raw := upload(t, env, auth.RoleAgent, "/api/v1/conversations/999999/attachments", "x.png", png); status != http.StatusNotFound {
			t.Errorf("upload to a missing conversation: %d %s", status, raw)
		}

		// The upload belongs to conversation A: a message in B cannot carry it.
		var out struct {
			Message conversation.Message `json:"message"`
		}
		status, raw = env.Do(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convB),
			map[string]any{"content_type": "image", "attachment_ids": []int64{up.ID}})
		if status != http.StatusBadRequest || apptest.ErrorCode(raw) != "invalid_field" {
			t.Errorf("send A's upload in B: %d %s, want 400 invalid_field", status, raw)
		}
		var n int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM messages WHERE conversation_id = ?`, convB).Scan(&n)
		if n != 0 {
			t.Errorf("the refused send left %d messages in B", n)
		}

		// In A it is sent, once.
		env.JSON(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convA),
			map[string]any{"content_type": "image", "attachment_ids": []int64{up.ID}, "body": "Please print this label", "client_msg_id": "agent-photo-1"}, http.StatusCreated, &out)
		m := out.Message
		var refs []media.Ref
		json.Unmarshal(m.Attachments, &refs)
		if m.ContentType != "image" || m.SenderKind != "agent" || m.SenderID == nil || *m.SenderID != env.Users[auth.RoleAgent].ID || len(refs) != 1 || refs[0].ID != up.ID {
			t.Fatalf("sent message %+v, refs %+v", m, refs)
		}
		status, raw = env.Do(t, auth.RoleAgent, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convA),
			map[string]any{"content_type": "image", "attachment_ids": []int64{up.ID}})
		if status != http.StatusConflict || apptest.ErrorCode(raw) != "attachment_already_sent" {
			t.Errorf("sending the same upload again: %d %s", status, raw)
		}
		// A text message carries no uploads.
		up2Status, up2Raw := upload(t, env, auth.RoleSupervisor, fmt.Sprintf("/api/v1/conversations/%d/attachments", convA), "b.png", png)
		if up2Status != http.StatusCreated {
			t.Fatalf("supervisor upload: %d %s", up2Status, up2Raw)
		}
		var up2 media.Attachment
		json.Unmarshal(up2Raw, &up2)
		if status, raw := env.Do(t, auth.RoleSupervisor, "POST", fmt.Sprintf("/api/v1/conversations/%d/messages", convA),
			map[string]any{"body": "see photo", "attachment_ids": []int64{up2.ID}}); status != http.StatusBadRequest {
			t.Errorf("text message with an upload: %d %s", status, raw)
		}

		// The signed link serves the photo, without a session (an <img> sends none).
		res, err := http.Get(env.Server.URL + refs[0].URL)
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != 200 || res.Header.Get("Content-Type") != "image/png" || !bytes.Equal(body, png) {
			t.Errorf("GET %s: %d %s, %d bytes", refs[0].URL, res.StatusCode, res.Header.Get("Content-Type"), len(body))
		}

		// The customer's history carries it too (the widget renders image messages).
		ms, err := env.App.Conversations.Messages(ctx, convA, 0, 10, false)
		if err != nil || len(ms) != 1 || string(ms[0].ForCustomer().Attachments) != string(m.Attachments) {
			t.Errorf("customer's view of the conversation: %v %v", ms, err)
		}
		waitMediaDone(t, db, m.ID)
	})
}

// waitMediaDone waits for the extraction started by a photo message to record its result, so
// the test's database is not closed under it.
func waitMediaDone(t *testing.T, db *store.DB, messageID int64) {
	t.Helper()
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		var payload string
		db.QueryRow(context.Background(), `SELECT payload FROM messages WHERE id = ?`, messageID).Scan(&payload)
		if media.Processed(json.RawMessage(payload)) {
			return
		}
	}
	t.Errorf("message %d: no extraction result within a minute", messageID)
}

// TestQueueCounts: the workspace's tab counts match the queues' lists, per person (mine, my
// teams), filtered by status, and stop at the cap on a long queue.
func TestQueueCounts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		ctx := context.Background()
		agent, admin := env.Users[auth.RoleAgent].ID, env.Users[auth.RoleAdmin].ID
		now := time.Now().UTC()
		var teamA, teamB int64
		err := db.Tx(ctx, func(tx *store.Tx) error {
			var err error
			if teamA, err = store.InsertID(ctx, tx, `INSERT INTO teams (name, created_at) VALUES ('counts-a', ?) RETURNING id`, now); err != nil {
				return err
			}
			if teamB, err = store.InsertID(ctx, tx, `INSERT INTO teams (name, created_at) VALUES ('counts-b', ?) RETURNING id`, now); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id) VALUES (?, ?), (?, ?), (?, ?)`, teamA, agent, teamB, admin, teamA, admin); err != nil {
				return err
			}
			// Every combination of handler, status, assignee and team, a few times over.
			i := 0
			for _, handled := range []string{"bot", "agent"} {
				for _, status := range []string{"open", "waiting", "closed"} {
					for _, assignee := range []any{nil, agent, admin} {
						for _, team := range []any{nil, teamA, teamB} {
							for range (i % 3) + 1 {
								i++
								if _, err := tx.Exec(ctx, `INSERT INTO conversations (channel, status, handled_by, assignee_id, team_id, subject, lang, created_at, updated_at, last_message_at) VALUES ('web', ?, ?, ?, ?, 'c', 'zh', ?, ?, ?)`,
									status, handled, assignee, team, now, now, now); err != nil {
									return err
								}
							}
						}
					}
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}

		// The oracle: each queue's list, read through the list endpoint (all pages).
		listed := func(role auth.Role, params string) int {
			n := 0
			for offset := 0; ; offset += 100 {
				var page struct {
					Items   []json.RawMessage `json:"items"`
					HasMore bool              `json:"has_more"`
				}
				env.JSON(t, role, "GET", fmt.Sprintf("/api/v1/conversations?limit=100&offset=%d&%s", offset, params), nil, 200, &page)
				n += len(page.Items)
				if !page.HasMore {
					return n
				}
			}
		}
		queueParams := func(me int64) map[string]string {
			return map[string]string{"agent": "handled_by=agent", "mine": fmt.Sprintf("assignee_id=%d", me), "team": "team_id=mine",
				"unassigned": "handled_by=agent&assignee_id=unassigned", "bot": "handled_by=bot"}
		}
		for _, role := range []auth.Role{auth.RoleAgent, auth.RoleAdmin, auth.RoleSupervisor} {
			me := env.Users[role].ID
			for _, status := range []string{"", "open", "waiting", "closed"} {
				var got conversation.QueueCounts
				env.JSON(t, role, "GET", "/api/v1/conversations/counts?status="+status, nil, 200, &got)
				byQueue := map[string]int{"agent": got.Agent, "mine": got.Mine, "team": got.Team, "unassigned": got.Unassigned, "bot": got.Bot}
				for q, params := range queueParams(me) {
					if status != "" {
						params += "&status=" + status
					}
					if want := listed(role, params); byQueue[q] != want {
						t.Errorf("%s, status %q: %s counts %d, its list has %d", role, status, q, byQueue[q], want)
					}
				}
				if got.Cap != conversation.CountCap {
					t.Errorf("cap %d", got.Cap)
				}
			}
		}
		// Spot checks against the fixture itself, so the oracle is not trusted blindly: the
		// supervisor is in no team and owns nothing.
		var sup conversation.QueueCounts
		env.JSON(t, auth.RoleSupervisor, "GET", "/api/v1/conversations/counts", nil, 200, &sup)
		if sup.Mine != 0 || sup.Team != 0 || sup.Agent == 0 || sup.Bot == 0 || sup.Unassigned == 0 || sup.Unassigned >= sup.Agent {
			t.Errorf("supervisor's counts %+v", sup)
		}

		// A long queue stops at the cap.
		err = db.Tx(ctx, func(tx *store.Tx) error {
			for range conversation.CountCap + 5 {
				if _, err := tx.Exec(ctx, `INSERT INTO conversations (channel, status, handled_by, subject, lang, created_at, updated_at, last_message_at) VALUES ('web', 'open', 'bot', 'bulk', 'zh', ?, ?, ?)`, now, now, now); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		var capped conversation.QueueCounts
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/conversations/counts?status=open", nil, 200, &capped)
		if capped.Bot != conversation.CountCap {
			t.Errorf("bot queue with over %d open conversations counts %d, want the cap", conversation.CountCap, capped.Bot)
		}

		if status, raw := env.Do(t, auth.RoleAgent, "GET", "/api/v1/conversations/counts?status=lost", nil); status != 400 || apptest.ErrorCode(raw) != "invalid_field" {
			t.Errorf("bad status: %d %s", status, raw)
		}
		if status, _ := env.Do(t, "", "GET", "/api/v1/conversations/counts", nil); status != 401 {
			t.Errorf("without credentials: %d", status)
		}
	})
}
