"""GET /api/v1/completeness: the 归档完整性检查 of a unit (and the units below it) for one year."""
from __future__ import annotations

from flask import g, request

from archive.completeness.service import check
from archive.values import parse_year
from archive.web.api.base import bp, login_required, org_param
from archive.web.api.openapi import SCHEMAS, documented, error_response, json_response, ref
from archive.web.session import services

_DOC = {"type": "object", "properties": {
    "id": {"type": "integer"}, "title": {"type": "string"},
    "match": {"type": "string", "enum": ["class+title", "class", "title", "shared_class", "body"],
              "description": "如何匹配：类目与题名、类目、题名、多项共用的类目、正文关键词"},
    "needs_review": {"type": "boolean"}}}
_ITEM = {"type": "object", "required": ["key", "name", "status", "required", "documents"], "properties": {
    "key": {"type": "string"}, "name": {"type": "string"},
    "status": {"type": "string", "enum": ["present", "uncertain", "missing"], "description": "齐全 / 待确认 / 缺失"},
    "required": {"type": "boolean"}, "per_household": {"type": "boolean"},
    "count": {"type": "integer", "description": "匹配的文件数（documents 最多列 20 个）"},
    "documents": {"type": "array", "items": _DOC}, "note": {"type": "string", "nullable": True}}}
SCHEMAS["CompletenessReport"] = {
    "type": "object", "required": ["org", "org_id", "level", "year", "items", "complete", "children", "summary"],
    "properties": {
        "org": {"type": "string", "description": "单位路径"}, "name": {"type": "string"},
        "org_id": {"type": "integer"},
        "level": {"type": "string", "enum": ["province", "city", "county", "township", "village"]},
        "year": {"type": "integer"}, "items": {"type": "array", "items": _ITEM},
        "complete": {"type": "boolean", "description": "本级及下级均无缺失的必需项（待确认不算缺失）"},
        "children": {"type": "array", "items": ref("CompletenessReport")},
        "summary": {"type": "object", "description": "本级计数；有下级时含 children 与 levels（各层级齐全/不齐全及按项缺失数）"}}}


@bp.get("/completeness")
@documented("/completeness", "get", summary="归档完整性检查 / archive completeness for a year",
            description="按归档范围（standards/scope.yaml）检查单位某年度的档案：每项齐全、待确认或缺失；"
                        "乡镇、县含各下级单位的报告和汇总。缺失的非必需项单独列出，不算不完整。",
            parameters=[
                {"name": "org", "in": "query", "schema": {"type": "string"},
                 "description": "单位路径或区划代码，默认为用户所属单位"},
                {"name": "year", "in": "query", "required": True, "schema": {"type": "integer"}, "description": "年度"}],
            responses={"200": json_response("完整性报告", ref("CompletenessReport")),
                       "400": error_response("缺少年度或年度无效"), "404": error_response("单位不存在或无权访问")})
@login_required
def completeness():
    year = parse_year(request.args.get("year"))
    org = org_param()
    return check(g.session, services().standards, user=g.user, org=org, year=year).as_dict()
