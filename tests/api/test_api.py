"""The JSON API with real tokens, a real database and real files."""
import io
import random
import tempfile
from pathlib import Path
from urllib.parse import quote

from openapi_spec_validator import validate

from archive.demo import samples
from tests.support.api import bearer, leftover_files


def _docx_bytes(seed=1, unit="黎元村", level="village", year=2020) -> tuple[bytes, object]:
    doc = samples.random_document(random.Random(seed), unit_name=unit, level=level, year=year)
    with tempfile.TemporaryDirectory() as tmp:
        path = samples.write_docx(doc, Path(tmp) / "doc.docx")
        return path.read_bytes(), doc


def _upload(client, token, data: bytes, name: str, org: str | None = None):
    form = {"file": (io.BytesIO(data), name)}
    if org:
        form["org"] = org
    return client.post("/api/v1/documents", data=form, headers=bearer(token), content_type="multipart/form-data")


def test_upload_list_get_download(client, make_user):
    _, token = make_user("clerk1", "黎元村")
    data, doc = _docx_bytes()
    r = _upload(client, token, data, "黎元村评议记录.docx")
    assert r.status_code == 201, r.json
    body = r.json
    assert body["title"] == doc.title and body["org"].endswith("黎元村") and body["ingest_status"] == "stored"

    again = _upload(client, token, data, "copy.docx")
    assert again.status_code == 200 and again.json["id"] == body["id"] and again.json["ingest_status"] == "duplicate"

    listing = client.get("/api/v1/documents", headers=bearer(token)).json
    assert listing["total"] == 1 and listing["items"][0]["id"] == body["id"]
    assert set(listing["items"][0]) >= {"id", "title", "archive_code", "org", "year"}

    detail = client.get(f"/api/v1/documents/{body['id']}?text=1", headers=bearer(token)).json
    assert doc.paragraphs[0][:10] in detail["text"]

    f = client.get(f"/api/v1/documents/{body['id']}/file", headers=bearer(token))
    assert f.status_code == 200 and f.data == data
    assert f.mimetype == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert f"filename*=UTF-8''{quote('黎元村评议记录.docx')}" in f.headers["Content-Disposition"]


def test_scope_other_unit_cannot_list_or_fetch(client, make_user):
    _, clerk_a = make_user("clerk_a", "黎元村")
    _, clerk_b = make_user("clerk_b", "东关村")
    _, town = make_user("town", "莲蓬寺镇", role="inspector")
    data, _ = _docx_bytes()
    doc_id = _upload(client, clerk_a, data, "a.docx").json["id"]

    assert client.get("/api/v1/documents", headers=bearer(clerk_b)).json["total"] == 0
    for url in (f"/api/v1/documents/{doc_id}", f"/api/v1/documents/{doc_id}/file"):
        r = client.get(url, headers=bearer(clerk_b))
        assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    r = client.get("/api/v1/documents?org=河南省/安阳市/文峰区/莲蓬寺镇/黎元村", headers=bearer(clerk_b))
    assert r.status_code == 404
    # The township above both villages sees it, and can filter by the village.
    assert client.get("/api/v1/documents", headers=bearer(town)).json["total"] == 1
    by_org = client.get("/api/v1/documents?org=410502100201", headers=bearer(town)).json
    assert by_org["total"] == 1
    assert client.get("/api/v1/documents?org=410502100202", headers=bearer(town)).json["total"] == 0
    # Uploading into another unit is refused and the same bytes report no foreign document.
    assert _upload(client, clerk_b, data, "a.docx", org="410502100201").status_code == 404
    dup = _upload(client, clerk_b, data, "a.docx")
    assert dup.status_code == 409 and dup.json["error"]["code"] == "duplicate_out_of_scope"


def test_inspector_cannot_upload(client, make_user):
    _, token = make_user("insp", "文峰区", role="inspector")
    data, _ = _docx_bytes()
    r = _upload(client, token, data, "a.docx")
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"


def test_auth_required(client, make_user):
    assert client.get("/api/v1/documents").status_code == 401
    r = client.get("/api/v1/documents", headers=bearer("ar_not-a-token"))
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"


def test_rejections_have_status_and_error_object(client, make_user, services):
    _, token = make_user("clerk1", "黎元村")
    r = _upload(client, token, b"MZ\x90\x00" + bytes(range(256)) * 4, "x.pdf")
    assert r.status_code == 415 and r.json["error"]["code"] == "unsupported_type"
    r = _upload(client, token, b"%PDF-1.4\n" + b"\xff\xfe garbage" * 500, "y.pdf")
    assert r.status_code == 422 and r.json["error"]["code"] == "malformed"
    big = b"a" * (21 * 1024 * 1024)
    r = _upload(client, token, big, "big.txt")
    assert r.status_code == 413 and r.json["error"]["code"] == "file_too_large"
    r = client.post("/api/v1/documents", data={}, headers=bearer(token), content_type="multipart/form-data")
    assert r.status_code == 400 and r.json["error"]["code"] == "missing_file"
    assert client.get("/api/v1/documents", headers=bearer(token)).json["total"] == 0
    assert leftover_files(services) == []


def test_bad_parameters(client, make_user):
    _, token = make_user("clerk1", "黎元村")
    r = client.get("/api/v1/documents?year=abc", headers=bearer(token))
    assert r.status_code == 400 and r.json["error"]["code"] == "bad_parameter"
    r = client.get("/api/v1/documents?org=不存在", headers=bearer(token))
    assert r.status_code == 404 and r.json["error"]["code"] == "org_not_found"
    assert client.get("/api/v1/nothing-here", headers=bearer(token)).json["error"]["code"] == "not_found"


def test_folder_upload_runs_as_job(client, make_user):
    _, token = make_user("town_clerk", "莲蓬寺镇")
    data_a, _ = _docx_bytes(seed=1)
    data_b, _ = _docx_bytes(seed=2, unit="莲蓬寺镇", level="township")
    form = {"files": [
        (io.BytesIO(data_a), "upload/黎元村/2020年/a.docx"),
        (io.BytesIO(data_b), "upload/b.docx"),
        (io.BytesIO(b"\x00\x01binary"), "upload/c.bin"),
        (io.BytesIO(data_b), "../../zz/b-again.docx"),
    ]}
    r = client.post("/api/v1/ingest-jobs", data=form, headers=bearer(token), content_type="multipart/form-data")
    assert r.status_code == 202, r.json
    job = client.get(r.headers["Location"], headers=bearer(token)).json
    assert job["status"] == "done" and job["total"] == 4 and job["done"] == 4 and job["progress"] == 1.0
    by_name = {res["path"].rsplit("/", 1)[-1]: res for res in job["results"]}
    assert by_name["a.docx"]["org"].endswith("莲蓬寺镇/黎元村")
    assert by_name["b.docx"]["org"].endswith("莲蓬寺镇")
    assert by_name["c.bin"]["status"] == "rejected"
    assert by_name["b-again.docx"]["status"] == "duplicate"
    assert job["counts"] == {"stored": 2, "duplicate": 1, "rejected": 1}
    _, other = make_user("other", "东关村")
    assert client.get(r.headers["Location"], headers=bearer(other)).status_code == 404


def test_openapi_document_lists_the_api(client):
    spec = client.get("/api/v1/openapi.json").json
    validate(spec)  # a valid OpenAPI 3 document, not just JSON
    assert spec["openapi"].startswith("3.")
    for path in ("/documents", "/documents/{id}", "/documents/{id}/file", "/ingest-jobs", "/jobs/{id}"):
        assert path in spec["paths"]
    assert set(spec["paths"]["/documents"]) == {"get", "post"}
    assert "413" in spec["paths"]["/documents"]["post"]["responses"]


def test_home_page_needs_login(client):
    r = client.get("/")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    page = client.get("/login")
    assert page.status_code == 200 and "扶贫档案管理系统" in page.get_data(as_text=True)


def _post_folder(client, token, files, org=None):
    form = {"files": [(io.BytesIO(data), name) for name, data in files]}
    if org:
        form["org"] = org
    return client.post("/api/v1/ingest-jobs", data=form, headers=bearer(token), content_type="multipart/form-data")


def test_folder_job_hides_other_units_documents(client, make_user):
    _, liyuan = make_user("liyuan", "黎元村")
    _, dongguan = make_user("dongguan", "东关村")
    _, other_admin = make_user("admin_b", "宝莲寺镇", role="admin")
    _, town_admin = make_user("admin_town", "莲蓬寺镇", role="admin")
    data, doc = _docx_bytes()
    assert _upload(client, liyuan, data, "a.docx").status_code == 201
    r = _post_folder(client, dongguan, [("x/a.docx", data), ("x/Thumbs.db", b"\x00junk")])
    job = client.get(r.headers["Location"], headers=bearer(dongguan)).json
    (result,) = job["results"]
    assert job["total"] == 1 and job["progress"] == 1.0  # the system file is skipped, not counted
    assert result["status"] == "duplicate" and result["error"]["code"] == "duplicate_out_of_scope"
    assert result["title"] is None and result["document_id"] is None and doc.title not in str(job)
    assert client.get(r.headers["Location"], headers=bearer(other_admin)).status_code == 404
    assert client.get(r.headers["Location"], headers=bearer(town_admin)).status_code == 200


def test_folder_upload_bad_names_leave_nothing(client, make_user, services):
    _, token = make_user("clerk1", "黎元村")
    for files in ([("a/b.txt", b"one"), ("a/b.txt", b"two")], [("a", b"file"), ("a/b.txt", b"two")],
                  [("../..", b"x")]):
        r = _post_folder(client, token, files)
        assert r.status_code == 400 and r.json["error"]["code"] == "bad_upload", r.json
    uploads = services.settings.uploads_dir
    assert not uploads.exists() or list(uploads.iterdir()) == []
    from sqlalchemy import func, select

    from archive.models import Job
    with services.db.session() as session:
        assert session.scalar(select(func.count(Job.id))) == 0


def test_timestamps_carry_their_zone(client, make_user):
    _, token = make_user("clerk1", "黎元村")
    data, _ = _docx_bytes()
    body = _upload(client, token, data, "a.docx").json
    assert body["created_at"].endswith("+00:00")
