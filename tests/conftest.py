"""Fixtures: a fresh database and data dir per test, on SQLite by default or on the PostgreSQL
named by ARCHIVE_TEST_DATABASE_URL (a scratch database is created there and dropped afterwards)."""
from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from archive import create_app, jobs, migrate
from archive.config import load_settings
from archive.db import make_engine
from archive.models import Base
from tests.support.setup import ORG_CSV, TEST_LIMITS


def pytest_report_header(config):
    return f"archive database: {os.environ.get('ARCHIVE_TEST_DATABASE_URL') or 'sqlite (per test)'}"


@pytest.fixture(scope="session", autouse=True)
def jobs_run_inline():
    """Huey's immediate mode runs each task at enqueue time, in this process, through Huey itself."""
    jobs.huey.immediate = True
    yield


@pytest.fixture(scope="session")
def _postgres_url():
    base = os.environ.get("ARCHIVE_TEST_DATABASE_URL")
    if not base:
        yield None
        return
    name = f"archive_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(base).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session")
def _sqlite_template(tmp_path_factory):
    path = tmp_path_factory.mktemp("template") / "archive.sqlite3"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    with engine.connect() as conn:
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    engine.dispose()
    return path


@pytest.fixture
def database_url(tmp_path, _postgres_url, _sqlite_template):
    if _postgres_url:
        engine = make_engine(_postgres_url)
        with engine.begin() as conn:
            tables = ", ".join(f'"{t.name}"' for t in Base.metadata.sorted_tables)
            conn.execute(text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        engine.dispose()
        return _postgres_url
    path = tmp_path / "data" / "archive.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(_sqlite_template, path)
    return f"sqlite:///{path}"


@pytest.fixture
def settings(tmp_path, database_url):
    return load_settings(data_dir=tmp_path / "data", database_url=database_url, limits=TEST_LIMITS,
                         secret_key="test-secret")


@pytest.fixture
def app(settings, monkeypatch):
    # The CLI builds its app from the environment; point it at this test's data too.
    monkeypatch.setenv("ARCHIVE_DATA_DIR", str(settings.data_dir))
    monkeypatch.setenv("ARCHIVE_DATABASE_URL", settings.database_url)
    app = create_app(settings)
    app.config["TESTING"] = True
    app.extensions["archive"].store.ensure()
    yield app
    app.extensions["archive"].db.dispose()


@pytest.fixture
def services(app):
    return app.extensions["archive"]


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def cli(app):
    """Invoke `archive ...` against this test's app."""
    from archive.cli import main

    runner = app.test_cli_runner()

    def invoke(*args, input=None):
        return runner.invoke(main, list(args), input=input, obj=_script_info(app))

    return invoke


def _script_info(app):
    from flask.cli import ScriptInfo

    return ScriptInfo(create_app=lambda: app)


@pytest.fixture
def files_dir(tmp_path) -> Path:
    d = tmp_path / "in"
    d.mkdir()
    return d


@pytest.fixture
def org_tree(services):
    """A small tree: 文峰区 with two towns and three villages. Returns {name: OrgUnit}."""
    from archive.orgs import service as orgs

    with services.db.session() as session:
        result = orgs.import_csv(session, ORG_CSV.encode())
        assert not result.errors
        return {u.name: u for u in orgs.list_units(session)}


@pytest.fixture
def make_user(services, org_tree):
    """make_user(name, org_name, role) -> (user, token)."""
    from archive.auth import service as auth

    def make(username: str, org_name: str, role: str = "clerk"):
        with services.db.session() as session:
            user = auth.create_user(session, username=username, org=session.merge(org_tree[org_name]),
                                    role=role, password="password123")
            token = auth.create_token(session, user)
            user.org  # loaded for use after the session
            return user, token

    return make


@pytest.fixture
def bindable(services, org_tree, tmp_path):
    """Filed 0305 notices in four formats plus an XLSX ledger and a scanned page in 黎元村.
    Returns {name: document id}."""
    from tests.support.volumes import file_bindable

    return file_bindable(services, org_tree, tmp_path)
