"""Jobs cross processes: an ingest job queued here on Redis is run by `archive worker`, another process.

Each run uses its own queue name (ARCHIVE_QUEUE_NAME), so parallel runs on one Redis never take each
other's jobs, and only that name's keys are flushed afterwards.
"""
from __future__ import annotations

import io
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

import archive
from archive import jobs
from archive.ingest.batch import stage_upload
from archive.models import Job, OrgUnit

REDIS_URL = os.environ.get("ARCHIVE_TEST_REDIS_URL", "redis://127.0.0.1:6379/14")
WORKTREE = Path(archive.__file__).resolve().parents[1]


def _redis_answers() -> bool:
    import redis

    try:
        return bool(redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.fixture
def redis_queue(services, monkeypatch):
    """This test's queue on Redis (not immediate mode), named for this run only."""
    if not _redis_answers():
        pytest.skip(f"no Redis at {REDIS_URL}")
    settings = services.settings
    name = f"archive_test_{uuid.uuid4().hex[:12]}"
    settings.redis_url, settings.queue_name = REDIS_URL, name
    monkeypatch.setenv("ARCHIVE_REDIS_URL", REDIS_URL)  # for the worker, with the app's data dir and database
    monkeypatch.setenv("ARCHIVE_QUEUE_NAME", name)
    jobs.huey.immediate = False
    jobs.configure(settings)
    yield jobs.huey
    jobs.huey.storage.flush_all()  # this queue name's keys only
    settings.redis_url, settings.queue_name = None, "archive"
    jobs.huey.immediate = True
    jobs.configure(settings)


def _start_worker(tmp_path: Path) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(WORKTREE), os.environ.get("PYTHONPATH")])))
    log = open(tmp_path / "worker.log", "wb")
    return subprocess.Popen([sys.executable, "-m", "archive", "worker"], env=env, cwd=tmp_path,
                            stdout=log, stderr=subprocess.STDOUT)


def _wait_for(services, job_id: str, worker: subprocess.Popen, seconds: float = 60) -> Job:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and worker.poll() is None:
        with services.db.session() as session:
            job = session.get(Job, job_id)
            if job.status in ("done", "failed"):
                return job
        time.sleep(0.2)
    return job


def test_a_job_queued_here_runs_in_an_archive_worker_process(redis_queue, services, make_user, tmp_path):
    user, _ = make_user("clerk", "莲蓬寺镇")
    title = "黎元村2021年产业扶贫项目实施情况的报告"
    text = f"{title}\n镇党委、镇政府：\n2021年，我村实施产业扶贫项目3个，带动脱贫户42户。\n黎元村村民委员会\n2021年12月20日".encode("gb18030")
    job_id, count = stage_upload(services, [("黎元村/跨进程.txt", io.BytesIO(text))])
    with services.db.session() as session:
        org = session.get(OrgUnit, user.org_id)
        job = jobs.create_job(session, kind="ingest", user=user, org=org, job_id=job_id,
                              params={"org": org.path, "ip": "127.0.0.1"})
        job.total = count
    jobs.enqueue("ingest", job_id)
    assert redis_queue.pending_count() == 1  # in Redis, not run inline

    worker = _start_worker(tmp_path)
    try:
        job = _wait_for(services, job_id, worker)
    finally:
        worker.send_signal(signal.SIGINT)  # Huey's graceful stop
        try:
            worker.wait(timeout=30)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert job.status == "done", log
    (result,) = job.results
    assert result["status"] == "stored" and result["org"].endswith("黎元村") and result["title"] == title
    assert job.done == job.total == 1 and job.started_at and job.finished_at
    assert redis_queue.pending_count() == 0
    assert not (services.settings.uploads_dir / job_id).exists()  # the worker cleaned up the staged files


def test_the_lifecycle_claims_once_and_records_a_failure(services):
    from archive.jobs import lifecycle

    with services.db.session() as session:
        job_id = jobs.create_job(session, kind="ingest", user=None, org=None, params={"ip": "1.2.3.4"}).id
    run = lifecycle.claim(services.db, job_id)
    assert run.params == {"ip": "1.2.3.4"} and run.kind == "ingest"
    assert lifecycle.claim(services.db, job_id) is None  # running already: a second delivery does nothing
    run.set_total(3)
    run.progress(1, [{"n": 1}])
    with pytest.raises(OSError), run.recording_failure():
        raise OSError("disk full")
    with services.db.session() as session:
        job = jobs.job_dict(session.get(Job, job_id))
    assert job["status"] == "failed" and job["error"] == "OSError: disk full"
    assert job["done"] == 1 and job["total"] == 3 and job["results"] == [{"n": 1}] and job["finished_at"]


def test_an_unknown_kind_is_refused(app):
    with pytest.raises(LookupError, match="no_such_kind"):
        jobs.enqueue("no_such_kind", 1)
