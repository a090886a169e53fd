-- A model call made to answer a question is attributed to its conversation, as a compile's
-- is to its job (and so its source). No foreign key: the conversation of a new question is
-- stored once the answer is, and its calls are logged before.
alter table cost_log add column conversation_id blob;
create index cost_log_conversation_idx on cost_log (conversation_id);
