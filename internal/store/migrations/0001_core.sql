-- kefu core data model. Portable SQL for SQLite and PostgreSQL; {{ID}}, {{TS}} and {{BLOB}}
-- are replaced per dialect. Money is stored in integer cents (分). JSON is stored as TEXT.
-- PII (phone, email, address lines, recipient names) is stored AES-GCM encrypted (*_enc) with a
-- keyed hash (*_hash) for exact-match lookup; it never appears in plain text.

-- ---------------------------------------------------------------- people and access
CREATE TABLE users (
    id {{ID}},
    email TEXT NOT NULL UNIQUE,           -- staff login (not customer PII)
    name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin','supervisor','agent')),
    lang TEXT NOT NULL DEFAULT 'zh',
    status TEXT NOT NULL DEFAULT 'offline' CHECK (status IN ('online','away','offline')),
    capacity INTEGER NOT NULL DEFAULT 10,
    skills TEXT NOT NULL DEFAULT '{}',    -- {"languages":["zh"],"categories":[...],"tiers":[...]}
    disabled BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{TS}} NOT NULL,
    last_login_at {{TS}}
);

CREATE TABLE teams (
    id {{ID}},
    name TEXT NOT NULL UNIQUE,
    name_en TEXT NOT NULL DEFAULT '',
    skills TEXT NOT NULL DEFAULT '{}',    -- languages, categories, tiers served
    serves_vip BOOLEAN NOT NULL DEFAULT FALSE,
    business_hours TEXT NOT NULL DEFAULT '{}',
    assignment TEXT NOT NULL DEFAULT 'round_robin',
    created_at {{TS}} NOT NULL
);

CREATE TABLE team_members (
    team_id BIGINT NOT NULL REFERENCES teams(id) ON DELETE CASCADE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    PRIMARY KEY (team_id, user_id)
);

CREATE TABLE sessions (
    id {{ID}},
    token_hash TEXT NOT NULL UNIQUE,
    csrf_token TEXT NOT NULL,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at {{TS}} NOT NULL,
    expires_at {{TS}} NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
    id {{ID}},
    name TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    created_at {{TS}} NOT NULL,
    last_used_at {{TS}},
    revoked_at {{TS}}
);

CREATE TABLE audit_log (
    id {{ID}},
    at {{TS}} NOT NULL,
    actor_kind TEXT NOT NULL,             -- user, system, customer, bot
    actor_id BIGINT,
    action TEXT NOT NULL,                 -- e.g. customer.erase, ticket.update, auth.login
    entity TEXT NOT NULL DEFAULT '',
    entity_id BIGINT,
    details TEXT NOT NULL DEFAULT '{}',
    ip TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_entity ON audit_log(entity, entity_id);
CREATE INDEX audit_log_at ON audit_log(at);

CREATE TABLE settings (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL,
    updated_at {{TS}} NOT NULL
);

-- ---------------------------------------------------------------- catalogue
CREATE TABLE categories (
    id {{ID}},
    slug TEXT NOT NULL UNIQUE,
    name_zh TEXT NOT NULL,
    name_en TEXT NOT NULL,
    parent_id BIGINT REFERENCES categories(id),
    no_reason_return BOOLEAN NOT NULL DEFAULT TRUE
);

CREATE TABLE products (
    id {{ID}},
    sku TEXT NOT NULL UNIQUE,
    title_zh TEXT NOT NULL,
    title_en TEXT NOT NULL,
    description_zh TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT '',
    category_id BIGINT REFERENCES categories(id),
    brand TEXT NOT NULL DEFAULT '',
    attributes TEXT NOT NULL DEFAULT '{}',
    price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
    stock INTEGER NOT NULL DEFAULT 0,
    images TEXT NOT NULL DEFAULT '[]',
    tags TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'active' CHECK (status IN ('active','inactive')),
    created_at {{TS}} NOT NULL,
    updated_at {{TS}} NOT NULL
);
CREATE INDEX products_category ON products(category_id);

CREATE TABLE product_variants (
    id {{ID}},
    product_id BIGINT NOT NULL REFERENCES products(id) ON DELETE CASCADE,
    sku TEXT NOT NULL UNIQUE,
    attributes TEXT NOT NULL DEFAULT '{}', -- color, size
    price_cents BIGINT NOT NULL CHECK (price_cents >= 0),
    stock INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX product_variants_product ON product_variants(product_id);

-- ---------------------------------------------------------------- customers (CRM)
CREATE TABLE customers (
    id {{ID}},
    external_id TEXT UNIQUE,              -- the shop's own customer id
    name TEXT NOT NULL DEFAULT '',
    phone_enc {{BLOB}},
    phone_hash TEXT,
    email_enc {{BLOB}},
    email_hash TEXT,
    tier TEXT NOT NULL DEFAULT 'regular' CHECK (tier IN ('regular','silver','gold','vip')),
    tags TEXT NOT NULL DEFAULT '[]',
    lang TEXT NOT NULL DEFAULT 'zh',
    consent_marketing BOOLEAN NOT NULL DEFAULT FALSE,
    consent_profiling BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{TS}} NOT NULL,
    last_seen_at {{TS}},
    erased_at {{TS}}
);
CREATE INDEX customers_phone_hash ON customers(phone_hash);
CREATE INDEX customers_email_hash ON customers(email_hash);
CREATE INDEX customers_tier ON customers(tier);

CREATE TABLE customer_addresses (
    id {{ID}},
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    recipient_enc {{BLOB}},
    phone_enc {{BLOB}},
    line_enc {{BLOB}},                    -- street, building, room
    province TEXT NOT NULL DEFAULT '',
    city TEXT NOT NULL DEFAULT '',
    district TEXT NOT NULL DEFAULT '',
    is_default BOOLEAN NOT NULL DEFAULT FALSE,
    created_at {{TS}} NOT NULL
);
CREATE INDEX customer_addresses_customer ON customer_addresses(customer_id);

CREATE TABLE behaviour_events (
    id {{ID}},
    customer_id BIGINT NOT NULL REFERENCES customers(id) ON DELETE CASCADE,
    kind TEXT NOT NULL CHECK (kind IN ('view','cart','purchase','search')),
    product_id BIGINT REFERENCES products(id),
    query TEXT NOT NULL DEFAULT '',
    at {{TS}} NOT NULL
);
CREATE INDEX behaviour_events_customer ON behaviour_events(customer_id, at);

-- ---------------------------------------------------------------- orders and logistics
CREATE TABLE orders (
    id {{ID}},
    number TEXT NOT NULL UNIQUE,          -- KF + yyyymmdd + sequence
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    status TEXT NOT NULL CHECK (status IN ('pending_payment','paid','shipped','delivered','completed','cancelled')),
    payment_status TEXT NOT NULL CHECK (payment_status IN ('unpaid','paid','partially_refunded','refunded')),
    payment_method TEXT NOT NULL DEFAULT '',
    currency TEXT NOT NULL DEFAULT 'CNY',
    items_cents BIGINT NOT NULL DEFAULT 0,
    shipping_cents BIGINT NOT NULL DEFAULT 0,
    discount_cents BIGINT NOT NULL DEFAULT 0,
    total_cents BIGINT NOT NULL DEFAULT 0,
    refunded_cents BIGINT NOT NULL DEFAULT 0,
    coupon_code TEXT NOT NULL DEFAULT '',
    recipient_enc {{BLOB}},
    ship_phone_enc {{BLOB}},
    ship_line_enc {{BLOB}},
    ship_province TEXT NOT NULL DEFAULT '',
    ship_city TEXT NOT NULL DEFAULT '',
    ship_district TEXT NOT NULL DEFAULT '',
    note TEXT NOT NULL DEFAULT '',
    placed_at {{TS}} NOT NULL,
    paid_at {{TS}},
    shipped_at {{TS}},
    delivered_at {{TS}},
    completed_at {{TS}},
    cancelled_at {{TS}},
    updated_at {{TS}} NOT NULL
);
CREATE INDEX orders_customer ON orders(customer_id, placed_at);
CREATE INDEX orders_status ON orders(status, placed_at);
CREATE INDEX orders_placed ON orders(placed_at);

CREATE TABLE order_items (
    id {{ID}},
    order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    product_id BIGINT REFERENCES products(id),
    sku TEXT NOT NULL,
    title TEXT NOT NULL,
    qty INTEGER NOT NULL CHECK (qty > 0),
    unit_price_cents BIGINT NOT NULL,
    total_cents BIGINT NOT NULL,
    refunded_qty INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX order_items_order ON order_items(order_id);
CREATE INDEX order_items_product ON order_items(product_id);

CREATE TABLE shipments (
    id {{ID}},
    order_id BIGINT NOT NULL REFERENCES orders(id) ON DELETE CASCADE,
    direction TEXT NOT NULL DEFAULT 'outbound' CHECK (direction IN ('outbound','return')),
    carrier TEXT NOT NULL,                -- carrier code, e.g. SF, ZTO
    carrier_name TEXT NOT NULL DEFAULT '',
    tracking_number TEXT NOT NULL,
    status TEXT NOT NULL,                 -- picked_up, in_transit, out_for_delivery, delivered, exception, returned
    shipped_at {{TS}},
    delivered_at {{TS}},
    updated_at {{TS}} NOT NULL
);
CREATE INDEX shipments_order ON shipments(order_id);
CREATE INDEX shipments_tracking ON shipments(tracking_number);

CREATE TABLE shipment_events (
    id {{ID}},
    shipment_id BIGINT NOT NULL REFERENCES shipments(id) ON DELETE CASCADE,
    at {{TS}} NOT NULL,
    status TEXT NOT NULL,
    location TEXT NOT NULL DEFAULT '',
    description_zh TEXT NOT NULL DEFAULT '',
    description_en TEXT NOT NULL DEFAULT ''
);
CREATE INDEX shipment_events_shipment ON shipment_events(shipment_id, at);

-- ---------------------------------------------------------------- conversations
CREATE TABLE conversations (
    id {{ID}},
    customer_id BIGINT REFERENCES customers(id),
    visitor_token_hash TEXT,
    channel TEXT NOT NULL DEFAULT 'web' CHECK (channel IN ('web','api','email','phone','app')),
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open','waiting','closed')),
    handled_by TEXT NOT NULL DEFAULT 'bot' CHECK (handled_by IN ('bot','agent')),
    assignee_id BIGINT REFERENCES users(id),
    team_id BIGINT REFERENCES teams(id),
    subject TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT 'zh',
    bot_state TEXT NOT NULL DEFAULT '{}',
    created_at {{TS}} NOT NULL,
    updated_at {{TS}} NOT NULL,
    last_message_at {{TS}},
    closed_at {{TS}}
);
CREATE INDEX conversations_customer ON conversations(customer_id, created_at);
CREATE INDEX conversations_status ON conversations(status, handled_by, last_message_at);
CREATE INDEX conversations_assignee ON conversations(assignee_id, status);
CREATE INDEX conversations_visitor ON conversations(visitor_token_hash);

CREATE TABLE messages (
    id {{ID}},
    conversation_id BIGINT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
    sender_kind TEXT NOT NULL CHECK (sender_kind IN ('customer','bot','agent','system')),
    sender_id BIGINT,
    content_type TEXT NOT NULL DEFAULT 'text' CHECK (content_type IN ('text','image','voice','card')),
    body TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL DEFAULT '{}',   -- card data, quick replies
    attachments TEXT NOT NULL DEFAULT '[]',
    nlu TEXT NOT NULL DEFAULT '{}',       -- intent, confidence, entities, sentiment
    intent TEXT NOT NULL DEFAULT '',
    lang TEXT NOT NULL DEFAULT '',
    internal BOOLEAN NOT NULL DEFAULT FALSE, -- internal notes are never shown to customers
    client_msg_id TEXT,                   -- idempotency key from the sending client
    created_at {{TS}} NOT NULL
);
CREATE INDEX messages_conversation ON messages(conversation_id, id);
CREATE UNIQUE INDEX messages_client_id ON messages(conversation_id, client_msg_id);
CREATE INDEX messages_created ON messages(created_at);

CREATE TABLE attachments (
    id {{ID}},
    conversation_id BIGINT REFERENCES conversations(id) ON DELETE CASCADE,
    message_id BIGINT REFERENCES messages(id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('image','voice','file')),
    mime TEXT NOT NULL,
    size_bytes BIGINT NOT NULL,
    sha256 TEXT NOT NULL,
    storage_path TEXT NOT NULL,
    extracted_text TEXT NOT NULL DEFAULT '', -- OCR text or speech transcript
    created_at {{TS}} NOT NULL
);

-- ---------------------------------------------------------------- tickets (工单)
CREATE TABLE tickets (
    id {{ID}},
    subject TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    type TEXT NOT NULL DEFAULT 'problem' CHECK (type IN ('question','problem','after_sales','complaint','task')),
    source TEXT NOT NULL DEFAULT 'agent' CHECK (source IN ('bot_handoff','api','agent','email','system')),
    category TEXT NOT NULL DEFAULT 'other',
    priority TEXT NOT NULL DEFAULT 'normal' CHECK (priority IN ('urgent','high','normal','low')),
    priority_reasons TEXT NOT NULL DEFAULT '[]',
    priority_overridden BOOLEAN NOT NULL DEFAULT FALSE,
    status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new','open','pending','on_hold','resolved','closed')),
    customer_id BIGINT REFERENCES customers(id),
    order_id BIGINT REFERENCES orders(id),
    conversation_id BIGINT REFERENCES conversations(id),
    assignee_id BIGINT REFERENCES users(id),
    team_id BIGINT REFERENCES teams(id),
    tags TEXT NOT NULL DEFAULT '[]',
    summary TEXT NOT NULL DEFAULT '{}',   -- handoff context: intent, entities, sentiment, bot attempts
    first_response_due_at {{TS}},
    resolution_due_at {{TS}},
    first_responded_at {{TS}},
    sla_paused_at {{TS}},
    sla_paused_seconds BIGINT NOT NULL DEFAULT 0,
    sla_breached BOOLEAN NOT NULL DEFAULT FALSE,
    merged_into_id BIGINT REFERENCES tickets(id),
    version INTEGER NOT NULL DEFAULT 1,   -- optimistic concurrency
    created_at {{TS}} NOT NULL,
    updated_at {{TS}} NOT NULL,
    resolved_at {{TS}},
    closed_at {{TS}}
);
CREATE INDEX tickets_status ON tickets(status, priority, updated_at);
CREATE INDEX tickets_assignee ON tickets(assignee_id, status, updated_at);
CREATE INDEX tickets_team ON tickets(team_id, status, updated_at);
CREATE INDEX tickets_customer ON tickets(customer_id, created_at);
CREATE INDEX tickets_resolution_due ON tickets(status, resolution_due_at);
CREATE INDEX tickets_conversation ON tickets(conversation_id);

CREATE TABLE ticket_events (
    id {{ID}},
    ticket_id BIGINT NOT NULL REFERENCES tickets(id) ON DELETE CASCADE,
    at {{TS}} NOT NULL,
    actor_kind TEXT NOT NULL,             -- user, system, bot, customer
    actor_id BIGINT,
    kind TEXT NOT NULL,                   -- created, status, priority, assign, note, reply, merge, link, sla
    field TEXT NOT NULL DEFAULT '',
    before_value TEXT NOT NULL DEFAULT '',
    after_value TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL DEFAULT '',
    internal BOOLEAN NOT NULL DEFAULT FALSE
);
CREATE INDEX ticket_events_ticket ON ticket_events(ticket_id, id);

-- ---------------------------------------------------------------- after-sales (售后)
CREATE TABLE aftersales_cases (
    id {{ID}},
    type TEXT NOT NULL CHECK (type IN ('return','refund_only','exchange','repair','price_protection','complaint')),
    status TEXT NOT NULL,
    customer_id BIGINT NOT NULL REFERENCES customers(id),
    order_id BIGINT REFERENCES orders(id),
    ticket_id BIGINT REFERENCES tickets(id),
    reason_code TEXT NOT NULL DEFAULT '',
    reason TEXT NOT NULL DEFAULT '',
    items TEXT NOT NULL DEFAULT '[]',     -- [{order_item_id, qty}]
    requested_cents BIGINT NOT NULL DEFAULT 0,
    approved_cents BIGINT NOT NULL DEFAULT 0,
    refunded_cents BIGINT NOT NULL DEFAULT 0,
    return_shipping_payer TEXT NOT NULL DEFAULT '',
    return_tracking_number TEXT NOT NULL DEFAULT '',
    evidence TEXT NOT NULL DEFAULT '[]',  -- attachment ids
    decision TEXT NOT NULL DEFAULT '{}',  -- policy decision incl. the rule that decided it
    version INTEGER NOT NULL DEFAULT 1,
    created_at {{TS}} NOT NULL,
    updated_at {{TS}} NOT NULL,
    closed_at {{TS}}
);
CREATE INDEX aftersales_cases_customer ON aftersales_cases(customer_id, created_at);
CREATE INDEX aftersales_cases_order ON aftersales_cases(order_id);
CREATE INDEX aftersales_cases_status ON aftersales_cases(status, updated_at);

CREATE TABLE aftersales_events (
    id {{ID}},
    case_id BIGINT NOT NULL REFERENCES aftersales_cases(id) ON DELETE CASCADE,
    at {{TS}} NOT NULL,
    actor_kind TEXT NOT NULL,
    actor_id BIGINT,
    from_status TEXT NOT NULL DEFAULT '',
    to_status TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    data TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX aftersales_events_case ON aftersales_events(case_id, id);

-- ---------------------------------------------------------------- knowledge base (知识库)
CREATE TABLE kb_articles (
    id {{ID}},
    translation_key TEXT NOT NULL DEFAULT '', -- the same for an article's zh and en versions
    lang TEXT NOT NULL CHECK (lang IN ('zh','en')),
    title TEXT NOT NULL,
    questions TEXT NOT NULL DEFAULT '[]', -- the ways customers ask
    answer TEXT NOT NULL,                 -- Markdown with {placeholders}
    category TEXT NOT NULL DEFAULT '',
    tags TEXT NOT NULL DEFAULT '[]',
    status TEXT NOT NULL DEFAULT 'draft' CHECK (status IN ('draft','published','archived')),
    audience TEXT NOT NULL DEFAULT '[]',  -- tiers; empty = everyone
    version INTEGER NOT NULL DEFAULT 1,
    author_id BIGINT REFERENCES users(id),
    created_at {{TS}} NOT NULL,
    updated_at {{TS}} NOT NULL
);
CREATE INDEX kb_articles_translation ON kb_articles(translation_key, lang);
CREATE INDEX kb_articles_status ON kb_articles(status, category);

CREATE TABLE kb_article_versions (
    id {{ID}},
    article_id BIGINT NOT NULL REFERENCES kb_articles(id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    title TEXT NOT NULL,
    questions TEXT NOT NULL,
    answer TEXT NOT NULL,
    category TEXT NOT NULL,
    tags TEXT NOT NULL,
    status TEXT NOT NULL,
    author_id BIGINT REFERENCES users(id),
    created_at {{TS}} NOT NULL,
    UNIQUE (article_id, version)
);

-- ---------------------------------------------------------------- satisfaction and notifications
CREATE TABLE csat_responses (
    id {{ID}},
    ticket_id BIGINT REFERENCES tickets(id) ON DELETE SET NULL,
    conversation_id BIGINT REFERENCES conversations(id) ON DELETE SET NULL,
    customer_id BIGINT REFERENCES customers(id),
    agent_id BIGINT REFERENCES users(id),
    team_id BIGINT REFERENCES teams(id),
    category TEXT NOT NULL DEFAULT '',
    tier TEXT NOT NULL DEFAULT '',
    score INTEGER NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment TEXT NOT NULL DEFAULT '',
    created_at {{TS}} NOT NULL
);
CREATE INDEX csat_agent ON csat_responses(agent_id, created_at);

CREATE TABLE notifications (
    id {{ID}},
    customer_id BIGINT REFERENCES customers(id) ON DELETE CASCADE,
    conversation_id BIGINT REFERENCES conversations(id) ON DELETE SET NULL,
    ticket_id BIGINT REFERENCES tickets(id) ON DELETE SET NULL,
    case_id BIGINT REFERENCES aftersales_cases(id) ON DELETE SET NULL,
    channel TEXT NOT NULL,                -- chat, email, webhook
    kind TEXT NOT NULL,
    body TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL DEFAULT 'pending',
    created_at {{TS}} NOT NULL,
    sent_at {{TS}}
);

-- ---------------------------------------------------------------- durable jobs
CREATE TABLE jobs (
    id {{ID}},
    kind TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    unique_key TEXT UNIQUE,               -- at most one live job per key (e.g. sla-breach:ticket:42)
    run_at {{TS}} NOT NULL,
    status TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued','running','done','failed','cancelled')),
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL DEFAULT 5,
    locked_by TEXT NOT NULL DEFAULT '',
    locked_until {{TS}},
    last_error TEXT NOT NULL DEFAULT '',
    progress TEXT NOT NULL DEFAULT '',
    created_at {{TS}} NOT NULL,
    finished_at {{TS}}
);
CREATE INDEX jobs_due ON jobs(status, run_at);
