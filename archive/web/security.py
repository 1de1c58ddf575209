"""Web security for the HTML pages: session cookies, CSRF, security headers.

The JSON API authenticates with bearer tokens only (never the session cookie), so it needs no CSRF
token; every state-changing request to a page must carry one.
"""
from __future__ import annotations

import datetime as dt
import hmac
import secrets

from flask import Flask, abort, request, session
from flask.sessions import SecureCookieSessionInterface

SAFE_METHODS = ("GET", "HEAD", "OPTIONS")

CSP = "; ".join([
    "default-src 'self'",
    "img-src 'self' data: blob:",
    "style-src 'self'",
    "script-src 'self'",
    "object-src 'none'",
    "frame-src 'self'",
    "frame-ancestors 'self'",
    "base-uri 'self'",
    "form-action 'self'",
])


class AutoSecureSessionInterface(SecureCookieSessionInterface):
    """Secure cookies whenever the request came over HTTPS (directly or through a proxy that says so).

    Many county intranets still serve plain HTTP; a cookie that is always Secure would make log-in
    impossible there, so the flag follows the connection.
    """

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or request.headers.get("X-Forwarded-Proto", "") == "https"


def csrf_token() -> str:
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(32)
    return token


def _check_csrf() -> None:
    if request.method in SAFE_METHODS or request.path.startswith("/api/"):
        return
    # The header first: reading request.form would parse a whole multipart upload before refusing it.
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    expected = session.get("csrf") or ""
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, description="csrf")


def _headers(response):
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    if not request.path.startswith("/static/"):
        response.headers.setdefault("Cache-Control", "no-store")
    return response


def init_app(app: Flask) -> None:
    app.config.update(
        SESSION_COOKIE_NAME="archive_session",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=8),
    )
    app.session_interface = AutoSecureSessionInterface()
    app.before_request(_check_csrf)
    app.after_request(_headers)
    app.jinja_env.globals["csrf_token"] = csrf_token
