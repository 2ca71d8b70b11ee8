package httpapi_test

import (
	"context"
	"strconv"
	"testing"

	"kefu/internal/app/apptest"
	"kefu/internal/auth"
	"kefu/internal/conversation"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// An agent's correction of a message's intent becomes a training example; retraining is queued
// as a durable job; activating an unknown version is a clear 404.
func TestIntentCorrectionAndRetrainQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		ctx := context.Background()
		var cust struct{ ID int64 }
		env.JSON(t, auth.RoleAdmin, "POST", "/api/v1/customers", map[string]any{"name": "李娜"}, 201, &cust)
		conv, err := env.App.Conversations.Create(ctx, db, conversation.NewConversation{CustomerID: cust.ID, Channel: "web", Lang: "zh"})
		if err != nil {
			t.Fatal(err)
		}
		msg, _, err := env.App.Conversations.Post(ctx, conversation.NewMessage{ConversationID: conv.ID, SenderKind: "customer", Body: "衣服洗了一次就掉色"})
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/messages/" + strconv.FormatInt(msg.ID, 10) + "/intent"
		var res struct {
			Intent    string `json:"intent"`
			ExampleID int64  `json:"example_id"`
		}
		env.JSON(t, auth.RoleAgent, "POST", path, map[string]string{"intent": "warranty_repair"}, 200, &res)
		if res.Intent != "warranty_repair" || res.ExampleID == 0 {
			t.Fatalf("correction: %+v", res)
		}
		var label, text string
		db.QueryRow(ctx, `SELECT label, text FROM nlu_examples WHERE id = ?`, res.ExampleID).Scan(&label, &text)
		if label != "warranty_repair" || text != "衣服洗了一次就掉色" {
			t.Fatalf("stored example: %q %q", label, text)
		}
		if status, raw := env.Do(t, auth.RoleAgent, "POST", path, map[string]string{"intent": "make_coffee"}); status != 400 || apptest.ErrorCode(raw) != "invalid_field" {
			t.Errorf("unknown intent: %d %s", status, raw)
		}
		if status, _ := env.Do(t, auth.RoleAgent, "POST", "/api/v1/messages/999999/intent", map[string]string{"intent": "greeting"}); status != 404 {
			t.Errorf("missing message: %d", status)
		}
		var intents struct{ Items []string }
		env.JSON(t, auth.RoleAgent, "GET", "/api/v1/nlu/intents", nil, 200, &intents)
		if len(intents.Items) < 26 {
			t.Errorf("intents: %v", intents.Items)
		}
		env.JSON(t, auth.RoleSupervisor, "POST", "/api/v1/nlu/retrain", map[string]string{"task": "intent"}, 202, nil)
		env.JSON(t, auth.RoleSupervisor, "POST", "/api/v1/nlu/retrain", map[string]string{"task": "intent"}, 202, nil)
		var queued int
		db.QueryRow(ctx, `SELECT COUNT(*) FROM jobs WHERE kind = 'nlu.retrain' AND status = 'queued'`).Scan(&queued)
		if queued != 1 {
			t.Errorf("retrain jobs queued = %d, want 1 (one per task at a time)", queued)
		}
		if status, raw := env.Do(t, auth.RoleSupervisor, "POST", "/api/v1/nlu/models/99/activate", map[string]string{"task": "intent"}); status != 404 {
			t.Errorf("unknown version: %d %s", status, raw)
		}
		env.JSON(t, auth.RoleSupervisor, "GET", "/api/v1/nlu/models?task=intent", nil, 200, nil)
	})
}
