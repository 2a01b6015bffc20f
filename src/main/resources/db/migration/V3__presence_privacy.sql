-- Presence privacy: a user setting, so it lives with the accounts (Redis holds only what may expire).
-- No row means the default: last seen is visible to those who share a conversation.
CREATE TABLE presence_privacy (
    user_id        UUID    PRIMARY KEY REFERENCES accounts (id) ON DELETE CASCADE,
    hide_last_seen BOOLEAN NOT NULL
);
