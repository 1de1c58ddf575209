"""Folder uploads through the API: files are staged on disk, then ingested by a job."""
from __future__ import annotations

import shutil
import time
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterable

from archive.container import Services
from archive.ingest.walk import walk
from archive.models import Job, OrgUnit, User
from archive.models.base import utcnow

PROGRESS_INTERVAL = 0.5  # seconds between progress writes


class BadUpload(ValueError):
    def __init__(self, message: str):
        super().__init__(message)
        self.code = "bad_upload"
        self.message = message


def safe_relative(name: str) -> PurePosixPath:
    """A browser-sent relative path (folder/sub/file.docx), stripped of anything that climbs out."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if not parts:
        raise BadUpload(f"文件名无效：“{name}”")
    return PurePosixPath(*parts)


def stage_upload(services: Services, job: Job, files: Iterable[tuple[str, BinaryIO]]) -> int:
    """Write the uploaded files under uploads/<job id>/ keeping their relative folders."""
    root = services.settings.uploads_dir / job.id
    count = 0
    try:
        for name, stream in files:
            target = root / safe_relative(name)
            target.parent.mkdir(parents=True, exist_ok=True)
            with open(target, "xb") as out:
                shutil.copyfileobj(stream, out, 1024 * 1024)
            count += 1
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return count


def run_ingest_job(services: Services, job_id: str) -> None:
    db = services.db
    root = services.settings.uploads_dir / job_id
    with db.session() as session:
        job = session.get(Job, job_id)
        if job is None or job.status != "queued":
            return
        job.status, job.started_at = "running", utcnow()
    try:
        with db.session() as session:
            job = session.get(Job, job_id)
            user = session.get(User, job.user_id) if job.user_id else None
            start = session.get(OrgUnit, job.org_id) if job.org_id else None
            # Walk the staged folder as its own top folder: its name (the job id) is no unit's.
            items = list(walk(session, [str(root)], start)) if root.exists() else []
            for item in items:
                item.name = str(Path(item.name).relative_to(root))  # report the uploaded relative path
        results, last_saved = [], time.monotonic()
        for result in services.pipeline.ingest_many(items, user):
            results.append(result.as_dict())
            # Rewriting the results list after every file would be quadratic in the batch size.
            if time.monotonic() - last_saved > PROGRESS_INTERVAL:
                _record_progress(services, job_id, results)
                last_saved = time.monotonic()
        _record_progress(services, job_id, results, finished=True)
    except Exception as exc:  # the job row must say it failed; the exception still reaches Huey's log
        with db.session() as session:
            job = session.get(Job, job_id)
            job.status, job.finished_at, job.error = "failed", utcnow(), f"{type(exc).__name__}: {exc}"
        raise
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _record_progress(services: Services, job_id: str, results: list[dict], finished: bool = False) -> None:
    with services.db.session() as session:
        job = session.get(Job, job_id)
        job.done = len(results)
        job.results = list(results)
        if finished:
            job.status, job.finished_at = "done", utcnow()


def result_counts(results: list[dict]) -> dict:
    counts = {"stored": 0, "duplicate": 0, "rejected": 0}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return counts

