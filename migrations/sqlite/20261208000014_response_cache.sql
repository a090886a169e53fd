-- The response cache: a model's reply kept under a hash of the request that produced it
-- (provider, model, prompts, limits, schema), so the same request is answered again at no
-- cost. Calls answered from it are logged with zero cost and marked `cached`.
create table llm_cache (
    key           text primary key not null,
    provider      text not null,
    model         text not null,
    content       text not null,
    input_tokens  bigint not null,
    output_tokens bigint not null,
    created_at    text not null
);
alter table cost_log add column cached boolean not null default false;
