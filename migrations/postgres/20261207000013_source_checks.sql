-- What is known of each URL source upstream: the validators for a conditional GET, when it was
-- last looked at, and, when the served content no longer matches what was compiled, the hash
-- of what is served now and when that change was first seen.
create table source_checks (
    source_id     uuid primary key not null references sources (id) on delete cascade,
    etag          text,
    last_modified text,
    checked_at    timestamptz not null,
    upstream_hash text,
    changed_at    timestamptz
);
create index source_checks_checked_idx on source_checks (checked_at);
create index source_checks_changed_idx on source_checks (source_id) where upstream_hash is not null;
