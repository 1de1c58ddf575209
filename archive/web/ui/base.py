"""The pages' blueprint and what every page view relies on: one unit of work per request
(`g.session`), the signed-in user (`g.user`, `g.actor`), `login_required`, the session cookie's
start (`start_session`), same-site redirects (`safe_next`) and the error pages for refusals."""
from __future__ import annotations

from functools import wraps
from urllib.parse import urlsplit

from flask import Blueprint, g, redirect, request, session, url_for

from archive.auth.actor import Actor
from archive.auth.policy import Forbidden
from archive.auth.scope import OutOfScope
from archive.errors import DomainError
from archive.models import User
from archive.web.errors import error_page, status_for
from archive.web.session import unit_of_work

bp = Blueprint("ui", __name__)
unit_of_work(bp)


@bp.before_request
def load_user():
    g.user = None
    user_id = session.get("uid")
    if user_id is not None:
        user = g.session.get(User, user_id)
        # A disabled account, or one whose password changed since, loses its session at once.
        if user is not None and user.active and session.get("pw") == _password_stamp(user):
            g.user = user
            g.actor = Actor(user, request.remote_addr, request.user_agent.string)
        else:
            session.clear()


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        if g.get("user") is None:
            return redirect(url_for("ui.login", next=request.full_path if request.method == "GET" else None))
        return view(*args, **kwargs)

    return wrapper


def _password_stamp(user: User) -> str:
    return (user.password_hash or "")[-16:]


def start_session(user: User) -> None:
    session.clear()
    session.permanent = True
    session["uid"] = user.id
    session["pw"] = _password_stamp(user)


def safe_next(target: str | None) -> str:
    """Only same-site paths: a crafted ?next= must not send people to another host."""
    if not target:
        return url_for("ui.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//"):
        return url_for("ui.home")
    return target


@bp.errorhandler(DomainError)
def _refused(exc: DomainError):
    return error_page(status_for(exc), exc.message)


@bp.errorhandler(OutOfScope)
def _not_found(exc):
    return error_page(404)


@bp.errorhandler(Forbidden)
def _forbidden(exc):
    return error_page(403, exc.message)
