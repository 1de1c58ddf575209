"""Folder uploads through the API: files are staged on disk, then ingested by a job."""
from __future__ import annotations

import shutil
import uuid
from pathlib import Path, PurePosixPath
from typing import BinaryIO, Iterable

from archive.auth.actor import Actor
from archive.auth.scope import in_scope
from archive.ingest.pipeline import IngestResult
from archive.ingest.walk import walk
from archive.jobs import lifecycle
from archive.models import OrgUnit, User
from archive.errors import DomainError

CHUNK = 1024 * 1024


class BadUpload(DomainError):
    def __init__(self, message: str):
        super().__init__("bad_upload", message)


def safe_relative(name: str) -> PurePosixPath:
    """A browser-sent relative path (folder/sub/file.docx), stripped of anything that climbs out."""
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".", "..")]
    if not parts:
        raise BadUpload(f"文件名无效：“{name}”")
    return PurePosixPath(*parts)


def stage_upload(services, files: Iterable[tuple[str, BinaryIO]]) -> tuple[str, int]:
    """Write the uploaded files under uploads/<new id>/ keeping their relative folders.

    Returns (the id for the job, the number of files). Each copy stops one byte past the size limit:
    the job then refuses that file as too large without the disk filling up first.
    """
    job_id = str(uuid.uuid4())
    root = services.settings.uploads_dir / job_id
    limit = services.settings.limits.max_bytes + 1
    seen: set[PurePosixPath] = set()
    try:
        for name, stream in files:
            relative = safe_relative(name)
            if relative in seen or any(parent in seen for parent in relative.parents):
                raise BadUpload(f"文件名重复或与文件夹同名：“{relative}”")
            seen.add(relative)
            target = root / relative
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with open(target, "xb") as out:
                    _copy_at_most(stream, out, limit)
            except (OSError, ValueError) as e:
                raise BadUpload(f"无法保存上传的文件“{relative}”：{getattr(e, 'strerror', None) or e}") from None
    except BaseException:
        shutil.rmtree(root, ignore_errors=True)
        raise
    return job_id, len(seen)


def _copy_at_most(source: BinaryIO, out: BinaryIO, limit: int) -> None:
    remaining = limit
    while remaining > 0 and (chunk := source.read(min(CHUNK, remaining))):
        out.write(chunk)
        remaining -= len(chunk)


def visible_result(result: IngestResult, user: User | None) -> dict:
    """A result as its uploader may see it: a duplicate of another unit's document reveals nothing."""
    doc = result.document
    if user is not None and result.status == "duplicate" and doc is not None and not in_scope(user, doc.org):
        return {"path": result.path, "status": "duplicate", "document_id": None, "archive_code": None,
                "org": None, "title": None,
                "error": {"code": "duplicate_out_of_scope", "message": "该文件已由其他单位归档"}}
    return result.as_dict()


def run_ingest_job(services, job_id: str) -> None:
    """The body of the "ingest" job: ingest the staged folder, the job row following file by file."""
    root = services.settings.uploads_dir / job_id
    run = lifecycle.claim(services.db, job_id)
    if run is None:
        return
    try:
        with run.recording_failure():
            with services.db.session() as session:
                user = session.get(User, run.user_id) if run.user_id else None
                if user is not None:
                    user.org.lineage  # loaded now: the scope check on results runs after this session
                start = session.get(OrgUnit, run.org_id) if run.org_id else None
                # Walk the staged folder as its own top folder: its name (the job id) is no unit's.
                items = list(walk(session, [str(root)], start)) if root.exists() else []
            for item in items:
                item.name = str(Path(item.name).relative_to(root))  # report the uploaded relative path
            run.set_total(len(items))  # system files (Thumbs.db, ~$ lock files) are skipped by the walk
            results = []
            for result in services.pipeline.ingest_many(items, Actor(user, run.params.get("ip"))):
                results.append(visible_result(result, user))
                run.progress(len(results), results)
            run.finish(results, done=len(results))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def result_counts(results: list[dict]) -> dict:
    counts = {"stored": 0, "duplicate": 0, "rejected": 0}
    for r in results:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return counts

