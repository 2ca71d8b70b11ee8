-- Conversations and realtime messaging (package conversation).

-- A widget visitor: the browser that holds a visitor token. Only the token's hash is stored, so
-- a leaked database does not let anyone impersonate visitors. customer_id is set once the shop
-- identifies the visitor with a signed external id; from then on the visitor sees that
-- customer's conversations (their history follows them across devices).
CREATE TABLE widget_visitors (
    id {{ID}},
    token_hash TEXT NOT NULL UNIQUE,
    customer_id BIGINT REFERENCES customers(id),
    lang TEXT NOT NULL DEFAULT 'zh',
    created_at {{TS}} NOT NULL,
    last_seen_at {{TS}} NOT NULL,
    identified_at {{TS}}
);
CREATE INDEX widget_visitors_customer ON widget_visitors(customer_id);

-- Read receipts: the last message each reader has read. reader_id is the agent's user id, or 0
-- for the customer side of the conversation (one customer per conversation).
CREATE TABLE conversation_reads (
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    reader_kind TEXT NOT NULL CHECK (reader_kind IN ('customer','agent')),
    reader_id BIGINT NOT NULL,
    last_read_message_id BIGINT NOT NULL,
    updated_at {{TS}} NOT NULL,
    PRIMARY KEY (conversation_id, reader_kind, reader_id)
);

CREATE INDEX conversations_last_message ON conversations(last_message_at);
