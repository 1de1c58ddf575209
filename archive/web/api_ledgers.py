"""Ledgers (台账) and households (一户一档): import with its validation report, the report and the
highlighted copy, households with their figures, members, documents and file check. ID and phone
numbers are masked in every answer unless a user with the right asks with ?unmask=1 (audited)."""
from __future__ import annotations

from io import BytesIO

from flask import g, jsonify, request, send_file, url_for

from archive.auth import policy
from archive.ledgers import households as hh, service as ledgers, shapes
from archive.web.api import _org_param, _services, bp, login_required
from archive.web.errors import api_error, status_for
from archive.web.filenames import content_disposition
from archive.web.openapi import ID_PARAM, SCHEMAS, documented, error_response, json_response, ref

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_STR = {"type": "string"}
_NSTR = {"type": "string", "nullable": True}
_NINT = {"type": "integer", "nullable": True}
_ORG_REF = {"type": "object", "properties": {"id": {"type": "integer"}, "name": _STR, "path": _STR}}
_UNMASK = {"name": "unmask", "in": "query", "schema": {"type": "boolean"},
           "description": "1：显示完整的身份证号码和电话号码（须有查看个人信息的权限，记入审计日志）；默认脱敏"}
_PAGE = [{"name": "page", "in": "query", "schema": {"type": "integer", "default": 1}},
         {"name": "per_page", "in": "query", "schema": {"type": "integer", "default": 50, "maximum": 200}}]

SCHEMAS["LedgerProblem"] = {"type": "object", "properties": {
    "row": {"type": "integer", "nullable": True, "description": "表格中的行号（Excel/WPS 中看到的）"},
    "column": {"type": "string", "nullable": True, "description": "列字母，如 D"}, "field": _NSTR,
    "code": {"type": "string", "example": "id_checksum"}, "severity": {"type": "string", "enum": ["error", "warning"]},
    "message": {"type": "string", "description": "中文说明；无权者看到的身份证号码、电话号码已脱敏"}}}
SCHEMAS["LedgerReport"] = {"type": "object", "required": ["ledger_id", "rows", "problems"], "properties": {
    "ledger_id": {"type": "integer", "nullable": True, "description": "预览时为 null"},
    "rows": {"type": "integer", "description": "数据行数"},
    "problems": {"type": "array", "items": ref("LedgerProblem")}}}
SCHEMAS["LedgerColumn"] = {"type": "object", "properties": {
    "index": {"type": "integer"}, "letter": _STR, "header": _NSTR,
    "field": {"type": "string", "nullable": True, "description": "对应的字段；null 为未识别（忽略）"},
    "how": {"type": "string", "nullable": True, "description": "如何识别"}}}
SCHEMAS["Ledger"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "org": _ORG_REF, "type": _STR, "type_name": _STR, "year": _NINT,
    "file_name": _STR, "sheet": _STR, "header_rows": {"type": "array", "items": {"type": "integer"}},
    "row_count": {"type": "integer"}, "error_count": {"type": "integer"}, "warning_count": {"type": "integer"},
    "household_count": {"type": "integer"},
    "document": {"type": "object", "nullable": True, "description": "归档的原件", "properties": {
        "id": {"type": "integer"}, "title": _STR, "archive_code": _NSTR, "in_trash": {"type": "boolean"}}},
    "created_by": _NSTR, "created_at": {"type": "string", "format": "date-time"}}}
SCHEMAS["LedgerImport"] = {"allOf": [ref("LedgerReport"), {"type": "object", "properties": {
    "preview": {"type": "boolean"}, "saved": {"type": "boolean"}, "type": _STR, "type_name": _STR,
    "year": _NINT, "sheet": _STR, "header_rows": {"type": "array", "items": {"type": "integer"}},
    "columns": {"type": "array", "items": ref("LedgerColumn"), "description": "各列如何理解（列映射）"},
    "error_count": {"type": "integer"}, "warning_count": {"type": "integer"},
    "sample": {"type": "array", "description": "前 20 行按字段理解的值（脱敏）", "items": {"type": "object"}},
    "ledger": {"nullable": True, "allOf": [ref("Ledger")]},
    "ingest_status": {"type": "string", "nullable": True, "enum": ["stored", "duplicate", None]},
    "households": {"type": "integer", "description": "新建或更新的户数"},
    "notes": {"type": "array", "items": _STR}}}]}
SCHEMAS["LedgerDetail"] = {"allOf": [ref("LedgerReport"), {"type": "object", "properties": {
    "ledger": ref("Ledger"), "columns": {"type": "array", "items": ref("LedgerColumn")}}}]}
SCHEMAS["Household"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "org": _ORG_REF, "head_name": _STR,
    "head_id_number": {"type": "string", "nullable": True, "example": "410502********1234"},
    "category": _STR, "latest_year": _NINT, "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"}}}
SCHEMAS["HouseholdDocument"] = {"type": "object", "properties": {
    "document_id": {"type": "integer"}, "title": _STR, "archive_code": _NSTR, "org": _STR,
    "doc_date": {"type": "string", "format": "date", "nullable": True}, "category_code": _NSTR,
    "in_trash": {"type": "boolean"},
    "how": {"type": "string", "enum": ["id_number", "name", "person"],
            "description": "正文含身份证号码 / 正文含户主姓名和村名 / 人工关联"},
    "added_by": _NSTR, "added_at": {"type": "string", "format": "date-time"}}}
SCHEMAS["HouseholdFileCheck"] = {"type": "object", "properties": {
    "complete": {"type": "boolean"},
    "items": {"type": "array", "items": {"type": "object", "properties": {
        "key": _STR, "name": _STR, "stage": {"type": "string", "enum": ["identification", "assistance", "exit"]},
        "required": {"type": "boolean"}, "present": {"type": "boolean"},
        "documents": {"type": "array", "items": {"type": "object"}}}}},
    "missing": {"type": "array", "items": {"type": "object", "properties": {"key": _STR, "name": _STR}}},
    "date_order": {"type": "array", "items": {"type": "object", "properties": {
        "key": _STR, "name": _STR, "date": {"type": "string", "format": "date"}, "document_id": {"type": "integer"}}}},
    "problems": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string", "enum": ["missing_item", "date_order"]}, "item": _STR, "message": _STR}}}}}
SCHEMAS["HouseholdDetail"] = {"allOf": [ref("Household"), {"type": "object", "properties": {
    "personal": {"type": "boolean", "description": "true：号码未脱敏"},
    "members": {"type": "array", "items": {"type": "object", "properties": {
        "name": _STR, "id_number": _NSTR, "relation": _STR}}},
    "years": {"type": "array", "items": {"type": "object", "properties": {
        "year": {"type": "integer"}, "ledger_id": _NINT, "figures": {"type": "object"}}}},
    "documents": {"type": "array", "items": ref("HouseholdDocument")},
    "file_check": ref("HouseholdFileCheck")}}]}

@bp.errorhandler(ledgers.LedgerError)
@bp.errorhandler(hh.HouseholdError)
def ledger_error(exc):
    return api_error(status_for(exc), exc.code, exc.message)


def _flag(value) -> bool:
    return value is True or str(value or "").strip().lower() in ("1", "true", "yes", "on")


def _int(name: str, default: int | None = None) -> int | None:
    raw = (request.values.get(name) or "").strip()
    if not raw:
        return default
    if not (raw.isascii() and raw.isdigit()) or int(raw) > 2**31:
        raise ledgers.LedgerError("bad_parameter", f"参数 {name} 应为正整数")
    return int(raw)


def _unmask() -> bool:
    return _flag(request.values.get("unmask"))


# ------------------------------------------------------------------------------------------- /ledgers

@bp.post("/ledgers")
@documented("/ledgers", "post", summary="导入台账 / import a ledger (XLSX, XLS, CSV)",
            description="multipart 字段 file；org 单位（默认用户所属单位）；type 台账类型（household 脱贫户/监测对象台账、"
                        "assistance 帮扶措施台账、project_funds 项目资金台账，不填按表头判断）；year 年度（不填按“年度”列或文件名）；"
                        "preview=1 只返回列映射和校验报告，不保存。保存时原件作为文件归档（XLS 转存为 XLSX），各行和问题保存，"
                        "户台账按证件号码新建或更新户及其当年数据；有问题的行照样保存，问题在报告中。"
                        "同一文件再次导入为 409 already_imported。",
            parameters=[{"name": "preview", "in": "query", "schema": {"type": "boolean"}}, _UNMASK],
            requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "format": "binary"}, "org": _STR,
                    "type": {"type": "string", "enum": ["household", "assistance", "project_funds"]},
                    "year": {"type": "integer"}, "preview": {"type": "boolean"}}}}}},
            responses={"200": json_response("预览（未保存）", ref("LedgerImport")),
                       "201": json_response("已导入：校验报告和列映射", ref("LedgerImport")),
                       "400": error_response("缺少文件或参数无效"), "403": error_response("无权导入"),
                       "404": error_response("单位不存在或无权访问"), "409": error_response("该文件已导入过，或相同文件属于其他单位/在回收站中"),
                       "413": error_response("文件过大"), "422": error_response("文件无法读取，或无法判断台账类型、年度")})
@login_required
def import_ledger():
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return api_error(400, "missing_file", "缺少上传文件（字段 file）")
    limit = _services().settings.limits.max_bytes
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        return api_error(413, "file_too_large", f"文件超过大小限制（{limit // (1024 * 1024)} MB）")
    org = _org_param()
    preview, unmask = _flag(request.values.get("preview")), _unmask()
    if unmask:  # refused before anything is imported
        policy.require(ledgers.may_unmask(g.actor), "无权查看未脱敏的身份证号码和电话号码")
    from archive.ledgers.reader import LedgerFileError

    try:
        outcome = ledgers.import_ledger(g.session, _services(), g.actor, data, upload.filename, org=org,
                                        type_key=request.values.get("type") or None,
                                        year=request.values.get("year") or None, preview=preview)
    except LedgerFileError as e:
        return api_error(422, e.code, f"{upload.filename}：{e.message}")
    ledger = outcome.ledger
    personal = ledgers.personal_access(
        g.session, g.actor, unmask, object_type="ledger", object_id=ledger.id if ledger else None,
        org_id=org.id, what=f"台账导入报告：{upload.filename[:200]}")
    lt = _services().standards.ledger_types.get(outcome.type_key)
    body = shapes.outcome_dict(outcome, ledgers.field_kinds(lt), personal, ledgers.type_names(_services().standards))
    if ledger is None:
        return body
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("api.get_ledger", ledger_id=ledger.id)
    return response


@bp.get("/ledgers")
@documented("/ledgers", "get", summary="台账列表 / ledgers",
            parameters=[{"name": "org", "in": "query", "schema": _STR, "description": "单位（含下级）"},
                        {"name": "type", "in": "query", "schema": _STR}, {"name": "year", "in": "query",
                                                                           "schema": {"type": "integer"}}, *_PAGE],
            responses={"200": json_response("台账", {"type": "object", "properties": {
                "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "items": {"type": "array", "items": ref("Ledger")}}}),
                "400": error_response("参数无效"), "404": error_response("单位不存在或无权访问")})
@login_required
def list_ledgers():
    flt = ledgers.LedgerFilter(org=_org_param() if request.args.get("org") else None,
                               type_key=request.args.get("type") or None, year=_int("year"))
    page, per_page = _int("page", 1) or 1, _int("per_page", 50) or 50
    total, rows = ledgers.list_ledgers(g.session, user=g.user, flt=flt, page=page, per_page=per_page)
    names = ledgers.type_names(_services().standards)
    return {"total": total, "page": page, "per_page": min(per_page, ledgers.MAX_PER_PAGE),
            "items": [shapes.ledger_dict(x, names) for x in rows]}


@bp.get("/ledgers/<int:ledger_id>")
@documented("/ledgers/{id}", "get", summary="台账校验报告 / a ledger's validation report",
            description="{\"ledger_id\", \"rows\", \"problems\": [{\"row\", \"column\", \"code\", \"severity\", \"message\"}]}，"
                        "另有 ledger（台账概况）和 columns（列映射）。",
            parameters=[ID_PARAM, _UNMASK],
            responses={"200": json_response("校验报告", ref("LedgerDetail")), "403": error_response("无权查看未脱敏信息"),
                       "404": error_response("不存在或无权访问")})
@login_required
def get_ledger(ledger_id: int):
    ledger = ledgers.get_ledger(g.session, ledger_id, user=g.user)
    personal = ledgers.personal_access(g.session, g.actor, _unmask(), object_type="ledger", object_id=ledger.id,
                                       org_id=ledger.org_id, what=f"台账校验报告：{ledger.file_name[:200]}")
    body = shapes.report_dict(ledgers.report(g.session, ledger), personal)
    return body | {"ledger": shapes.ledger_dict(ledger, ledgers.type_names(_services().standards)),
                   "columns": shapes.columns_list(ledger.columns or [])}


@bp.get("/ledgers/<int:ledger_id>/rows")
@documented("/ledgers/{id}/rows", "get", summary="台账各行 / a ledger's rows as understood",
            parameters=[ID_PARAM, _UNMASK, {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 100, "maximum": 1000}}],
            responses={"200": json_response("各行（按字段，脱敏）", {"type": "object", "properties": {
                "total": {"type": "integer"}, "items": {"type": "array", "items": {"type": "object", "properties": {
                    "row": {"type": "integer"}, "values": {"type": "object"}, "household_id": _NINT}}}}}),
                "403": error_response("无权查看未脱敏信息"), "404": error_response("不存在或无权访问")})
@login_required
def get_ledger_rows(ledger_id: int):
    ledger = ledgers.get_ledger(g.session, ledger_id, user=g.user)
    personal = ledgers.personal_access(g.session, g.actor, _unmask(), object_type="ledger", object_id=ledger.id,
                                       org_id=ledger.org_id, what=f"台账各行：{ledger.file_name[:200]}")
    lt = _services().standards.ledger_types.get(ledger.type_key)
    rows = ledgers.ledger_rows(g.session, ledger, offset=_int("offset", 0) or 0, limit=min(_int("limit", 100) or 100, 1000))
    kinds = ledgers.field_kinds(lt)
    return {"total": ledger.row_count, "items": [shapes.row_dict(r, kinds, personal) for r in rows]}


@bp.get("/ledgers/<int:ledger_id>/highlighted.xlsx")
@documented("/ledgers/{id}/highlighted.xlsx", "get", summary="标注问题的台账 XLSX / the ledger with its problems highlighted",
            description="归档的原件，有问题的单元格标色并加批注；身份证号码、电话号码默认脱敏。",
            parameters=[ID_PARAM, _UNMASK],
            responses={"200": {"description": "XLSX", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}},
                       "403": error_response("无权查看未脱敏信息"), "404": error_response("不存在或无权访问")})
@login_required
def ledger_highlighted(ledger_id: int):
    ledger = ledgers.get_ledger(g.session, ledger_id, user=g.user)
    personal = ledgers.personal_access(g.session, g.actor, _unmask(), object_type="ledger", object_id=ledger.id,
                                       org_id=ledger.org_id, what=f"标注问题的台账：{ledger.file_name[:200]}")
    data = ledgers.highlighted_xlsx(g.session, _services(), g.actor, ledger, personal=personal)
    g.session.commit()
    stem = ledger.file_name.rsplit(".", 1)[0] if "." in ledger.file_name else ledger.file_name
    response = send_file(BytesIO(data), mimetype=XLSX, max_age=0)
    response.headers["Content-Disposition"] = content_disposition(f"{stem}-问题标注.xlsx")
    return response


# ------------------------------------------------------------------------------------------- /households

@bp.get("/households")
@documented("/households", "get", summary="户列表 / households",
            parameters=[{"name": "org", "in": "query", "schema": _STR, "description": "单位（含下级）"},
                        {"name": "category", "in": "query", "schema": _STR, "description": "户类型，如 脱贫户、监测户"},
                        {"name": "q", "in": "query", "schema": _STR, "description": "户主或成员姓名中的词，或完整的证件号码"},
                        *_PAGE],
            responses={"200": json_response("户（证件号码脱敏）", {"type": "object", "properties": {
                "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "items": {"type": "array", "items": ref("Household")}}}),
                "400": error_response("参数无效"), "404": error_response("单位不存在或无权访问")})
@login_required
def list_households():
    flt = hh.HouseholdFilter(org=_org_param() if request.args.get("org") else None,
                             category=(request.args.get("category") or "").strip() or None,
                             q=(request.args.get("q") or "")[:200])
    page, per_page = _int("page", 1) or 1, _int("per_page", 50) or 50
    total, rows = hh.list_households(g.session, user=g.user, flt=flt, page=page, per_page=per_page)
    return {"total": total, "page": page, "per_page": min(per_page, hh.MAX_PER_PAGE),
            "items": [shapes.household_dict(x, False) for x in rows]}


def _household_body(household, personal: bool) -> dict:
    standards = _services().standards
    return shapes.household_detail(household, personal=personal, links=hh.linked(household),
                                   check=hh.file_check(g.session, standards, household), standards=standards)


@bp.get("/households/<int:household_id>")
@documented("/households/{id}", "get", summary="一户一档 / a household's file",
            description="户主、成员、各年度数据、关联的文件（按正文中的证件号码或户主姓名与村名自动关联，或人工关联）"
                        "及档案完整性检查（缺少的项、日期顺序 申请 ≤ 评议 ≤ 公示 ≤ 确认）。每次查看记入审计日志。",
            parameters=[ID_PARAM, _UNMASK],
            responses={"200": json_response("一户一档", ref("HouseholdDetail")),
                       "403": error_response("无权查看未脱敏信息"), "404": error_response("不存在或无权访问")})
@login_required
def get_household(household_id: int):
    household = hh.get_household(g.session, household_id, user=g.user)
    personal = ledgers.personal_access(g.session, g.actor, _unmask(), object_type="household",
                                       object_id=household.id, org_id=household.org_id,
                                       what=f"一户一档：{household.head_name}")
    household = hh.view_household(g.session, g.actor, household_id, personal=personal)
    return _household_body(household, personal)


def _documents_body(household) -> dict:
    return {"household_id": household.id,
            "documents": [shapes.document_link_dict(link, False) for link in hh.linked(household)]}


@bp.post("/households/<int:household_id>/documents")
@documented("/households/{id}/documents", "post", summary="关联文件到一户一档 / add a document to a household's file",
            parameters=[ID_PARAM],
            requestBody={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["document_id"], "properties": {"document_id": {"type": "integer"}}}}}},
            responses={"201": json_response("已关联", {"type": "object", "properties": {
                "household_id": {"type": "integer"}, "linked": ref("HouseholdDocument"),
                "documents": {"type": "array", "items": ref("HouseholdDocument")}}}),
                "400": error_response("请求无效"), "403": error_response("无权修改"),
                "404": error_response("户或文件不存在或无权访问"), "409": error_response("已关联")})
@login_required
def add_household_document(household_id: int):
    household = hh.get_household(g.session, household_id, user=g.user)
    body = request.get_json(silent=True)
    document_id = body.get("document_id") if isinstance(body, dict) else None
    if isinstance(document_id, bool) or not isinstance(document_id, int):
        return api_error(400, "missing_document", "请求体应为 JSON {\"document_id\": 文件编号}")
    link = hh.link_document(g.session, g.actor, household, document_id)
    response = jsonify(_documents_body(household) | {"linked": shapes.document_link_dict(link, False)})
    response.status_code = 201
    return response


@bp.delete("/households/<int:household_id>/documents/<int:document_id>")
@documented("/households/{id}/documents/{document_id}", "delete", summary="从一户一档移除文件 / remove a document from a household's file",
            description="只解除关联，文件仍在档案中；自动关联的文件移除后不再自动关联。",
            parameters=[ID_PARAM, {"name": "document_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            responses={"200": json_response("该户的文件", {"type": "object", "properties": {
                "household_id": {"type": "integer"}, "documents": {"type": "array", "items": ref("HouseholdDocument")}}}),
                "403": error_response("无权修改"), "404": error_response("户不存在或该文件不在其档案中")})
@login_required
def remove_household_document(household_id: int, document_id: int):
    household = hh.get_household(g.session, household_id, user=g.user)
    hh.unlink_document(g.session, g.actor, household, document_id)
    return _documents_body(household)

