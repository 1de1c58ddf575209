"""Ingest end to end through the CLI and the pipeline, against the real database and file store."""
import json
import random
import zipfile

import pytest
from sqlalchemy import func, select

from archive.demo import samples
from archive.ingest.pipeline import Incoming
from archive.models import Document
from tests.support.api import leftover_files

TREE_ORGS = [
    "河南省/安阳市/文峰区",
    "河南省/安阳市/文峰区/莲蓬寺镇",
    "河南省/安阳市/文峰区/莲蓬寺镇/黎元村",
    "河南省/安阳市/文峰区/莲蓬寺镇/东关村",
    "河南省/安阳市/文峰区/宝莲寺镇/西岗村",
]


def _lines(output: str) -> list[dict]:
    return [json.loads(line) for line in output.splitlines() if line.startswith("{")]


def _count(services, model=Document) -> int:
    with services.db.session() as session:
        return session.scalar(select(func.count()).select_from(model))




def test_folder_tree_lands_in_units_then_all_duplicates(cli, services, org_tree, tmp_path):
    root = tmp_path / "tree"
    written = samples.build_tree(root, random.Random(7), org_paths=TREE_ORGS, per_unit=4,
                                 formats={"docx": 2, "pdf": 2, "xlsx": 1, "txt": 1, "jpg": 1})
    kinds = {rel.rsplit(".", 1)[1] for rel, _ in written}
    assert {"docx", "pdf"} <= kinds

    result = cli("ingest", str(root / "河南省"), "--json")
    assert result.exit_code == 0, result.output
    lines = _lines(result.output)
    assert len(lines) == len(written)
    expected = {str(root / rel): unit for rel, unit in written}
    for line in lines:
        assert line["status"] == "stored", line
        assert line["org"] == expected[line["path"]]
        assert line["document_id"] and line["title"] and line["error"] is None

    with services.db.session() as session:
        docs = session.scalars(select(Document)).all()
        by_kind = {d.file_kind for d in docs}
        assert {"docx", "pdf"} <= by_kind
        for doc in docs:
            assert services.store.path_for(doc.sha256).exists()
            if doc.file_kind in ("docx", "pdf", "txt"):
                assert doc.year in (2019, 2020, 2021)
                assert len(doc.text) > 50
            if doc.file_kind == "jpeg":
                assert doc.status == "awaiting_ocr"

    again = cli("ingest", str(root / "河南省"), "--json")
    assert again.exit_code == 0
    repeat = _lines(again.output)
    assert {line["status"] for line in repeat} == {"duplicate"}
    first_ids = {line["path"]: line["document_id"] for line in lines}
    assert all(line["document_id"] == first_ids[line["path"]] for line in repeat)
    assert _count(services) == len(written)


def test_docx_metadata_and_document_show(cli, services, org_tree, files_dir):
    rng = random.Random(3)
    doc = samples.random_document(rng, unit_name="文峰区", level="county", year=2020, kind="notice")
    path = samples.write_docx(doc, files_dir / "通知.docx")
    result = cli("ingest", str(path), "--org", "410502000000", "--json")
    line = _lines(result.output)[0]
    assert line["status"] == "stored" and line["org"] == "河南省/安阳市/文峰区"

    shown = cli("document", "show", str(line["document_id"]), "--json", "--text")
    data = json.loads(shown.output)
    assert data["title"] == doc.title
    assert data["doc_number"] == doc.doc_number
    assert data["doc_date"] == doc.date.isoformat()
    assert data["year"] == 2020
    assert data["org"] == "河南省/安阳市/文峰区"
    assert data["status"] == "ready"
    assert data["file_kind"] == "docx"
    assert doc.paragraphs[0][:20] in data["text"]

    plain = cli("document", "show", str(line["document_id"]))
    assert f"title: {doc.title}" in plain.output
    missing = cli("document", "show", "999999")
    assert missing.exit_code == 1


def test_pdf_pages_and_gbk_text(cli, services, org_tree, files_dir):
    rng = random.Random(11)
    doc = samples.random_document(rng, unit_name="莲蓬寺镇", level="township", year=2019, pages=3)
    pdf = samples.write_pdf(doc, files_dir / "a.pdf", pages=3)
    txt = samples.write_txt(doc, files_dir / "b.txt", encoding="gb18030")
    result = cli("ingest", str(pdf), str(txt), "--org", "河南省/安阳市/文峰区/莲蓬寺镇", "--json")
    pdf_line, txt_line = _lines(result.output)
    with services.db.session() as session:
        pdf_doc = session.get(Document, pdf_line["document_id"])
        txt_doc = session.get(Document, txt_line["document_id"])
        assert pdf_doc.page_count == 3 and pdf_doc.file_kind == "pdf"
        assert txt_doc.file_kind == "txt"
        assert doc.title in txt_doc.text.replace("\n", "")
        assert txt_doc.year == 2019


def test_file_outside_any_unit_is_rejected(cli, services, org_tree, files_dir):
    path = files_dir / "note.txt"
    path.write_text("关于做好档案整理工作的通知", encoding="utf-8")
    folder = files_dir / "不是单位"
    folder.mkdir()
    (folder / "x.txt").write_text("村委会会议记录", encoding="utf-8")
    result = cli("ingest", str(path), str(folder), "--json")
    assert result.exit_code == 1
    lines = _lines(result.output)
    assert [line["error"]["code"] for line in lines] == ["no_org", "no_org"]
    assert _count(services) == 0


def test_subfolder_named_like_child_unit_descends(cli, services, org_tree, files_dir):
    village = files_dir / "黎元村" / "2020年"
    village.mkdir(parents=True)
    (village / "a.txt").write_text("黎元村2020年村民代表大会评议记录", encoding="utf-8")
    (files_dir / "b.txt").write_text("莲蓬寺镇2020年产业扶贫实施方案", encoding="utf-8")
    (files_dir / "Thumbs.db").write_bytes(b"\x00" * 10)
    result = cli("ingest", str(files_dir), "--org", "河南省/安阳市/文峰区/莲蓬寺镇", "--json")
    assert result.exit_code == 0, result.output
    orgs_by_name = {line["path"].rsplit("/", 1)[1]: line["org"] for line in _lines(result.output)}
    assert orgs_by_name == {"a.txt": "河南省/安阳市/文峰区/莲蓬寺镇/黎元村",
                            "b.txt": "河南省/安阳市/文峰区/莲蓬寺镇"}


def test_unknown_org_is_an_error(cli, org_tree, files_dir):
    result = cli("ingest", str(files_dir), "--org", "河南省/不存在县")
    assert result.exit_code == 2
    assert "找不到单位" in result.output


def _zip_bomb(path):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", b"\x00" * (60 * 1024 * 1024))


def _entity_bomb(path):
    lol = '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>'
    with zipfile.ZipFile(path, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", lol + "<w:document>&lol2;</w:document>")


def _encrypted_pdf(path):
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret")
    with open(path, "wb") as f:
        writer.write(f)


HOSTILE = {
    "too_large.txt": (lambda p: p.write_bytes("档".encode() * (8 * 1024 * 1024)), "file_too_large"),
    "bomb.docx": (_zip_bomb, "zip_bomb"),
    "entities.docx": (_entity_bomb, "xml_entity"),
    "locked.pdf": (_encrypted_pdf, "encrypted"),
    "broken.pdf": (lambda p: p.write_bytes(b"%PDF-1.7\n" + bytes(range(256)) * 40), "malformed"),
    "program.pdf": (lambda p: p.write_bytes(b"MZ\x90\x00" + bytes(range(256)) * 20), "unsupported_type"),
    "empty.docx": (lambda p: p.write_bytes(b""), "empty_file"),
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_file_rejected_leaving_nothing(cli, services, org_tree, files_dir, name):
    make, code = HOSTILE[name]
    path = files_dir / name
    make(path)
    result = cli("ingest", str(path), "--org", "410502100201", "--json")
    assert result.exit_code == 1
    (line,) = _lines(result.output)
    assert line["status"] == "rejected" and line["document_id"] is None
    assert line["error"]["code"] == code
    assert any("\u4e00" <= ch <= "\u9fff" for ch in line["error"]["message"])
    assert _count(services) == 0
    assert leftover_files(services) == []  # nothing stored, no temp file left


def test_rejection_in_a_batch_does_not_stop_the_rest(services, org_tree, files_dir):
    good = files_dir / "good.txt"
    good.write_text("关于印发脱贫攻坚档案管理办法的通知", encoding="utf-8")
    bad = files_dir / "bad.docx"
    _zip_bomb(bad)
    village = org_tree["黎元村"]
    results = list(services.pipeline.ingest_many([
        Incoming(source=bad, name="bad.docx", org=village),
        Incoming(source=good, name="good.txt", org=village),
        Incoming(source=good, name="good-again.txt", org=village),
    ]))
    assert [r.status for r in results] == ["rejected", "stored", "duplicate"]
    assert results[2].document.id == results[1].document.id
    assert _count(services) == 1
    assert len(leftover_files(services)) == 1


def test_check_reports_corruption(cli, services, org_tree, files_dir):
    (files_dir / "a.txt").write_text("黎元村帮扶台账", encoding="utf-8")
    cli("ingest", str(files_dir / "a.txt"), "--org", "410502100201")
    ok = cli("check")
    assert ok.exit_code == 0 and "检查通过" in ok.output
    stored = services.store.path_for(leftover_files(services)[0])
    stored.chmod(0o644)
    stored.write_bytes(b"changed")
    (services.store.root / "ab" / "cd").mkdir(parents=True)
    (services.store.root / "ab" / "cd" / ("ab" * 32)).write_bytes(b"orphan")
    bad = cli("check", "--json")
    assert bad.exit_code == 1
    report = json.loads(bad.output)
    assert report["corrupt"] == [stored.name] and report["orphans"] == ["ab" * 32]
    stored.unlink()
    missing = json.loads(cli("check", "--json").output)
    assert missing["missing"] == [stored.name]


def test_text_with_nul_characters_is_stored(cli, services, org_tree, files_dir):
    # NUL bytes cannot go into PostgreSQL text; they are dropped from the extracted text.
    path = files_dir / "nul.txt"
    path.write_bytes("\ufeff关于黎元村危房改造的报告\x00\x00第二行".encode("utf-8"))
    result = cli("ingest", str(path), "--org", "410502100201", "--json")
    (line,) = _lines(result.output)
    assert line["status"] == "stored", line
    shown = json.loads(cli("document", "show", str(line["document_id"]), "--json", "--text").output)
    assert "\x00" not in shown["text"] and "危房改造" in shown["text"]


def test_database_failure_after_storing_leaves_nothing(services, org_tree, files_dir):
    """Fault injection: the commit fails after the file was placed; row, file and temp all go."""
    from sqlalchemy import event
    from sqlalchemy.exc import OperationalError
    from sqlalchemy.orm import Session

    def fail(session):  # only the unit of work that records a document holds one
        if any(isinstance(o, Document) for o in [*session.new, *session.identity_map.values()]):
            raise OperationalError("COMMIT", {}, Exception("disk I/O error"))

    path = files_dir / "a.txt"
    path.write_text("黎元村2021年防返贫动态监测台账", encoding="utf-8")
    event.listen(Session, "before_commit", fail)
    try:
        result = services.pipeline.ingest(Incoming(source=path, name="a.txt", org=org_tree["黎元村"]))
    finally:
        event.remove(Session, "before_commit", fail)
    assert result.status == "rejected" and result.error.code == "internal_error"
    assert result.as_dict()["org"] == "河南省/安阳市/文峰区/莲蓬寺镇/黎元村"
    assert _count(services) == 0 and leftover_files(services) == []


def test_stopping_a_batch_early_leaves_no_temp_files(services, org_tree, files_dir):
    items = []
    for i in range(6):
        path = files_dir / f"{i}.txt"
        path.write_text(f"第{i}号 黎元村帮扶记录", encoding="utf-8")
        items.append(Incoming(source=path, name=path.name, org=org_tree["黎元村"]))
    results = services.pipeline.ingest_many(items)
    first = next(results)
    results.close()
    assert first.status == "stored"
    assert leftover_files(services) == [first.document.sha256]
