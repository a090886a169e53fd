-- Hybrid search: one embedding per passage and model, written when an embedding provider is
-- configured. `seq` only grows (AUTOINCREMENT never hands a value out twice), so a process that
-- keeps vectors in memory can tell from (count, max(seq)) whether any changed, which a column on
-- the passages could not tell (a passage id can be reused after a delete). The `embedding` and
-- `embedding_model` columns reserved on `search_chunks` stay unused: SQLite cannot drop them (the
-- comment in their definition defeats `alter table … drop column`).
-- Vectors are of unit length (little-endian f32s).
create table search_vectors (
    seq      integer primary key autoincrement,
    chunk_id integer not null unique references search_chunks (id) on delete cascade,
    model    text not null,
    vector   blob not null
);
create index search_vectors_model_idx on search_vectors (model, seq);
