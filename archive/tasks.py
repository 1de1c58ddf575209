"""The kinds of background job and the domain runner of each: the only module that names them.

Imported by the composition root (archive.create_app: the web app, the CLI, `archive worker`), so every
kind is registered before anything is enqueued or a worker takes a job. The kind (or its `queued_as`
name, the one the queue has known since before the kinds) is the task's name in the queue (Redis or
SQLite): keep it when the runner moves.
"""
from __future__ import annotations

from huey import crontab

from archive.binder.build import run_volume_job
from archive.classify import model
from archive.ingest.batch import run_ingest_job
from archive.jobs import periodic, task
from archive.rectify import deadlines


@task("ingest", queued_as="ingest_batch")
def ingest(services, job_id: str) -> None:
    """A folder uploaded through the API (archive/ingest/batch.py)."""
    run_ingest_job(services, job_id)


@task("volume_build", queued_as="build_volume")
def volume_build(services, job_id: str) -> None:
    """Build a bound volume (archive/binder/build.py); progress and errors on the job row."""
    run_volume_job(services, job_id)


@task("reindex", queued_as="reindex_documents", retries=3, retry_delay=60)
def reindex(services, ids: list[int]) -> None:
    """Retry of a search-index update that failed after its database commit."""
    services.search.update(ids)


@periodic("train_classifier", crontab(hour="2", minute="30"))
def train_classifier(services) -> None:
    """Retrain the classification models from the documents people have decided (nightly; also
    enqueued by kind to run now). See archive/classify/model.py."""
    with services.db.session() as session:
        model.train(session, services.standards, services.settings.data_dir)


@periodic("mark_overdue_rectification", crontab(hour="16", minute="20"))
def mark_overdue_rectification(services) -> int:
    """Mark rectification items that went past their deadline (daily; Huey's crontab is in UTC, so
    00:20 Beijing time): each gets overdue_since and one event on its timeline, once. See
    archive/rectify/deadlines.py."""
    with services.db.session() as session:
        return deadlines.mark_overdue(session)
