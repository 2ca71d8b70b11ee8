-- Agents' text search over messages, conversation subjects and tickets (issue #4): an inverted
-- index kept in an ordinary table, so it works the same on SQLite and PostgreSQL.
--
-- Why not pg_trgm: trigrams cannot index a two-character query (most Chinese words: 退款, 发票)
-- and such a LIKE falls back to a full scan; whether non-ASCII characters are indexed at all
-- depends on the database's lc_ctype; CREATE EXTENSION needs privileges; and SQLite has no
-- equivalent. Instead every text is cut into terms (Chinese character bigrams, so 退款 matches
-- inside 申请退款流程; English words by stem; numbers such as order numbers whole), each term
-- hashed with its record kind into one 64-bit integer (package recordsearch). A query looks
-- up its rarest term's postings newest first and checks the other terms by primary key.
CREATE TABLE search_terms (
    term BIGINT NOT NULL,       -- FNV-1a 64 of kind + term, as a signed integer
    record_id BIGINT NOT NULL,  -- messages.id, conversations.id or tickets.id (the kind is in term)
    PRIMARY KEY (term, record_id)
);

-- Rows written before this migration, or by bulk writers that bypass the services (demo
-- --scale, imports), are indexed by a catch-up sweep; search_indexed marks what it has done.
-- Messages are indexed in the transaction that inserts them (the flag is TRUE from the start);
-- conversations and tickets, written far less often, are left to the sweep, which every search
-- runs first, so a new ticket is findable at once.
ALTER TABLE messages ADD COLUMN search_indexed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE conversations ADD COLUMN search_indexed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tickets ADD COLUMN search_indexed BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX messages_search_pending ON messages(id) WHERE NOT search_indexed;
CREATE INDEX conversations_search_pending ON conversations(id) WHERE NOT search_indexed;
CREATE INDEX tickets_search_pending ON tickets(id) WHERE NOT search_indexed;
