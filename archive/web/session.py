"""The request's unit of work, the same for the API and the pages: one database session opened
before the view (`g.session`), committed after it, rolled back when the view failed or answered
with an error (errors.mark_failed)."""
from __future__ import annotations

from flask import Blueprint, current_app, g

from archive.container import Services


def services() -> Services:
    return current_app.extensions["archive"]


def open_session() -> None:
    g.session = services().db.sessions()


def close_session(exc: BaseException | None) -> None:
    session = g.pop("session", None)
    if session is None:
        return
    if exc is None and not g.get("rollback"):
        session.commit()
    else:
        session.rollback()
    session.close()


def unit_of_work(bp: Blueprint) -> None:
    """Every request to `bp` runs in one unit of work."""
    bp.before_request(open_session)
    bp.teardown_request(close_session)
