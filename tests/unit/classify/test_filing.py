"""Classification on ingest and 档号 filing: unique, gapless numbers under parallel uploaders."""
import json
import os
import subprocess
import sys
from collections import defaultdict

from sqlalchemy import select

from archive.models import Document
from tests.support.documents import NOTICE

def _write_batches(root, batches=8, per_batch=6):
    folders = []
    for b in range(batches):
        folder = root / f"batch{b}"
        folder.mkdir()
        for i in range(per_batch):
            n = b * per_batch + i + 1
            (folder / f"{n}.txt").write_text(NOTICE.format(year=2020, n=n, day=1 + i), encoding="utf-8")
        folders.append(folder)
    return folders


def test_parallel_uploaders_get_unique_gapless_item_numbers(services, org_tree, tmp_path):
    folders = _write_batches(tmp_path)
    env = os.environ | {"ARCHIVE_DATA_DIR": str(services.settings.data_dir),
                        "ARCHIVE_DATABASE_URL": services.settings.database_url,
                        "ARCHIVE_SEARCH_ENGINE": services.search.engine_name}
    procs = [subprocess.Popen([sys.executable, "-m", "archive", "ingest", str(folder), "--org", "410502100201",
                               "--json"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for folder in folders]
    outputs = [p.communicate(timeout=300) for p in procs]
    for proc, (out, err) in zip(procs, outputs):
        assert proc.returncode == 0, err[-2000:]
    lines = [json.loads(line) for out, _ in outputs for line in out.splitlines() if line.startswith("{")]
    assert len(lines) == 48 and {line["status"] for line in lines} == {"stored"}
    with services.db.session() as session:
        docs = session.scalars(select(Document)).all()
    by_category = defaultdict(list)
    for doc in docs:
        assert doc.archive_code, (doc.title, doc.needs_review, doc.category_code)
        by_category[(doc.year, doc.retention, doc.category_code)].append(doc.item_no)
    for key, items in by_category.items():
        assert sorted(items) == list(range(1, len(items) + 1)), key  # no gaps, no duplicates
    codes = [d.archive_code for d in docs]
    assert len(set(codes)) == len(codes)
    assert {line["archive_code"] for line in lines} == set(codes)  # reported as issued
    assert codes[0].startswith("Z109-JF·2020-")  # 文峰区's fonds, the default scheme's door code


def test_document_show_reports_classification(cli, services, org_tree, files_dir):
    path = files_dir / "a.txt"
    path.write_text(NOTICE.format(year=2021, n=7, day=9), encoding="utf-8")
    line = json.loads(cli("ingest", str(path), "--org", "410502100201", "--json").output)
    shown = json.loads(cli("document", "show", str(line["document_id"]), "--json").output)
    assert shown["category"]["code"] == "0305" and shown["category"]["name"]
    assert shown["retention"] in ("Y", "D30", "D10")
    assert shown["archive_code"] == line["archive_code"] and shown["archive_code"].endswith("-0001")
    assert shown["classified_by"] == "rule" and shown["needs_review"] is False
    assert 0 < shown["confidence"] <= 1


def test_news_item_is_not_a_poverty_record(cli, services, org_tree, files_dir):
    path = files_dir / "news.txt"
    path.write_text("我市举办2021年迎春文艺汇演\n市文化馆组织文艺汇演，群众踊跃参加，节目精彩纷呈。城市规划展览同时开幕。",
                    encoding="utf-8")
    line = json.loads(cli("ingest", str(path), "--org", "410502100201", "--json").output)
    shown = json.loads(cli("document", "show", str(line["document_id"]), "--json").output)
    assert shown["category"] is None and shown["archive_code"] is None
    assert shown["needs_review"] is True and shown["is_poverty_record"] is False


def test_person_corrects_and_refiles(client, services, org_tree, make_user, files_dir):
    from archive.ingest.pipeline import Incoming
    from archive.search.service import SearchParams, search
    from tests.support.api import bearer

    _, clerk = make_user("clerk", "黎元村")
    _, inspector = make_user("insp", "莲蓬寺镇", role="inspector")
    path = files_dir / "a.txt"
    path.write_text(NOTICE.format(year=2020, n=3, day=2), encoding="utf-8")
    doc = services.pipeline.ingest(Incoming(source=path, name="a.txt", org=org_tree["黎元村"])).document
    old_code = doc.archive_code
    assert old_code and doc.category_code == "0305"

    url = f"/api/v1/documents/{doc.id}/classification"
    assert client.put(url, json={"is_poverty": True, "category": "0303"}, headers=bearer(inspector)).status_code == 403
    bad = client.put(url, json={"is_poverty": True, "category": "9999"}, headers=bearer(clerk))
    assert bad.status_code == 422 and "类目" in bad.json["error"]["message"]
    assert client.put(url, json={"is_poverty": True, "category": "03"}, headers=bearer(clerk)).status_code == 422
    body = client.put(url, json={"is_poverty": True, "category": "0303"}, headers=bearer(clerk)).json
    assert body["category"]["code"] == "0303" and body["classified_by"] == "person" and body["confidence"] == 1.0
    assert body["archive_code"] != old_code and "-0303-0001" in body["archive_code"]

    from archive.audit.service import history
    with services.db.session() as session:
        (event,) = [e for e in history(session, "document", doc.id) if e.action == "classify"]
        assert event.changes["before"]["archive_code"] == old_code
        result = search(session, services.search, user=None, params=SearchParams(q="危房改造"))
        assert result.facets["category"] == [{"code": "0303", "name": "教育帮扶", "count": 1}]
        assert result.hits[0].category == {"code": "0303", "name": "教育帮扶"}

    not_record = client.put(url, json={"is_poverty": False}, headers=bearer(clerk)).json
    assert not_record["category"] is None and not_record["archive_code"] is None
    assert not_record["needs_review"] is False


def test_person_classified_document_without_year_waits_then_files(services, org_tree, files_dir):
    from archive.auth.actor import CLI
    from archive.classify.service import decide
    from archive.documents import service as documents
    from archive.ingest.pipeline import Incoming

    path = files_dir / "noyear.txt"
    path.write_text("村民代表会议记录\n研究事项若干。", encoding="utf-8")
    doc = services.pipeline.ingest(Incoming(source=path, name="noyear.txt", org=org_tree["黎元村"])).document
    assert doc.year is None
    with services.db.session() as session:
        doc = decide(session, services.standards, CLI, doc.id, is_poverty=True, category_code="0202")
        assert doc.archive_code is None and doc.needs_review is True  # still waiting: no year
    with services.db.session() as session:
        doc = documents.update(session, CLI, doc.id, {"year": 2020})
        assert doc.needs_review is False and doc.archive_code.endswith("-0202-0001")
