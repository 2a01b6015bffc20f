-- Refresh tokens. A login starts a family; every refresh rotates: the presented token is marked
-- rotated and a new one of the same family is issued. Presenting a rotated token again (a stolen copy,
-- or the legitimate client after the thief used it) revokes the whole family. Tokens are opaque random
-- values; only their SHA-256 is stored, so a copy of this table logs nobody in.
CREATE TABLE refresh_families (
    id          UUID PRIMARY KEY,
    user_id     UUID        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    created_at  TIMESTAMPTZ NOT NULL,
    revoked_at  TIMESTAMPTZ,
    revoked_why VARCHAR(20) CHECK (revoked_why IN ('logout', 'reuse'))
);
CREATE INDEX refresh_families_user ON refresh_families (user_id);

CREATE TABLE refresh_tokens (
    token_hash  BYTEA       PRIMARY KEY,
    family_id   UUID        NOT NULL REFERENCES refresh_families (id) ON DELETE CASCADE,
    issued_at   TIMESTAMPTZ NOT NULL,
    expires_at  TIMESTAMPTZ NOT NULL,
    rotated_at  TIMESTAMPTZ
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);
