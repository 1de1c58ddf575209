"""Bound volumes (案卷): compose, build as a job, follow its progress, download the PDF."""
from __future__ import annotations

from flask import g, request, url_for

from archive.binder import service as volumes
from archive.binder.build import pdf_path
from archive.values import lenient_int, parse_year
from archive.web.api.base import bp, json_body, login_required, org_filter, org_from
from archive.web.api.openapi import ID_PARAM, SCHEMAS, documented, error_response, json_response, ref
from archive.web.errors import api_error
from archive.web.filenames import send_download
from archive.web.session import services

SCHEMAS["VolumeRequest"] = {"type": "object", "required": ["category", "year"], "properties": {
    "org": {"type": "string", "description": "单位路径或区划代码，默认为用户所属单位"},
    "category": {"type": "string", "example": "0201", "description": "类目号（含其子类目）"},
    "year": {"type": "integer", "example": 2020},
    "retention": {"type": "string", "enum": ["Y", "D30", "D10"], "description": "默认为类目的保管期限"},
    "documents": {"type": "array", "items": {"type": "integer"},
                  "description": "按装订顺序的文件编号；不给时为符合条件的全部已归档文件（按档号）"},
    "title": {"type": "string", "description": "案卷题名；不给时自动拟定"},
    "filing_no": {"type": "string", "description": "归档号"},
    "made_by": {"type": "string", "description": "立卷人，默认为当前用户"},
    "checked_by": {"type": "string", "description": "检查人"},
    "remarks": {"type": "string", "description": "写入卷内备考表的说明"},
    "double_sided": {"type": "boolean", "default": False, "description": "双面打印：偶数页页号在左上角"},
    "spine": {"type": "boolean", "default": False, "description": "附卷脊标签页"},
    "filing_stamp": {"type": "boolean", "default": True, "description": "在已归档文件首页加盖归档章"}}}
SCHEMAS["VolumeDocument"] = {"type": "object", "properties": {
    "position": {"type": "integer"}, "document_id": {"type": "integer"}, "title": {"type": "string"},
    "archive_code": {"type": "string", "nullable": True}, "doc_number": {"type": "string", "nullable": True},
    "author": {"type": "string", "nullable": True}, "doc_date": {"type": "string", "nullable": True},
    "sha256": {"type": "string"}, "rendition_sha256": {"type": "string", "nullable": True},
    "page_start": {"type": "integer", "nullable": True}, "page_end": {"type": "integer", "nullable": True}}}
SCHEMAS["Volume"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "org": {"type": "string"}, "org_id": {"type": "integer"},
    "category": {"type": "object", "properties": {"code": {"type": "string"}, "name": {"type": "string", "nullable": True}}},
    "year": {"type": "integer"}, "retention": {"type": "string"}, "title": {"type": "string"},
    "status": {"type": "string", "enum": ["queued", "building", "done", "failed"]},
    "progress": {"type": "number"}, "archive_code": {"type": "string", "nullable": True},
    "volume_no": {"type": "integer", "nullable": True}, "item_count": {"type": "integer"},
    "page_count": {"type": "integer", "nullable": True, "description": "文件页数（封面上的页数）"},
    "total_pages": {"type": "integer", "nullable": True, "description": "PDF 总页数（含封面、目录、备考表）"},
    "errors": {"type": "array", "items": {"type": "string"}}, "job": {"nullable": True, "allOf": [ref("Job")]},
    "documents": {"type": "array", "items": ref("VolumeDocument")}}}
SCHEMAS["VolumePreview"] = {"type": "object", "properties": {
    "title": {"type": "string"}, "item_count": {"type": "integer"},
    "page_count": {"type": "integer", "description": "按文件记录的页数估算；装订时以转换后的 PDF 为准"},
    "documents": {"type": "array", "items": {"type": "object"}}}}


def _spec(body: dict) -> volumes.Spec:
    standards = services().standards
    org = org_from(body.get("org"))
    year = parse_year(body.get("year"))
    category, retention = volumes.class_and_retention(standards, org, body.get("category"), body.get("retention"))
    return volumes.Spec(
        org=org, category=category, year=year, retention=retention,
        documents=volumes.parse_document_ids(body.get("documents")), title=str(body.get("title") or ""),
        filing_no=str(body.get("filing_no") or ""), made_by=str(body.get("made_by") or ""),
        checked_by=str(body.get("checked_by") or ""), remarks=str(body.get("remarks") or ""),
        double_sided=_flag(body, "double_sided", False), spine=_flag(body, "spine", False),
        filing_stamp=_flag(body, "filing_stamp", True))


def _flag(body: dict, name: str, default: bool) -> bool:
    """A volume's yes/no option: anything but a clear yes or no is refused (invalid_flag)."""
    value = body.get(name, default)
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("1", "true", "yes", "on"):
        return True
    if str(value).lower() in ("0", "false", "no", "off", ""):
        return False
    raise volumes.VolumeError("invalid_flag", f"{name} 应为 true 或 false")


def binding_options(body: dict) -> dict:
    """The options of a volume that a composer lays out (a household's file, an evidence binder):
    its title, who made and checked it, how it is printed."""
    return {"title": str(body.get("title") or ""), "made_by": str(body.get("made_by") or ""),
            "checked_by": str(body.get("checked_by") or ""), "double_sided": bool(body.get("double_sided")),
            "spine": bool(body.get("spine"))}


def _body_of(volume) -> dict:
    return volumes.volume_dict(volume, services().standards, volumes.build_job(g.session, volume))


def queued(volume_id: int):
    """202 with the volume just queued for building, and where to follow it."""
    g.session.expire_all()
    body = _body_of(volumes.get(g.session, volume_id, user=g.user))
    return body, 202, {"Location": url_for("api.get_volume", volume_id=volume_id)}


@bp.post("/volumes")
@documented("/volumes", "post", summary="组卷（后台任务） / compose and build a bound volume",
            description="记录案卷并排队生成 PDF（封面、卷内文件目录、连续页号、卷内备考表、书签），返回 202 与任务；"
                        "用 GET /volumes/{id} 查看进度，完成后 GET /volumes/{id}/pdf 下载。",
            requestBody={"required": True, "content": {"application/json": {"schema": ref("VolumeRequest")}}},
            responses={"202": json_response("已排队 / queued", ref("Volume")),
                       "400": error_response("参数无效或没有可装订的文件"), "403": error_response("无权组卷"),
                       "404": error_response("单位或文件不存在或无权访问")})
@login_required
def create_volume():
    volume = volumes.create(g.session, services().standards, g.actor, _spec(json_body()))
    volumes.start_build(g.session, g.actor, volume)
    return queued(volume.id)


@bp.post("/volumes/<int:volume_id>/build")
@documented("/volumes/{id}/build", "post", summary="重新生成失败的案卷 / build a failed volume again",
            description="处理好失败原因（如恢复回收站中的文件、修复损坏的原件）后重新生成；案卷号不变。",
            parameters=[ID_PARAM],
            responses={"202": json_response("已排队 / queued", ref("Volume")),
                       "400": error_response("案卷不是失败状态"), "403": error_response("无权组卷"),
                       "404": error_response("不存在或无权访问")})
@login_required
def rebuild_volume(volume_id: int):
    volume = volumes.get(g.session, volume_id, user=g.user)
    volumes.retry(g.session, g.actor, volume)
    return queued(volume.id)


@bp.post("/volumes/preview")
@documented("/volumes/preview", "post", summary="预览卷内文件目录 / preview a volume's table of contents",
            description="与 POST /volumes 相同的参数；不保存。已转换过的文件按其 PDF 计页，其余按文件记录的页数估算"
                        "（pages_exact 为 false 时页号是估算值）。",
            requestBody={"required": True, "content": {"application/json": {"schema": ref("VolumeRequest")}}},
            responses={"200": json_response("预览", ref("VolumePreview")), "400": error_response("参数无效")})
@login_required
def preview_volume():
    return volumes.preview(g.session, services().standards, g.user, _spec(json_body()),
                           renditions=volumes.renditions_of(services()))


@bp.get("/volumes")
@documented("/volumes", "get", summary="案卷列表 / list volumes",
            parameters=[{"name": "org", "in": "query", "schema": {"type": "string"}},
                        {"name": "page", "in": "query", "schema": {"type": "integer", "default": 1}}],
            responses={"200": json_response("案卷", {"type": "object", "properties": {
                "total": {"type": "integer"}, "items": {"type": "array", "items": ref("Volume")}}})})
@login_required
def list_volumes():
    page = max(lenient_int(request.args.get("page"), 1), 1)  # a bad page number is the first page
    total, rows = volumes.list_for(g.session, user=g.user, org=org_filter(), page=page)
    return {"total": total, "page": page, "items": [_body_of(v) for v in rows]}


@bp.get("/volumes/<int:volume_id>")
@documented("/volumes/{id}", "get", summary="案卷状态与进度 / volume status, progress and errors",
            parameters=[ID_PARAM], responses={"200": json_response("案卷", ref("Volume")),
                                              "404": error_response("不存在或无权访问")})
@login_required
def get_volume(volume_id: int):
    return _body_of(volumes.get(g.session, volume_id, user=g.user))


@bp.get("/volumes/<int:volume_id>/pdf")
@documented("/volumes/{id}/pdf", "get", summary="下载案卷 PDF / download the volume PDF", parameters=[ID_PARAM],
            responses={"200": {"description": "PDF", "content": {"application/pdf": {
                "schema": {"type": "string", "format": "binary"}}}},
                "404": error_response("不存在或无权访问"), "409": error_response("案卷尚未生成")})
@login_required
def download_volume(volume_id: int):
    volume = volumes.get(g.session, volume_id, user=g.user)
    path = pdf_path(services().settings.volumes_dir, volume.id)
    if volume.status != "done" or not path.exists():
        return api_error(409, "volume_not_ready", f"案卷尚未生成（状态：{volume.status}）")
    volumes.record_download(g.session, g.actor, volume)
    name = f"{volume.archive_code or volume.id}-{volume.title[:60]}.pdf"
    g.session.commit()
    return send_download(path, "application/pdf", name)
