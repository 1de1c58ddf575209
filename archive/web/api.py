"""JSON API under /api/v1. Each view parses the request, calls one service, shapes the answer."""
from __future__ import annotations

from functools import wraps

from flask import Blueprint, g, jsonify, request, url_for

from archive import jobs
from archive.auth import policy
from archive.auth import service as auth
from archive.auth.actor import Actor
from archive.auth.scope import OutOfScope, in_scope, scoped_org
from archive.documents import service as documents
from archive.ingest.batch import BadUpload, result_counts, stage_upload
from archive.ingest.pipeline import Incoming
from archive.models import Job
from archive.orgs import service as orgs
from archive.errors import DomainError
from archive.web.session import services, unit_of_work
from archive.web.errors import api_error, status_for
from archive.web.openapi import ID_PARAM, documented, error_response, json_response, ref
from archive.web.openapi import document as openapi_document
from archive.web.filenames import send_original, send_rendition

bp = Blueprint("api", __name__, url_prefix="/api/v1")


_services = services
unit_of_work(bp)


def login_required(view):
    @wraps(view)
    def wrapper(*args, **kwargs):
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        user = auth.user_for_token(g.session, token.strip()) if scheme.lower() == "bearer" and token else None
        if user is None:
            return api_error(401)
        g.user = user
        g.actor = Actor(user, request.remote_addr, request.user_agent.string)
        g.session.commit()  # release SQLite's write lock before the view's own units of work
        return view(*args, **kwargs)

    return wrapper


def _org_param(name: str = "org"):
    """The `org` parameter (display path or code), checked against the user's scope."""
    ref_ = (request.values.get(name) or "").strip()
    org = orgs.resolve(g.session, ref_) if ref_ else None
    return scoped_org(g.session, g.user, org)


@bp.errorhandler(DomainError)
def domain_error(exc: DomainError):
    return api_error(status_for(exc), exc.code, exc.message, **exc.extra)


@bp.errorhandler(orgs.OrgError)
def org_error(exc: orgs.OrgError):
    return api_error(404 if exc.code == "org_not_found" else 400, exc.code, exc.message)


@bp.errorhandler(OutOfScope)
def out_of_scope(exc: OutOfScope):
    return api_error(404)


@bp.errorhandler(policy.Forbidden)
def forbidden(exc: policy.Forbidden):
    return api_error(403, exc.code, exc.message)


@bp.errorhandler(documents.InvalidField)
def invalid_field(exc: documents.InvalidField):
    return api_error(422, exc.code, exc.message, field=exc.field)


@bp.errorhandler(documents.RefilingRequired)
def refiling_required(exc: documents.RefilingRequired):
    return api_error(409, exc.code, exc.message, archive_code=exc.archive_code)


@bp.errorhandler(documents.MoveError)
def move_error(exc: documents.MoveError):
    return api_error({"org_not_found": 404, "no_suggestion": 409}.get(exc.code, 422), exc.code, exc.message)


@bp.get("/openapi.json")
def openapi():
    return jsonify(openapi_document())


@bp.get("/orgs")
@documented("/orgs", "get", summary="可见的单位 / org units in scope",
            responses={"200": json_response("单位列表", {"type": "object", "properties": {
                "items": {"type": "array", "items": ref("OrgUnit")}}})})
@login_required
def list_orgs():
    units = orgs.list_units(g.session, under=g.user.org)
    return {"items": [{"id": u.id, "name": u.name, "path": u.path, "code": u.code, "parent_id": u.parent_id}
                      for u in units]}


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
    limit = _services().settings.limits.max_bytes
    if request.content_length and request.content_length > limit + 1024 * 1024:
        return api_error(413, "file_too_large", f"文件超过大小限制（{limit // (1024 * 1024)} MB）")
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        return api_error(400, "missing_file", "缺少上传文件（字段 file）")
    org = _org_param()
    result = _services().pipeline.ingest(Incoming(source=upload.stream, name=upload.filename, org=org), g.actor)
    if result.status == "rejected":
        return api_error(status_for(result.error), result.error.code, result.error.message)
    doc = result.document
    if result.status == "duplicate" and not in_scope(g.user, doc.org):
        # Duplicate of a document the uploader may not see: say so without revealing it.
        return api_error(409, "duplicate_out_of_scope", "该文件已由其他单位归档")
    if result.status == "duplicate" and doc.deleted_at is not None:
        return api_error(409, "duplicate_in_trash", "相同的文件在回收站中，请联系系统管理员恢复",
                         document_id=doc.id)
    doc = documents.get(g.session, doc.id, user=g.user)
    body = documents.detail(doc) | {"ingest_status": result.status}
    return jsonify(body), 201 if result.status == "stored" else 200


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
    try:
        year = _int_arg("year")
        page = _int_arg("page") or 1
        per_page = _int_arg("per_page") or 50
    except ValueError as e:
        return api_error(400, "bad_parameter", f"参数 {e} 应为整数")
    org = _org_param() if request.args.get("org") else None
    result = documents.get_all(g.session, user=g.user, org=org, year=year, page=page, per_page=per_page)
    return {"total": result.total, "page": result.page, "per_page": result.per_page,
            "items": [documents.summary(d) for d in result.items]}


def _int_arg(name: str) -> int | None:
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        return int(raw)
    except ValueError:
        raise ValueError(name) from None


@bp.get("/documents/<int:document_id>")
@documented("/documents/{id}", "get", summary="文件详情 / one document",
            parameters=[ID_PARAM,
                        {"name": "text", "in": "query", "schema": {"type": "boolean"},
                         "description": "包含提取的全文"}],
            responses={"200": json_response("文件", ref("Document")), "404": error_response("不存在或无权访问")})
@login_required
def get_document(document_id: int):
    with_text = request.args.get("text", "").lower() in ("1", "true", "yes")
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
    changes = request.get_json(silent=True)
    if not isinstance(changes, dict):
        return api_error(400, "bad_request", "请求体应为 JSON 对象")
    refile = _refile_flag(changes)
    if refile is None:
        return api_error(400, "bad_request", "refile 应为布尔值")
    doc = documents.update(g.session, g.actor, document_id, changes, refile=refile,
                           standards=_services().standards)
    return documents.detail(doc)


def _refile_flag(body: dict) -> bool | None:
    """The request's `refile` (default false); None when it is not a boolean."""
    value = body.get("refile", False)
    return value if isinstance(value, bool) else None


def _org_ref(value):
    """A unit given by id (a JSON number) or by display path or division code (a string); None
    when there is no such unit (the service answers that like a unit outside the scope)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return orgs.get(g.session, value) if 0 < value < 2**31 else None
    if isinstance(value, str) and value.strip():
        try:
            return orgs.resolve(g.session, value)
        except orgs.OrgError:
            return None
    return None


REFILE_NOTE = ("已归档的文件（有档号）移动即重新归档：须带 \"refile\": true，否则 409 refiling_required；"
               "新的件号和档号按新单位的全宗和类目分配，原档号作废、不再使用，记入审计日志。")


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
    return send_original(_services().store, doc)


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
    response = send_rendition(_services(), doc)
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
    from archive.classify.service import ClassificationError, decide

    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("is_poverty"), bool):
        return api_error(400, "bad_request", "请求体应为 JSON 对象，含布尔值 is_poverty")
    try:
        doc = decide(g.session, _services().standards, g.actor, document_id, is_poverty=body["is_poverty"],
                     category_code=body.get("category"), retention=body.get("retention"))
    except ClassificationError as e:
        return api_error(422, e.code, e.message)
    return documents.detail(doc)


MOVED = json_response("移动后的文件（previous_archive_code：作废的原档号，未归档为 null）", {"allOf": [
    ref("Document"),
    {"type": "object", "properties": {"previous_archive_code": {"type": "string", "nullable": True}}}]})
MOVE_ERRORS = {"400": error_response("请求无效"), "403": error_response("无权移动（检查人员、领导）"),
               "404": error_response("文件或目标单位不存在或无权访问"),
               "409": error_response("须确认重新归档（refiling_required）或没有单位建议（no_suggestion）"),
               "422": error_response("文件已在该单位（same_org）")}


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
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or "org" not in body:
        return api_error(400, "bad_request", "请求体应为 JSON 对象，含目标单位 org")
    refile = _refile_flag(body)
    if refile is None:
        return api_error(400, "bad_request", "refile 应为布尔值")
    doc, old = documents.move(g.session, _services().standards, g.actor, document_id, _org_ref(body["org"]),
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
    body = request.get_json(silent=True)
    body = {} if body is None else body
    refile = _refile_flag(body) if isinstance(body, dict) else None
    if refile is None:
        return api_error(400, "bad_request", "请求体应为 JSON 对象，refile 应为布尔值")
    doc, old = documents.accept_suggestion(g.session, _services().standards, g.actor, document_id, refile=refile)
    return documents.detail(doc) | {"previous_archive_code": old}


@bp.post("/documents/<int:document_id>/suggestion/dismiss")
@documented("/documents/{id}/suggestion/dismiss", "post", summary="忽略单位建议 / dismiss the unit suggestion",
            parameters=[ID_PARAM],
            responses={"200": json_response("文件", ref("Document")), "403": error_response("无权修改"),
                       "404": error_response("不存在或无权访问"), "409": error_response("没有单位建议")})
@login_required
def dismiss_org_suggestion(document_id: int):
    return documents.detail(documents.dismiss_suggestion(g.session, g.actor, document_id))


@bp.get("/search")
@documented("/search", "get", summary="全文检索 / full-text search",
            description="q：空格表示并且，OR 表示或者，-词 表示排除，\"...\" 为一个词。结果、总数和分面都限于用户的范围。",
            parameters=[{"name": n, "in": "query", "schema": sch, "description": d} for n, sch, d in [
                ("q", {"type": "string"}, "检索式"),
                ("org", {"type": "string"}, "单位路径或区划代码（含下级）"),
                ("category", {"type": "string"}, "分类号，可重复"),
                ("year", {"type": "string"}, "年度：2020 或 2019-2021"),
                ("type", {"type": "string"}, "文件类型，可重复：pdf docx xlsx txt jpeg png tiff"),
                ("sort", {"type": "string", "enum": ["relevance", "date", "date_asc"]}, "排序"),
                ("page", {"type": "integer", "default": 1}, ""),
                ("per_page", {"type": "integer", "default": 20, "maximum": 100}, "")]],
            responses={"200": json_response("检索结果", ref("SearchResult")), "400": error_response("检索式或参数无效"),
                       "404": error_response("单位不存在或无权访问")})
@login_required
def search_documents():
    from archive.search.service import SearchParams, search
    from archive.values import parse_year_range

    try:
        year_from, year_to = parse_year_range(request.args.get("year"))
        params = SearchParams(
            q=request.args.get("q", ""), org=_org_param() if request.args.get("org") else None,
            categories=request.args.getlist("category"), kinds=request.args.getlist("type"),
            year_from=year_from, year_to=year_to, sort=request.args.get("sort", "relevance"),
            page=_int_arg("page") or 1, per_page=_int_arg("per_page") or 20)
        return search(g.session, _services().search, user=g.user, params=params).as_dict()
    except ValueError as e:
        return api_error(400, "bad_parameter", f"参数 {e} 应为整数")


@bp.post("/ingest-jobs")
@documented("/ingest-jobs", "post", summary="上传文件夹（后台任务） / upload a folder as a job",
            description="multipart 字段 files 可重复，文件名可带相对路径（如 黎元村/2020/a.docx）；"
                        "子文件夹名为下级单位名时归入该单位。",
            requestBody={"required": True, "content": {"multipart/form-data": {"schema": {
                "type": "object", "required": ["files"], "properties": {
                    "files": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    "org": {"type": "string"}}}}}},
            responses={"202": json_response("任务已排队 / job queued", ref("Job")),
                       "400": error_response("请求无效"), "403": error_response("无权上传")})
@login_required
def create_ingest_job():
    policy.require(policy.can_upload(g.actor), "当前角色不能上传文件")
    files = [f for f in request.files.getlist("files") if f.filename]
    if not files:
        return api_error(400, "missing_file", "缺少上传文件（字段 files）")
    org = _org_param()
    # Files first, then the job row: the database is not held locked while bytes are copied.
    try:
        job_id, count = stage_upload(_services(), ((f.filename, f.stream) for f in files))
    except BadUpload as e:
        return api_error(400, e.code, e.message)
    job = jobs.create_job(g.session, kind="ingest", user=g.user, org=org, job_id=job_id,
                          params={"org": org.path, "ip": request.remote_addr})
    job.total = count
    g.session.commit()
    jobs.enqueue_ingest(job.id)
    g.session.refresh(job)
    response = jsonify(_job_body(job))
    response.status_code = 202
    response.headers["Location"] = url_for("api.get_job", job_id=job.id)
    return response


@bp.get("/jobs/<job_id>")
@documented("/jobs/{id}", "get", summary="任务进度 / job progress",
            parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            responses={"200": json_response("任务", ref("Job")), "404": error_response("不存在")})
@login_required
def get_job(job_id: str):
    return _job_body(jobs.get_for(g.session, g.user, job_id))


def _job_body(job: Job) -> dict:
    return jobs.job_dict(job) | {"counts": result_counts(job.results or [])}


# Endpoints of other domains, on the same blueprint (imported last: they use `bp` and the helpers above).
from archive.web import api_catalogue, api_completeness, api_ledgers, api_rectify, api_volumes  # noqa: E402,F401
from archive.web import api_household_volume  # noqa: E402,F401
