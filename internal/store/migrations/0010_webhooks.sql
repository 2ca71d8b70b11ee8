-- Webhooks: shops' systems subscribe to ticket and after-sales events. Deliveries are signed
-- (HMAC-SHA256) and retried with backoff through the job queue.
CREATE TABLE webhooks (
    id {{ID}},
    url TEXT NOT NULL,
    secret_enc {{BLOB}} NOT NULL,          -- sealed like PII: it signs deliveries
    events TEXT NOT NULL DEFAULT '["*"]',  -- event types, or "*" for all
    active BOOLEAN NOT NULL DEFAULT TRUE,
    description TEXT NOT NULL DEFAULT '',
    created_at {{TS}} NOT NULL
);

CREATE TABLE webhook_deliveries (
    id {{ID}},
    webhook_id BIGINT NOT NULL REFERENCES webhooks(id) ON DELETE CASCADE,
    event TEXT NOT NULL,
    payload TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','delivered','failed')),
    attempts INTEGER NOT NULL DEFAULT 0,
    last_status_code INTEGER NOT NULL DEFAULT 0,
    last_error TEXT NOT NULL DEFAULT '',
    created_at {{TS}} NOT NULL,
    delivered_at {{TS}}
);
CREATE INDEX webhook_deliveries_webhook ON webhook_deliveries(webhook_id, id);
