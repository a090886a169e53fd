-- Search: every article is cut into passages (its summary, body sections, claims) so that a hit
-- names the passage. `tsv` weighs the article title over the section heading over the text.
create table search_chunks (
    id             bigserial primary key,
    article_id     uuid not null references articles (id) on delete cascade,
    position       integer not null,
    kind           text not null,
    heading        text not null,
    title          text not null,
    content        text not null,
    claim_position integer,
    embedding      real[],
    embedding_model text,
    tsv tsvector generated always as (
        setweight(to_tsvector('english', title), 'A')
        || setweight(to_tsvector('english', heading), 'B')
        || setweight(to_tsvector('english', content), 'D')
    ) stored
);
create index search_chunks_article_idx on search_chunks (article_id, position);
create index search_chunks_tsv_idx on search_chunks using gin (tsv);

-- Ask: conversations of question/answer turns. A fork keeps its parent's turns before
-- `forked_at_turn` and continues with its own from that index.
create table conversations (
    id               uuid primary key not null,
    title            text not null,
    parent_id        uuid references conversations (id) on delete set null,
    forked_at_turn   integer,
    filed_article_id uuid references articles (id) on delete set null,
    created_at       timestamptz not null,
    updated_at       timestamptz not null
);
create index conversations_updated_idx on conversations (updated_at);
create index conversations_parent_idx on conversations (parent_id);

create table turns (
    id                  uuid primary key not null,
    conversation_id     uuid not null references conversations (id) on delete cascade,
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
    created_at          timestamptz not null,
    unique (conversation_id, turn_index)
);
