"""Schema migrations, accounts and tokens from the CLI, the demo data set, and real job workers."""
import io
import json
import random
import time
import uuid

import pytest
from sqlalchemy import func, inspect, select, text

from archive import jobs, migrate
from archive.db import make_engine
from archive.demo import samples
from archive.models import ApiToken, Document, User
from tests.support.api import bearer


def test_migrations_upgrade_once_then_noop_and_keep_data(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'm.sqlite3'}")
    assert migrate.upgrade(engine) is True
    with engine.begin() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        conn.execute(text("INSERT INTO org_units (name, path, lineage, depth, created_at) "
                          "VALUES ('河南省', '河南省', '/1/', 0, CURRENT_TIMESTAMP)"))
    assert migrate.upgrade(engine) is False
    with engine.connect() as conn:
        assert migrate.current_revision(conn) == migrate.head_revision()
        assert conn.execute(text("SELECT name FROM org_units")).scalar() == "河南省"
    assert {"documents", "org_units", "users", "api_tokens", "jobs"} <= set(inspect(engine).get_table_names())


def test_init_command_is_idempotent(cli):
    first = cli("init")
    assert first.exit_code == 0 and "最新" in first.output
    assert cli("init").exit_code == 0


def test_user_and_token_commands(cli, services, org_tree, client):
    r = cli("user", "create", "liyuan", "--org", "410502100201", "--role", "clerk", "--password", "s3cret-pass")
    assert r.exit_code == 0, r.output
    assert cli("user", "create", "liyuan", "--org", "410502100201", "--role", "clerk",
               "--password", "s3cret-pass").exit_code == 2
    assert cli("user", "create", "x", "--org", "不存在", "--role", "clerk", "--password", "s3cret-pass").exit_code == 2
    prompted = cli("user", "create", "asked", "--org", "410502000000", "--role", "viewer",
                   input="another-pass\nanother-pass\n")
    assert prompted.exit_code == 0, prompted.output

    token = cli("token", "create", "liyuan").output.strip()
    assert token.startswith("ar_") and "\n" not in token
    with services.db.session() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()
        assert token not in stored and len(stored) == 1  # only the hash is kept
        user = session.scalar(select(User).where(User.username == "liyuan"))
        assert user.password_hash.startswith("scrypt:")
    assert client.get("/api/v1/documents", headers=bearer(token)).status_code == 200
    assert cli("token", "create", "nobody").exit_code == 2


def test_demo_data_set(cli, services):
    r = cli("init", "--demo")
    assert r.exit_code == 0, r.output
    assert "拒绝 0" in r.output
    with services.db.session() as session:
        count = session.scalar(select(func.count(Document.id)))
        assert count >= 30
    again = cli("init", "--demo")
    assert again.exit_code == 0 and "新入库 0" in again.output
    token = again.output.strip().rsplit("：", 1)[1]
    assert token.startswith("ar_")


@pytest.fixture(params=["sqlite", "redis"])
def real_queue(request, app, services):
    """A real Huey consumer (threads) on SQLite or Redis storage, instead of immediate mode."""
    settings = services.settings
    if request.param == "redis":
        # A queue of its own: two runs of the suite on one Redis never take each other's jobs.
        settings.redis_url = "redis://127.0.0.1:6379/15"
        settings.queue_name = f"archive-test-{uuid.uuid4().hex}"
    jobs.huey.immediate = False
    jobs.configure(settings)
    jobs.huey.storage.flush_queue()
    consumer = jobs.huey.create_consumer(workers=1, worker_type="thread", periodic=False)
    consumer.start()
    yield request.param
    consumer.stop(graceful=True)
    jobs.huey.storage.flush_queue()
    settings.redis_url, settings.queue_name = None, "archive"
    jobs.huey.immediate = True


def test_folder_job_through_a_real_worker(real_queue, client, make_user):
    _, token = make_user("clerk", "莲蓬寺镇")
    doc = samples.random_document(random.Random(5), unit_name="黎元村", level="village", year=2021)
    form = {"files": [(io.BytesIO("\n".join([doc.title, *doc.paragraphs]).encode("gb18030")),
                       f"黎元村/{real_queue}.txt")]}
    r = client.post("/api/v1/ingest-jobs", data=form, headers=bearer(token), content_type="multipart/form-data")
    assert r.status_code == 202
    assert r.json["status"] in ("queued", "running", "done")
    deadline = time.time() + 30
    while time.time() < deadline:
        job = client.get(r.headers["Location"], headers=bearer(token)).json
        if job["status"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job["status"] == "done", job
    (result,) = job["results"]
    assert result["status"] == "stored" and result["org"].endswith("黎元村") and result["title"] == doc.title
    assert json.dumps(job, ensure_ascii=False)


def test_models_match_migrations(database_url):
    """The migrations build exactly the schema the models describe (on SQLite and PostgreSQL)."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    from archive.models import Base

    engine = make_engine(database_url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    engine.dispose()
