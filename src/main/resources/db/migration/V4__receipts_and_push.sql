-- Read pointers (history module): per member and conversation, the highest seq delivered to and
-- read by any of the user's devices. Updates use GREATEST, so a pointer only moves forward.
CREATE TABLE read_pointers (
    conversation_id UUID        NOT NULL,
    user_id         UUID        NOT NULL,
    delivered_seq   BIGINT      NOT NULL DEFAULT 0,
    read_seq        BIGINT      NOT NULL DEFAULT 0,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);

-- Push tokens of devices (notifications module).
CREATE TABLE push_tokens (
    id         UUID        PRIMARY KEY,
    user_id    UUID        NOT NULL,
    platform   TEXT        NOT NULL,
    token      TEXT        NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    UNIQUE (platform, token)
);
CREATE INDEX push_tokens_by_user ON push_tokens (user_id);

-- Conversations a user muted (no offline push).
CREATE TABLE conversation_mutes (
    user_id         UUID        NOT NULL,
    conversation_id UUID        NOT NULL,
    muted_at        TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, conversation_id)
);

-- Pending offline pushes, one row per user and conversation: a burst collapses into one row
-- (pending_count) until due_at. queued_seq guards against a re-delivered entry being counted twice.
CREATE TABLE push_state (
    user_id         UUID        NOT NULL,
    conversation_id UUID        NOT NULL,
    queued_seq      BIGINT      NOT NULL,
    first_seq       BIGINT      NOT NULL,
    pending_count   INT         NOT NULL,
    due_at          TIMESTAMPTZ,
    PRIMARY KEY (user_id, conversation_id)
);
CREATE INDEX push_state_due ON push_state (due_at) WHERE pending_count > 0;

-- Pushes handed to a gateway, by idempotency key (device, conversation, last seq): at most one each.
CREATE TABLE push_sent (
    idempotency_key TEXT        PRIMARY KEY,
    sent_at         TIMESTAMPTZ NOT NULL
);
