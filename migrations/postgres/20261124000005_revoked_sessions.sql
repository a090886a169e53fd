-- Browser sessions ended by logging out. A session cookie is signed, not stored, so it stays
-- valid until it expires unless its signature is listed here; rows go once they expire.
create table revoked_sessions (
    signature  text primary key not null,
    expires_at timestamptz not null
);
