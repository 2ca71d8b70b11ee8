package conversation_test

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"kefu/internal/app/apptest"
	"kefu/internal/conversation"
	"kefu/internal/conversation/client"
	"kefu/internal/store/storetest"
)

// BenchmarkCustomerMessage: a customer message over the WebSocket, from send to ack, with
// the reply (when the bot is on) or the fan-out echo delivered back — the server-side work
// per customer message. Run with -bench CustomerMessage [-cpuprofile cpu.out].
func BenchmarkCustomerMessage(b *testing.B) {
	for _, engine := range storetest.Engines() {
		for _, withBot := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/bot=%v", engine, withBot), func(b *testing.B) {
				db := storetest.OpenEngine(b, engine)
				env := apptest.Start(b, db)
				if !withBot {
					env.App.Conversations.SetResponder(nil)
				}
				env.App.Conversations.SetLimits(relaxed())
				var n atomic.Int64
				b.SetParallelism(4)
				b.ResetTimer()
				var unanswered atomic.Int64
				b.RunParallel(func(pb *testing.PB) {
					ctx := context.Background()
					var c *client.Conn
					var conv int64
					defer func() {
						if c != nil {
							c.WS.CloseNow()
						}
					}()
					for i := 0; pb.Next(); i++ {
						// A customer asks a few different questions per conversation, as people
						// do (one question asked hundreds of times makes the bot hand over).
						if i%len(benchQuestions) == 0 {
							if c != nil {
								c.WS.CloseNow()
							}
							var token string
							token, conv = newVisitor(b, env)
							var err error
							if c, err = client.DialCustomer(ctx, env.Server.URL, token); err != nil {
								b.Error(err)
								return
							}
							c.Send(ctx, conversation.ClientFrame{Type: "subscribe", ConversationID: conv})
						}
						id := fmt.Sprint(n.Add(1))
						c.Send(ctx, conversation.ClientFrame{Type: "send", Ref: id, ConversationID: conv, ClientMsgID: id, Body: benchQuestions[i%len(benchQuestions)]})
						acked, answered := false, false
						wait, cancel := context.WithTimeout(ctx, 5*time.Second)
						for !(acked && answered) {
							f, err := c.Read(wait)
							if err != nil && acked && withBot {
								unanswered.Add(1) // the bot handed over to a person: no reply
								break
							}
							if err != nil {
								cancel()
								b.Error(err)
								return
							}
							switch {
							case f.Type == "ack" && f.Ref == id:
								acked = true
							case f.Type == "error":
								cancel()
								b.Errorf("error frame %+v", f.Error)
								return
							case f.Type == "message" && withBot && f.Message.SenderKind == "bot":
								answered = true
							case f.Type == "message" && !withBot && f.Message.ClientMsgID != nil && *f.Message.ClientMsgID == id:
								answered = true
							}
						}
						cancel()
						if !acked || !answered { // the connection was dropped by the timeout
							c.WS.CloseNow()
							c = nil
							i = -1
						}
					}
				})
				b.ReportMetric(float64(unanswered.Load()), "unanswered")
			})
		}
	}
}

var benchQuestions = []string{"我的订单什么时候发货？", "Where is my order?", "怎么申请退货", "优惠券怎么用", "发票怎么开"}
