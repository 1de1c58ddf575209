"""Documents: upload one file, list, show, correct, trash and restore, download the original or its
PDF rendition, a person's classification, moving to another unit and the unit suggestion."""
from __future__ import annotations

from flask import g

from archive.auth import policy
from archive.auth.scope import in_scope
from archive.classify.service import decide
from archive.documents import moves, service as documents
from archive.ingest.pipeline import Incoming
from archive.orgs import service as orgs
from archive.values import MAX_INT
from archive.web.api.base import (
    bp, check_upload_size, flag_param, int_param, json_body, login_required, org_filter, org_param, upload_file)
from archive.web.api.openapi import ID_PARAM, documented, error_response, json_response, ref
from archive.web.errors import api_error
from archive.web.filenames import send_original, send_rendition
from archive.web.session import services

REFILE_NOTE = ("已归档的文件（有档号）移动即重新归档：须带 \"refile\": true，否则 409 refiling_required；"
               "新的件号和档号按新单位的全宗和类目分配，原档号作废、不再使用，记入审计日志。")
MOVED = json_response("移动后的文件（previous_archive_code：作废的原档号，未归档为 null）", {"allOf": [
    ref("Document"),
    {"type": "object", "properties": {"previous_archive_code": {"type": "string", "nullable": True}}}]})
MOVE_ERRORS = {"400": error_response("请求无效"), "403": error_response("无权移动（检查人员、领导）"),
               "404": error_response("文件或目标单位不存在或无权访问"),
               "409": error_response("须确认重新归档（refiling_required）或没有单位建议（no_suggestion）"),
               "422": error_response("文件已在该单位（same_org）")}


def _refile_flag(body: dict) -> bool | None:
    """The request's `refile` (default false); None when it is not a boolean."""
    value = body.get("refile", False)
    return value if isinstance(value, bool) else None


def _target_org(value):
    """A unit given by id (a JSON number) or by display path or division code (a string); None
    when there is no such unit (the service answers that like a unit outside the scope)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return orgs.get(g.session, value) if 0 < value <= MAX_INT else None
    if isinstance(value, str) and value.strip():
        try:
            return orgs.resolve(g.session, value)
        except orgs.OrgError:
            return None
    return None


@bp.post("/documents")
@documented("/documents", "post", summary="上传一个文件 / upload one file",
            requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["file"], "properties": {
                    "file": {"type": "string", "format": "binary"},
                    "org": {"type": "string", "description": "单位路径或区划代码，默认为用户所属单位"}}}}}},
            responses={
                "201": json_response("已入库 / stored", ref("Document")),
                "200": json_response("重复文件，返回已有文件 / duplicate of an existing document", ref("Document")),
                "400": error_response("请求无效"), "403": error_response("无权上传"),
                "413": error_response("文件过大"), "415": error_response("不支持的文件类型"),
                "422": error_response("文件无法读取（损坏、加密、超时、压缩炸弹等）")})
@login_required
def upload_document():
    policy.require(policy.can_upload(g.actor), "当前角色不能上传文件")
    check_upload_size()
    upload = upload_file()
    org = org_param()
    result = services().pipeline.ingest(Incoming(source=upload.stream, name=upload.filename, org=org), g.actor)
    if result.status == "rejected":
        raise result.error
    doc = result.document
    if result.status == "duplicate" and not in_scope(g.user, doc.org):
        # Duplicate of a document the uploader may not see: say so without revealing it.
        return api_error(409, "duplicate_out_of_scope", "该文件已由其他单位归档")
    if result.status == "duplicate" and doc.deleted_at is not None:
        return api_error(409, "duplicate_in_trash", "相同的文件在回收站中，请联系系统管理员恢复",
                         document_id=doc.id)
    doc = documents.get(g.session, doc.id, user=g.user)
    body = documents.detail(doc) | {"ingest_status": result.status}
    return body, 201 if result.status == "stored" else 200


@bp.get("/documents")
@documented("/documents", "get", summary="文件列表 / list documents",
            parameters=[
                {"name": "org", "in": "query", "schema": {"type": "string"}, "description": "单位子树"},
                {"name": "year", "in": "query", "schema": {"type": "integer"}},
                {"name": "page", "in": "query", "schema": {"type": "integer", "default": 1}},
                {"name": "per_page", "in": "query", "schema": {"type": "integer", "default": 50, "maximum": 200}}],
            responses={"200": json_response("文件列表", ref("DocumentList")), "400": error_response("参数无效")})
@login_required
def list_documents():
    year, page, per_page = int_param("year"), int_param("page") or 1, int_param("per_page") or 50
    result = documents.get_all(g.session, user=g.user, org=org_filter(), year=year, page=page, per_page=per_page)
    return {"total": result.total, "page": result.page, "per_page": result.per_page,
            "items": [documents.summary(d) for d in result.items]}


@bp.get("/documents/<int:document_id>")
@documented("/documents/{id}", "get", summary="文件详情 / one document",
            parameters=[ID_PARAM,
                        {"name": "text", "in": "query", "schema": {"type": "boolean"},
                         "description": "包含提取的全文"}],
            responses={"200": json_response("文件", ref("Document")), "404": error_response("不存在或无权访问")})
@login_required
def get_document(document_id: int):
    with_text = flag_param("text")
    doc = documents.view(g.session, g.actor, document_id, with_text=with_text)
    return documents.detail(doc, with_text=with_text)


@bp.patch("/documents/<int:document_id>")
@documented("/documents/{id}", "patch", summary="修改元数据 / correct metadata",
            parameters=[ID_PARAM],
            requestBody={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "properties": {
                    "title": {"type": "string"}, "doc_number": {"type": "string", "nullable": True},
                    "author": {"type": "string", "nullable": True},
                    "doc_date": {"type": "string", "format": "date", "nullable": True},
                    "year": {"type": "integer", "nullable": True},
                    "refile": {"type": "boolean", "default": False,
                               "description": "已归档的文件修改年度即重新归档（新档号），须为 true"}}}}}},
            responses={"200": json_response("修改后的文件", ref("Document")), "400": error_response("请求无效"),
                       "403": error_response("无权修改"), "404": error_response("不存在或无权访问"),
                       "409": error_response("修改已归档文件的年度须确认重新归档（refiling_required）"),
                       "422": error_response("字段无效")})
@login_required
def update_document(document_id: int):
    changes = json_body(code="bad_request")
    refile = _refile_flag(changes)
    if refile is None:
        return api_error(400, "bad_request", "refile 应为布尔值")
    doc = documents.update(g.session, g.actor, document_id, changes, refile=refile,
                           standards=services().standards)
    return documents.detail(doc)


@bp.delete("/documents/<int:document_id>")
@documented("/documents/{id}", "delete", summary="移入回收站 / move to the trash",
            parameters=[ID_PARAM],
            responses={"200": json_response("已移入回收站", ref("Document")), "403": error_response("无权删除"),
                       "404": error_response("不存在或无权访问")})
@login_required
def delete_document(document_id: int):
    return documents.detail(documents.delete(g.session, g.actor, document_id))


@bp.post("/documents/<int:document_id>/restore")
@documented("/documents/{id}/restore", "post", summary="从回收站恢复（系统管理员） / restore from the trash",
            parameters=[ID_PARAM],
            responses={"200": json_response("已恢复", ref("Document")), "403": error_response("仅系统管理员"),
                       "404": error_response("回收站中没有该文件")})
@login_required
def restore_document(document_id: int):
    return documents.detail(documents.restore(g.session, g.actor, document_id))


@bp.get("/documents/<int:document_id>/file")
@documented("/documents/{id}/file", "get", summary="下载原件 / download the original",
            parameters=[ID_PARAM],
            responses={"200": {"description": "原始文件", "content": {"application/octet-stream": {}}},
                       "404": error_response("不存在或无权访问")})
@login_required
def download_document(document_id: int):
    doc = documents.download(g.session, g.actor, document_id)
    return send_original(services().store, doc)


@bp.get("/documents/<int:document_id>/rendition")
@documented("/documents/{id}/rendition", "get", summary="PDF 版本（含归档章） / the PDF rendition, stamped when filed",
            description="DOCX、XLSX、图片、文本转换而成的 PDF（PDF 原样）；已归档文件首页顶部居中加盖归档章。原件不变。",
            parameters=[ID_PARAM],
            responses={"200": {"description": "PDF", "content": {"application/pdf": {
                "schema": {"type": "string", "format": "binary"}}}},
                "404": error_response("不存在或无权访问"), "422": error_response("无法转换为 PDF")})
@login_required
def document_rendition(document_id: int):
    doc = documents.download(g.session, g.actor, document_id)
    g.session.commit()
    response = send_rendition(services(), doc)
    if response is None:
        return api_error(422, "rendition_failed", f"《{doc.original_name}》无法转换为 PDF（文件可能已损坏）")
    return response


@bp.put("/documents/<int:document_id>/classification")
@documented("/documents/{id}/classification", "put", summary="确认或更正分类 / a person's classification",
            description="is_poverty=false 表示不是扶贫档案；否则给出 category（末级类目号）和可选的 retention。"
                        "已归档的文件改变类目或保管期限即重新归档（新档号），旧档号留在审计日志中。",
            parameters=[ID_PARAM],
            requestBody={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["is_poverty"], "properties": {
                    "is_poverty": {"type": "boolean"}, "category": {"type": "string"},
                    "retention": {"type": "string", "enum": ["Y", "D30", "D10"]}}}}}},
            responses={"200": json_response("文件", ref("Document")), "403": error_response("无权修改"),
                       "404": error_response("不存在或无权访问"), "422": error_response("类目或保管期限无效")})
@login_required
def classify_document(document_id: int):
    message = "请求体应为 JSON 对象，含布尔值 is_poverty"
    body = json_body(code="bad_request", message=message)
    if not isinstance(body.get("is_poverty"), bool):
        return api_error(400, "bad_request", message)
    doc = decide(g.session, services().standards, g.actor, document_id, is_poverty=body["is_poverty"],
                 category_code=body.get("category"), retention=body.get("retention"))
    return documents.detail(doc)


@bp.post("/documents/<int:document_id>/move")
@documented("/documents/{id}/move", "post", summary="移至其他单位 / move to another unit",
            description="目标单位 org：单位 id（数字），或单位路径、区划代码（字符串），须在用户的管辖范围内。"
                        + REFILE_NOTE + "移动后单位建议即清除。",
            parameters=[ID_PARAM],
            requestBody={"required": True, "content": {"application/json": {"schema": {
                "type": "object", "required": ["org"], "properties": {
                    "org": {"oneOf": [{"type": "integer"}, {"type": "string"}]},
                    "refile": {"type": "boolean", "default": False}}}}}},
            responses={"200": MOVED} | MOVE_ERRORS)
@login_required
def move_document(document_id: int):
    message = "请求体应为 JSON 对象，含目标单位 org"
    body = json_body(code="bad_request", message=message)
    if "org" not in body:
        return api_error(400, "bad_request", message)
    refile = _refile_flag(body)
    if refile is None:
        return api_error(400, "bad_request", "refile 应为布尔值")
    doc, old = moves.move(g.session, services().standards, g.actor, document_id, _target_org(body["org"]),
                              refile=refile)
    return documents.detail(doc) | {"previous_archive_code": old}


@bp.post("/documents/<int:document_id>/suggestion/accept")
@documented("/documents/{id}/suggestion/accept", "post", summary="采纳单位建议 / move to the suggested unit",
            description="把文件移至 suggested_org（正文中提到的下级单位）。" + REFILE_NOTE,
            parameters=[ID_PARAM],
            requestBody={"required": False, "content": {"application/json": {"schema": {
                "type": "object", "properties": {"refile": {"type": "boolean", "default": False}}}}}},
            responses={"200": MOVED} | MOVE_ERRORS)
@login_required
def accept_org_suggestion(document_id: int):
    message = "请求体应为 JSON 对象，refile 应为布尔值"
    refile = _refile_flag(json_body(required=False, code="bad_request", message=message))
    if refile is None:
        return api_error(400, "bad_request", message)
    doc, old = moves.accept_suggestion(g.session, services().standards, g.actor, document_id, refile=refile)
    return documents.detail(doc) | {"previous_archive_code": old}


@bp.post("/documents/<int:document_id>/suggestion/dismiss")
@documented("/documents/{id}/suggestion/dismiss", "post", summary="忽略单位建议 / dismiss the unit suggestion",
            parameters=[ID_PARAM],
            responses={"200": json_response("文件", ref("Document")), "403": error_response("无权修改"),
                       "404": error_response("不存在或无权访问"), "409": error_response("没有单位建议")})
@login_required
def dismiss_org_suggestion(document_id: int):
    return documents.detail(moves.dismiss_suggestion(g.session, g.actor, document_id))
