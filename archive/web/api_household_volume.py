"""`POST /api/v1/households/{id}/volume`: a household's file (一户一档) bound as one volume by the
volume composer (archive/ledgers/volume.py)."""
from __future__ import annotations

from flask import g, request

from archive.web.api import _services, bp, login_required
from archive.web.errors import api_error
from archive.web.openapi import ID_PARAM, documented, error_response, json_response, ref


@bp.post("/households/<int:household_id>/volume")
@documented("/households/{id}/volume", "post", summary="一户一档组卷 / build a household's file as a volume",
            description="该户关联的文件（不含已移除的和回收站中的）按识别、帮扶、退出阶段及档案项目排列成卷："
                        "封面、按“阶段 · 项目”分组的卷内文件目录（缺少的必备项注明“（缺）”）、各文件、卷内备考表。"
                        "案卷题名默认为“户主姓名户一户一档（村）”，不含证件号码。"
                        "返回 202 与案卷（同 POST /volumes），用 GET /volumes/{id} 查看进度。",
            parameters=[ID_PARAM],
            requestBody={"required": False, "content": {"application/json": {"schema": {"type": "object", "properties": {
                "title": {"type": "string"}, "made_by": {"type": "string"}, "checked_by": {"type": "string"},
                "double_sided": {"type": "boolean"}, "spine": {"type": "boolean"}}}}}},
            responses={"202": json_response("已排队 / queued", ref("Volume")),
                       "400": error_response("该户没有关联文件"), "403": error_response("无权组卷"),
                       "404": error_response("户不存在或无权访问")})
@login_required
def build_household_volume(household_id: int):
    from archive.binder import service as volumes
    from archive.ledgers.volume import create_household_volume
    from archive.web.api_volumes import _queued

    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        return api_error(400, "invalid_json", "请求体应为 JSON 对象")
    volume = create_household_volume(
        g.session, _services().standards, g.actor, household_id, title=str(body.get("title") or ""),
        made_by=str(body.get("made_by") or ""), checked_by=str(body.get("checked_by") or ""),
        double_sided=bool(body.get("double_sided")), spine=bool(body.get("spine")))
    volumes.start_build(g.session, g.actor, volume)
    return _queued(volume.id)
