-- Hybrid search: one embedding per passage and model, written when an embedding provider is
-- configured. `seq` only grows, so a process that keeps vectors in memory can tell from
-- (count, max(seq)) whether any changed. The `embedding` and `embedding_model` columns reserved
-- on `search_chunks` stay unused, as in SQLite (which cannot drop them).
-- Vectors are of unit length.
create table search_vectors (
    seq      bigint generated always as identity primary key,
    chunk_id bigint not null unique references search_chunks (id) on delete cascade,
    model    text not null,
    vector   real[] not null
);
create index search_vectors_model_idx on search_vectors (model, seq);
