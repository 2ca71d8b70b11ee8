package recordsearch

import (
	"context"
	"math"
	"strconv"
	"strings"

	"kefu/internal/store"
)

// postingChunk bounds one multi-row INSERT (two parameters a row, well under both engines'
// parameter limits).
const postingChunk = 500

// IndexMessage posts a new message's terms. Call it in the transaction that inserts the
// message, whose INSERT sets search_indexed = TRUE, so the message is findable the moment it
// commits and the catch-up sweep never rewrites the row.
func IndexMessage(ctx context.Context, q store.Querier, id int64, body string) error {
	return insertPostings(ctx, q, []posting{{id, Terms(KindMessage, body)}})
}

// Reindex replaces the postings of one record whose text changed from old to new (a
// conversation's subject): only the terms that differ are written.
func Reindex(ctx context.Context, q store.Querier, kind Kind, id int64, old, new string) error {
	was, now := termSet(kind, old), termSet(kind, new)
	var gone, added []int64
	for t := range was {
		if !now[t] {
			gone = append(gone, t)
		}
	}
	for _, t := range Terms(kind, new) {
		if !was[t] {
			added = append(added, t)
		}
	}
	if err := deletePostings(ctx, q, id, gone); err != nil {
		return err
	}
	return insertPostings(ctx, q, []posting{{id, added}})
}

// ForgetCustomerMessages removes the postings of the messages crm.Erase is about to blank
// (the customer's own messages), so erased text cannot be found, or its words inferred, from
// the index. Call it in Erase's transaction before the UPDATE. On PostgreSQL the rows are
// locked first: a catch-up sweep indexing one of them must commit before we read what to
// delete, or its postings would outlive the erasure.
func ForgetCustomerMessages(ctx context.Context, q store.Querier, customerID int64) error {
	query := `SELECT id, body FROM messages WHERE sender_kind = 'customer' AND conversation_id IN (SELECT id FROM conversations WHERE customer_id = ?)`
	if q.Dialect() == store.Postgres {
		query += ` FOR UPDATE`
	}
	rows, err := q.Query(ctx, query, customerID)
	if err != nil {
		return err
	}
	var ps []posting
	for rows.Next() {
		var id int64
		var body string
		if err := rows.Scan(&id, &body); err != nil {
			rows.Close()
			return err
		}
		ps = append(ps, posting{id, Terms(KindMessage, body)})
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for _, p := range ps {
		if err := deletePostings(ctx, q, p.id, p.terms); err != nil {
			return err
		}
	}
	return nil
}

// posting is one record's terms.
type posting struct {
	id    int64
	terms []int64
}

// insertPostings writes (term, record) rows; ones already there are skipped, so a record the
// sweep and a writer both index ends up indexed once.
func insertPostings(ctx context.Context, q store.Querier, ps []posting) error {
	var b strings.Builder
	args := make([]any, 0, 2*postingChunk)
	flush := func() error {
		if len(args) == 0 {
			return nil
		}
		_, err := q.Exec(ctx, `INSERT INTO search_terms (term, record_id) VALUES `+b.String()+` ON CONFLICT DO NOTHING`, args...)
		b.Reset()
		args = args[:0]
		return err
	}
	for _, p := range ps {
		for _, t := range p.terms {
			if len(args) > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(?, ?)")
			args = append(args, t, p.id)
			if len(args) >= 2*postingChunk {
				if err := flush(); err != nil {
					return err
				}
			}
		}
	}
	return flush()
}

func deletePostings(ctx context.Context, q store.Querier, id int64, terms []int64) error {
	for len(terms) > 0 {
		n := min(len(terms), postingChunk)
		parts := make([]string, n)
		for i, t := range terms[:n] {
			parts[i] = strconv.FormatInt(t, 10) // integers we computed, not user text
		}
		if _, err := q.Exec(ctx, `DELETE FROM search_terms WHERE record_id = ? AND term IN (`+strings.Join(parts, ",")+`)`, id); err != nil {
			return err
		}
		terms = terms[n:]
	}
	return nil
}

// source is where one kind's text lives.
type source struct {
	kind  Kind
	table string
	text  string // SQL expression of the indexed text
}

var sources = []source{
	{KindMessage, "messages", "body"},
	{KindConversation, "conversations", "subject"},
	{KindTicket, "tickets", "subject || '\n' || description"},
}

// syncBatch is how many records one catch-up transaction indexes.
const syncBatch = 500

// Sync indexes up to max records not yet indexed (written before migration 0500 or by bulk
// writers such as `kefu demo --scale`), newest first, since recent records are the ones agents
// look for. It returns how many it indexed; fewer than max means it has caught up (at the
// moment it looked). kinds limits it to some kinds (none: all). Safe to run from several
// instances at once: on PostgreSQL each batch locks its rows and skips rows locked by another.
func Sync(ctx context.Context, db *store.DB, max int, kinds ...Kind) (int, error) {
	done := 0
	for _, src := range sources {
		if len(kinds) > 0 && !hasKind(kinds, src.kind) {
			continue
		}
		// Each batch starts below the previous one: the rows just flagged stay in the partial
		// index as dead entries until VACUUM, and restarting from the top would step over all
		// of them again on every batch (quadratic on a million-row backlog).
		below := int64(math.MaxInt64)
		for done < max {
			n, lowest, err := syncOnce(ctx, db, src, min(syncBatch, max-done), below)
			if err != nil {
				return done, err
			}
			done += n
			if n == 0 {
				break
			}
			below = lowest
		}
	}
	return done, nil
}

func hasKind(ks []Kind, k Kind) bool {
	for _, x := range ks {
		if x == k {
			return true
		}
	}
	return false
}

func syncOnce(ctx context.Context, db *store.DB, src source, limit int, below int64) (n int, lowest int64, err error) {
	err = db.Tx(ctx, func(tx *store.Tx) error {
		query := `SELECT id, ` + src.text + ` FROM ` + src.table + ` WHERE NOT search_indexed AND id < ? ORDER BY id DESC LIMIT ` + strconv.Itoa(limit)
		if db.Dialect() == store.Postgres {
			query += ` FOR UPDATE SKIP LOCKED`
		}
		rows, err := tx.Query(ctx, query, below)
		if err != nil {
			return err
		}
		var ps []posting
		var ids []string
		for rows.Next() {
			var id int64
			var text string
			if err := rows.Scan(&id, &text); err != nil {
				rows.Close()
				return err
			}
			ps = append(ps, posting{id, Terms(src.kind, text)})
			lowest = id
			ids = append(ids, strconv.FormatInt(id, 10))
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ps) == 0 {
			return nil
		}
		if err := insertPostings(ctx, tx, ps); err != nil {
			return err
		}
		n = len(ps)
		_, err = tx.Exec(ctx, `UPDATE `+src.table+` SET search_indexed = TRUE WHERE id IN (`+strings.Join(ids, ",")+`)`)
		return err
	})
	return n, lowest, err
}
