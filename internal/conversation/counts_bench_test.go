package conversation_test

import (
	"context"
	"testing"
	"time"

	"kefu/internal/conversation"
	"kefu/internal/store"
	"kefu/internal/store/storetest"
)

// BenchmarkCountQueues: the workspace's five tab counts in one query, on a table of 50 000
// conversations (40 000 open with agents, 10 000 with the bot), per engine. Each count stops
// at conversation.CountCap rows, so the cost does not grow with the table.
func BenchmarkCountQueues(b *testing.B) {
	for _, engine := range storetest.Engines() {
		b.Run(engine, func(b *testing.B) {
			db := storetest.OpenEngine(b, engine)
			svc := &conversation.Service{DB: db} // counting needs only the database
			ctx := context.Background()
			now := time.Now().UTC()
			err := db.Tx(ctx, func(tx *store.Tx) error {
				for i := 0; i < 50000; i++ {
					handled := "agent"
					if i%5 == 0 {
						handled = "bot"
					}
					if _, err := tx.Exec(ctx, `INSERT INTO conversations (channel, status, handled_by, subject, lang, created_at, updated_at, last_message_at) VALUES ('web', 'open', ?, 'c', 'zh', ?, ?, ?)`,
						handled, now, now, now); err != nil {
						return err
					}
				}
				return nil
			})
			if err != nil {
				b.Fatal(err)
			}
			c, err := svc.CountQueues(ctx, 1, "open")
			if err != nil || c.Agent != conversation.CountCap || c.Bot != conversation.CountCap || c.Mine != 0 {
				b.Fatalf("counts %+v, %v", c, err)
			}
			run := func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := svc.CountQueues(ctx, 1, "open"); err != nil {
						b.Fatal(err)
					}
				}
			}
			b.Run("in-no-team", run)
			// A team member: "my teams" has no index to use (conversations.team_id), so a team
			// with few conversations costs a read of every open one.
			err = db.Tx(ctx, func(tx *store.Tx) error {
				if _, err := tx.Exec(ctx, `INSERT INTO users (email, name, password_hash, role, created_at) VALUES ('bench@test', 'b', 'x', 'agent', ?)`, now); err != nil {
					return err
				}
				team, err := store.InsertID(ctx, tx, `INSERT INTO teams (name, created_at) VALUES ('bench', ?) RETURNING id`, now)
				if err != nil {
					return err
				}
				if _, err := tx.Exec(ctx, `INSERT INTO team_members (team_id, user_id) SELECT ?, id FROM users WHERE email = 'bench@test'`, team); err != nil {
					return err
				}
				_, err = tx.Exec(ctx, `UPDATE conversations SET team_id = ? WHERE id % 5000 = 1`, team)
				return err
			})
			if err != nil {
				b.Fatal(err)
			}
			var user int64
			db.QueryRow(ctx, `SELECT id FROM users WHERE email = 'bench@test'`).Scan(&user)
			if c, err := svc.CountQueues(ctx, user, "open"); err != nil || c.Team != 10 {
				b.Fatalf("team member's counts %+v, %v", c, err)
			}
			b.Run("in-a-small-team", func(b *testing.B) {
				for i := 0; i < b.N; i++ {
					if _, err := svc.CountQueues(ctx, user, "open"); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}
