-- Settings a person changes in the web app (the environment wins where it sets the same
-- value), and the marks that make a notice be sent once across processes.
create table app_settings (
    key         text primary key not null,
    value       text not null,
    updated_at  text not null
);

-- An article the offline compiler wrote because every configured model failed: compiled
-- again with the model once a provider answers.
alter table articles add column awaiting_model boolean not null default false;
