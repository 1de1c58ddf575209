"""Re-filing: moving a document to another unit (the org suggestion, or any unit in scope) and changing
the year of a filed document. Both issue a new 件号 and 档号 through filing.refile; the old 档号 is never
issued again and stays in the audit event; nothing happens without saying so explicitly."""
from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from archive.models import ArchiveSequence, AuditEvent, Document
from tests.support.api import bearer
from tests.support.documents import NEWS, ingest_text
from tests.support.pages import csrf_in, login, text_of

VILLAGE_NOTICE = """关于做好2020年危房改造工作的通知
安政办〔2020〕{n}号
各乡镇：
为做好农村危房改造工作，保障贫困户住房安全，现将有关事项通知如下。危房改造对象为建档立卡贫困户。
安阳县人民政府办公室
2020年3月{n}日
"""
# Uploaded by the township, about one of its villages: filed at the township, 黎元村 suggested.
TOWN_NOTICE = """黎元村2020年危房改造工作的通知
为做好农村危房改造工作，保障贫困户住房安全，现将有关事项通知如下。危房改造对象为建档立卡贫困户。
莲蓬寺镇人民政府
2020年3月20日
"""
CODE_2020 = "Z109-JF·2020-D30-0305-{:04d}"


# ------------------------------------------------------------------------------------------ helpers

def load(services, document_id: int) -> Document:
    with services.db.session() as session:
        doc = session.get(Document, document_id)
        doc.org, doc.suggested_org  # loaded for use after the session
        return doc


def state(services, document_id: int) -> dict:
    doc = load(services, document_id)
    return {"org_id": doc.org_id, "archive_code": doc.archive_code, "item_no": doc.item_no, "year": doc.year,
            "suggested_org_id": doc.suggested_org_id, "category_code": doc.category_code}


def events(services, document_id: int, action: str) -> list[AuditEvent]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == action, AuditEvent.object_type == "document",
            AuditEvent.object_id == str(document_id)).order_by(AuditEvent.id)))


def last_item(services, year: int = 2020, fonds: str = "Z109") -> int | None:
    with services.db.session() as session:
        return session.scalar(select(ArchiveSequence.last_item).where(
            ArchiveSequence.fonds == fonds, ArchiveSequence.year == year, ArchiveSequence.class_code == "0305"))


def form_token(page_text: str, action: str) -> str:
    """The CSRF token inside the form posting to `action`."""
    found = re.search(rf'<form method="post" action="{re.escape(action)}">\s*<input type="hidden" '
                      rf'name="csrf_token" value="([^"]+)"', page_text)
    assert found, f"no form posting to {action}"
    return found.group(1)


def flashes(page_text: str) -> list[tuple[str, str]]:
    return [(c, m) for c, m in re.findall(r'<div class="flash (\w+)">(.*?)</div>', page_text, re.S)]


def search_hits(client, token: str, q: str, org: str) -> list[dict]:
    r = client.get("/api/v1/search", query_string={"q": q, "org": org}, headers=bearer(token))
    assert r.status_code == 200, r.json
    return r.json["hits"]


@pytest.fixture
def filed(services, org_tree, tmp_path):
    """Three filed notices of 2020, class 0305, in this order: one in 黎元村 (0001), one the township
    uploaded about 黎元村 (0002, 黎元村 suggested), another in 黎元村 (0003)."""
    village, town = org_tree["黎元村"], org_tree["莲蓬寺镇"]
    ids = {"a": ingest_text(services, tmp_path, village, "a.txt", VILLAGE_NOTICE.format(n=1)),
           "t": ingest_text(services, tmp_path, town, "t.txt", TOWN_NOTICE),
           "b": ingest_text(services, tmp_path, village, "b.txt", VILLAGE_NOTICE.format(n=2))}
    for key, item in (("a", 1), ("t", 2), ("b", 3)):
        doc = load(services, ids[key])
        assert doc.archive_code == CODE_2020.format(item), (key, doc.archive_code)
    t = load(services, ids["t"])
    assert t.org_id == org_tree["莲蓬寺镇"].id and t.suggested_org_id == org_tree["黎元村"].id
    return ids


# ------------------------------------------------------------------------------------------ the suggestion

def test_accept_suggestion_on_filed_document_via_page(client, services, org_tree, make_user, filed, tmp_path):
    _, token = make_user("clerk", "莲蓬寺镇")
    login(client, "clerk")
    doc_id = filed["t"]
    old = CODE_2020.format(2)

    page = text_of(client.get(f"/documents/{doc_id}"))
    assert 'id="org-suggestion"' in page and "河南省/安阳市/文峰区/莲蓬寺镇/黎元村" in page
    assert "移至该单位（重新归档）" in page and "忽略建议" in page and "原档号作废" in page
    accept_url = f"/documents/{doc_id}/suggestion/accept"
    token_accept = form_token(page, accept_url)
    form_token(page, f"/documents/{doc_id}/suggestion/dismiss")

    assert client.post(accept_url, data={"refile": "1"}).status_code == 400  # no CSRF token: refused
    assert state(services, doc_id)["archive_code"] == old

    r = client.post(accept_url, data={"csrf_token": token_accept, "refile": "1"})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/documents/{doc_id}")
    new = CODE_2020.format(4)  # the next of the category: 0001–0003 were issued before
    after = state(services, doc_id)
    assert after["org_id"] == org_tree["黎元村"].id and after["suggested_org_id"] is None
    assert after["archive_code"] == new and after["item_no"] == 4 and last_item(services) == 4

    (event,) = events(services, doc_id, "move")
    assert event.changes["before"]["archive_code"] == old and event.changes["after"]["archive_code"] == new
    assert event.changes["before"]["org"].endswith("/莲蓬寺镇") and event.changes["after"]["org"].endswith("/黎元村")
    assert event.changes["before"]["suggested_org"].endswith("/黎元村") and event.changes["after"]["suggested_org"] is None
    assert event.org_id == org_tree["黎元村"].id and old in event.summary and event.username == "clerk"

    detail = text_of(client.get(r.headers["Location"]))
    assert ("ok", f"已移至 河南省/安阳市/文峰区/莲蓬寺镇/黎元村 并重新归档：新档号 {new}；原档号 {old} 已作废，不再使用") \
        in flashes(detail)
    assert 'id="org-suggestion"' not in detail
    history = re.search(r'<table class="data" id="code-history">(.*?)</table>', detail, re.S).group(1)
    assert f"<s>{old}</s>" in history and new in history and "移至其他单位" in history
    assert f'<td id="archive-code">{new}</td>' in detail

    # The index follows: found under the new unit, with the new code.
    (hit,) = [h for h in search_hits(client, token, "危房改造", "410502100201") if h["document_id"] == doc_id]
    assert hit["archive_code"] == new and hit["org"].endswith("/黎元村")

    # The withdrawn number is never issued again: the next notice of the category gets 0005.
    later = ingest_text(services, tmp_path, org_tree["黎元村"], "c.txt", VILLAGE_NOTICE.format(n=3))
    assert load(services, later).archive_code == CODE_2020.format(5)


def test_accept_suggestion_via_api_needs_refile(client, services, org_tree, make_user, filed):
    _, token = make_user("clerk", "莲蓬寺镇")
    doc_id = filed["t"]
    old = CODE_2020.format(2)
    url = f"/api/v1/documents/{doc_id}/suggestion/accept"
    before = state(services, doc_id)

    refused = client.post(url, headers=bearer(token))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "refiling_required"
    assert refused.json["error"]["archive_code"] == old and "重新归档" in refused.json["error"]["message"]
    assert client.post(url, json={"refile": "yes"}, headers=bearer(token)).status_code == 400
    assert state(services, doc_id) == before and events(services, doc_id, "move") == []

    body = client.post(url, json={"refile": True}, headers=bearer(token)).json
    assert body["previous_archive_code"] == old and body["archive_code"] == CODE_2020.format(4)
    assert body["org"].endswith("/黎元村") and body["suggested_org"] is None and body["item_no"] == 4
    shown = client.get(f"/api/v1/documents/{doc_id}", headers=bearer(token)).json
    assert shown["archive_code"] == CODE_2020.format(4) and shown["org_code"] == "410502100201"
    (event,) = events(services, doc_id, "move")
    assert event.changes["before"]["archive_code"] == old
    (hit,) = [h for h in search_hits(client, token, "危房改造", "410502100201") if h["document_id"] == doc_id]
    assert hit["archive_code"] == CODE_2020.format(4)

    # Once taken, there is no suggestion left to take or dismiss.
    again = client.post(url, json={"refile": True}, headers=bearer(token))
    assert again.status_code == 409 and again.json["error"]["code"] == "no_suggestion"
    assert client.post(f"/api/v1/documents/{doc_id}/suggestion/dismiss", headers=bearer(token)).status_code == 409


def test_dismiss_suggestion(client, services, org_tree, make_user, filed):
    _, token = make_user("clerk", "莲蓬寺镇")
    doc_id = filed["t"]
    before = state(services, doc_id)

    login(client, "clerk")
    page = text_of(client.get(f"/documents/{doc_id}"))
    dismiss_url = f"/documents/{doc_id}/suggestion/dismiss"
    r = client.post(dismiss_url, data={"csrf_token": form_token(page, dismiss_url)})
    assert r.status_code == 302
    after = state(services, doc_id)
    assert after == before | {"suggested_org_id": None}  # same unit, same 档号
    (event,) = events(services, doc_id, "suggestion_dismiss")
    assert event.changes == {"before": {"suggested_org": "河南省/安阳市/文峰区/莲蓬寺镇/黎元村"},
                             "after": {"suggested_org": None}}
    detail = text_of(client.get(r.headers["Location"]))
    assert ("ok", "已忽略单位建议，文件留在原单位") in flashes(detail) and 'id="org-suggestion"' not in detail
    assert "忽略单位建议" in detail  # in the history

    # Again: nothing to dismiss or accept; nothing changes.
    refused = client.post(dismiss_url, data={"csrf_token": form_token(page, dismiss_url)}, follow_redirects=True)
    assert ("error", "该文件没有单位建议（可能已被处理）") in flashes(text_of(refused))
    api = client.post(f"/api/v1/documents/{doc_id}/suggestion/dismiss", headers=bearer(token))
    assert api.status_code == 409 and api.json["error"]["code"] == "no_suggestion"
    assert len(events(services, doc_id, "suggestion_dismiss")) == 1 and state(services, doc_id) == after


def test_dismiss_via_api(client, services, make_user, filed):
    _, token = make_user("clerk", "莲蓬寺镇")
    body = client.post(f"/api/v1/documents/{filed['t']}/suggestion/dismiss", headers=bearer(token)).json
    assert body["suggested_org"] is None and body["archive_code"] == CODE_2020.format(2)
    assert body["org"].endswith("/莲蓬寺镇")
    assert len(events(services, filed["t"], "suggestion_dismiss")) == 1


# ------------------------------------------------------------------------------------------ moving

def test_move_unfiled_document_just_changes_unit(client, services, org_tree, make_user, tmp_path):
    _, token = make_user("clerk", "莲蓬寺镇")
    doc_id = ingest_text(services, tmp_path, org_tree["黎元村"], "news.txt", NEWS)
    assert load(services, doc_id).archive_code is None
    body = client.post(f"/api/v1/documents/{doc_id}/move", json={"org": org_tree["东关村"].id},
                       headers=bearer(token)).json  # no refile needed: there is no 档号
    assert body["org"].endswith("/东关村") and body["archive_code"] is None and body["previous_archive_code"] is None
    (event,) = events(services, doc_id, "move")
    assert event.changes == {"before": {"org": "河南省/安阳市/文峰区/莲蓬寺镇/黎元村"},
                             "after": {"org": "河南省/安阳市/文峰区/莲蓬寺镇/东关村"}}
    hits = search_hits(client, token, "文艺汇演", "410502100202")
    assert [h["document_id"] for h in hits] == [doc_id]
    assert search_hits(client, token, "文艺汇演", "410502100201") == []


def test_move_to_another_fonds_via_page(client, services, org_tree, make_user, filed):
    """A city clerk moves a village's filed notice to another county: new fonds, its own sequence."""
    from archive.orgs import service as orgs

    with services.db.session() as session:
        county, _ = orgs.ensure_path(session, "河南省/安阳市/殷都区", code="410505000000")
        county_id = county.id
    make_user("city", "安阳市")
    login(client, "city")
    doc_id = filed["b"]
    page = text_of(client.get(f"/documents/{doc_id}"))
    assert 'id="move-document"' in page and f'<option value="{county_id}">河南省/安阳市/殷都区</option>' in page
    assert 'id="org-suggestion"' not in page and "重新归档并分配新档号" in page
    token = form_token(page, f"/documents/{doc_id}/move")

    # Without the confirmation: refused, nothing changed.
    before = state(services, doc_id)
    refused = client.post(f"/documents/{doc_id}/move", data={"csrf_token": token, "org": str(county_id)},
                          follow_redirects=True)
    assert any(c == "error" and "请勾选“重新归档并分配新档号”" in m for c, m in flashes(text_of(refused)))
    assert state(services, doc_id) == before and events(services, doc_id, "move") == []

    r = client.post(f"/documents/{doc_id}/move", data={"csrf_token": token, "org": str(county_id), "refile": "1"})
    assert r.status_code == 302
    after = state(services, doc_id)
    assert after["org_id"] == county_id and after["archive_code"] == "F505-JF·2020-D30-0305-0001"
    (event,) = events(services, doc_id, "move")
    assert event.changes["before"]["archive_code"] == CODE_2020.format(3)
    assert last_item(services) == 3 and last_item(services, fonds="F505") == 1


def test_year_change_of_filed_document_via_api(client, services, org_tree, make_user, filed, tmp_path):
    _, token = make_user("clerk", "黎元村")
    doc_id = filed["a"]
    old = CODE_2020.format(1)
    url = f"/api/v1/documents/{doc_id}"
    before = state(services, doc_id)

    refused = client.patch(url, json={"year": 2021, "title": "改过的题名"}, headers=bearer(token))
    assert refused.status_code == 409 and refused.json["error"]["code"] == "refiling_required"
    assert refused.json["error"]["archive_code"] == old
    assert state(services, doc_id) == before and load(services, doc_id).title != "改过的题名"
    assert events(services, doc_id, "edit") == []
    cleared = client.patch(url, json={"year": None, "refile": True}, headers=bearer(token))
    assert cleared.status_code == 422 and cleared.json["error"]["field"] == "year"
    assert client.patch(url, json={"year": 2021, "refile": 1}, headers=bearer(token)).status_code == 400

    # Other fields, and the same year, need no confirmation and keep the 档号.
    same = client.patch(url, json={"title": "关于做好2020年危房改造工作的通知（修订）", "year": 2020}, headers=bearer(token))
    assert same.status_code == 200 and same.json["archive_code"] == old

    body = client.patch(url, json={"year": 2021, "refile": True}, headers=bearer(token)).json
    new = "Z109-JF·2021-D30-0305-0001"
    assert body["year"] == 2021 and body["archive_code"] == new and body["item_no"] == 1
    edit = events(services, doc_id, "edit")[-1]
    assert edit.changes == {"before": {"year": 2020, "archive_code": old, "item_no": 1},
                            "after": {"year": 2021, "archive_code": new, "item_no": 1}}
    (hit,) = [h for h in search_hits(client, token, "危房改造", "410502100201") if h["document_id"] == doc_id]
    assert hit["archive_code"] == new and hit["year"] == 2021
    # 2020's 0001 is withdrawn for good.
    later = ingest_text(services, tmp_path, org_tree["黎元村"], "c.txt", VILLAGE_NOTICE.format(n=3))
    assert load(services, later).archive_code == CODE_2020.format(4)


def test_year_change_of_filed_document_via_page(client, services, org_tree, make_user, filed):
    make_user("clerk", "黎元村")
    login(client, "clerk")
    doc_id = filed["a"]
    old = CODE_2020.format(1)
    form = text_of(client.get(f"/documents/{doc_id}/edit"))
    assert 'id="refile-warning"' in form and f"本文件已归档，档号 {old}" in form
    assert "修改年度即" in form and "重新归档并分配新档号" in form and 'name="refile"' in form
    token = csrf_in(form)
    values = {"csrf_token": token, "title": load(services, doc_id).title, "year": "2021"}
    before = state(services, doc_id)

    refused = client.post(f"/documents/{doc_id}/edit", data=values)
    assert refused.status_code == 409
    body = text_of(refused)
    assert "未保存" in body and 'id="err-year"' in body and "请勾选“重新归档并分配新档号”" in body
    assert 'class="refile-warning has-error"' in body and 'value="2021"' in body
    assert state(services, doc_id) == before and events(services, doc_id, "edit") == []

    r = client.post(f"/documents/{doc_id}/edit", data=values | {"refile": "1"})
    assert r.status_code == 302
    new = "Z109-JF·2021-D30-0305-0001"
    assert state(services, doc_id) == before | {"year": 2021, "archive_code": new, "item_no": 1}
    detail = text_of(client.get(r.headers["Location"]))
    assert ("ok", f"已保存并重新归档：新档号 {new}；原档号 {old} 已作废，不再使用") in flashes(detail)
    assert f"<s>{old}</s>" in detail and "原档号" in detail

    # A filed document without a year change saves without the box ticked.
    ok = client.post(f"/documents/{doc_id}/edit", data=values | {"title": "新题名"})
    assert ok.status_code == 302 and state(services, doc_id)["archive_code"] == new


# ------------------------------------------------------------------------------------------ refusals

def test_bad_moves_change_nothing(client, services, org_tree, make_user, filed):
    _, token = make_user("clerk", "莲蓬寺镇")
    _, village_token = make_user("vclerk", "黎元村")
    doc_id = filed["t"]
    url = f"/api/v1/documents/{doc_id}/move"
    before = state(services, doc_id)

    cases = [
        ({"org": "河南省/安阳市/文峰区/宝莲寺镇/西岗村", "refile": True}, 404, "org_not_found"),  # outside the scope
        ({"org": "河南省/安阳市/文峰区", "refile": True}, 404, "org_not_found"),               # above the scope
        ({"org": "河南省/不存在", "refile": True}, 404, "org_not_found"),
        ({"org": 999999, "refile": True}, 404, "org_not_found"),
        ({"org": True, "refile": True}, 404, "org_not_found"),
        ({"org": "410502100000", "refile": True}, 422, "same_org"),
        ({"org": "410502100201"}, 409, "refiling_required"),
        ({"org": "410502100201", "refile": "true"}, 400, "bad_request"),
        ({"refile": True}, 400, "bad_request"),
    ]
    for payload, status, code in cases:
        r = client.post(url, json=payload, headers=bearer(token))
        assert (r.status_code, r.json["error"]["code"]) == (status, code), payload
        assert r.json["error"]["message"]
    # Not in the user's scope at all: answered like a missing document.
    r = client.post(url, json={"org": "410502100201", "refile": True}, headers=bearer(village_token))
    assert r.status_code == 404 and r.json["error"]["code"] == "not_found"
    assert state(services, doc_id) == before and events(services, doc_id, "move") == []

    # The pages say why, in Chinese, and change nothing.
    login(client, "clerk")
    page = text_of(client.get(f"/documents/{doc_id}"))
    token_move = form_token(page, f"/documents/{doc_id}/move")
    assert "西岗村" not in re.search(r'<select id="move-org".*?</select>', page, re.S).group(0)
    for org, message in [(str(org_tree["西岗村"].id), "目标单位不存在或不在您的管辖范围内"),
                         ("999999", "目标单位不存在或不在您的管辖范围内"), ("abc", "目标单位不存在或不在您的管辖范围内"),
                         ("", "请选择目标单位"), (str(org_tree["莲蓬寺镇"].id), "文件已在")]:
        r = client.post(f"/documents/{doc_id}/move", data={"csrf_token": token_move, "org": org, "refile": "1"},
                        follow_redirects=True)
        assert any(c == "error" and message in m for c, m in flashes(text_of(r))), (org, flashes(text_of(r)))
    assert state(services, doc_id) == before and events(services, doc_id, "move") == []

    # A deleted document cannot be moved.
    assert client.delete(f"/api/v1/documents/{doc_id}", headers=bearer(token)).status_code == 200
    gone = client.post(url, json={"org": "410502100201", "refile": True}, headers=bearer(token))
    assert gone.status_code == 404 and gone.json["error"]["code"] == "not_found"
    assert client.post(f"/api/v1/documents/{doc_id}/suggestion/accept", json={"refile": True},
                       headers=bearer(token)).status_code == 404
    assert client.post(f"/documents/{doc_id}/move", data={"csrf_token": token_move, "org": "3", "refile": "1"}
                       ).status_code == 404
    assert state(services, doc_id) == before


def test_inspector_cannot_move_accept_or_dismiss(client, services, org_tree, make_user, filed):
    _, token = make_user("insp", "莲蓬寺镇", role="inspector")
    doc_id = filed["t"]
    before = state(services, doc_id)
    for path, payload in [("move", {"org": "410502100201", "refile": True}), ("suggestion/accept", {"refile": True}),
                          ("suggestion/dismiss", {})]:
        r = client.post(f"/api/v1/documents/{doc_id}/{path}", json=payload, headers=bearer(token))
        assert r.status_code == 403 and r.json["error"]["code"] == "forbidden", path
        assert r.json["error"]["message"].startswith("当前角色不能")
    patch = client.patch(f"/api/v1/documents/{doc_id}", json={"year": 2021, "refile": True}, headers=bearer(token))
    assert patch.status_code == 403

    login(client, "insp")
    page = text_of(client.get(f"/documents/{doc_id}"))
    assert 'id="org-suggestion"' in page  # shown, but not actionable
    assert 'id="accept-suggestion"' not in page and 'id="dismiss-suggestion"' not in page
    assert 'id="move-document"' not in page
    token = csrf_in(page)
    for path in ("move", "suggestion/accept", "suggestion/dismiss"):
        r = client.post(f"/documents/{doc_id}/{path}", data={"csrf_token": token, "org": "3", "refile": "1"})
        assert r.status_code == 403, path
    assert state(services, doc_id) == before
    assert events(services, doc_id, "move") == [] and events(services, doc_id, "suggestion_dismiss") == []


# ------------------------------------------------------------------------------------------ the one path

def test_class_change_year_change_and_move_share_filing_refile(services, org_tree, filed, monkeypatch):
    """All three re-filings go through filing.refile (no second implementation)."""
    from archive.auth.actor import CLI
    from archive.classify import filing
    from archive.classify.service import decide
    from archive.documents import moves, service as documents
    from archive.models import OrgUnit

    calls = []
    real = filing.refile

    def spy(session, standards, doc):
        calls.append(doc.id)
        return real(session, standards, doc)

    monkeypatch.setattr(filing, "refile", spy)
    with services.db.session() as session:
        decide(session, services.standards, CLI, filed["a"], is_poverty=True, category_code="0303")
        documents.update(session, CLI, filed["b"], {"year": 2019}, refile=True)
        village = session.get(OrgUnit, org_tree["黎元村"].id)
        moves.move(session, services.standards, CLI, filed["t"], village, refile=True)
    assert calls == [filed["a"], filed["b"], filed["t"]]
    assert load(services, filed["a"]).archive_code == "Z109-JF·2020-D30-0303-0001"
    assert load(services, filed["b"]).archive_code == "Z109-JF·2019-D30-0305-0001"
    assert load(services, filed["t"]).archive_code == CODE_2020.format(4)


def test_move_to_a_unit_of_another_scheme_goes_to_review(services, org_tree, filed):
    """The target unit's scheme has no such class: the 档号 is withdrawn and a person classifies it there."""
    from archive.auth.actor import CLI
    from archive.documents import moves
    from archive.orgs import service as orgs

    with services.db.session() as session:
        target, _ = orgs.ensure_path(session, "江西省/赣州市/于都县", code="360731000000")
        doc, old = moves.move(session, services.standards, CLI, filed["b"], target, refile=True)
        assert old == CODE_2020.format(3)
    doc = load(services, filed["b"])
    assert doc.scheme_id == "jiangxi-example" and doc.archive_code is None and doc.needs_review is True
    assert doc.category_code is None
    (event,) = events(services, filed["b"], "move")
    assert event.changes["before"]["archive_code"] == old and event.changes["after"]["archive_code"] is None
