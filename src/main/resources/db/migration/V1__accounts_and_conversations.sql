-- Accounts: usernames are unique regardless of case.
CREATE TABLE accounts (
    id            UUID PRIMARY KEY,
    username      VARCHAR(32)  NOT NULL,
    password_hash VARCHAR(200) NOT NULL,
    created_at    TIMESTAMPTZ  NOT NULL
);
CREATE UNIQUE INDEX accounts_username_ci ON accounts (lower(username));

-- Conversations: groups, and 1:1 conversations whose direct_key ("<smaller id>:<larger id>")
-- makes get-or-create idempotent under concurrent requests.
CREATE TABLE conversations (
    id          UUID PRIMARY KEY,
    kind        VARCHAR(10)  NOT NULL CHECK (kind IN ('group', 'direct')),
    name        VARCHAR(100),
    created_by  UUID         NOT NULL REFERENCES accounts (id),
    created_at  TIMESTAMPTZ  NOT NULL,
    direct_key  VARCHAR(80)  UNIQUE
);

CREATE TABLE conversation_members (
    conversation_id UUID        NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
    user_id         UUID        NOT NULL REFERENCES accounts (id),
    role            VARCHAR(10) NOT NULL CHECK (role IN ('owner', 'admin', 'member')),
    joined_at       TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (conversation_id, user_id)
);
CREATE INDEX conversation_members_by_user ON conversation_members (user_id);
