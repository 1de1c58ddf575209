"""GET /api/v1/orgs: the org units in the user's scope."""
from __future__ import annotations

from flask import g

from archive.orgs import service as orgs
from archive.web.api.base import bp, login_required
from archive.web.api.openapi import documented, json_response, ref


@bp.get("/orgs")
@documented("/orgs", "get", summary="可见的单位 / org units in scope",
            responses={"200": json_response("单位列表", {"type": "object", "properties": {
                "items": {"type": "array", "items": ref("OrgUnit")}}})})
@login_required
def list_orgs():
    units = orgs.list_units(g.session, under=g.user.org)
    return {"items": [{"id": u.id, "name": u.name, "path": u.path, "code": u.code, "parent_id": u.parent_id}
                      for u in units]}
