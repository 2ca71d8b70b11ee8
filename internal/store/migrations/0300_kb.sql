-- Knowledge base: usage of articles and questions the bot could not answer (package kb).
-- kb_articles and kb_article_versions are in 0001_core.sql.

-- One article per language per translation key: the zh and en versions of an answer share a key.
CREATE UNIQUE INDEX kb_articles_translation_lang ON kb_articles(translation_key, lang);

-- Every time an article is shown by the bot, suggested to or inserted by an agent, or rated
-- by a customer. Kept when the article is deleted (article_id becomes NULL) so totals stay true.
CREATE TABLE kb_usage_events (
    id {{ID}},
    article_id BIGINT REFERENCES kb_articles(id) ON DELETE SET NULL,
    kind TEXT NOT NULL CHECK (kind IN ('shown','suggested','inserted','helpful','unhelpful')),
    conversation_id BIGINT REFERENCES conversations(id) ON DELETE SET NULL,
    user_id BIGINT REFERENCES users(id) ON DELETE SET NULL,
    query TEXT NOT NULL DEFAULT '',
    confidence DOUBLE PRECISION,
    created_at {{TS}} NOT NULL
);
CREATE INDEX kb_usage_events_article ON kb_usage_events(article_id, kind, created_at);
CREATE INDEX kb_usage_events_created ON kb_usage_events(created_at);

-- Questions the bot could not answer. Package kb groups the open ones into clusters of similar
-- questions ("knowledge gaps"); creating an article from a cluster resolves its questions.
CREATE TABLE kb_unanswered (
    id {{ID}},
    question TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT '',
    conversation_id BIGINT REFERENCES conversations(id) ON DELETE SET NULL,
    best_article_id BIGINT REFERENCES kb_articles(id) ON DELETE SET NULL,
    confidence DOUBLE PRECISION NOT NULL DEFAULT 0,
    created_at {{TS}} NOT NULL,
    resolved_at {{TS}},
    resolved_article_id BIGINT REFERENCES kb_articles(id) ON DELETE SET NULL
);
CREATE INDEX kb_unanswered_open ON kb_unanswered(resolved_at, created_at);
