-- Key directory for end-to-end encryption (identity module). Keys are opaque bytes: Parley stores and
-- hands them out, clients do the cryptography. A device is named by the id its client chose.
CREATE TABLE device_keys (
    user_id                 UUID        NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    device_id               TEXT        NOT NULL,
    identity_key            BYTEA       NOT NULL,
    signed_prekey_id        INT         NOT NULL,
    signed_prekey           BYTEA       NOT NULL,
    signed_prekey_signature BYTEA       NOT NULL,
    updated_at              TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_id, device_id)
);

-- One-time pre-keys: each row is handed out once, by deleting it (DELETE ... FOR UPDATE SKIP LOCKED).
CREATE TABLE one_time_prekeys (
    user_id    UUID  NOT NULL,
    device_id  TEXT  NOT NULL,
    key_id     INT   NOT NULL,
    public_key BYTEA NOT NULL,
    PRIMARY KEY (user_id, device_id, key_id),
    FOREIGN KEY (user_id, device_id) REFERENCES device_keys (user_id, device_id) ON DELETE CASCADE
);
