"""Feedback batches (整改反馈): the list, recording one, a batch with its items, importing a 问题清单
into it (or only a preview), and the batch's evidence binder (整改佐证材料汇编) as a volume."""
from __future__ import annotations

from flask import g, url_for

from archive.binder import service as volumes
from archive.rectify import importing, service as rectify, shapes
from archive.rectify.binder import create_evidence_volume
from archive.rectify.importer import MAX_BYTES, ImportFileError, parse
from archive.web.api.base import (
    bp, flag_param, int_param, json_body, login_required, naming_file, org_filter, org_from, read_upload, upload_file)
from archive.web.api.openapi import (
    DATE, ID_PARAM, NSTR, SCHEMAS, STR, documented, error_response, json_response, ref)
from archive.web.api.rectification import STATE_COUNTS
from archive.web.api.volumes import binding_options, queued
from archive.web.errors import api_error
from archive.web.session import services

SCHEMAS["FeedbackBatchRequest"] = {"type": "object", "required": ["title", "source"], "properties": {
    "title": {"type": "string", "example": "2021年省委第三巡视组反馈问题"},
    "source": {"type": "string", "enum": ["巡视", "考核", "督查", "审计", "普查", "其他"],
               "description": "问题来源；含这些词的名称也可（如“省委巡视”）"},
    "level": {"type": "string", "example": "省", "description": "国家/省/市/县"},
    "received_on": {"type": "string", "format": "date", "description": "反馈时间"},
    "org": {"type": "string", "description": "收到反馈的单位（路径或区划代码），默认为用户所属单位"},
    "document_id": {"type": "integer", "description": "反馈文件在档案中的编号"}}}
SCHEMAS["FeedbackBatch"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "org": STR, "org_id": {"type": "integer"}, "source": STR, "level": STR,
    "title": STR, "received_on": DATE,
    "document": {"type": "object", "nullable": True, "properties": {
        "id": {"type": "integer"}, "title": STR, "archive_code": NSTR}},
    "created_by": NSTR, "created_at": {"type": "string", "format": "date-time", "nullable": True},
    "item_count": {"type": "integer", "description": "用户可见的问题数"}, "counts": STATE_COUNTS,
    "items": {"type": "array", "items": ref("RectificationItem"), "description": "仅 GET /feedback/{id}"}}}
SCHEMAS["RectificationImport"] = {"type": "object", "properties": {
    "ok": {"type": "boolean"}, "preview": {"type": "boolean"}, "saved": {"type": "integer"},
    "columns": {"description": "各列被理解为哪个字段"},
    "problems": {"type": "array", "items": {"type": "object", "properties": {
        "row": {"type": "integer", "nullable": True}, "column": NSTR, "message": STR}}},
    "notes": {"type": "array", "items": {"type": "object"}},
    "batch_id": {"type": "integer", "nullable": True}, "item_ids": {"type": "array", "items": {"type": "integer"}}}}


def _batch_body(batch, with_items: bool = False) -> dict:
    data = rectify.batch_dict(g.session, batch, user=g.user)
    if with_items:
        page = rectify.list_items(g.session, user=g.user, flt=rectify.ItemFilter(batch_id=batch.id),
                                  per_page=rectify.MAX_PER_PAGE)
        data["items"] = [shapes.item_dict(i) for i in page.items]
    return data


@bp.get("/feedback")
@documented("/feedback", "get", summary="整改反馈批次 / feedback batches",
            description="用户所属单位（含下级）收到的反馈，以及有其责任问题的反馈；最新的在前。",
            parameters=[{"name": "org", "in": "query", "schema": {"type": "string"}},
                        {"name": "page", "in": "query", "schema": {"type": "integer", "default": 1}}],
            responses={"200": json_response("反馈批次", {"type": "object", "properties": {
                "total": {"type": "integer"}, "page": {"type": "integer"},
                "items": {"type": "array", "items": ref("FeedbackBatch")}}})})
@login_required
def list_feedback():
    org, page = org_filter(), int_param("page") or 1
    total, rows = rectify.list_batches(g.session, user=g.user, org=org, page=page)
    return {"total": total, "page": page, "items": [_batch_body(b) for b in rows]}


@bp.post("/feedback")
@documented("/feedback", "post", summary="登记反馈批次 / record a feedback batch",
            requestBody={"required": True, "content": {"application/json": {"schema": ref("FeedbackBatchRequest")}}},
            responses={"201": json_response("已登记", ref("FeedbackBatch")), "400": error_response("参数无效"),
                       "403": error_response("无权登记"), "404": error_response("单位或文件不存在或无权访问")})
@login_required
def create_feedback():
    body = json_body(required=False)
    org = org_from(body.get("org"))
    document_id = body.get("document_id")
    if document_id is not None and (isinstance(document_id, bool) or not isinstance(document_id, int)):
        raise rectify.RectifyError("bad_parameter", "document_id 应为整数")
    spec = rectify.BatchSpec(org=org, title=str(body.get("title") or ""), source=str(body.get("source") or ""),
                             level=str(body.get("level") or ""),
                             received_on=rectify.parse_date(body.get("received_on"), "反馈时间"),
                             document_id=document_id)
    batch = rectify.create_batch(g.session, g.actor, spec)
    return _batch_body(batch), 201, {"Location": url_for("api.get_feedback", batch_id=batch.id)}


@bp.get("/feedback/<int:batch_id>")
@documented("/feedback/{id}", "get", summary="反馈批次及其问题 / a feedback batch and its items",
            parameters=[ID_PARAM], responses={"200": json_response("反馈批次", ref("FeedbackBatch")),
                                              "404": error_response("不存在或无权访问")})
@login_required
def get_feedback(batch_id: int):
    return _batch_body(rectify.get_batch(g.session, batch_id, user=g.user), with_items=True)


@bp.post("/feedback/<int:batch_id>/import")
@documented("/feedback/{id}/import", "post", summary="导入问题清单 / import a 问题清单 (XLSX, DOCX)",
            description="multipart 字段 file。?preview=1（或表单字段 preview=1）只返回各列如何理解、各行和问题，不保存。"
                        "否则全部保存或全部不保存：有任何问题时 422，error.problems 列出行、列和原因。"
                        "单位名称在用户的管辖范围内匹配：名称、完整路径、路径末段或区划代码。",
            parameters=[ID_PARAM, {"name": "preview", "in": "query", "schema": {"type": "boolean"}}],
            requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "format": "binary"}, "preview": {"type": "boolean"}}}}}},
            responses={"200": json_response("预览（未保存）", ref("RectificationImport")),
                       "201": json_response("已导入", ref("RectificationImport")),
                       "400": error_response("缺少文件"), "403": error_response("无权导入"),
                       "404": error_response("不存在或无权访问"), "413": error_response("文件过大"),
                       "415": error_response("不是 XLSX 或 DOCX"),
                       "422": error_response("文件无法读取，或有问题而未保存任何内容（import_problems：error.problems 列出各处问题）")})
@login_required
def import_feedback(batch_id: int):
    batch = rectify.get_batch(g.session, batch_id, user=g.user)
    upload = upload_file()
    # never buffer more than the importer takes
    data = read_upload(upload, min(services().settings.limits.max_bytes, MAX_BYTES))
    with naming_file(upload.filename, ImportFileError):
        parsed = parse(data, upload.filename)
    if flag_param("preview"):
        return importing.preview_import(g.session, g.actor, batch, parsed).as_dict()
    outcome = importing.import_items(g.session, g.actor, batch, parsed, file_name=upload.filename)
    if not outcome.ok:
        body = outcome.as_dict()
        return api_error(422, "import_problems", f"问题清单有 {len(outcome.problems)} 处问题，未导入任何内容",
                         problems=outcome.problems, notes=outcome.notes, columns=body.get("columns"))
    return outcome.as_dict(), 201


@bp.post("/feedback/<int:batch_id>/evidence-binder")
@documented("/feedback/{id}/evidence-binder", "post", summary="生成整改佐证材料汇编 / build the evidence binder of a batch",
            description="按问题编号排列的佐证材料案卷：封面、按问题分组的卷内文件目录（编号、问题、状态、佐证材料及页号）、"
                        "各问题的佐证材料。返回 202 与案卷（同 POST /volumes），用 GET /volumes/{id} 查看进度。"
                        "可选 org：只汇编该单位（含下级）负责的问题。",
            parameters=[ID_PARAM],
            requestBody={"required": False, "content": {"application/json": {"schema": {"type": "object", "properties": {
                "org": {"type": "string"}, "title": {"type": "string"}, "made_by": {"type": "string"},
                "checked_by": {"type": "string"}, "double_sided": {"type": "boolean"}, "spine": {"type": "boolean"}}}}}},
            responses={"202": json_response("已排队 / queued", ref("Volume")),
                       "400": error_response("没有问题或没有佐证材料"), "403": error_response("无权组卷"),
                       "404": error_response("批次不存在或无权访问")})
@login_required
def build_evidence_binder(batch_id: int):
    body = json_body(required=False)
    rectify.get_batch(g.session, batch_id, user=g.user)  # 404 when out of scope
    volume = create_evidence_volume(g.session, services().standards, g.actor, batch_id=batch_id,
                                    org=org_from(body.get("org"), optional=True), **binding_options(body))
    volumes.start_build(g.session, g.actor, volume)
    return queued(volume.id)
