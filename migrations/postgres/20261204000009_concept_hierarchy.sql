-- The concept hierarchy a model proposed. `model_parent` is the key of a concept's parent by
-- the model's word; `concept_hierarchy.basis` is the set of shared concepts the model was
-- last asked about, so it is asked again only when that set changes.
alter table concepts add column model_parent text;
create table concept_hierarchy (
    id integer primary key check (id = 1),
    basis text not null
);
