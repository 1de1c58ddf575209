"""Rectification (整改): feedback batches, importing a 问题清单, items, their actions and evidence,
the 整改台账 export. Each view parses the request and calls rectify.service / evidence / deadlines."""
from __future__ import annotations

import datetime as dt
from io import BytesIO

from flask import g, jsonify, request, send_file, url_for

from archive.auth.scope import scoped_org
from archive.orgs import service as orgs
from archive.rectify import deadlines, evidence, service as rectify, states
from archive.web.api import _org_param, _services, bp, login_required
from archive.web.errors import api_error, status_for
from archive.web.filenames import content_disposition
from archive.web.openapi import ID_PARAM, SCHEMAS, documented, error_response, json_response, ref

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_DATE = {"type": "string", "format": "date", "nullable": True}
_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_ORG_REF = {"type": "object", "properties": {"id": {"type": "integer"}, "name": _STR, "path": _STR}}
_USER_REF = {"type": "object", "nullable": True, "properties": {
    "id": {"type": "integer"}, "username": _STR, "name": _STR}}
_STATE_COUNTS = {"type": "object", "description": "状态代码 → 数量",
                 "properties": {code: {"type": "integer"} for code in states.STATES}}

SCHEMAS["FeedbackBatchRequest"] = {"type": "object", "required": ["title", "source"], "properties": {
    "title": {"type": "string", "example": "2021年省委第三巡视组反馈问题"},
    "source": {"type": "string", "enum": ["巡视", "考核", "督查", "审计", "普查", "其他"],
               "description": "问题来源；含这些词的名称也可（如“省委巡视”）"},
    "level": {"type": "string", "example": "省", "description": "国家/省/市/县"},
    "received_on": {"type": "string", "format": "date", "description": "反馈时间"},
    "org": {"type": "string", "description": "收到反馈的单位（路径或区划代码），默认为用户所属单位"},
    "document_id": {"type": "integer", "description": "反馈文件在档案中的编号"}}}
SCHEMAS["FeedbackBatch"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "org": _STR, "org_id": {"type": "integer"}, "source": _STR, "level": _STR,
    "title": _STR, "received_on": _DATE,
    "document": {"type": "object", "nullable": True, "properties": {
        "id": {"type": "integer"}, "title": _STR, "archive_code": _NSTR}},
    "created_by": _NSTR, "created_at": {"type": "string", "format": "date-time", "nullable": True},
    "item_count": {"type": "integer", "description": "用户可见的问题数"}, "counts": _STATE_COUNTS,
    "items": {"type": "array", "items": ref("RectificationItem"), "description": "仅 GET /feedback/{id}"}}}
SCHEMAS["RectificationEvent"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "at": {"type": "string", "format": "date-time"}, "user_id": {"type": "integer", "nullable": True},
    "user": _STR, "action": {"type": "string", "description": "start submit accept reject extend reopen import edit "
                                                               "evidence_add evidence_remove overdue"},
    "action_name": _STR, "from_state": _NSTR, "to_state": _NSTR, "from_state_name": _NSTR, "to_state_name": _NSTR,
    "comment": _STR, "data": {"type": "object", "nullable": True}}}
SCHEMAS["RectificationEvidence"] = {"type": "object", "properties": {
    "document_id": {"type": "integer"}, "title": _STR, "archive_code": _NSTR, "org": _STR, "category_code": _NSTR,
    "doc_date": _DATE, "page_count": {"type": "integer", "nullable": True}, "in_trash": {"type": "boolean"},
    "added_by": _NSTR, "added_at": {"type": "string", "format": "date-time"}}}
SCHEMAS["RectificationItem"] = {"type": "object", "properties": {
    "id": {"type": "integer"},
    "batch": {"type": "object", "properties": {"id": {"type": "integer"}, "title": _STR, "source": _STR,
                                               "level": _STR, "received_on": _DATE}},
    "number": _STR, "description": _STR, "category": _STR, "goal": _STR, "measures": _STR,
    "lead_org": {"nullable": True, "allOf": [_ORG_REF]}, "units": {"type": "array", "items": _ORG_REF},
    "leader": _STR, "person": _STR, "responsible_user": _USER_REF,
    "deadline": _DATE, "deadline_text": _STR, "original_deadline": _DATE,
    "days_left": {"type": "integer", "nullable": True}, "overdue": {"type": "boolean"}, "overdue_since": _DATE,
    "progress": _STR, "completed_on": _DATE, "acceptance_opinion": _STR, "accepted_by": _USER_REF,
    "closed_on": _DATE, "closed_by": _USER_REF,
    "state": {"type": "string", "enum": list(states.STATES)}, "state_name": _STR,
    "actions": {"type": "array", "items": {"type": "string"}, "description": "当前状态允许的操作"},
    "evidence_count": {"type": "integer"},
    "evidence": {"type": "array", "items": ref("RectificationEvidence"), "description": "仅详情"},
    "timeline": {"type": "array", "items": ref("RectificationEvent"), "description": "仅详情"}}}
SCHEMAS["RectificationImport"] = {"type": "object", "properties": {
    "ok": {"type": "boolean"}, "preview": {"type": "boolean"}, "saved": {"type": "integer"},
    "columns": {"description": "各列被理解为哪个字段"},
    "problems": {"type": "array", "items": {"type": "object", "properties": {
        "row": {"type": "integer", "nullable": True}, "column": _NSTR, "message": _STR}}},
    "notes": {"type": "array", "items": {"type": "object"}},
    "batch_id": {"type": "integer", "nullable": True}, "item_ids": {"type": "array", "items": {"type": "integer"}}}}

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

@bp.errorhandler(rectify.RectifyError)
def rectify_error(exc: rectify.RectifyError):
    status = status_for(exc)
    return api_error(status, exc.code, exc.message)


@bp.errorhandler(states.IllegalTransition)
def illegal_transition(exc: states.IllegalTransition):
    return api_error(409, exc.code, exc.message)


def _body() -> dict:
    body = request.get_json(silent=True)
    if body is None and not request.data:
        return {}
    if not isinstance(body, dict):
        raise rectify.RectifyError("invalid_json", "请求体应为 JSON 对象")
    return body


def _int(name: str, default: int | None = None) -> int | None:
    raw = (request.args.get(name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) > 2**31:
        raise rectify.RectifyError("bad_parameter", f"参数 {name} 应为正整数")
    return int(raw)


def _flag(value) -> bool:
    return value is True or str(value).strip().lower() in ("1", "true", "yes", "on")


def _state_arg(value) -> str | None:
    try:
        return states.parse_state(value)
    except ValueError as e:
        raise rectify.RectifyError("invalid_state", str(e)) from None


def _batch_body(batch, with_items: bool = False) -> dict:
    data = rectify.batch_dict(g.session, batch, user=g.user)
    if with_items:
        page = rectify.list_items(g.session, user=g.user, flt=rectify.ItemFilter(batch_id=batch.id),
                                  per_page=rectify.MAX_PER_PAGE)
        data["items"] = [rectify.item_dict(i) for i in page.items]
    return data


# ------------------------------------------------------------------------------------------- /feedback

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
    org = _org_param() if request.args.get("org") else None
    page = _int("page", 1) or 1
    total, rows = rectify.list_batches(g.session, user=g.user, org=org, page=page)
    return {"total": total, "page": page, "items": [_batch_body(b) for b in rows]}


@bp.post("/feedback")
@documented("/feedback", "post", summary="登记反馈批次 / record a feedback batch",
            requestBody={"required": True, "content": {"application/json": {"schema": ref("FeedbackBatchRequest")}}},
            responses={"201": json_response("已登记", ref("FeedbackBatch")), "400": error_response("参数无效"),
                       "403": error_response("无权登记"), "404": error_response("单位或文件不存在或无权访问")})
@login_required
def create_feedback():
    body = _body()
    ref_ = str(body.get("org") or "").strip()
    org = scoped_org(g.session, g.user, orgs.resolve(g.session, ref_) if ref_ else None)
    document_id = body.get("document_id")
    if document_id is not None and (isinstance(document_id, bool) or not isinstance(document_id, int)):
        raise rectify.RectifyError("bad_parameter", "document_id 应为整数")
    spec = rectify.BatchSpec(org=org, title=str(body.get("title") or ""), source=str(body.get("source") or ""),
                             level=str(body.get("level") or ""),
                             received_on=rectify.parse_date(body.get("received_on"), "反馈时间"),
                             document_id=document_id)
    batch = rectify.create_batch(g.session, g.actor, spec)
    response = jsonify(_batch_body(batch))
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_feedback", batch_id=batch.id)
    return response


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
    from archive.rectify.importer import ImportFileError, parse

    batch = rectify.get_batch(g.session, batch_id, user=g.user)
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return api_error(400, "missing_file", "缺少上传文件（字段 file）")
    from archive.rectify.importer import MAX_BYTES

    limit = min(_services().settings.limits.max_bytes, MAX_BYTES)  # never buffer more than the importer takes
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        return api_error(413, "file_too_large", f"文件超过大小限制（{limit // (1024 * 1024)} MB）")
    try:
        parsed = parse(data, upload.filename)
    except ImportFileError as e:
        status = {"unsupported_type": 415, "too_large": 413}.get(e.code, 422)
        return api_error(status, e.code, f"{upload.filename}：{e.message}")
    if _flag(request.args.get("preview")) or _flag(request.form.get("preview")):
        return rectify.preview_import(g.session, g.actor, batch, parsed).as_dict()
    outcome = rectify.import_items(g.session, g.actor, batch, parsed, file_name=upload.filename)
    if not outcome.ok:
        body = outcome.as_dict()
        return api_error(422, "import_problems", f"问题清单有 {len(outcome.problems)} 处问题，未导入任何内容",
                         problems=outcome.problems, notes=outcome.notes, columns=body.get("columns"))
    return jsonify(outcome.as_dict()), 201


# ------------------------------------------------------------------------------------------- items

def _filter() -> rectify.ItemFilter:
    org = _org_param() if request.args.get("org") else None
    due = _int("due_within")
    if due is not None and due > 3660:
        raise rectify.RectifyError("bad_parameter", "参数 due_within 最大为 3660 天")
    return rectify.ItemFilter(org=org, state=_state_arg(request.args.get("state")), batch_id=_int("batch"),
                              overdue=_flag(request.args.get("overdue")), due_within_days=due,
                              q=(request.args.get("q") or "")[:200])


@bp.get("/rectification-items")
@documented("/rectification-items", "get", summary="整改问题列表 / rectification items",
            description="用户可见的问题：责任单位或牵头单位在其管辖范围内。", parameters=_LIST_PARAMS,
            responses={"200": json_response("问题", {"type": "object", "properties": {
                "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "items": {"type": "array", "items": ref("RectificationItem")}}}),
                "400": error_response("参数无效"), "404": error_response("单位不存在或无权访问")})
@login_required
def list_rectification_items():
    result = rectify.list_items(g.session, user=g.user, flt=_filter(), page=_int("page", 1) or 1,
                                per_page=_int("per_page", 50) or 50)
    today = rectify.today()
    return {"total": result.total, "page": result.page, "per_page": result.per_page,
            "items": [rectify.item_dict(i, today_=today) for i in result.items]}


@bp.get("/rectification-items/summary")
@documented("/rectification-items/summary", "get", summary="按状态和单位统计 / counts by state and unit",
            description="首页用：总数、各状态数、逾期数、7 天内到期数；units 为该单位本身（直接负责的问题）及其各下级单位。",
            parameters=[{"name": "org", "in": "query", "schema": {"type": "string"}}],
            responses={"200": json_response("统计", {"type": "object", "properties": {
                "total": {"type": "integer"}, "by_state": _STATE_COUNTS, "overdue": {"type": "integer"},
                "due_soon": {"type": "integer"}, "units": {"type": "array", "items": {"type": "object"}}}}),
                "404": error_response("单位不存在或无权访问")})
@login_required
def rectification_summary():
    org = _org_param() if request.args.get("org") else None
    return deadlines.counts(g.session, g.user, org=org)


@bp.get("/rectification-items/export")
@documented("/rectification-items/export", "get", summary="导出整改台账 XLSX / export the 整改台账",
            description="每个反馈批次一张工作表，另有汇总表；可按单位和状态筛选。",
            parameters=[{"name": "org", "in": "query", "schema": {"type": "string"}},
                        {"name": "state", "in": "query", "schema": {"type": "string", "enum": list(states.STATES)}}],
            responses={"200": {"description": "XLSX", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}},
                       "400": error_response("参数无效"), "404": error_response("单位不存在或无权访问")})
@login_required
def export_rectification():
    org = _org_param() if request.args.get("org") else None
    state = _state_arg(request.args.get("state"))
    out = BytesIO()
    deadlines.export_ledger(g.session, g.actor, out, org=org, state=state)
    g.session.commit()
    out.seek(0)
    name = f"整改台账-{(org or g.user.org).name}-{dt.date.today().strftime('%Y%m%d')}.xlsx"
    response = send_file(out, mimetype=XLSX, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(name)
    return response


@bp.get("/rectification-items/<int:item_id>")
@documented("/rectification-items/{id}", "get", summary="问题详情、时间线和佐证材料 / item with timeline and evidence",
            parameters=[ID_PARAM], responses={"200": json_response("问题", ref("RectificationItem")),
                                              "404": error_response("不存在或无权访问")})
@login_required
def get_rectification_item(item_id: int):
    return rectify.item_dict(rectify.get_item(g.session, item_id, user=g.user), detail=True)


@bp.patch("/rectification-items/<int:item_id>")
@documented("/rectification-items/{id}", "patch", summary="修改问题 / correct an item's fields",
            description="可改：category goal measures leader person progress，以及 responsible_user（系统中负责整改的档案员用户名，"
                        "验收须由他人进行）。状态、时限、验收只能通过 actions。",
            parameters=[ID_PARAM],
            requestBody={"required": True, "content": {"application/json": {"schema": {"type": "object", "properties": {
                **{n: {"type": "string"} for n in rectify.EDITABLE}, "responsible_user": _NSTR}}}}},
            responses={"200": json_response("问题", ref("RectificationItem")), "400": error_response("参数无效"),
                       "403": error_response("无权修改"), "404": error_response("不存在或无权访问"),
                       "409": error_response("已销号")})
@login_required
def update_rectification_item(item_id: int):
    item = rectify.get_item(g.session, item_id, user=g.user)
    rectify.update_item(g.session, g.actor, item, _body())
    return rectify.item_dict(item, detail=True)


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
    body = _body()
    item = rectify.get_item(g.session, item_id, user=g.user)
    rectify.act(g.session, g.actor, item, action, comment=str(body.get("comment") or ""),
                progress=str(body.get("progress") or ""), opinion=str(body.get("opinion") or ""),
                deadline=rectify.parse_date(body.get("deadline"), "新的整改时限"))
    return rectify.item_dict(item, detail=True)


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
        limit = _services().settings.limits.max_bytes
        if request.content_length and request.content_length > limit + 1024 * 1024:
            return api_error(413, "file_too_large", f"文件超过大小限制（{limit // (1024 * 1024)} MB）")
        org = _org_param() if request.form.get("org") else None
        result = evidence.upload(g.session, _services(), g.actor, item, upload.stream, upload.filename, org=org)
        linked, status = result.evidence, result.status
    else:
        document_id = _body().get("document_id")
        if isinstance(document_id, bool) or not isinstance(document_id, int):
            return api_error(400, "missing_document", "请上传文件（字段 file）或给出 JSON {\"document_id\": 文件编号}")
        linked, status = evidence.link(g.session, g.actor, item, document_id), "linked"
    body = rectify.item_dict(item, detail=True) | {"linked": rectify.evidence_dict(linked), "ingest_status": status}
    return jsonify(body), 201


@bp.delete("/rectification-items/<int:item_id>/evidence/<int:document_id>")
@documented("/rectification-items/{id}/evidence/{document_id}", "delete", summary="移除佐证材料 / unlink evidence",
            description="只解除关联，文件仍在档案中。",
            parameters=[ID_PARAM, {"name": "document_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            responses={"200": json_response("问题", ref("RectificationItem")), "403": error_response("无权操作"),
                       "404": error_response("问题不存在或该文件不是其佐证材料"), "409": error_response("已销号")})
@login_required
def remove_rectification_evidence(item_id: int, document_id: int):
    item = rectify.get_item(g.session, item_id, user=g.user)
    evidence.unlink(g.session, g.actor, item, document_id)
    return rectify.item_dict(item, detail=True)


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
    from archive.binder import service as volumes
    from archive.rectify.binder import create_evidence_volume
    from archive.web.api_volumes import _queued

    body = request.get_json(silent=True) or {}
    if not isinstance(body, dict):
        return api_error(400, "invalid_json", "请求体应为 JSON 对象")
    rectify.get_batch(g.session, batch_id, user=g.user)  # 404 when out of scope
    ref_ = str(body.get("org") or "").strip()
    org = scoped_org(g.session, g.user, orgs.resolve(g.session, ref_)) if ref_ else None
    volume = create_evidence_volume(
        g.session, _services().standards, g.actor, batch_id=batch_id, org=org,
        title=str(body.get("title") or ""), made_by=str(body.get("made_by") or ""),
        checked_by=str(body.get("checked_by") or ""), double_sided=bool(body.get("double_sided")),
        spine=bool(body.get("spine")))
    volumes.start_build(g.session, g.actor, volume)
    return _queued(volume.id)
