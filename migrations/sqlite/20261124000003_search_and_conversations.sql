-- Search: every article is cut into passages (its summary, body sections, claims) so that a hit
-- names the passage. `search_fts` is an external-content FTS5 index over them, kept in step by
-- triggers (they also fire for the cascade when an article is deleted).
create table search_chunks (
    id             integer primary key,
    article_id     blob not null references articles (id) on delete cascade,
    position       integer not null,
    kind           text not null,
    heading        text not null,
    title          text not null,
    content        text not null,
    claim_position integer,
    -- little-endian f32s, set when an embedding provider is configured
    embedding      blob,
    embedding_model text
);
create index search_chunks_article_idx on search_chunks (article_id, position);

create virtual table search_fts using fts5(
    title, heading, content,
    content = 'search_chunks', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

create trigger search_chunks_ai after insert on search_chunks begin
    insert into search_fts (rowid, title, heading, content)
    values (new.id, new.title, new.heading, new.content);
end;
create trigger search_chunks_ad after delete on search_chunks begin
    insert into search_fts (search_fts, rowid, title, heading, content)
    values ('delete', old.id, old.title, old.heading, old.content);
end;
create trigger search_chunks_au after update of title, heading, content on search_chunks begin
    insert into search_fts (search_fts, rowid, title, heading, content)
    values ('delete', old.id, old.title, old.heading, old.content);
    insert into search_fts (rowid, title, heading, content)
    values (new.id, new.title, new.heading, new.content);
end;

-- Ask: conversations of question/answer turns. A fork keeps its parent's turns before
-- `forked_at_turn` and continues with its own from that index.
create table conversations (
    id               blob primary key not null,
    title            text not null,
    parent_id        blob references conversations (id) on delete set null,
    forked_at_turn   integer,
    filed_article_id blob references articles (id) on delete set null,
    created_at       text not null,
    updated_at       text not null
);
create index conversations_updated_idx on conversations (updated_at);
create index conversations_parent_idx on conversations (parent_id);

create table turns (
    id                  blob primary key not null,
    conversation_id     blob not null references conversations (id) on delete cascade,
    turn_index          integer not null,
    question            text not null,
    answer              text not null,
    mode                text not null,
    citations           text not null,
    dropped_citations   integer not null,
    confidence          text not null,
    related_articles    text not null,
    follow_up_questions text not null,
    provider            text not null,
    model               text not null,
    created_at          text not null,
    unique (conversation_id, turn_index)
);
