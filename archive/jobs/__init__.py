"""Background jobs: the Huey queue, a registry of job kinds, the job rows people follow.

    queue.py      the Huey instance `huey` and `configure(settings)` (SQLite file, or Redis)
    registry.py   `@task(kind)` / `@periodic(kind, crontab)` register a runner, `enqueue(kind, *args)`
                  queues it; `bind(services)` gives runners the process's Services
    records.py    the `jobs` table rows: create_job, get_for (the user's reach), job_dict (JSON shape)
    lifecycle.py  one run of a row: claim → progress → finish / fail, written once for every runner

This package imports no domain. To add a kind of job (OCR, a transfer export ...): write the runner
in its domain as `run_x(services, *args)`, register it in archive/tasks.py with
`@task("x")` (or `@periodic("x", crontab(...))`), and enqueue it from the domain with
`archive.jobs.enqueue("x", job_id)`. A runner that people follow gets a row from `create_job` and
moves it with `lifecycle.claim(...)`. Arguments travel through Redis or SQLite: keep them to ids and
plain values. The kind is the task's name in the queue: never rename a kind that may be queued.
"""
from archive.jobs.queue import configure, huey
from archive.jobs.records import JobNotFound, create_job, get_for, job_dict
from archive.jobs.registry import bind, enqueue, periodic, task

__all__ = ["JobNotFound", "bind", "configure", "create_job", "enqueue", "get_for", "huey", "job_dict",
           "periodic", "task"]
