-- Where in the conversation's log each member joined: they receive and read entries with seq > join_seq.
-- Founding members (and both sides of a 1:1) joined at 0 and see everything.
ALTER TABLE conversation_members ADD COLUMN join_seq BIGINT NOT NULL DEFAULT 0;
