-- Feeds a person subscribed to (RSS, Atom, JSON Feed): polled on their own schedule with a
-- conditional GET, claimed by one worker at a time.
create table feeds (
    id             uuid primary key not null,
    url            text not null,
    title          text,
    etag           text,
    last_modified  text,
    poll_secs      bigint not null,
    next_poll_at   timestamptz not null,
    claimed_until  timestamptz,
    last_polled_at timestamptz,
    last_error     text,
    created_at     timestamptz not null
);
create unique index feeds_url_key on feeds (url);
create index feeds_due_idx on feeds (next_poll_at);

-- Every item seen in a feed, by its id in the feed, so none becomes a source twice; the
-- entry's own content stands in when its linked page cannot be fetched.
create table feed_items (
    feed_id    uuid not null references feeds (id) on delete cascade,
    guid       text not null,
    source_id  uuid references sources (id) on delete set null,
    link       text,
    title      text,
    content    text,
    created_at timestamptz not null,
    primary key (feed_id, guid)
);
create index feed_items_source_idx on feed_items (source_id);
