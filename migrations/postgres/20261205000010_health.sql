-- Health: each run of the linter, the findings it made, and the findings a person dismissed.
-- A finding's fingerprint names its kind and the versions of the pages involved, so a
-- dismissal holds for as long as those pages are unchanged.
create table health_runs (
    id            uuid primary key not null,
    trigger       text not null,
    status        text not null,
    started_at    timestamptz not null,
    finished_at   timestamptz,
    article_count bigint not null,
    score         bigint,
    error         text
);
create index health_runs_started_idx on health_runs (started_at);

create table health_findings (
    id          uuid primary key not null,
    run_id      uuid not null references health_runs (id) on delete cascade,
    kind        text not null,
    severity    text not null,
    fingerprint text not null,
    message     text not null,
    article_ids text not null,
    fix         text,
    detail      text not null,
    state       text not null
);
create index health_findings_run_idx on health_findings (run_id);

create table health_dismissals (
    fingerprint  text primary key not null,
    dismissed_at timestamptz not null
);
