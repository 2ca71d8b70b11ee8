package conversation_test

import (
	"context"
	"fmt"
	"testing"

	"kefu/internal/conversation"
	"kefu/internal/store/storetest"
)

// BenchmarkPost: storing one customer message (transaction, ordering lock, fan-out, and on
// PostgreSQL the cross-instance notification), serially, per engine.
func BenchmarkPost(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			env := start(b, storetest.OpenEngine(b, engine))
			_, conv := newVisitor(b, env)
			svc := env.App.Conversations
			ctx := context.Background()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if _, _, err := svc.Post(ctx, conversation.NewMessage{ConversationID: conv, SenderKind: "customer", Body: "你好", ClientMsgID: fmt.Sprint(i)}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
