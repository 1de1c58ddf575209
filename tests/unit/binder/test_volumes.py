"""Bound volumes end to end: real DOCX, XLSX, PDF, TXT and image documents ingested, filed, bound by
the CLI and through the API job, and the PDFs read back (order, 页号, bookmarks, metadata, stamps)."""
import io
import json
import re
import subprocess

import pikepdf
from pypdf import PdfReader
from sqlalchemy import select

from archive.auth.actor import CLI
from archive.binder import service as volumes
from archive.binder.build import build, pdf_path
from archive.documents import service as documents
from archive.models import AuditEvent, Document, Job, Volume
from tests.support.api import bearer
from tests.support.volumes import outline

LIYUAN = "河南省/安阳市/文峰区/莲蓬寺镇/黎元村"


# ---------------------------------------------------------------- CLI, by filter

def test_cli_builds_the_filed_documents_of_a_class_in_archive_code_order(services, cli, bindable, tmp_path):
    out = tmp_path / "卷.pdf"
    result = cli("volume", "build", "--org", LIYUAN, "--category", "0305", "--year", "2020", "--retention", "D30",
                 "--made-by", "张档案", "-o", str(out))
    assert result.exit_code == 0, result.output
    reader = PdfReader(out)
    with services.db.session() as session:
        volume = session.scalars(select(Volume)).one()
        items = volume.items
        docs = [session.get(Document, item.document_id) for item in items]
        filed = [session.get(Document, i) for i in bindable.values()]
        filed = sorted((d for d in filed if d.category_code == "0305" and d.archive_code), key=lambda d: d.item_no)
        assert len(filed) >= 3 and [d.id for d in docs] == [d.id for d in filed]
        assert volume.status == "done" and volume.archive_code.endswith("-0305-AJ001")
        assert [item.sha256 for item in items] == [d.sha256 for d in docs]  # the versions bound
        assert items[0].page_start == 1 and all(b.page_start == a.page_end + 1 for a, b in zip(items, items[1:]))
        assert volume.page_count == items[-1].page_end and volume.total_pages == len(reader.pages)
        assert all(item.rendition_sha256 for item in items)
    text = reader.pages[0].extract_text()
    assert volume.archive_code in text and "0305 住房安全" in text and "定期30年" in text  # the cover
    marks = [title for title, _ in outline(reader)]
    assert marks[:2] == ["封面", "卷内文件目录"] and "卷内备考表" in marks
    assert reader.metadata.title == volume.title and reader.metadata.author == "黎元村"
    # Each document's first page carries its 归档章 with its 件号.
    first = reader.pages[[p for t, p in outline(reader) if t.startswith("1. ")][0]].extract_text()
    assert str(docs[0].item_no) in first and "永久" not in first and "定期30年" in first


def test_second_volume_of_a_class_gets_the_next_volume_number(services, cli, bindable, tmp_path):
    for n in (1, 2):
        result = cli("volume", "build", "--org", LIYUAN, "--category", "0305", "--year", "2020",
                     "--documents", str(bindable["notice.txt"]), "-o", str(tmp_path / f"{n}.pdf"), "--json")
        assert result.exit_code == 0, result.output
        data = json.loads(result.output.strip().splitlines()[-1])
        assert data["archive_code"].endswith(f"-AJ00{n}") and data["status"] == "done"


def test_cli_refuses_bad_input_and_records_nothing(services, cli, bindable, tmp_path):
    cases = [
        (["--category", "9999", "--year", "2020"], "不存在"),
        (["--category", "0305", "--year", "20x0"], "年度"),
        (["--category", "0305", "--year", "2019"], "没有"),
        (["--category", "0305", "--year", "2020", "--documents", "1,x"], "无效"),
        (["--category", "0305", "--year", "2020", "--documents", "999999"], "不存在"),
    ]
    for args, message in cases:
        result = cli("volume", "build", "--org", LIYUAN, *args, "-o", str(tmp_path / "x.pdf"))
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output, (args, result.output)
    with services.db.session() as session:
        assert session.query(Volume).count() == 0
    assert not (tmp_path / "x.pdf").exists()


# ---------------------------------------------------------------- API, by hand, as a job

def test_api_builds_hand_picked_documents_in_the_given_order(services, client, make_user, bindable):
    _, token = make_user("clerk", "黎元村")
    order = [bindable[n] for n in ("ledger.xlsx", "notice.pdf", "scan.png", "notice.docx")]
    response = client.post("/api/v1/volumes", headers=bearer(token), json={
        "org": LIYUAN, "category": "0305", "year": 2020, "documents": order, "title": "黎元村2020年危房改造材料",
        "double_sided": True, "spine": True})
    assert response.status_code == 202, response.json
    body = response.json
    assert body["job"]["kind"] == "volume_build" and response.headers["Location"].endswith(f"/volumes/{body['id']}")
    status = client.get(f"/api/v1/volumes/{body['id']}", headers=bearer(token)).json
    assert status["status"] == "done", status["errors"]
    assert status["progress"] == 1.0 and status["job"]["status"] == "done"
    assert [d["document_id"] for d in status["documents"]] == order
    assert status["title"] == "黎元村2020年危房改造材料"
    pdf = client.get(f"/api/v1/volumes/{body['id']}/pdf", headers=bearer(token))
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF-1.7")
    reader = PdfReader(io.BytesIO(pdf.data))
    assert len(reader.pages) == status["total_pages"]
    doc_marks = [(t, p) for t, p in outline(reader) if re.match(r"\d+\. ", t)]
    assert [t.split(". ", 1)[1] for t, _ in doc_marks] == [d["title"] for d in status["documents"]]
    # The bookmark of each document points at the page where its 页号 starts.
    first_index = doc_marks[0][1]
    for (_, page), d in zip(doc_marks, status["documents"]):
        assert page - first_index + 1 == d["page_start"]
    assert outline(reader)[-1][0] == "卷脊"
    with services.db.session() as session:
        actions = [e.action for e in session.query(AuditEvent).filter_by(object_type="volume")]
        assert actions == ["volume_create", "volume_download"]


def test_api_refuses_bad_requests_without_recording_anything(services, client, make_user, bindable, org_tree):
    _, clerk = make_user("clerk", "黎元村")
    _, other = make_user("other", "东关村")
    _, inspector = make_user("insp", "莲蓬寺镇", "inspector")
    with services.db.session() as session:
        documents.delete(session, CLI, bindable["notice.docx"])
    base = {"org": LIYUAN, "category": "0305", "year": 2020}
    cases = [
        (clerk, {**base, "year": "二〇二〇"}, 400, "invalid_year"),
        (clerk, {**base, "category": ""}, 400, "missing_category"),
        (clerk, {**base, "retention": "X"}, 400, "invalid_retention"),
        (clerk, {**base, "documents": [bindable["notice.txt"], bindable["notice.txt"]]}, 400, "duplicate_documents"),
        (clerk, {**base, "documents": [bindable["notice.docx"]]}, 400, "invalid_documents"),  # in the trash
        (clerk, {**base, "year": 2019}, 400, "nothing_to_bind"),
        (clerk, {**base, "double_sided": "maybe"}, 400, "invalid_flag"),
        (other, {**base, "documents": [bindable["notice.txt"]], "org": None}, 400, "invalid_documents"),
        (other, base, 404, "not_found"),
        (inspector, base, 403, "forbidden"),
    ]
    for token, body, status, code in cases:
        response = client.post("/api/v1/volumes", headers=bearer(token), json=body)
        assert response.status_code == status, (body, response.json)
        assert response.json["error"]["code"] == code, (body, response.json)
    assert client.post("/api/v1/volumes", headers=bearer(clerk), data="[]",
                       content_type="application/json").status_code == 400
    with services.db.session() as session:
        assert session.query(Volume).count() == 0 and session.query(Job).count() == 0


def test_volumes_are_seen_within_scope_only(services, client, make_user, bindable):
    _, clerk = make_user("clerk", "黎元村")
    _, other = make_user("other", "东关村")
    _, inspector = make_user("insp", "莲蓬寺镇", "inspector")
    created = client.post("/api/v1/volumes", headers=bearer(clerk), json={
        "org": LIYUAN, "category": "0305", "year": 2020, "documents": [bindable["notice.txt"]]}).json
    url = f"/api/v1/volumes/{created['id']}"
    assert client.get(url, headers=bearer(inspector)).status_code == 200
    assert client.get(url + "/pdf", headers=bearer(inspector)).status_code == 200
    assert client.get(url, headers=bearer(other)).status_code == 404
    assert client.get(url + "/pdf", headers=bearer(other)).status_code == 404
    assert client.get("/api/v1/volumes", headers=bearer(other)).json["total"] == 0
    assert client.get("/api/v1/volumes", headers=bearer(inspector)).json["total"] == 1


def test_preview_lists_the_table_of_contents_without_saving(services, client, make_user, bindable):
    _, clerk = make_user("clerk", "黎元村")
    order = [bindable["notice.pdf"], bindable["notice.txt"]]
    preview = client.post("/api/v1/volumes/preview", headers=bearer(clerk), json={
        "org": LIYUAN, "category": "0305", "year": 2020, "documents": order}).json
    assert [d["document_id"] for d in preview["documents"]] == order
    assert [d["page_label"] for d in preview["documents"]] == ["1", "3"]  # the PDF has 2 pages, the TXT 1
    assert preview["title"].endswith("文件材料")
    with services.db.session() as session:
        assert session.query(Volume).count() == 0


# ---------------------------------------------------------------- failures

def test_a_document_that_cannot_be_rendered_fails_the_build_by_name(services, bindable):
    with services.db.session() as session:
        doc = session.get(Document, bindable["notice.docx"])
        damaged = services.store.path_for(doc.sha256)
        volume = volumes.create(session, services.standards, CLI, volumes.Spec(
            org=doc.org, category="0305", year=2020, retention="D30",
            documents=[bindable["notice.txt"], doc.id]))
        volume_id, name = volume.id, doc.original_name
    damaged.chmod(0o644)
    damaged.write_bytes(b"PK\x03\x04 not really a docx")  # the stored original went bad on disk
    outcome = build(services, volume_id)
    assert outcome.status == "failed" and any(name in e for e in outcome.errors), outcome.errors
    with services.db.session() as session:
        volume = session.get(Volume, volume_id)
        assert volume.status == "failed" and volume.errors == outcome.errors
        assert volume.page_count is None and all(item.page_start is None for item in volume.items)
    assert not pdf_path(services.settings.volumes_dir, volume_id).exists()
    assert not [p for p in services.settings.volumes_dir.iterdir() if p.name.startswith(".")]
    with services.db.session() as session:  # its 案卷号 went back: the next volume gets AJ001
        volume = session.get(Volume, volume_id)
        assert volume.volume_no is None and volume.archive_code is None
        other = volumes.create(session, services.standards, CLI, volumes.Spec(
            org=volume.org, category="0305", year=2020, retention="D30", documents=[bindable["notice.txt"]]))
        other_id = other.id
    assert build(services, other_id).status == "done"
    with services.db.session() as session:
        assert session.get(Volume, other_id).archive_code.endswith("AJ001")


def test_two_builds_of_one_volume_never_run_at_once(services, bindable):
    from concurrent.futures import ThreadPoolExecutor

    with services.db.session() as session:
        doc = session.get(Document, bindable["notice.txt"])
        volume_id = volumes.create(session, services.standards, CLI, volumes.Spec(
            org=doc.org, category="0305", year=2020, retention="D30", documents=[doc.id])).id
    with ThreadPoolExecutor(2) as pool:
        outcomes = list(pool.map(lambda _: build(services, volume_id), range(2)))
    statuses = sorted(o.status for o in outcomes)
    assert statuses in (["building", "done"], ["done", "done"]), statuses  # the second found it taken or built
    with services.db.session() as session:
        volume = session.get(Volume, volume_id)
        assert volume.status == "done" and volume.archive_code.endswith("AJ001")


def test_pdf_of_an_unbuilt_volume_is_409(services, client, make_user, bindable):
    user, clerk = make_user("clerk", "黎元村")
    with services.db.session() as session:
        doc = session.get(Document, bindable["notice.txt"])
        volume = volumes.create(session, services.standards, CLI, volumes.Spec(
            org=doc.org, category="0305", year=2020, retention="D30", documents=[doc.id]))
        volume_id = volume.id
    response = client.get(f"/api/v1/volumes/{volume_id}/pdf", headers=bearer(clerk))
    assert response.status_code == 409 and response.json["error"]["code"] == "volume_not_ready"


def test_same_inputs_give_the_same_layout(services, cli, bindable, tmp_path):
    texts = []
    for n in (1, 2):
        out = tmp_path / f"{n}.pdf"
        ids = ",".join(str(bindable[k]) for k in ("notice.docx", "ledger.xlsx", "notice.txt"))
        assert cli("volume", "build", "--org", LIYUAN, "--category", "0305", "--year", "2020", "--documents", ids,
                   "-o", str(out)).exit_code == 0
        reader = PdfReader(out)
        # The 档号 differs (AJ001, AJ002); everything else, page for page, is the same.
        texts.append([re.sub(r"AJ\d{3}", "AJ", p.extract_text()) for p in reader.pages])
    assert texts[0] == texts[1]


def test_qpdf_accepts_the_volume(services, cli, bindable, tmp_path):
    out = tmp_path / "v.pdf"
    assert cli("volume", "build", "--org", LIYUAN, "--category", "0305", "--year", "2020", "-o", str(out)).exit_code == 0
    check = subprocess.run(["qpdf", "--check", str(out)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr


def test_preview_counts_pages_from_renditions_once_they_exist(services, client, cli, make_user, bindable, tmp_path):
    _, clerk = make_user("clerk", "黎元村")
    body = {"org": LIYUAN, "category": "0305", "year": 2020, "documents": [bindable["notice.docx"], bindable["notice.txt"]]}
    before = client.post("/api/v1/volumes/preview", headers=bearer(clerk), json=body).json
    assert before["pages_exact"] is False  # a DOCX's pages are only known once rendered
    ids = ",".join(str(i) for i in body["documents"])
    assert cli("volume", "build", "--org", LIYUAN, "--category", "0305", "--year", "2020", "--documents", ids,
               "-o", str(tmp_path / "v.pdf")).exit_code == 0
    after = client.post("/api/v1/volumes/preview", headers=bearer(clerk), json=body).json
    with services.db.session() as session:
        built = session.scalars(select(Volume)).one().items
        assert after["pages_exact"] is True
        assert [d["page_label"] for d in after["documents"]] == [str(built[0].page_start),
                                                                  f"{built[1].page_start}-{built[1].page_end}"
                                                                  if built[1].page_end > built[1].page_start
                                                                  else str(built[1].page_start)]


def test_a_failed_volume_is_built_again_once_its_document_is_back(services, client, make_user, bindable):
    _, clerk = make_user("clerk", "黎元村")
    _, admin = make_user("admin", "文峰区", "admin")
    ids = [bindable["notice.txt"], bindable["notice.pdf"]]
    with services.db.session() as session:
        doc = session.get(Document, ids[1])
        volume = volumes.create(session, services.standards, CLI, volumes.Spec(
            org=doc.org, category="0305", year=2020, retention="D30", documents=ids))
        volume_id = volume.id
    assert client.delete(f"/api/v1/documents/{ids[1]}", headers=bearer(clerk)).status_code == 200
    outcome = build(services, volume_id)
    assert outcome.status == "failed" and "回收站" in outcome.errors[0]
    assert client.post(f"/api/v1/documents/{ids[1]}/restore", headers=bearer(admin)).status_code == 200
    again = client.post(f"/api/v1/volumes/{volume_id}/build", headers=bearer(clerk))
    assert again.status_code == 202 and again.json["status"] == "done", again.json
    assert again.json["errors"] == [] and again.json["archive_code"].endswith("AJ001")
    refused = client.post(f"/api/v1/volumes/{volume_id}/build", headers=bearer(clerk))
    assert refused.status_code == 400 and refused.json["error"]["code"] == "not_failed"


def test_volume_check_runs_the_deep_checks_and_finds_damage(services, cli, bindable, tmp_path):
    out = tmp_path / "v.pdf"
    assert cli("volume", "build", "--org", LIYUAN, "--category", "0305", "--year", "2020", "-o", str(out)).exit_code == 0
    result = cli("volume", "check", "1")
    assert result.exit_code == 0 and "检查通过" in result.output, result.output
    stored = pdf_path(services.settings.volumes_dir, 1)
    with pikepdf.open(stored, allow_overwriting_input=True) as pdf:  # a content stream gone bad on disk
        contents = pdf.pages[2].obj.Contents
        stream = contents[0] if isinstance(contents, pikepdf.Array) else contents
        stream.write(b"x\x9c not zlib data at all", filter=pikepdf.Name.FlateDecode)
        pdf.save(stored)
    damaged = cli("volume", "check", "1")
    assert damaged.exit_code == 1 and "错误" in damaged.output, damaged.output
    assert cli("volume", "check", "99").exit_code == 2
