"""What the 整改 page modules share (rectify.py: batches and items; rectify_import.py: the 问题清单
import; rectify_item.py: one item): the due-soon window, who may write, and the names and styles
the templates read."""
from __future__ import annotations

import datetime as dt

from flask import g

from archive.auth import policy
from archive.rectify import states
from archive.web.ui.base import bp

DUE_DAYS = 7
# state code -> badge class (app.css: "" grey, warn yellow, info blue, ok green)
STATE_STYLE = {"not_started": "", "in_progress": "warn", "awaiting_acceptance": "info", "closed": "ok"}


def can_write() -> bool:
    """Clerks and admins record batches and act on items (each one still checked by the service)."""
    return policy.can_upload(g.actor)


@bp.app_template_filter("rectify_day")
def rectify_day(value) -> str:
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()[:10]
    return value or "—"


@bp.app_context_processor
def _rectify_names():
    return {"rectify_states": states.STATES, "rectify_state_style": STATE_STYLE, "rectify_actions": states.ACTIONS}
