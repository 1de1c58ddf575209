"""GET /api/v1/catalogue: the 归档文件目录 of a unit, a year and a retention period, as XLSX or PDF."""
from __future__ import annotations

from io import BytesIO

from flask import g, request

from archive import catalogue
from archive.audit import service as audit
from archive.web.api.base import RequestError, bp, login_required, org_param
from archive.web.api.openapi import BINARY, documented, error_response
from archive.web.filenames import send_download
from archive.web.session import services

_PARAMETERS = [{"name": n, "in": "query", "required": req, "schema": sch, "description": d} for n, req, sch, d in [
    ("org", False, {"type": "string"}, "单位路径或区划代码，默认为用户所属单位"),
    ("year", True, {"type": "integer", "example": 2020}, "年度"),
    ("retention", True, {"type": "string", "enum": ["Y", "D30", "D10"]}, "保管期限"),
    ("class", False, {"type": "string", "example": "0305"}, "类目号（机构(问题)），含其子类目"),
    ("format", False, {"type": "string", "enum": ["xlsx", "pdf"], "default": "xlsx"}, "文件格式")]]


@bp.get("/catalogue")
@documented("/catalogue", "get", summary="归档文件目录 / archive catalogue (XLSX or PDF)",
            description="单位（含下级）某年度、某保管期限已归档文件的归档文件目录（DA/T 22-2015），按档号排列；"
                        "class 只列一个类目（含其子类目）。PDF 含封面，A4 横向。",
            parameters=_PARAMETERS,
            responses={"200": {"description": "归档文件目录文件", "content": {
                               mime: BINARY for mime in catalogue.FORMATS.values()}},
                       "400": error_response("年度、保管期限、类目或格式无效"),
                       "404": error_response("单位不存在或无权访问，或没有已归档的文件")})
@login_required
def get_catalogue():
    fmt = (request.args.get("format") or "xlsx").strip().lower()
    if fmt not in catalogue.FORMATS:
        raise RequestError("invalid_format", "格式（format）应为 xlsx 或 pdf")
    org = org_param()
    result = catalogue.build(g.session, services().standards, org=org, year=request.args.get("year"),
                             retention=request.args.get("retention"), class_code=request.args.get("class"),
                             user=g.user)
    audit.record(g.session, g.actor, "catalogue_export", object_type="org", object_id=org.id, org_id=org.id,
                 summary=result.file_name(fmt))
    g.session.commit()  # the rows are plain values: hold no read transaction while the file is drawn
    out = BytesIO()
    catalogue.write(result, fmt, out)
    out.seek(0)
    return send_download(out, catalogue.FORMATS[fmt], result.file_name(fmt))
