-- Production shape: several worker processes share one queue.
-- `dispatched_at` makes job_runs a transactional outbox: a row is committed with its source,
-- and is pushed to the queue until a push succeeds. `lease_until`/`worker` let a job whose
-- worker vanished be taken over once the lease runs out.
alter table job_runs add column dispatched_at text;
alter table job_runs add column lease_until text;
alter table job_runs add column worker text;
create index job_runs_outbox_idx on job_runs (status, dispatched_at);

-- One row per live worker process, refreshed while it runs; readiness reports the newest.
create table worker_heartbeats (
    name       text primary key not null,
    queue      text not null,
    started_at text not null,
    last_seen  text not null
);
