-- A source has at most one unfinished job: two recompile requests at the same moment must not
-- both queue one. Jobs that already doubled up are settled first: a running one stays (else
-- the oldest), the others end as failed, saying why.
update job_runs
set status = 'failed',
    error = 'another job of the same source was already waiting; this one was not run',
    finished_at = coalesce(started_at, created_at)
where source_id is not null
  and status in ('queued', 'running', 'paused_budget', 'awaiting_approval')
  and exists (
      select 1 from job_runs older
      where older.source_id = job_runs.source_id
        and older.status in ('queued', 'running', 'paused_budget', 'awaiting_approval')
        and ((older.status = 'running') > (job_runs.status = 'running')
             or ((older.status = 'running') = (job_runs.status = 'running')
                 and (older.created_at < job_runs.created_at
                      or (older.created_at = job_runs.created_at and older.id < job_runs.id))))
  );

create unique index job_runs_one_unfinished_idx on job_runs (source_id)
    where status in ('queued', 'running', 'paused_budget', 'awaiting_approval');
