"""Rectification items (整改问题): the list, counts by state and unit, the 整改台账 export, one item
with its timeline and evidence, correcting its fields, the state actions, and its evidence (a
document of the archive, or a new file uploaded, filed and linked in one step)."""
from __future__ import annotations

from io import BytesIO

from flask import g, request

from archive import clock
from archive.rectify import deadlines, evidence, service as rectify, shapes, states
from archive.web.api.base import (
    RequestError, bp, check_upload_size, flag_param, int_param, json_body, login_required, org_filter)
from archive.web.api.openapi import (
    DATE, ID_PARAM, NSTR, ORG_REF, SCHEMAS, STR, documented, error_response, json_response, ref)
from archive.web.filenames import XLSX, send_download
from archive.web.session import services

_USER_REF = {"type": "object", "nullable": True, "properties": {
    "id": {"type": "integer"}, "username": STR, "name": STR}}
STATE_COUNTS = {"type": "object", "description": "状态代码 → 数量",
                "properties": {code: {"type": "integer"} for code in states.STATES}}

SCHEMAS["RectificationEvent"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}, "user_id": {"type": "integer", "nullable": True},
    "user": STR, "action": {"type": "string", "description": "start submit accept reject extend reopen import edit "
                                                              "evidence_add evidence_remove overdue"},
    "action_name": STR, "from_state": NSTR, "to_state": NSTR, "from_state_name": NSTR, "to_state_name": NSTR,
    "comment": STR, "data": {"type": "object", "nullable": True}}}
SCHEMAS["RectificationEvidence"] = {"type": "object", "properties": {
    "document_id": {"type": "integer"}, "title": STR, "archive_code": NSTR, "org": STR, "category_code": NSTR,
    "doc_date": DATE, "page_count": {"type": "integer", "nullable": True}, "in_trash": {"type": "boolean"},
    "added_by": NSTR, "added_at": {"type": "string", "format": "date-time"}}}
SCHEMAS["RectificationItem"] = {"type": "object", "properties": {
    "id": {"type": "integer"},
    "batch": {"type": "object", "properties": {"id": {"type": "integer"}, "title": STR, "source": STR,
                                               "level": STR, "received_on": DATE}},
    "number": STR, "description": STR, "category": STR, "goal": STR, "measures": STR,
    "lead_org": {"nullable": True, "allOf": [ORG_REF]}, "units": {"type": "array", "items": ORG_REF},
    "leader": STR, "person": STR, "responsible_user": _USER_REF,
    "deadline": DATE, "deadline_text": STR, "original_deadline": DATE,
    "days_left": {"type": "integer", "nullable": True}, "overdue": {"type": "boolean"}, "overdue_since": DATE,
    "progress": STR, "completed_on": DATE, "acceptance_opinion": STR, "accepted_by": _USER_REF,
    "closed_on": DATE, "closed_by": _USER_REF,
    "state": {"type": "string", "enum": list(states.STATES)}, "state_name": STR,
    "actions": {"type": "array", "items": {"type": "string"}, "description": "当前状态允许的操作"},
    "evidence_count": {"type": "integer"},
    "evidence": {"type": "array", "items": ref("RectificationEvidence"), "description": "仅详情"},
    "timeline": {"type": "array", "items": ref("RectificationEvent"), "description": "仅详情"}}}

_LIST_PARAMS = [{"name": n, "in": "query", "schema": s, "description": d} for n, s, d in [
    ("org", {"type": "string"}, "单位路径或区划代码：责任单位或牵头单位在其下"),
    ("state", {"type": "string", "enum": list(states.STATES)}, "状态（也可用中文名）"),
    ("batch", {"type": "integer"}, "反馈批次"),
    ("overdue", {"type": "boolean"}, "1：只列逾期（未整改/整改中且已过整改时限）"),
    ("due_within", {"type": "integer", "example": 7}, "只列 n 天内到期的"),
    ("q", {"type": "string"}, "编号、问题描述、类别、措施、责任领导、责任人中的词"),
    ("page", {"type": "integer", "default": 1}, ""),
    ("per_page", {"type": "integer", "default": 50, "maximum": 200}, "")]]
_ACTION_PARAM = {"name": "action", "in": "path", "required": True,
                 "schema": {"type": "string", "enum": list(states.ACTIONS)}}
_DOCUMENT_PARAM = {"name": "document_id", "in": "path", "required": True, "schema": {"type": "integer"}}


def _state_arg() -> str | None:
    try:
        return states.parse_state(request.args.get("state"))
    except ValueError as e:
        raise rectify.RectifyError("invalid_state", str(e)) from None


def _filter() -> rectify.ItemFilter:
    return rectify.ItemFilter(org=org_filter(), state=_state_arg(), batch_id=int_param("batch"),
                              overdue=flag_param("overdue"), due_within_days=int_param("due_within", maximum=3660),
                              q=(request.args.get("q") or "")[:200])


def _item_body(item) -> dict:
    return shapes.item_dict(item, detail=True)


@bp.get("/rectification-items")
@documented("/rectification-items", "get", summary="整改问题列表 / rectification items",
            description="用户可见的问题：责任单位或牵头单位在其管辖范围内。", parameters=_LIST_PARAMS,
            responses={"200": json_response("问题", {"type": "object", "properties": {
                "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "items": {"type": "array", "items": ref("RectificationItem")}}}),
                "400": error_response("参数无效"), "404": error_response("单位不存在或无权访问")})
@login_required
def list_rectification_items():
    result = rectify.list_items(g.session, user=g.user, flt=_filter(), page=int_param("page") or 1,
                                per_page=int_param("per_page") or 50)
    today = rectify.today()
    return {"total": result.total, "page": result.page, "per_page": result.per_page,
            "items": [shapes.item_dict(i, today_=today) for i in result.items]}


@bp.get("/rectification-items/summary")
@documented("/rectification-items/summary", "get", summary="按状态和单位统计 / counts by state and unit",
            description="首页用：总数、各状态数、逾期数、7 天内到期数；units 为该单位本身（直接负责的问题）及其各下级单位。",
            parameters=[{"name": "org", "in": "query", "schema": {"type": "string"}}],
            responses={"200": json_response("统计", {"type": "object", "properties": {
                "total": {"type": "integer"}, "by_state": STATE_COUNTS, "overdue": {"type": "integer"},
                "due_soon": {"type": "integer"}, "units": {"type": "array", "items": {"type": "object"}}}}),
                "404": error_response("单位不存在或无权访问")})
@login_required
def rectification_summary():
    return deadlines.counts(g.session, g.user, org=org_filter())


@bp.get("/rectification-items/export")
@documented("/rectification-items/export", "get", summary="导出整改台账 XLSX / export the 整改台账",
            description="每个反馈批次一张工作表，另有汇总表；可按单位和状态筛选。",
            parameters=[{"name": "org", "in": "query", "schema": {"type": "string"}},
                        {"name": "state", "in": "query", "schema": {"type": "string", "enum": list(states.STATES)}}],
            responses={"200": {"description": "XLSX", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}},
                       "400": error_response("参数无效"), "404": error_response("单位不存在或无权访问")})
@login_required
def export_rectification():
    org, state = org_filter(), _state_arg()
    out = BytesIO()
    deadlines.export_ledger(g.session, g.actor, out, org=org, state=state)
    g.session.commit()
    out.seek(0)
    name = f"整改台账-{(org or g.user.org).name}-{clock.today().strftime('%Y%m%d')}.xlsx"
    return send_download(out, XLSX, name)


@bp.get("/rectification-items/<int:item_id>")
@documented("/rectification-items/{id}", "get", summary="问题详情、时间线和佐证材料 / item with timeline and evidence",
            parameters=[ID_PARAM], responses={"200": json_response("问题", ref("RectificationItem")),
                                              "404": error_response("不存在或无权访问")})
@login_required
def get_rectification_item(item_id: int):
    return _item_body(rectify.get_item(g.session, item_id, user=g.user))


@bp.patch("/rectification-items/<int:item_id>")
@documented("/rectification-items/{id}", "patch", summary="修改问题 / correct an item's fields",
            description="可改：category goal measures leader person progress，以及 responsible_user（系统中负责整改的档案员用户名，"
                        "验收须由他人进行）。状态、时限、验收只能通过 actions。",
            parameters=[ID_PARAM],
            requestBody={"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
                **{n: {"type": "string"} for n in rectify.EDITABLE}, "responsible_user": NSTR}}}}},
            responses={"200": json_response("问题", ref("RectificationItem")), "400": error_response("参数无效"),
                       "403": error_response("无权修改"), "404": error_response("不存在或无权访问"),
                       "409": error_response("已销号")})
@login_required
def update_rectification_item(item_id: int):
    item = rectify.get_item(g.session, item_id, user=g.user)
    rectify.update_item(g.session, g.actor, item, json_body(required=False))
    return _item_body(item)


@bp.post("/rectification-items/<int:item_id>/actions/<action>")
@documented("/rectification-items/{id}/actions/{action}", "post", summary="整改状态操作 / a state action",
            description="start 开始整改（未整改→整改中）；submit 提交验收（整改中→已整改待验收，须有进展 progress 和至少一份佐证材料）；"
                        "accept 验收销号（→已销号，须有验收意见 opinion、佐证材料，验收人不能是责任人或提交人）；"
                        "reject 退回整改（须 comment）；extend 延期（须 comment 说明原因和更晚的新时限 deadline，原时限保留在时间线）；"
                        "reopen 重新整改（已销号→整改中，须 comment）。不允许时 409，error.code 说明原因。",
            parameters=[ID_PARAM, _ACTION_PARAM],
            requestBody={"required": False, "content": {"application/json": {"schema": {"type": "object", "properties": {
                "comment": {"type": "string", "description": "说明或原因"}, "progress": {"type": "string"},
                "opinion": {"type": "string", "description": "验收意见"},
                "deadline": {"type": "string", "format": "date", "description": "延期后的新时限"}}}}}},
            responses={"200": json_response("操作后的问题", ref("RectificationItem")), "400": error_response("参数无效"),
                       "403": error_response("无权操作（检查人员、领导只读）"), "404": error_response("不存在或无权访问"),
                       "409": error_response("当前不允许此操作（code: wrong_state, evidence_required, opinion_required, "
                                             "acceptor_is_responsible, acceptor_is_submitter, deadline_not_later, ...）")})
@login_required
def rectification_action(item_id: int, action: str):
    body = json_body(required=False)
    item = rectify.get_item(g.session, item_id, user=g.user)
    rectify.act(g.session, g.actor, item, action, comment=str(body.get("comment") or ""),
                progress=str(body.get("progress") or ""), opinion=str(body.get("opinion") or ""),
                deadline=rectify.parse_date(body.get("deadline"), "新的整改时限"))
    return _item_body(item)


@bp.post("/rectification-items/<int:item_id>/evidence")
@documented("/rectification-items/{id}/evidence", "post", summary="添加佐证材料 / add evidence",
            description="JSON {\"document_id\"}：关联档案中已有的文件。multipart 字段 file（可选 org）：上传新文件，"
                        "入库、按人工确认分类到“督查考核与问题整改”（问题整改）并归档、关联，一步完成；失败时什么也不留下。"
                        "与已有文件完全相同时直接关联已有文件（ingest_status: duplicate）。",
            parameters=[ID_PARAM],
            requestBody={"required": True, "content": {
                "application/json": {"schema": {"type": "object", "required": ["document_id"],
                                                "properties": {"document_id": {"type": "integer"}}}},
                "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "format": "binary"}, "org": {"type": "string"}}}}}},
            responses={"201": json_response("已关联", {"allOf": [ref("RectificationItem"), {"type": "object", "properties": {
                "linked": ref("RectificationEvidence"),
                "ingest_status": {"type": "string", "enum": ["linked", "stored", "duplicate"]}}}]}),
                "400": error_response("请求无效"), "403": error_response("无权操作"),
                "404": error_response("问题或文件不存在或无权访问"),
                "409": error_response("已关联、已销号，或相同文件属于其他单位/在回收站中"),
                "413": error_response("文件过大"), "415": error_response("不支持的文件类型"),
                "422": error_response("文件无法读取")})
@login_required
def add_rectification_evidence(item_id: int):
    item = rectify.get_item(g.session, item_id, user=g.user)
    upload = request.files.get("file")
    if upload is not None and upload.filename:
        check_upload_size()
        result = evidence.upload(g.session, services(), g.actor, item, upload.stream, upload.filename,
                                 org=org_filter())
        linked, status = result.evidence, result.status
    else:
        document_id = json_body(required=False).get("document_id")
        if isinstance(document_id, bool) or not isinstance(document_id, int):
            raise RequestError("missing_document", "请上传文件（字段 file）或给出 JSON {\"document_id\": 文件编号}")
        linked, status = evidence.link(g.session, g.actor, item, document_id), "linked"
    body = _item_body(item) | {"linked": shapes.evidence_dict(linked), "ingest_status": status}
    return body, 201


@bp.delete("/rectification-items/<int:item_id>/evidence/<int:document_id>")
@documented("/rectification-items/{id}/evidence/{document_id}", "delete", summary="移除佐证材料 / unlink evidence",
            description="只解除关联，文件仍在档案中。",
            parameters=[ID_PARAM, _DOCUMENT_PARAM],
            responses={"200": json_response("问题", ref("RectificationItem")), "403": error_response("无权操作"),
                       "404": error_response("问题不存在或该文件不是其佐证材料"), "409": error_response("已销号")})
@login_required
def remove_rectification_evidence(item_id: int, document_id: int):
    item = rectify.get_item(g.session, item_id, user=g.user)
    evidence.unlink(g.session, g.actor, item, document_id)
    return _item_body(item)
