"""Background jobs on Huey: SQLite storage by default, Redis when ARCHIVE_REDIS_URL is set.

People follow a job through its row in the `jobs` table (status, done/total, per-item results);
Huey only carries the job id.
"""
from __future__ import annotations

from flask import Flask
from huey import Huey, crontab
from huey.storage import MemoryStorage, RedisStorage, SqliteStorage

from archive.config import Settings
from archive.models import Job

# Storage is set by `bind` from the app's settings; every entry point (CLI, WSGI, worker) creates the
# app first. In Huey's immediate mode (tests) tasks run inline on in-memory storage.
huey = Huey("archive", storage_class=MemoryStorage)
_app: Flask | None = None


def bind(app: Flask) -> None:
    """Tasks in this process run against this app (its database, its file store, its queue)."""
    global _app
    _app = app
    configure(app.extensions["archive"].settings)


def configure(settings: Settings) -> None:
    if settings.redis_url:
        huey.storage_class, huey.storage_kwargs = RedisStorage, {"url": settings.redis_url}
    else:
        huey.storage_class, huey.storage_kwargs = SqliteStorage, {"filename": str(settings.jobs_db)}
    huey.storage = huey.create_storage()


def _services():
    global _app
    if _app is None:
        from archive import create_app

        _app = create_app()
    return _app.extensions["archive"]


def create_job(session, *, kind: str, user, org, params: dict, job_id: str | None = None) -> Job:
    job = Job(id=job_id, kind=kind, user_id=user.id if user else None, org_id=org.id if org else None,
              params=params)
    session.add(job)
    session.flush()
    return job


def get_for(session, user, job_id: str) -> Job:
    """A job as seen by `user`: their own, or, for an admin, any job of a unit in their scope."""
    from archive.auth.scope import OutOfScope, in_scope
    from archive.models import OrgUnit

    job = session.get(Job, job_id)
    if job is None:
        raise OutOfScope()
    if job.user_id == user.id:
        return job
    org = session.get(OrgUnit, job.org_id) if job.org_id else None
    if user.role == "admin" and org is not None and in_scope(user, org):
        return job
    raise OutOfScope()


def job_dict(job: Job) -> dict:
    return {
        "id": job.id,
        "kind": job.kind,
        "status": job.status,
        "total": job.total,
        "done": job.done,
        "progress": round(job.done / job.total, 3) if job.total else (1.0 if job.status == "done" else 0.0),
        "results": job.results,
        "error": job.error,
        "created_at": job.created_at.isoformat() if job.created_at else None,
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
    }


@huey.task()
def ingest_batch(job_id: str) -> None:
    from archive.ingest.batch import run_ingest_job

    run_ingest_job(_services(), job_id)


@huey.task()
def build_volume(job_id: str) -> None:
    """Build a bound volume (archive/binder/build.py); progress and errors on the job row."""
    from archive.binder.build import run_volume_job

    run_volume_job(_services(), job_id)


@huey.task(retries=3, retry_delay=60)
def reindex_documents(ids: list[int]) -> None:
    """Retry of a search-index update that failed after its database commit."""
    _services().search.update(ids)


@huey.periodic_task(crontab(hour="2", minute="30"))
def train_classifier() -> None:
    """Retrain the classification models from the documents people have decided (nightly; also
    callable to enqueue now). See archive/classify/model.py."""
    from archive.classify import model

    s = _services()
    with s.db.session() as session:
        model.train(session, s.standards, s.settings.data_dir)


@huey.periodic_task(crontab(hour="16", minute="20"))
def mark_overdue_rectification() -> int:
    """Mark rectification items that went past their deadline (daily; Huey's crontab is in UTC, so
    00:20 Beijing time): each gets overdue_since and one event on its timeline, once. See
    archive/rectify/deadlines.py."""
    from archive.rectify import deadlines

    with _services().db.session() as session:
        return deadlines.mark_overdue(session)


def enqueue_ingest(job_id: str) -> None:
    ingest_batch(job_id)
