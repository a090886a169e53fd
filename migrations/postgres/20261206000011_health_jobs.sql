-- Health runs as jobs: a run is queued (by a person or the schedule), claimed by one worker
-- under a lease, and taken over by another if that worker stops renewing it. At most one run
-- waits at a time. Schedules are claimed once across all workers by moving their next time.
alter table health_runs add column worker text;
alter table health_runs add column lease_until timestamptz;
alter table health_runs add column new_errors bigint not null default 0;
create unique index health_runs_one_queued_idx on health_runs (status) where status = 'queued';
create index health_runs_status_idx on health_runs (status, started_at);

create table schedules (
    name        text primary key not null,
    next_run_at timestamptz not null,
    claimed_by  text
);
