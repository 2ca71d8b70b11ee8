-- NLU (range 0100-0199, owned by internal/nlu).

-- Labelled examples beyond the shipped training data: agents' corrections of a message's
-- intent (source 'correction') or examples added by an admin ('manual'). message_id points at
-- the corrected message when there is one; it is not a foreign key because the conversation
-- tables are created by a later migration and examples must outlive deleted messages.
CREATE TABLE nlu_examples (
    id {{ID}},
    task TEXT NOT NULL DEFAULT 'intent',
    text TEXT NOT NULL,
    label TEXT NOT NULL,
    lang TEXT NOT NULL DEFAULT '',
    source TEXT NOT NULL DEFAULT 'correction',
    message_id BIGINT,
    created_by BIGINT,
    created_at {{TS}} NOT NULL
);
CREATE INDEX nlu_examples_task ON nlu_examples(task, id);

-- Every trained model version with its held-out metrics (JSON); at most one active per task.
CREATE TABLE nlu_models (
    id {{ID}},
    task TEXT NOT NULL,
    version BIGINT NOT NULL,
    metrics TEXT NOT NULL,
    n_examples BIGINT NOT NULL DEFAULT 0,
    model {{BLOB}} NOT NULL,
    active BOOLEAN NOT NULL DEFAULT FALSE,
    note TEXT NOT NULL DEFAULT '',
    created_at {{TS}} NOT NULL,
    UNIQUE (task, version)
);
