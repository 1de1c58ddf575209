"""Document pages through a real browser session: log-in form, CSRF, real files, real database."""
from __future__ import annotations

import html
import io
import random
import re
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import select

from archive.demo import samples
from archive.ingest.pipeline import Incoming
from archive.models import AuditEvent, Document
from tests.support.pages import csrf_in, header_csrf, login, post_file, raw_text


# ------------------------------------------------------------------------------------------ helpers


def sample_bytes(tmp_path: Path, seed: int, fmt: str = "docx", unit: str = "黎元村", year: int = 2020) -> tuple[bytes, object]:
    doc = samples.random_document(random.Random(seed), unit_name=unit, level="village", year=year)
    path = tmp_path / f"s{seed}.{fmt}"
    if fmt == "pdf":
        samples.write_pdf(doc, path, pages=1)
    else:
        samples.write_docx(doc, path)
    return path.read_bytes(), doc


def ingest(services, tmp_path, org, seed: int, fmt: str = "docx", name: str | None = None, year: int | None = None):
    """File a real document straight through the pipeline (as the command line would). Returns its id."""
    data, _ = sample_bytes(tmp_path, seed, fmt)
    result = services.pipeline.ingest(Incoming(source=io.BytesIO(data), name=name or f"文件{seed}.{fmt}", org=org))
    assert result.status == "stored", result.as_dict()
    if year is not None:
        with services.db.session() as session:
            session.get(Document, result.document.id).year = year
    return result.document.id


def audit_rows(services, action: str, document_id: int) -> list[AuditEvent]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_type == "document",
            AuditEvent.object_id == str(document_id))))


def load(services, document_id: int) -> Document:
    with services.db.session() as session:
        return session.get(Document, document_id)


def row_ids(page_text: str) -> set[int]:
    table = re.search(r'<table class="data" id="documents">(.*?)</table>', page_text, re.S)
    assert table, "table#documents missing"
    return {int(i) for i in re.findall(r'<tr data-id="(\d+)"', table.group(1))}


def upload(client, token: str, data: bytes, relpath: str, org_id: int):
    return post_file(client, "/upload/file", {"org": str(org_id), "relpath": relpath}, data, relpath.rsplit("/", 1)[-1],
                     headers={"X-CSRF-Token": token})


# ------------------------------------------------------------------------------------------ browse

def test_browse_lists_scope_with_tree_counts_and_year_filter(client, services, org_tree, make_user, tmp_path):
    liyuan = ingest(services, tmp_path, org_tree["黎元村"], 1, year=2019)
    liyuan2 = ingest(services, tmp_path, org_tree["黎元村"], 2, year=2021)
    dongguan = ingest(services, tmp_path, org_tree["东关村"], 3, year=2021)
    xigang = ingest(services, tmp_path, org_tree["西岗村"], 4, year=2021)
    make_user("town", "莲蓬寺镇", "clerk")
    login(client, "town")

    page = client.get("/browse")
    assert page.status_code == 200
    body = raw_text(page)
    assert row_ids(body) == {liyuan, liyuan2, dongguan}  # 西岗村 is another town's
    assert xigang not in row_ids(body) and "西岗村" not in body
    # The tree: the user's town with its villages, counts including descendants.
    town_id, village_id = org_tree["莲蓬寺镇"].id, org_tree["黎元村"].id

    def tree_entry(name, count, selected=False):
        unit_id = org_tree[name].id
        cls = "selected" if selected else ""
        return re.search(rf'data-org="{unit_id}"\s+class="{cls}"[^>]*>\s*<span class="name">{name}</span>'
                         rf'<span class="count">{count}</span>', body)

    assert tree_entry("莲蓬寺镇", 3, selected=True)
    assert tree_entry("黎元村", 2) and tree_entry("东关村", 1)
    # Year chips for the selected unit, with 全部.
    assert "全部" in body and 'data-year="2021"' in body and 'data-year="2019"' in body

    village = raw_text(client.get(f"/browse?org={village_id}"))
    assert row_ids(village) == {liyuan, liyuan2}
    assert re.search(rf'data-org="{village_id}"\s+class="selected"', village)
    assert re.search(rf'data-org="{town_id}"\s+class=""', village)

    assert row_ids(raw_text(client.get(f"/browse?org={village_id}&year=2021"))) == {liyuan2}
    assert row_ids(raw_text(client.get("/browse?year=2021"))) == {liyuan2, dongguan}
    assert row_ids(raw_text(client.get("/browse?year=1990"))) == set()

    # Sorting by 年度 ascending puts 2019 first.
    by_year = raw_text(client.get("/browse?sort=year&dir=asc"))
    assert by_year.index(f'data-id="{liyuan}"') < by_year.index(f'data-id="{liyuan2}"')
    # Bad parameters fall back to defaults; another town's unit is not found.
    for junk in ("org=abc", "year=x", "page=-4", "page=zz", "sort=evil&dir=up", "page=999"):
        r = client.get(f"/browse?{junk}")
        assert r.status_code == 200, junk
        assert row_ids(raw_text(r)) == {liyuan, liyuan2, dongguan}, junk
    assert client.get(f"/browse?org={org_tree['西岗村'].id}").status_code == 404
    assert client.get(f"/browse?org={org_tree['文峰区'].id}").status_code == 404
    assert client.get("/browse?org=99999").status_code == 404


def test_browse_paginates_at_50(client, services, org_tree, make_user):
    from archive.models import Document as Doc

    with services.db.session() as session:
        for i in range(53):
            session.add(Doc(org_id=org_tree["黎元村"].id, sha256=f"{i:064x}", size=1, file_kind="txt",
                            mime_type="text/plain", original_name=f"{i}.txt", title=f"测试文件{i:02d}"))
    make_user("clerk", "黎元村")
    login(client, "clerk")
    first, second = raw_text(client.get("/browse?sort=title&dir=asc")), raw_text(client.get("/browse?sort=title&dir=asc&page=2"))
    assert len(row_ids(first)) == 50 and len(row_ids(second)) == 3
    assert 'class="pager"' in first and "共 53 件" in first
    assert "测试文件00" in first and "测试文件52" in second


# ------------------------------------------------------------------------------------------ detail

def test_detail_shows_metadata_history_and_audits_view(client, services, org_tree, make_user, tmp_path):
    doc_id = ingest(services, tmp_path, org_tree["黎元村"], 7, name="黎元村评议记录.docx")
    doc = load(services, doc_id)
    make_user("clerk", "黎元村")
    login(client, "clerk")

    r = client.get(f"/documents/{doc_id}")
    assert r.status_code == 200
    body = raw_text(r)
    assert f'<h1 id="doc-title">{html.escape(doc.title)}</h1>' in body
    assert "黎元村评议记录.docx" in body and doc.sha256 in body and "河南省/安阳市/文峰区/莲蓬寺镇/黎元村" in body
    assert 'class="kv"' in body and "已入库" in body
    assert re.search(r"上传时间</th><td>\d{4}-\d{2}-\d{2} \d{2}:\d{2}</td>", body)
    # Breadcrumb: the units in scope are links, those above the user's unit are plain text.
    assert f'href="/browse?org={org_tree["黎元村"].id}"' in body
    assert f'href="/browse?org={org_tree["莲蓬寺镇"].id}"' not in body
    assert 'id="download-document"' in body and 'id="edit-document"' in body and 'id="delete-document"' in body
    assert "不能在页面中预览" in body  # a docx has no preview
    # History: the upload and this view, in Chinese.
    assert 'id="history"' in body and "上传" in body and "查看" in body
    views = audit_rows(services, "view", doc_id)
    assert len(views) == 1 and views[0].username == "clerk"
    assert re.findall(r"<script(?![^>]*\bsrc=)", body) == []  # no inline scripts (CSP)
    assert " onclick=" not in body and " style=" not in body


def test_edit_saves_and_records_before_after(client, services, org_tree, make_user, tmp_path):
    doc_id = ingest(services, tmp_path, org_tree["黎元村"], 8)
    old = load(services, doc_id)
    make_user("clerk", "黎元村")
    login(client, "clerk")

    form_page = client.get(f"/documents/{doc_id}/edit")
    assert form_page.status_code == 200 and 'id="edit-form"' in raw_text(form_page)
    assert 'type="date"' in raw_text(form_page) and html.escape(old.title) in raw_text(form_page)
    token = csrf_in(raw_text(form_page))

    r = client.post(f"/documents/{doc_id}/edit", data={
        "csrf_token": token, "title": "黎元村2020年度脱贫户评议结果公示（修订）", "doc_number": "黎村〔2020〕3号",
        "author": "黎元村村民委员会", "doc_date": "2020-06-15", "year": "2020"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/documents/{doc_id}")
    new = load(services, doc_id)
    assert new.title == "黎元村2020年度脱贫户评议结果公示（修订）" and new.doc_number == "黎村〔2020〕3号"
    assert new.doc_date.isoformat() == "2020-06-15" and new.year == 2020
    (edit,) = audit_rows(services, "edit", doc_id)
    assert edit.changes["before"]["title"] == old.title
    assert edit.changes["after"]["title"] == "黎元村2020年度脱贫户评议结果公示（修订）"

    detail = raw_text(client.get(r.headers["Location"]))
    assert "已保存" in detail and "修改" in detail
    assert html.escape(old.title) in detail and "黎村〔2020〕3号" in detail  # before → after shown

    bad = client.post(f"/documents/{doc_id}/edit", data={"csrf_token": token, "title": "另一个题名", "year": "二〇二〇"})
    assert bad.status_code == 422
    assert "年度应为四位数字" in raw_text(bad) and 'id="err-year"' in raw_text(bad)
    assert 'value="二〇二〇"' in raw_text(bad)  # what was typed is kept
    assert load(services, doc_id).title == "黎元村2020年度脱贫户评议结果公示（修订）"  # nothing saved
    assert len(audit_rows(services, "edit", doc_id)) == 1

    assert "题名不能为空" in raw_text(client.post(f"/documents/{doc_id}/edit", data={"csrf_token": token, "title": " "}))


def test_inspector_cannot_edit_or_delete(client, services, org_tree, make_user, tmp_path):
    doc_id = ingest(services, tmp_path, org_tree["黎元村"], 9)
    before = load(services, doc_id)
    make_user("insp", "莲蓬寺镇", "inspector")
    login(client, "insp")

    body = raw_text(client.get(f"/documents/{doc_id}"))
    assert 'id="download-document"' in body
    assert 'id="edit-document"' not in body and 'id="delete-document"' not in body
    token = header_csrf(client)
    assert client.get(f"/documents/{doc_id}/edit").status_code == 403
    assert client.post(f"/documents/{doc_id}/edit", data={"csrf_token": token, "title": "改"}).status_code == 403
    assert client.get(f"/documents/{doc_id}/delete").status_code == 403
    assert client.post(f"/documents/{doc_id}/delete", data={"csrf_token": token}).status_code == 403
    after = load(services, doc_id)
    assert after.title == before.title and after.deleted_at is None
    assert client.get("/upload").status_code == 403
    assert client.get("/trash").status_code == 403
    assert 'href="/upload"' not in body


def test_post_without_csrf_is_refused(client, services, org_tree, make_user, tmp_path):
    doc_id = ingest(services, tmp_path, org_tree["黎元村"], 10)
    title = load(services, doc_id).title
    make_user("clerk", "黎元村")
    login(client, "clerk")
    assert client.post(f"/documents/{doc_id}/edit", data={"title": "篡改"}).status_code == 400
    assert client.post(f"/documents/{doc_id}/edit", data={"title": "篡改", "csrf_token": "forged"}).status_code == 400
    assert client.post(f"/documents/{doc_id}/delete").status_code == 400
    data, _ = sample_bytes(tmp_path, 11)
    r = client.post("/upload/file", data={"file": (io.BytesIO(data), "a.docx"), "org": str(org_tree["黎元村"].id)},
                    content_type="multipart/form-data")
    assert r.status_code == 400
    doc = load(services, doc_id)
    assert doc.title == title and doc.deleted_at is None
    with services.db.session() as session:
        assert session.scalar(select(Document).where(Document.original_name == "a.docx")) is None
    assert audit_rows(services, "edit", doc_id) == [] and audit_rows(services, "delete", doc_id) == []


# ------------------------------------------------------------------------------------------ trash

def test_delete_to_trash_and_restore(client, services, org_tree, make_user, tmp_path):
    doc_id = ingest(services, tmp_path, org_tree["黎元村"], 12)
    title = load(services, doc_id).title
    make_user("clerk", "黎元村")
    make_user("admin", "文峰区", "admin")
    login(client, "clerk")

    confirm = client.get(f"/documents/{doc_id}/delete")
    assert confirm.status_code == 200 and "确认删除" in raw_text(confirm) and html.escape(title) in raw_text(confirm)
    r = client.post(f"/documents/{doc_id}/delete", data={"csrf_token": csrf_in(raw_text(confirm))})
    assert r.status_code == 302 and r.headers["Location"].endswith("/browse")
    listing = raw_text(client.get("/browse"))
    assert "已移入回收站，系统管理员可以恢复" in listing and doc_id not in row_ids(listing)
    assert client.get(f"/documents/{doc_id}").status_code == 404
    assert client.get("/trash").status_code == 403  # a clerk has no trash
    assert load(services, doc_id).deleted_at is not None

    client.post("/logout", data={"csrf_token": header_csrf(client)})
    login(client, "admin")
    trash = raw_text(client.get("/trash"))
    assert f'<tr data-id="{doc_id}">' in trash and html.escape(title) in trash and "clerk" in trash
    assert client.post(f"/trash/{doc_id}/restore").status_code == 400  # no csrf
    r = client.post(f"/trash/{doc_id}/restore", data={"csrf_token": header_csrf(client)})
    assert r.status_code == 302
    assert load(services, doc_id).deleted_at is None
    assert doc_id in row_ids(raw_text(client.get("/browse")))
    assert f'<tr data-id="{doc_id}">' not in raw_text(client.get("/trash"))
    assert [e.username for e in audit_rows(services, "restore", doc_id)] == ["admin"]


# ------------------------------------------------------------------------------------------ files

def test_download_and_preview(client, services, org_tree, make_user, tmp_path):
    docx_id = ingest(services, tmp_path, org_tree["黎元村"], 13, name="黎元村评议记录.docx")
    pdf_id = ingest(services, tmp_path, org_tree["黎元村"], 14, fmt="pdf", name="帮扶方案.pdf")
    make_user("viewer", "黎元村", "viewer")
    login(client, "viewer")

    f = client.get(f"/documents/{docx_id}/file")
    assert f.status_code == 200 and f.data == services.store.open(load(services, docx_id).sha256).read()
    assert f.headers["Content-Disposition"].startswith("attachment;")
    assert f"filename*=UTF-8''{quote('黎元村评议记录.docx')}" in f.headers["Content-Disposition"]
    assert f.headers["X-Content-Type-Options"] == "nosniff"
    assert len(audit_rows(services, "download", docx_id)) == 1

    detail = raw_text(client.get(f"/documents/{pdf_id}"))
    assert f'<iframe class="pdf-preview" id="preview" src="/documents/{pdf_id}/preview"' in detail
    p = client.get(f"/documents/{pdf_id}/preview")
    assert p.status_code == 200 and p.mimetype == "application/pdf" and p.data.startswith(b"%PDF")
    assert p.headers["Content-Disposition"].startswith("inline;")
    assert p.headers["Content-Security-Policy"] == "sandbox" and p.headers["X-Content-Type-Options"] == "nosniff"
    assert audit_rows(services, "download", pdf_id) == []  # a preview is a view, not a download
    assert len(audit_rows(services, "view", pdf_id)) == 1  # the page; its embedded preview is the same look
    assert client.get(f"/documents/{docx_id}/preview").status_code == 404

    photo = samples.write_jpeg(tmp_path / "photo.jpg", random.Random(5))
    jpg = services.pipeline.ingest(Incoming(source=photo, name="入户照片.jpg", org=org_tree["黎元村"])).document.id
    assert f'<img class="image-preview" id="preview" src="/documents/{jpg}/preview"' in raw_text(client.get(f"/documents/{jpg}"))
    shown = client.get(f"/documents/{jpg}/preview")
    assert shown.status_code == 200 and shown.mimetype == "image/jpeg" and shown.data == photo.read_bytes()


def test_other_village_sees_nothing(client, services, org_tree, make_user, tmp_path):
    doc_id = ingest(services, tmp_path, org_tree["黎元村"], 15, fmt="pdf")
    make_user("dg", "东关村", "clerk")
    login(client, "dg")
    token = header_csrf(client)
    for url in (f"/documents/{doc_id}", f"/documents/{doc_id}/file", f"/documents/{doc_id}/preview",
                f"/documents/{doc_id}/edit", f"/documents/{doc_id}/delete"):
        assert client.get(url).status_code == 404, url
    assert client.post(f"/documents/{doc_id}/edit", data={"csrf_token": token, "title": "x"}).status_code == 404
    assert client.post(f"/documents/{doc_id}/delete", data={"csrf_token": token}).status_code == 404
    assert load(services, doc_id).deleted_at is None
    assert audit_rows(services, "view", doc_id) == [] and audit_rows(services, "download", doc_id) == []
    assert row_ids(raw_text(client.get("/browse"))) == set()


# ------------------------------------------------------------------------------------------ upload

def test_upload_page_and_file_results(client, services, org_tree, make_user, tmp_path):
    make_user("clerk", "莲蓬寺镇")
    login(client, "clerk")
    page = client.get("/upload")
    assert page.status_code == 200
    body = raw_text(page)
    for needle in ('id="upload-org"', 'id="file-input"', 'id="folder-input"', "webkitdirectory", 'id="upload-results"',
                   '<meta name="csrf-token"', "js/upload.js"):
        assert needle in body, needle
    assert re.search(rf'<option value="{org_tree["莲蓬寺镇"].id}" selected>', body)
    assert f'value="{org_tree["西岗村"].id}"' not in body  # only units in scope
    token = re.search(r'<meta name="csrf-token" content="([^"]+)"', body).group(1)

    town = org_tree["莲蓬寺镇"].id
    data, doc = sample_bytes(tmp_path, 20)
    r = upload(client, token, data, "通知.docx", town)
    assert r.status_code == 200 and r.json["status"] == "stored" and r.json["path"] == "通知.docx"
    assert r.json["org"].endswith("莲蓬寺镇") and r.json["title"] == doc.title
    stored_id = r.json["document_id"]
    assert load(services, stored_id).org_id == town
    assert audit_rows(services, "upload", stored_id)[0].username == "clerk"

    again = upload(client, token, data, "副本/通知.docx", town)
    assert again.status_code == 200 and again.json["status"] == "duplicate" and again.json["document_id"] == stored_id

    bad = upload(client, token, b"MZ\x90\x00 this is not a document" * 20, "病毒.exe", town)
    assert bad.status_code == 200 and bad.json["status"] == "rejected"
    assert re.search(r"[\u4e00-\u9fff]", bad.json["error"]["message"])  # a reason in Chinese

    # A folder upload: the sub-folder named like a village files into that village.
    data2, _ = sample_bytes(tmp_path, 21)
    r = upload(client, token, data2, "黎元村/x.docx", town)
    assert r.json["status"] == "stored" and r.json["org"].endswith("莲蓬寺镇/黎元村")
    assert load(services, r.json["document_id"]).org_id == org_tree["黎元村"].id
    data3, _ = sample_bytes(tmp_path, 22)
    r = upload(client, token, data3, "2020年资料/东关村/会议记录/y.docx", town)
    assert load(services, r.json["document_id"]).org_id == org_tree["东关村"].id

    # A unit outside the user's scope is refused.
    data4, _ = sample_bytes(tmp_path, 23)
    out = upload(client, token, data4, "z.docx", org_tree["西岗村"].id)
    assert out.status_code == 404 and out.json["status"] == "rejected"


def test_upload_too_large_and_duplicate_elsewhere(client, services, org_tree, make_user, tmp_path, monkeypatch):
    from archive.config import Limits

    make_user("a", "黎元村")
    make_user("b", "东关村")
    data, _ = sample_bytes(tmp_path, 30)
    ingest_id = services.pipeline.ingest(Incoming(source=io.BytesIO(data), name="a.docx", org=org_tree["黎元村"])).document.id

    login(client, "b")
    token = header_csrf(client)
    dup = upload(client, token, data, "b.docx", org_tree["东关村"].id)
    assert dup.json["status"] == "duplicate" and dup.json["document_id"] is None and dup.json["title"] is None
    assert "其他单位" in dup.json["error"]["message"]

    monkeypatch.setattr(services.pipeline, "limits", Limits(max_bytes=4096, timeout_seconds=30))
    big = upload(client, token, b"x" * 10_000, "big.txt", org_tree["东关村"].id)
    assert big.status_code == 413 and big.json["status"] == "rejected" and big.json["error"]["code"] == "file_too_large"
    assert "大小限制" in big.json["error"]["message"]
    assert ingest_id


def test_viewer_cannot_upload(client, make_user, org_tree, tmp_path):
    make_user("v", "黎元村", "viewer")
    login(client, "v")
    token = header_csrf(client)
    assert client.get("/upload").status_code == 403
    data, _ = sample_bytes(tmp_path, 40)
    r = upload(client, token, data, "a.docx", org_tree["黎元村"].id)
    assert r.status_code == 403 and r.json["status"] == "rejected"


@pytest.mark.parametrize("path", ["/browse", "/upload", "/trash"])
def test_pages_need_login(client, path):
    r = client.get(path)
    assert r.status_code == 302 and "/login" in r.headers["Location"]
