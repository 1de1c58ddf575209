"""Ledgers (台账): import with its validation report (or only a preview), the list, a ledger's report,
its rows as understood and the highlighted copy. ID and phone numbers are masked in every answer
unless a user with the right asks with ?unmask=1 (audited)."""
from __future__ import annotations

from io import BytesIO

from flask import g, request, url_for

from archive.auth import policy
from archive.ledgers import service as ledgers, shapes
from archive.ledgers.params import import_fields, import_options
from archive.ledgers.reader import LedgerFileError
from archive.web.api.base import (
    bp, flag_param, int_param, login_required, naming_file, org_filter, org_param, read_upload, upload_file)
from archive.web.api.openapi import (
    ID_PARAM, NINT, NSTR, ORG_REF, SCHEMAS, STR, documented, error_response, json_response, ref)
from archive.web.filenames import XLSX, send_download
from archive.web.session import services

UNMASK_PARAM = {"name": "unmask", "in": "query", "schema": {"type": "boolean"},
                "description": "1：显示完整的身份证号码和电话号码（须有查看个人信息的权限，记入审计日志）；默认脱敏"}
PAGE_PARAMS = [{"name": "page", "in": "query", "schema": {"type": "integer", "default": 1}},
               {"name": "per_page", "in": "query", "schema": {"type": "integer", "default": 50, "maximum": 200}}]

SCHEMAS["LedgerProblem"] = {"type": "object", "properties": {
    "row": {"type": "integer", "nullable": True, "description": "表格中的行号（Excel/WPS 中看到的）"},
    "column": {"type": "string", "nullable": True, "description": "列字母，如 D"}, "field": NSTR,
    "code": {"type": "string", "example": "id_checksum"}, "severity": {"type": "string", "enum": ["error", "warning"]},
    "message": {"type": "string", "description": "中文说明；无权者看到的身份证号码、电话号码已脱敏"}}}
SCHEMAS["LedgerReport"] = {"type": "object", "required": ["ledger_id", "rows", "problems"], "properties": {
    "ledger_id": {"type": "integer", "nullable": True, "description": "预览时为 null"},
    "rows": {"type": "integer", "description": "数据行数"},
    "problems": {"type": "array", "items": ref("LedgerProblem")}}}
SCHEMAS["LedgerColumn"] = {"type": "object", "properties": {
    "index": {"type": "integer"}, "letter": STR, "header": NSTR,
    "field": {"type": "string", "nullable": True, "description": "对应的字段；null 为未识别（忽略）"},
    "how": {"type": "string", "nullable": True, "description": "如何识别"}}}
SCHEMAS["Ledger"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "org": ORG_REF, "type": STR, "type_name": STR, "year": NINT,
    "file_name": STR, "sheet": STR, "header_rows": {"type": "array", "items": {"type": "integer"}},
    "row_count": {"type": "integer"}, "error_count": {"type": "integer"}, "warning_count": {"type": "integer"},
    "household_count": {"type": "integer"},
    "document": {"type": "object", "nullable": True, "description": "归档的原件", "properties": {
        "id": {"type": "integer"}, "title": STR, "archive_code": NSTR, "in_trash": {"type": "boolean"}}},
    "created_by": NSTR, "created_at": {"type": "string", "format": "date-time"}}}
SCHEMAS["LedgerImport"] = {"allOf": [ref("LedgerReport"), {"type": "object", "properties": {
    "preview": {"type": "boolean"}, "saved": {"type": "boolean"}, "type": STR, "type_name": STR,
    "year": NINT, "sheet": STR, "header_rows": {"type": "array", "items": {"type": "integer"}},
    "columns": {"type": "array", "items": ref("LedgerColumn"), "description": "各列如何理解（列映射）"},
    "error_count": {"type": "integer"}, "warning_count": {"type": "integer"},
    "sample": {"type": "array", "description": "前 20 行按字段理解的值（脱敏）", "items": {"type": "object"}},
    "ledger": {"nullable": True, "allOf": [ref("Ledger")]},
    "ingest_status": {"type": "string", "nullable": True, "enum": ["stored", "duplicate", None]},
    "households": {"type": "integer", "description": "新建或更新的户数"},
    "notes": {"type": "array", "items": STR}}}]}
SCHEMAS["LedgerDetail"] = {"allOf": [ref("LedgerReport"), {"type": "object", "properties": {
    "ledger": ref("Ledger"), "columns": {"type": "array", "items": ref("LedgerColumn")}}}]}


def personal(object_type: str, record, what: str) -> bool:
    """Whether the answer about `record` (a ledger, a household) shows full ID and phone numbers:
    only when asked with ?unmask=1 by a user with the right, and then audited."""
    return ledgers.personal_access(g.session, g.actor, flag_param("unmask"), object_type=object_type,
                                   object_id=record.id, org_id=record.org_id, what=what)


def _type_names() -> dict:
    return ledgers.type_names(services().standards)


@bp.post("/ledgers")
@documented("/ledgers", "post", summary="导入台账 / import a ledger (XLSX, XLS, CSV)",
            description="multipart 字段 file；org 单位（默认用户所属单位）；type 台账类型（household 脱贫户/监测对象台账、"
                        "assistance 帮扶措施台账、project_funds 项目资金台账，不填按表头判断）；year 年度（不填按“年度”列或文件名）；"
                        "preview=1 只返回列映射和校验报告，不保存。保存时原件作为文件归档（XLS 转存为 XLSX），各行和问题保存，"
                        "户台账按证件号码新建或更新户及其当年数据；有问题的行照样保存，问题在报告中。"
                        "同一文件再次导入为 409 already_imported。",
            parameters=[{"name": "preview", "in": "query", "schema": {"type": "boolean"}}, UNMASK_PARAM],
            requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "format": "binary"}, "org": STR,
                    "type": {"type": "string", "enum": ["household", "assistance", "project_funds"]},
                    "year": {"type": "integer"}, "preview": {"type": "boolean"}}}}}},
            responses={"200": json_response("预览（未保存）", ref("LedgerImport")),
                       "201": json_response("已导入：校验报告和列映射", ref("LedgerImport")),
                       "400": error_response("缺少文件或参数无效"), "403": error_response("无权导入"),
                       "404": error_response("单位不存在或无权访问"), "409": error_response("该文件已导入过，或相同文件属于其他单位/在回收站中"),
                       "413": error_response("文件过大"), "422": error_response("文件无法读取，或无法判断台账类型、年度")})
@login_required
def import_ledger():
    upload = upload_file()
    data = read_upload(upload)
    org = org_param()
    preview, unmask = flag_param("preview"), flag_param("unmask")
    if unmask:  # refused before anything is imported
        policy.require(ledgers.may_unmask(g.actor), "无权查看未脱敏的身份证号码和电话号码")
    with naming_file(upload.filename, LedgerFileError):
        outcome = ledgers.import_ledger(g.session, services(), g.actor, data, upload.filename, org=org,
                                        preview=preview, **import_options(import_fields(request.values)))
    ledger = outcome.ledger
    shown = ledgers.personal_access(
        g.session, g.actor, unmask, object_type="ledger", object_id=ledger.id if ledger else None,
        org_id=org.id, what=f"台账导入报告：{upload.filename[:200]}")
    lt = services().standards.ledger_types.get(outcome.type_key)
    body = shapes.outcome_dict(outcome, ledgers.field_kinds(lt), shown, _type_names())
    if ledger is None:
        return body
    return body, 201, {"Location": url_for("api.get_ledger", ledger_id=ledger.id)}


@bp.get("/ledgers")
@documented("/ledgers", "get", summary="台账列表 / ledgers",
            parameters=[{"name": "org", "in": "query", "schema": STR, "description": "单位（含下级）"},
                        {"name": "type", "in": "query", "schema": STR}, {"name": "year", "in": "query",
                                                                          "schema": {"type": "integer"}}, *PAGE_PARAMS],
            responses={"200": json_response("台账", {"type": "object", "properties": {
                "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "items": {"type": "array", "items": ref("Ledger")}}}),
                "400": error_response("参数无效"), "404": error_response("单位不存在或无权访问")})
@login_required
def list_ledgers():
    flt = ledgers.LedgerFilter(org=org_filter(), type_key=request.args.get("type") or None, year=int_param("year"))
    page, per_page = int_param("page") or 1, int_param("per_page") or 50
    total, rows = ledgers.list_ledgers(g.session, user=g.user, flt=flt, page=page, per_page=per_page)
    names = _type_names()
    return {"total": total, "page": page, "per_page": min(per_page, ledgers.MAX_PER_PAGE),
            "items": [shapes.ledger_dict(x, names) for x in rows]}


@bp.get("/ledgers/<int:ledger_id>")
@documented("/ledgers/{id}", "get", summary="台账校验报告 / a ledger's validation report",
            description="{\"ledger_id\", \"rows\", \"problems\": [{\"row\", \"column\", \"code\", \"severity\", \"message\"}]}，"
                        "另有 ledger（台账概况）和 columns（列映射）。",
            parameters=[ID_PARAM, UNMASK_PARAM],
            responses={"200": json_response("校验报告", ref("LedgerDetail")), "403": error_response("无权查看未脱敏信息"),
                       "404": error_response("不存在或无权访问")})
@login_required
def get_ledger(ledger_id: int):
    ledger = ledgers.get_ledger(g.session, ledger_id, user=g.user)
    shown = personal("ledger", ledger, f"台账校验报告：{ledger.file_name[:200]}")
    body = shapes.report_dict(ledgers.report(g.session, ledger), shown)
    return body | {"ledger": shapes.ledger_dict(ledger, _type_names()),
                   "columns": shapes.columns_list(ledger.columns or [])}


@bp.get("/ledgers/<int:ledger_id>/rows")
@documented("/ledgers/{id}/rows", "get", summary="台账各行 / a ledger's rows as understood",
            parameters=[ID_PARAM, UNMASK_PARAM,
                        {"name": "offset", "in": "query", "schema": {"type": "integer", "default": 0}},
                        {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 100, "maximum": 1000}}],
            responses={"200": json_response("各行（按字段，脱敏）", {"type": "object", "properties": {
                "total": {"type": "integer"}, "items": {"type": "array", "items": {"type": "object", "properties": {
                    "row": {"type": "integer"}, "values": {"type": "object"}, "household_id": NINT}}}}}),
                "403": error_response("无权查看未脱敏信息"), "404": error_response("不存在或无权访问")})
@login_required
def get_ledger_rows(ledger_id: int):
    ledger = ledgers.get_ledger(g.session, ledger_id, user=g.user)
    shown = personal("ledger", ledger, f"台账各行：{ledger.file_name[:200]}")
    lt = services().standards.ledger_types.get(ledger.type_key)
    rows = ledgers.ledger_rows(g.session, ledger, offset=int_param("offset", 0),
                               limit=min(int_param("limit") or 100, 1000))
    kinds = ledgers.field_kinds(lt)
    return {"total": ledger.row_count, "items": [shapes.row_dict(r, kinds, shown) for r in rows]}


@bp.get("/ledgers/<int:ledger_id>/highlighted.xlsx")
@documented("/ledgers/{id}/highlighted.xlsx", "get", summary="标注问题的台账 XLSX / the ledger with its problems highlighted",
            description="归档的原件，有问题的单元格标色并加批注；身份证号码、电话号码默认脱敏。",
            parameters=[ID_PARAM, UNMASK_PARAM],
            responses={"200": {"description": "XLSX", "content": {XLSX: {"schema": {"type": "string", "format": "binary"}}}},
                       "403": error_response("无权查看未脱敏信息"), "404": error_response("不存在或无权访问")})
@login_required
def ledger_highlighted(ledger_id: int):
    ledger = ledgers.get_ledger(g.session, ledger_id, user=g.user)
    shown = personal("ledger", ledger, f"标注问题的台账：{ledger.file_name[:200]}")
    data = ledgers.highlighted_xlsx(g.session, services(), g.actor, ledger, personal=shown)
    g.session.commit()
    stem = ledger.file_name.rsplit(".", 1)[0] if "." in ledger.file_name else ledger.file_name
    return send_download(BytesIO(data), XLSX, f"{stem}-问题标注.xlsx")
