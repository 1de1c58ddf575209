"""Search on a real index, once per engine: exact Chinese recall, the query language, filters, scope,
snippets, index upkeep, rebuild and repair."""
import json
import os
import signal
import subprocess
import sys
import textwrap
import time

import pytest
from sqlalchemy import update

from archive.auth.actor import CLI
from archive.config import load_settings
from archive.documents import service as documents
from archive.ingest.pipeline import Incoming
from archive.models import Document
from archive.text.analysis import match_form
from archive.search.query import QueryError
from archive.search.service import SearchParams, search
from tests.support.api import bearer
from tests.support.setup import TEST_LIMITS

ENGINES = ["tantivy", "whoosh"]

# (unit, title, body): names, places, policy terms and document numbers that jieba splits badly.
CORPUS = [
    ("黎元村", "黎元村2020年危房改造台账", "户主张秀英，家住红安南村三组，危房改造补助资金已拨付。"),
    ("黎元村", "关于防返贫动态监测的通知", "安政办〔2020〕12号\n各村：做好防返贫动态监测，防止致贫返贫。"),
    ("黎元村", "两不愁三保障核查记录", "经核查，该户两不愁三保障全部达标，饮水安全有保障。"),
    ("东关村", "东关村产业扶贫实施方案", "发展特色种植，带动摆脱贫困。联系人王建国，电话13812345678。"),
    ("东关村", "危房排查情况", "对全村危房进行排查，改造工作下月开展。"),
    ("东关村", "会议纪要", "研究易地扶贫搬迁事项。文号（2019）5号。ABC合作社参会。"),
    ("莲蓬寺镇", "莲蓬寺镇脱贫攻坚工作总结", "全镇贫困户全部脱贫，巩固拓展脱贫攻坚成果。"),
    ("西岗村", "西岗村帮扶台账", "帮扶责任人李红，帮扶措施：产业扶贫、危房改造。"),
]
YEARS = [2020, 2020, 2021, 2019, 2021, 2019, 2020, 2021]


@pytest.fixture(params=ENGINES)
def settings(request, tmp_path, database_url):
    return load_settings(data_dir=tmp_path / "data", database_url=database_url, limits=TEST_LIMITS,
                         secret_key="test-secret", search_engine=request.param)


@pytest.fixture
def corpus(services, org_tree, tmp_path):
    """The corpus ingested through the real pipeline (txt files), with fixed years."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    ids = []
    for i, (unit, title, body) in enumerate(CORPUS):
        path = folder / f"{i}.txt"
        path.write_text(f"{title}\n{body}\n", encoding="gb18030")
        result = services.pipeline.ingest(Incoming(source=path, name=path.name, org=org_tree[unit]))
        assert result.status == "stored", result.error
        ids.append(result.document.id)
    with services.db.session() as session:
        for doc_id, year in zip(ids, YEARS):
            documents.update(session, CLI, doc_id, {"year": year})
    return ids


def run(services, q, user=None, **kw):
    with services.db.session() as session:
        return search(session, services.search, user=user, params=SearchParams(q=q, per_page=100, **kw))


def truth(q: str) -> set[int]:
    form = match_form(q)
    return {i for i, (_, title, body) in enumerate(CORPUS) if form in match_form(title + body)}


QUERIES = ["危房改造", "返贫", "致贫返贫", "脱贫", "摆脱贫困", "张秀英", "红安南村", "红安南", "两不愁三保障",
           "防返贫动态监测", "安政办〔2020〕12号", "〔2020〕12", "2020", "(2019)5号", "（2019）5号", "abc合作社",
           "ABC", "饮水安全", "1381234", "产业扶贫", "扶贫", "王建国", "贫", "无此内容"]


def test_exact_substring_recall(services, corpus):
    """Every document containing the query string is found, and nothing else (one corpus, all queries)."""
    for q in QUERIES:
        hits = run(services, q)
        found = {corpus.index(h.document_id) for h in hits.hits}
        assert (q, found) == (q, truth(q))
        assert (q, hits.total) == (q, len(truth(q)))


def test_title_and_doc_number_rank_above_body(services, corpus):
    hits = run(services, "危房改造").hits
    assert corpus.index(hits[0].document_id) == 0  # the title match comes first
    hits = run(services, "防返贫动态监测").hits
    assert corpus.index(hits[0].document_id) == 1


def test_and_or_not_and_quotes(services, corpus):
    assert {corpus.index(h.document_id) for h in run(services, "危房 改造").hits} == {0, 4, 7}
    assert {corpus.index(h.document_id) for h in run(services, "危房改造 -台账").hits} == set()
    assert {corpus.index(h.document_id) for h in run(services, "危房 -排查").hits} == {0, 7}
    assert {corpus.index(h.document_id) for h in run(services, "张秀英 OR 王建国").hits} == {0, 3}
    assert {corpus.index(h.document_id) for h in run(services, '"危房 改造"').hits} == {0, 7}
    with pytest.raises(QueryError):
        run(services, "-危房")


def test_filters_org_year_type(services, corpus, org_tree):
    town = org_tree["莲蓬寺镇"]
    assert {corpus.index(h.document_id) for h in run(services, "扶贫", org=town).hits} == {3, 5}
    assert {corpus.index(h.document_id) for h in run(services, "危房", year_from=2021, year_to=2021).hits} == {4, 7}
    assert run(services, "危房", kinds=["pdf"]).total == 0
    assert run(services, "危房", kinds=["txt"]).total == 3
    by_date = run(services, "", org=town, sort="date").hits
    assert len(by_date) == 7


def test_scope_limits_hits_totals_and_facets(services, corpus, make_user, org_tree):
    village_user, _ = make_user("dongguan", "东关村", role="inspector")
    result = run(services, "危房", user=village_user)
    assert {corpus.index(h.document_id) for h in result.hits} == {4}
    assert result.total == 1
    assert sum(f["count"] for f in result.facets["year"]) == 1
    assert result.facets["org"] == []  # no units below a village
    town_user, _ = make_user("town", "莲蓬寺镇", role="inspector")
    facets = run(services, "危房", user=town_user).facets
    assert {f["name"]: f["count"] for f in facets["org"]} == {"黎元村": 1, "东关村": 1}
    from archive.auth.scope import OutOfScope
    with pytest.raises(OutOfScope):
        run(services, "危房", user=village_user, org=org_tree["黎元村"])


def test_snippets_mark_the_literal_match_and_escape(services, corpus, org_tree, tmp_path):
    path = tmp_path / "x.txt"
    path.write_text("标题\n<script>alert(1)</script> 危房\n改造 完成", encoding="utf-8")
    services.pipeline.ingest(Incoming(source=path, name="x.txt", org=org_tree["黎元村"]))
    hit = next(h for h in run(services, "危房改造").hits if h.title == "标题")
    assert "<mark>危房 改造</mark>" in str(hit.snippet)
    assert "&lt;script&gt;" in str(hit.snippet) and "<script>" not in str(hit.snippet)
    first = run(services, "红安南").hits[0]
    assert "<mark>红安南</mark>" in str(first.snippet)


def test_edits_deletes_and_restores_update_the_index(services, corpus):
    doc_id = corpus[2]
    with services.db.session() as session:
        documents.update(session, CLI, doc_id, {"title": "饮水安全专项核查"})
    assert [h.document_id for h in run(services, "专项核查").hits] == [doc_id]
    with services.db.session() as session:
        documents.delete(session, CLI, doc_id)
    assert run(services, "专项核查").total == 0
    with services.db.session() as session:
        documents.restore(session, CLI, doc_id)
    assert run(services, "专项核查").total == 1
    assert services.search.check().clean


def test_reindex_swaps_in_a_new_generation(services, corpus, cli):
    before = os.readlink(services.search.current)
    result = cli("reindex")
    assert result.exit_code == 0 and f"{len(corpus)}" in result.output
    after = os.readlink(services.search.current)
    assert before != after and not (services.search.root / before).exists()
    assert run(services, "红安南村").total == 1
    assert services.search.check().clean


def test_check_finds_and_repairs_missing_stale_and_orphans(services, corpus, cli):
    engine = services.search.engine()
    engine.delete([corpus[0]])                        # missing
    with services.db.session() as session:            # stale: changed behind the index's back
        session.execute(update(Document).where(Document.id == corpus[1]).values(title="改过的题名"))
    from archive.search.indexer import to_index_doc
    with services.db.session() as session:            # orphan: an entry for a record that is gone
        ghost = to_index_doc(documents.get(session, corpus[2], user=None, with_text=True))
    ghost.id = 99999
    engine.upsert([ghost])
    report = json.loads(cli("check", "--json").output)["index"]
    assert (report["missing"], report["stale"], report["orphans"]) == ([corpus[0]], [corpus[1]], [99999])
    assert cli("check").exit_code == 1
    assert cli("check", "--repair").exit_code == 0
    assert cli("check").exit_code == 0
    assert run(services, "改过的题名").total == 1 and run(services, "张秀英").total == 1


def test_api_and_cli_answer_the_same_shape(client, cli, services, corpus, make_user):
    _, token = make_user("town", "莲蓬寺镇", role="inspector")
    body = client.get("/api/v1/search?q=危房&year=2020-2021&per_page=5", headers=bearer(token)).json
    assert set(body) >= {"total", "hits", "facets"} and body["total"] == 2
    assert set(body["hits"][0]) >= {"document_id", "title", "archive_code", "org", "category", "year", "snippet"}
    assert client.get("/api/v1/search?q=-危房", headers=bearer(token)).json["error"]["code"] == "bad_query"
    assert client.get("/api/v1/search?q=危房&year=20x", headers=bearer(token)).status_code == 400
    assert client.get("/api/v1/search?q=危房&org=410502000000", headers=bearer(token)).status_code == 404  # above scope
    assert client.get("/api/v1/search?q=危房&org=不存在", headers=bearer(token)).status_code == 404
    out = json.loads(cli("search", "危房", "--year", "2020-2021", "--json").output)
    assert out["total"] == 3 and set(out["hits"][0]) >= {"document_id", "title", "snippet"}
    plain = cli("search", "红安南村")
    assert "【红安南村】" in plain.output


WRITER = """
import sys, datetime as dt
from pathlib import Path
from archive.search.indexer import open_engine
from archive.search.engine import IndexDoc
engine = open_engine(sys.argv[1], Path(sys.argv[2]))
body = "扶贫档案" * 2000
n = 0
while True:
    docs = [IndexDoc(id=100000 + n + i, stamp=1, title="写入中", text=body, doc_number=None, author=None,
                     archive_code=None, org_ids=[1], category=None, year=2020, retention=None,
                     file_kind="txt", date=dt.date(2020, 1, 1)) for i in range(200)]
    engine.upsert(docs)
    n += 200
    print(n, flush=True)
"""


def test_killed_writer_leaves_a_readable_index(services, corpus, cli, tmp_path):
    """A writer killed mid-commit: the index still opens, and check --repair restores it."""
    script = tmp_path / "writer.py"
    script.write_text(textwrap.dedent(WRITER))
    target = services.search.root / os.readlink(services.search.current)
    proc = subprocess.Popen([sys.executable, str(script), services.search.engine_name, str(target)],
                            stdout=subprocess.PIPE, text=True, cwd=os.getcwd())
    proc.stdout.readline()          # at least one commit went through
    time.sleep(0.3)                 # and the next one is under way
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    services.search._engine = None  # open afresh, as a new process would
    if services.search.engine_name == "whoosh":
        # Whoosh leaves its write lock file behind after a kill; the lock is advisory and stale now.
        for lock in target.glob("*WRITELOCK*"):
            lock.unlink()
    assert run(services, "红安南村").total == 1  # readable, the real documents intact
    assert not services.search.check().clean       # the half-written batch shows as orphans
    assert cli("check", "--repair").exit_code == 0
    assert services.search.check().clean
    assert run(services, "写入中").total == 0


def test_single_character_and_one_character_fields(services, corpus, org_tree, tmp_path):
    path = tmp_path / "one.txt"
    path.write_text("村", encoding="utf-8")
    doc = services.pipeline.ingest(Incoming(source=path, name="one.txt", org=org_tree["黎元村"])).document
    ids = {h.document_id for h in run(services, "村").hits}
    assert doc.id in ids and len(ids) == 1 + len(truth("村"))


def test_pages_hold_at_most_per_page_hits(services, corpus):
    with services.db.session() as session:
        page = search(session, services.search, user=None, params=SearchParams(q="贫", per_page=2))
    assert page.total == len(truth("贫")) and len(page.hits) == 2
