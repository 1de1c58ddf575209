"""A job's row through one run, written in one place for every runner:

    queued → running (claim) → progress (done of total, results so far) → done, or failed with the error.

A runner claims the job, sets its total, reports progress as it goes and finishes it; `recording_failure`
marks the row failed when the runner raises (the exception still reaches Huey, which logs and retries).
"""
from __future__ import annotations

import logging
import time
from contextlib import contextmanager
from typing import Callable, Iterator

from sqlalchemy import update

from archive.clock import utcnow
from archive.db import Database
from archive.models import Job

log = logging.getLogger(__name__)

PROGRESS_INTERVAL = 0.5  # seconds between progress writes to the job row


def describe_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


class Run:
    """One run of a job: what the runner needs of its row (kind, params, who, which unit) and the
    writes that move the row along, each in its own short transaction."""

    def __init__(self, db: Database, job: Job):
        self.db, self.job_id, self.kind = db, job.id, job.kind
        self.params: dict = dict(job.params or {})
        self.user_id, self.org_id = job.user_id, job.org_id
        self._saved = 0.0

    def set_total(self, total: int) -> None:
        with self.db.session() as session:
            session.get(Job, self.job_id).total = total

    def progress(self, done: int, results: list | None = None, *, force: bool = False) -> None:
        """How far the job is, and its results so far: written at most every PROGRESS_INTERVAL
        seconds unless forced (rewriting a long results list after every item would be quadratic)."""
        if not force and time.monotonic() - self._saved < PROGRESS_INTERVAL:
            return
        self._saved = time.monotonic()
        with self.db.session() as session:
            job = session.get(Job, self.job_id)
            job.done = done
            if results is not None:
                job.results = list(results)

    def finish(self, results: list | None = None, *, done: int | None = None) -> None:
        """Done: with its results, and `done` of total (all of it unless told)."""
        with self.db.session() as session:
            job = session.get(Job, self.job_id)
            job.status, job.finished_at = "done", utcnow()
            job.done = job.total if done is None else done
            if results is not None:
                job.results = list(results)

    def fail(self, error: str | None, results: list | None = None) -> None:
        """Failed, with the reason people read on the job (and its results, when it has some)."""
        with self.db.session() as session:
            job = session.get(Job, self.job_id)
            job.status, job.finished_at, job.error = "failed", utcnow(), error
            if results is not None:
                job.results = list(results)

    @contextmanager
    def recording_failure(self, describe: Callable[[BaseException], str] = describe_error) -> Iterator[None]:
        """Mark the job failed with `describe(exc)` when the block raises, then let the exception go on."""
        try:
            yield
        except BaseException as exc:
            self.fail(describe(exc))
            log.exception("job %s (%s) failed", self.job_id, self.kind)
            raise


def claim(db: Database, job_id: str) -> Run | None:
    """Take a queued job: queued → running in one conditional UPDATE. None when the job is gone or
    not queued (already run, or running elsewhere): the runner then does nothing."""
    with db.session() as session:
        taken = session.execute(update(Job).where(Job.id == job_id, Job.status == "queued")
                                .values(status="running", started_at=utcnow()))
        if taken.rowcount != 1:
            return None
        return Run(db, session.get(Job, job_id))
