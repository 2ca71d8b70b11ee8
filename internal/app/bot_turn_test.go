package app_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"kefu/internal/app/apptest"
	"kefu/internal/kb"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// TestBotTurnRecordsKnowledgeUsageWithItsReply: the knowledge base's usage records made during a
// bot turn (an article shown, a question the bot could not answer) are written in the turn's
// own transaction, with the reply — present once the customer has the answer, once each.
func TestBotTurnRecordsKnowledgeUsageWithItsReply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB) {
		env := apptest.Start(t, db)
		ctx := context.Background()
		a, err := env.App.Server.Services.KB.Create(ctx, kb.Input{Lang: "zh", Title: "你们发什么快递", Questions: []string{"你们发什么快递", "默认用哪家快递公司"},
			Answer: "默认发顺丰速运，偏远地区发中国邮政。", Category: "shipping", Status: "published"}, 0)
		if err != nil {
			t.Fatal(err)
		}
		v := newVisitor(t, env, "zh")
		v.call("POST", fmt.Sprintf("/api/v1/widget/conversations/%d/messages", v.conv), map[string]string{"body": "你们发什么快递", "client_msg_id": "q1"}, 201, nil)
		v.waitFor("the bot's answer from the article", func(ms []wireMessage) bool {
			for _, m := range ms {
				if m.SenderKind == "bot" && strings.Contains(m.Body, "顺丰速运") {
					return true
				}
			}
			return false
		})
		var shown int
		if err := db.QueryRow(ctx, `SELECT COUNT(*) FROM kb_usage_events WHERE article_id = ? AND kind = 'shown' AND conversation_id = ?`, a.ID, v.conv).Scan(&shown); err != nil || shown != 1 {
			t.Fatalf("shown events %d %v, want 1", shown, err)
		}
	})
}
