"""The search page: facets, snippets, paging, scope."""
import re

import pytest

from archive.auth.actor import CLI
from archive.documents import service as documents
from archive.ingest.pipeline import Incoming
from tests.support.pages import login


@pytest.fixture
def docs(services, org_tree, tmp_path):
    made = {}
    for i, (unit, body) in enumerate([("黎元村", "黎元村危房改造台账 <b>张秀英</b>"), ("东关村", "东关村危房排查记录"),
                                      ("黎元村", "黎元村危房改造验收")]):
        path = tmp_path / f"{i}.txt"
        path.write_text(body, encoding="utf-8")
        made[i] = services.pipeline.ingest(Incoming(source=path, name=path.name, org=org_tree[unit])).document.id
    with services.db.session() as session:
        for i, year in ((0, 2020), (1, 2021), (2, 2021)):
            documents.update(session, CLI, made[i], {"year": year})
    return made


def test_search_page_shows_hits_snippets_and_facets(client, make_user, docs):
    make_user("town", "莲蓬寺镇", role="inspector")
    login(client, "town")
    html = client.get("/search?q=危房改造").get_data(as_text=True)
    assert "共 2 条结果" in html
    assert "<mark>危房改造</mark>" in html
    assert "&lt;b&gt;张秀英&lt;/b&gt;" in html and "<b>张秀英</b>" not in html  # user text stays escaped
    assert re.search(r"黎元村</a> <span class=\"badge\">2</span>", html)  # unit facet
    narrowed = client.get("/search?q=危房&year=2021").get_data(as_text=True)
    assert "共 2 条结果" in narrowed and "改造验收" in narrowed and "台账" not in narrowed.split('id="search-hits"')[1]
    ranged = client.get("/search?q=危房&year=2019-2020").get_data(as_text=True)
    assert "共 1 条结果" in ranged
    bad = client.get("/search?q=-危房").get_data(as_text=True)
    assert "排除条件" in bad


def test_search_page_respects_scope(client, make_user, docs, org_tree):
    make_user("dongguan", "东关村", role="clerk")
    login(client, "dongguan")
    html = client.get("/search?q=危房").get_data(as_text=True)
    assert "共 1 条结果" in html and "黎元村" not in html.split('id="search-hits"')[1]
    assert client.get(f"/search?q=危房&org={org_tree['黎元村'].id}").status_code == 404


def test_search_box_on_every_page(client, make_user):
    make_user("clerk", "黎元村")
    login(client, "clerk")
    assert 'action="/search"' in client.get("/").get_data(as_text=True)
