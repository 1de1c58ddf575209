"""Households (一户一档): the list, a household's file (head, members, figures, linked documents,
the file check), linking and unlinking documents by hand, and binding the file as one volume (the
volume composer of archive/ledgers/volume.py). Every view of a household is audited; ID and phone
numbers are masked unless asked with ?unmask=1 by a user with the right."""
from __future__ import annotations

from flask import g, request

from archive.binder import service as volumes
from archive.ledgers import households as hh, shapes
from archive.ledgers.volume import create_household_volume
from archive.web.api.base import RequestError, bp, int_param, json_body, login_required, org_filter
from archive.web.api.ledgers import PAGE_PARAMS, UNMASK_PARAM, personal
from archive.web.api.openapi import (
    DATE, ID_PARAM, NINT, NSTR, ORG_REF, SCHEMAS, STR, documented, error_response, json_response, ref)
from archive.web.api.volumes import binding_options, queued
from archive.web.session import services

SCHEMAS["Household"] = {"type": "object", "properties": {
    "id": {"type": "integer"}, "org": ORG_REF, "head_name": STR,
    "head_id_number": {"type": "string", "nullable": True, "example": "410502********1234"},
    "category": STR, "latest_year": NINT, "created_at": {"type": "string", "format": "date-time"},
    "updated_at": {"type": "string", "format": "date-time"}}}
SCHEMAS["HouseholdDocument"] = {"type": "object", "properties": {
    "document_id": {"type": "integer"}, "title": STR, "archive_code": NSTR, "org": STR,
    "doc_date": DATE, "category_code": NSTR,
    "in_trash": {"type": "boolean"},
    "how": {"type": "string", "enum": ["id_number", "name", "person"],
            "description": "正文含身份证号码 / 正文含户主姓名和村名 / 人工关联"},
    "added_by": NSTR, "added_at": {"type": "string", "format": "date-time"}}}
SCHEMAS["HouseholdFileCheck"] = {"type": "object", "properties": {
    "complete": {"type": "boolean"},
    "items": {"type": "array", "items": {"type": "object", "properties": {
        "key": STR, "name": STR, "stage": {"type": "string", "enum": ["identification", "assistance", "exit"]},
        "required": {"type": "boolean"}, "present": {"type": "boolean"},
        "documents": {"type": "array", "items": {"type": "object"}}}}},
    "missing": {"type": "array", "items": {"type": "object", "properties": {"key": STR, "name": STR}}},
    "date_order": {"type": "array", "items": {"type": "object", "properties": {
        "key": STR, "name": STR, "date": {"type": "string", "format": "date"}, "document_id": {"type": "integer"}}}},
    "problems": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string", "enum": ["missing_item", "date_order"]}, "item": STR, "message": STR}}}}}
SCHEMAS["HouseholdDetail"] = {"allOf": [ref("Household"), {"type": "object", "properties": {
    "personal": {"type": "boolean", "description": "true：号码未脱敏"},
    "members": {"type": "array", "items": {"type": "object", "properties": {
        "name": STR, "id_number": NSTR, "relation": STR}}},
    "years": {"type": "array", "items": {"type": "object", "properties": {
        "year": {"type": "integer"}, "ledger_id": NINT, "figures": {"type": "object"}}}},
    "documents": {"type": "array", "items": ref("HouseholdDocument")},
    "file_check": ref("HouseholdFileCheck")}}]}
_DOCUMENTS = {"type": "array", "items": ref("HouseholdDocument")}


def _documents_body(household) -> dict:
    return {"household_id": household.id,
            "documents": [shapes.document_link_dict(link, False) for link in hh.linked(household)]}


@bp.get("/households")
@documented("/households", "get", summary="户列表 / households",
            parameters=[{"name": "org", "in": "query", "schema": STR, "description": "单位（含下级）"},
                        {"name": "category", "in": "query", "schema": STR, "description": "户类型，如 脱贫户、监测户"},
                        {"name": "q", "in": "query", "schema": STR, "description": "户主或成员姓名中的词，或完整的证件号码"},
                        *PAGE_PARAMS],
            responses={"200": json_response("户（证件号码脱敏）", {"type": "object", "properties": {
                "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
                "items": {"type": "array", "items": ref("Household")}}}),
                "400": error_response("参数无效"), "404": error_response("单位不存在或无权访问")})
@login_required
def list_households():
    flt = hh.HouseholdFilter(org=org_filter(), category=(request.args.get("category") or "").strip() or None,
                             q=(request.args.get("q") or "")[:200])
    page, per_page = int_param("page") or 1, int_param("per_page") or 50
    total, rows = hh.list_households(g.session, user=g.user, flt=flt, page=page, per_page=per_page)
    return {"total": total, "page": page, "per_page": min(per_page, hh.MAX_PER_PAGE),
            "items": [shapes.household_dict(x, False) for x in rows]}


@bp.get("/households/<int:household_id>")
@documented("/households/{id}", "get", summary="一户一档 / a household's file",
            description="户主、成员、各年度数据、关联的文件（按正文中的证件号码或户主姓名与村名自动关联，或人工关联）"
                        "及档案完整性检查（缺少的项、日期顺序 申请 ≤ 评议 ≤ 公示 ≤ 确认）。每次查看记入审计日志。",
            parameters=[ID_PARAM, UNMASK_PARAM],
            responses={"200": json_response("一户一档", ref("HouseholdDetail")),
                       "403": error_response("无权查看未脱敏信息"), "404": error_response("不存在或无权访问")})
@login_required
def get_household(household_id: int):
    household = hh.get_household(g.session, household_id, user=g.user)
    shown = personal("household", household, f"一户一档：{household.head_name}")
    household = hh.view_household(g.session, g.actor, household_id, personal=shown)
    standards = services().standards
    return shapes.household_detail(household, personal=shown, links=hh.linked(household),
                                   check=hh.file_check(g.session, standards, household), standards=standards)


@bp.post("/households/<int:household_id>/documents")
@documented("/households/{id}/documents", "post", summary="关联文件到一户一档 / add a document to a household's file",
            parameters=[ID_PARAM],
            requestBody={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["document_id"], "properties": {"document_id": {"type": "integer"}}}}}},
            responses={"201": json_response("已关联", {"type": "object", "properties": {
                "household_id": {"type": "integer"}, "linked": ref("HouseholdDocument"), "documents": _DOCUMENTS}}),
                "400": error_response("请求无效"), "403": error_response("无权修改"),
                "404": error_response("户或文件不存在或无权访问"), "409": error_response("已关联")})
@login_required
def add_household_document(household_id: int):
    household = hh.get_household(g.session, household_id, user=g.user)
    message = "请求体应为 JSON {\"document_id\": 文件编号}"
    document_id = json_body(code="missing_document", message=message).get("document_id")
    if isinstance(document_id, bool) or not isinstance(document_id, int):
        raise RequestError("missing_document", message)
    link = hh.link_document(g.session, g.actor, household, document_id)
    return _documents_body(household) | {"linked": shapes.document_link_dict(link, False)}, 201


@bp.delete("/households/<int:household_id>/documents/<int:document_id>")
@documented("/households/{id}/documents/{document_id}", "delete", summary="从一户一档移除文件 / remove a document from a household's file",
            description="只解除关联，文件仍在档案中；自动关联的文件移除后不再自动关联。",
            parameters=[ID_PARAM, {"name": "document_id", "in": "path", "required": True, "schema": {"type": "integer"}}],
            responses={"200": json_response("该户的文件", {"type": "object", "properties": {
                "household_id": {"type": "integer"}, "documents": _DOCUMENTS}}),
                "403": error_response("无权修改"), "404": error_response("户不存在或该文件不在其档案中")})
@login_required
def remove_household_document(household_id: int, document_id: int):
    household = hh.get_household(g.session, household_id, user=g.user)
    hh.unlink_document(g.session, g.actor, household, document_id)
    return _documents_body(household)


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
    body = json_body(required=False)
    volume = create_household_volume(g.session, services().standards, g.actor, household_id,
                                     **binding_options(body))
    volumes.start_build(g.session, g.actor, volume)
    return queued(volume.id)
