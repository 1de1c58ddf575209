"""Folder uploads as a background job (POST /api/v1/ingest-jobs) and any job's progress (GET /jobs/{id})."""
from __future__ import annotations

from flask import g, request, url_for

from archive import jobs
from archive.auth import policy
from archive.ingest.batch import result_counts, stage_upload
from archive.models import Job
from archive.web.api.base import RequestError, bp, login_required, org_param
from archive.web.api.openapi import documented, error_response, json_response, ref
from archive.web.session import services


def _job_body(job: Job) -> dict:
    return jobs.job_dict(job) | {"counts": result_counts(job.results or [])}


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
        raise RequestError("missing_file", "缺少上传文件（字段 files）")
    org = org_param()
    # Files first, then the job row: the database is not held locked while bytes are copied.
    job_id, count = stage_upload(services(), ((f.filename, f.stream) for f in files))
    job = jobs.create_job(g.session, kind="ingest", user=g.user, org=org, job_id=job_id,
                          params={"org": org.path, "ip": request.remote_addr})
    job.total = count
    g.session.commit()
    jobs.enqueue("ingest", job.id)
    g.session.refresh(job)
    return _job_body(job), 202, {"Location": url_for("api.get_job", job_id=job.id)}


@bp.get("/jobs/<job_id>")
@documented("/jobs/{id}", "get", summary="任务进度 / job progress",
            parameters=[{"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}],
            responses={"200": json_response("任务", ref("Job")), "404": error_response("不存在")})
@login_required
def get_job(job_id: str):
    return _job_body(jobs.get_for(g.session, g.user, job_id))
