"""Log-in and log-out."""
from __future__ import annotations

from flask import g, redirect, render_template, request, session, url_for

from archive.audit import service as audit
from archive.auth import service as auth
from archive.auth.actor import Actor
from archive.web.ui.base import bp, safe_next, start_session


@bp.route("/login", methods=["GET", "POST"])
def login():
    if g.get("user") is not None:
        return redirect(url_for("ui.home"))
    error = None
    if request.method == "POST":
        actor = Actor(None, request.remote_addr, request.user_agent.string)
        try:
            user = auth.login(g.session, actor, request.form.get("username", ""), request.form.get("password", ""))
        except auth.AuthError as e:
            g.session.commit()  # the failed attempt and the lock-out count are kept
            error = e.message
        else:
            start_session(user)
            return redirect(safe_next(request.form.get("next")))
    return render_template("auth/login.html", error=error, next=request.values.get("next", "")), 401 if error else 200


@bp.post("/logout")
def logout():
    if g.get("user") is not None:
        audit.record(g.session, g.actor, "logout", object_type="user", object_id=g.user.id, org_id=g.user.org_id)
    session.clear()
    return redirect(url_for("ui.login"))
