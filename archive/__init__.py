"""扶贫档案管理系统 — the Flask application factory."""
from __future__ import annotations

from flask import Flask, current_app

from archive.config import Settings, load_settings
from archive.container import Services, build


def create_app(settings: Settings | None = None) -> Flask:
    settings = settings or load_settings()
    app = Flask(__name__)
    app.config.update(SECRET_KEY=settings.secret_key, MAX_CONTENT_LENGTH=settings.max_request_bytes)
    app.json.ensure_ascii = False
    services = build(settings)
    app.extensions["archive"] = services

    from archive import jobs, tasks  # noqa: F401  tasks: every job kind registered before any enqueue
    from archive.web import api, errors, security, ui

    jobs.bind(services)
    security.init_app(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(ui.bp)
    errors.register(app)
    return app


def services() -> Services:
    return current_app.extensions["archive"]
