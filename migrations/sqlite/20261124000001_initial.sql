-- WikiMind schema, SQLite dialect. Keep in step with migrations/postgres (same tables, same columns).
-- Ids are UUIDs (16-byte BLOBs here), times are RFC 3339 text, JSON is text.

create table sources (
    id            blob primary key not null,
    kind          text not null,
    title         text,
    url           text,
    author        text,
    published     text,
    status        text not null,
    error         text,
    content_hash  text,
    original_hash text,
    original_ext  text,
    original_mime text,
    byte_size     bigint,
    page_count    integer,
    duplicate_of  blob references sources (id) on delete set null,
    created_at    text not null,
    updated_at    text not null,
    compiled_at   text
);
create unique index sources_content_hash_key on sources (content_hash);
create index sources_original_hash_idx on sources (original_hash);
create index sources_status_idx on sources (status, created_at);
create index sources_url_idx on sources (url);

create table articles (
    id             blob primary key not null,
    slug           text not null unique,
    title          text not null,
    title_key      text not null,
    summary        text not null,
    page_type      text not null,
    confidence     text not null,
    provider       text not null,
    model          text not null,
    body           text not null,
    open_questions text not null,
    version        integer not null,
    created_at     text not null,
    updated_at     text not null
);
create index articles_title_key_idx on articles (title_key);
create index articles_updated_idx on articles (updated_at);

create table article_sources (
    article_id blob not null references articles (id) on delete cascade,
    source_id  blob not null references sources (id) on delete cascade,
    primary key (article_id, source_id)
);
create index article_sources_source_idx on article_sources (source_id);

create table article_versions (
    id          blob primary key not null,
    article_id  blob not null references articles (id) on delete cascade,
    version     integer not null,
    title       text not null,
    summary     text not null,
    provider    text not null,
    content     text not null,
    created_at  text not null,
    unique (article_id, version)
);

create table article_aliases (
    article_id blob not null references articles (id) on delete cascade,
    alias_key  text not null,
    primary key (article_id, alias_key)
);
create index article_aliases_key_idx on article_aliases (alias_key);

create table claims (
    id          blob primary key not null,
    article_id  blob not null references articles (id) on delete cascade,
    position    integer not null,
    text        text not null,
    confidence  text not null,
    quote       text,
    verified    boolean not null,
    span_start  bigint,
    span_end    bigint,
    source_id   blob references sources (id) on delete set null
);
create index claims_article_idx on claims (article_id, position);

create table links (
    id                blob primary key not null,
    from_article_id   blob not null references articles (id) on delete cascade,
    target_text       text not null,
    target_key        text not null,
    to_article_id     blob references articles (id) on delete set null,
    relation_type     text not null,
    origin            text not null,
    created_at        text not null,
    unique (from_article_id, target_key)
);
create index links_to_idx on links (to_article_id);
create index links_unresolved_idx on links (target_key) where to_article_id is null;

create table concepts (
    id            blob primary key not null,
    name          text not null unique,
    display_name  text not null,
    parent_id     blob references concepts (id) on delete set null,
    created_at    text not null
);

create table article_concepts (
    article_id blob not null references articles (id) on delete cascade,
    concept_id blob not null references concepts (id) on delete cascade,
    primary key (article_id, concept_id)
);
create index article_concepts_concept_idx on article_concepts (concept_id);

-- The user-visible job history. Not named `jobs`: the SQLite queue keeps its own `Jobs`
-- table in the same file, and SQLite table names are case-insensitive.
create table job_runs (
    id          blob primary key not null,
    kind        text not null,
    status      text not null,
    source_id   blob references sources (id) on delete set null,
    article_id  blob references articles (id) on delete set null,
    attempts    integer not null,
    progress    double precision not null,
    message     text,
    error       text,
    created_at  text not null,
    started_at  text,
    finished_at text
);
create index job_runs_status_idx on job_runs (status, created_at);
create index job_runs_source_idx on job_runs (source_id);

create table cost_log (
    id            blob primary key not null,
    provider      text not null,
    model         text not null,
    task          text not null,
    input_tokens  bigint not null,
    output_tokens bigint not null,
    cost_usd      double precision not null,
    latency_ms    bigint not null,
    ok            boolean not null,
    job_id        blob references job_runs (id) on delete set null,
    created_at    text not null
);
create index cost_log_created_idx on cost_log (created_at);
