"""No leak: every role x relation (own / parent / sibling unit) x action, through the API and the pages.

The document always lies in 黎元村. The user sits in
  own     = 黎元村   (the document's unit)
  parent  = 莲蓬寺镇 (the township above it)
  sibling = 东关村   (the village next to it: must see nothing, and learn nothing)

Expected: sibling -> invisible everywhere (absent from lists, 404 on every single-record URL);
own / parent -> list, detail and download for every role; edit and delete only for admin and clerk,
403 for the others. After every refused edit or delete the document is unchanged and not in the trash.
"""
from __future__ import annotations

import re
import uuid

import pytest
from sqlalchemy import select

from archive.ingest.pipeline import Incoming
from archive.models import Document
from tests.support.api import bearer

ROLES = ("admin", "clerk", "inspector", "viewer")
RELATIONS = {"own": "黎元村", "parent": "莲蓬寺镇", "sibling": "东关村"}
ACTIONS = ("list", "detail", "download", "edit", "delete")
WRITERS = ("admin", "clerk")
DOC_UNIT = "黎元村"


def expected(role: str, relation: str, action: str) -> str:
    """'allowed', 'forbidden' (403) or 'hidden' (absent from lists, 404 otherwise)."""
    if relation == "sibling":
        return "hidden"
    if action in ("edit", "delete") and role not in WRITERS:
        return "forbidden"
    return "allowed"


CASES = [
    pytest.param(role, relation, action, id=f"{role}-{relation}-{action}")
    for role in ROLES for relation in RELATIONS for action in ACTIONS
]


# --------------------------------------------------------------------------- helpers


@pytest.fixture
def document(services, org_tree, tmp_path):
    """One fresh document in 黎元村, ingested directly (cheap: a small unique text file)."""
    path = tmp_path / "doc.txt"
    original = f"黎元村2021年脱贫户帮扶责任人结对台账\n编号 {uuid.uuid4().hex}\n".encode("utf-8")
    path.write_bytes(original)
    result = services.pipeline.ingest(Incoming(source=path, name="结对台账.txt", org=org_tree[DOC_UNIT]))
    assert result.status == "stored", result.error
    return {"id": result.document.id, "bytes": original}


def state(services, doc_id: int) -> dict:
    with services.db.session() as session:
        doc = session.scalar(select(Document).where(Document.id == doc_id))
        return {"title": doc.title, "doc_number": doc.doc_number, "author": doc.author,
                "doc_date": doc.doc_date, "year": doc.year, "deleted_at": doc.deleted_at}


CSRF_RE = re.compile(r'name="csrf_token"\s+value="([^"]+)"')


def csrf_from(html: str) -> str:
    m = CSRF_RE.search(html)
    assert m, "no csrf_token field on the page"
    return m.group(1)


def page_login(client, username: str, password: str = "password123") -> str:
    """Log in through the form; returns the csrf token of the new session (taken from a page)."""
    token = csrf_from(client.get("/login").get_data(as_text=True))
    r = client.post("/login", data={"username": username, "password": password, "csrf_token": token})
    assert r.status_code == 302, r.get_data(as_text=True)[:500]
    home = client.get("/")
    assert home.status_code == 200
    return csrf_from(home.get_data(as_text=True))


def row_present(html: str, doc_id: int) -> bool:
    return re.search(rf'<tr\b[^>]*\bdata-id="{doc_id}"', html) is not None


def edit_form(before: dict, title: str, csrf: str | None) -> dict:
    form = {
        "title": title,
        "doc_number": before["doc_number"] or "",
        "author": before["author"] or "",
        "doc_date": before["doc_date"].isoformat() if before["doc_date"] else "",
        "year": str(before["year"]) if before["year"] else "",
    }
    if csrf is not None:
        form["csrf_token"] = csrf
    return form


def assert_unchanged(services, doc_id: int, before: dict) -> None:
    after = state(services, doc_id)
    assert after == before, f"refused request changed the document: {before} -> {after}"
    assert after["deleted_at"] is None


# --------------------------------------------------------------------------- the API


@pytest.mark.parametrize("role,relation,action", [pytest.param(*c.values, id="api-" + c.id) for c in CASES])
def test_api_matrix(client, services, make_user, document, role, relation, action):
    _, token = make_user(f"{role}_{relation}", RELATIONS[relation], role=role)
    doc_id = document["id"]
    before = state(services, doc_id)
    want = expected(role, relation, action)
    headers = bearer(token)

    if action == "list":
        listing = client.get("/api/v1/documents", headers=headers)
        assert listing.status_code == 200
        ids = [item["id"] for item in listing.json["items"]]
        assert (doc_id in ids) == (want == "allowed")
        assert listing.json["total"] == (1 if want == "allowed" else 0)
        # Filtering by the document's unit: allowed in scope, 404 like a missing unit otherwise.
        by_org = client.get(f"/api/v1/documents?org={document_unit_code()}", headers=headers)
        if want == "allowed":
            assert by_org.status_code == 200 and [i["id"] for i in by_org.json["items"]] == [doc_id]
        else:
            assert by_org.status_code == 404 and by_org.json["error"]["code"] == "not_found"
        return

    if action == "detail":
        r = client.get(f"/api/v1/documents/{doc_id}", headers=headers)
    elif action == "download":
        r = client.get(f"/api/v1/documents/{doc_id}/file", headers=headers)
    elif action == "edit":
        r = client.patch(f"/api/v1/documents/{doc_id}", json={"title": "改过的题名"}, headers=headers)
    else:
        r = client.delete(f"/api/v1/documents/{doc_id}", headers=headers)

    if want == "hidden":
        assert r.status_code == 404, r.get_data(as_text=True)[:300]
        assert r.json["error"]["code"] == "not_found"
        # Answers exactly like an id that does not exist.
        missing = _api_request(client, action, doc_id + 10_000, headers)
        assert missing.status_code == 404 and missing.json == r.json
        assert_unchanged(services, doc_id, before)
    elif want == "forbidden":
        assert r.status_code == 403, r.get_data(as_text=True)[:300]
        assert r.json["error"]["code"] == "forbidden"
        assert_unchanged(services, doc_id, before)
    else:
        assert r.status_code == 200, r.get_data(as_text=True)[:300]
        if action == "detail":
            assert r.json["id"] == doc_id and r.json["title"] == before["title"]
        elif action == "download":
            assert r.data == document["bytes"]
        elif action == "edit":
            assert r.json["title"] == "改过的题名"
            assert state(services, doc_id)["title"] == "改过的题名"
        else:
            assert state(services, doc_id)["deleted_at"] is not None
            assert client.get(f"/api/v1/documents/{doc_id}", headers=headers).status_code == 404


def document_unit_code() -> str:
    return "410502100201"  # 黎元村 in ORG_CSV (tests/support/setup.py)


def _api_request(client, action, doc_id, headers):
    if action == "detail":
        return client.get(f"/api/v1/documents/{doc_id}", headers=headers)
    if action == "download":
        return client.get(f"/api/v1/documents/{doc_id}/file", headers=headers)
    if action == "edit":
        return client.patch(f"/api/v1/documents/{doc_id}", json={"title": "改过的题名"}, headers=headers)
    return client.delete(f"/api/v1/documents/{doc_id}", headers=headers)


# --------------------------------------------------------------------------- the pages


@pytest.mark.parametrize("role,relation,action", [pytest.param(*c.values, id="page-" + c.id) for c in CASES])
def test_page_matrix(client, services, make_user, org_tree, document, role, relation, action):
    user, _ = make_user(f"{role}_{relation}", RELATIONS[relation], role=role)
    csrf = page_login(client, user.username)
    doc_id = document["id"]
    before = state(services, doc_id)
    want = expected(role, relation, action)

    if action == "list":
        r = client.get("/browse")
        assert r.status_code == 200
        html = r.get_data(as_text=True)
        assert 'id="documents"' in html or want == "hidden"  # an empty list may show a notice instead
        assert row_present(html, doc_id) == (want == "allowed")
        if want == "hidden":
            assert before["title"] not in html
        # Filtering by the document's unit id: in scope shows the row; out of scope shows nothing.
        r = client.get(f"/browse?org={org_tree[DOC_UNIT].id}")
        if want == "allowed":
            assert r.status_code == 200 and row_present(r.get_data(as_text=True), doc_id)
        else:
            assert r.status_code in (200, 404)
            assert not row_present(r.get_data(as_text=True), doc_id)
            assert before["title"] not in r.get_data(as_text=True)
        return

    if action == "detail":
        r = client.get(f"/documents/{doc_id}")
    elif action == "download":
        r = client.get(f"/documents/{doc_id}/file")
    elif action == "edit":
        r = client.post(f"/documents/{doc_id}/edit", data=edit_form(before, "改过的题名", csrf))
    else:
        r = client.post(f"/documents/{doc_id}/delete", data={"csrf_token": csrf})

    body = r.get_data(as_text=True) if r.mimetype and r.mimetype.startswith("text/") else ""
    if want == "hidden":
        assert r.status_code == 404, body[:300]
        assert before["title"] not in body
        assert_unchanged(services, doc_id, before)
    elif want == "forbidden":
        assert r.status_code == 403, body[:300]
        assert_unchanged(services, doc_id, before)
    else:
        assert r.status_code in (200, 302, 303), body[:300]
        if action == "detail":
            assert r.status_code == 200
            assert re.search(r'<h1\b[^>]*\bid="doc-title"', body)
            assert before["title"] in body
            has_edit = re.search(r'\bid="edit-document"', body) is not None
            assert has_edit == (role in WRITERS)
        elif action == "download":
            assert r.status_code == 200 and r.data == document["bytes"]
        elif action == "edit":
            assert state(services, doc_id)["title"] == "改过的题名"
            assert state(services, doc_id)["deleted_at"] is None
        else:
            assert state(services, doc_id)["deleted_at"] is not None
            assert client.get(f"/documents/{doc_id}").status_code == 404


# --------------------------------------------------------------------------- CSRF and the session cookie


@pytest.mark.parametrize("action", ["edit", "delete"])
def test_page_post_without_csrf_is_refused(client, services, make_user, document, action):
    """A clerk who may edit, logged in, but the POST carries no (or a wrong) CSRF token."""
    user, _ = make_user("clerk_own", DOC_UNIT, role="clerk")
    page_login(client, user.username)
    doc_id = document["id"]
    before = state(services, doc_id)
    url = f"/documents/{doc_id}/{action}"
    data = edit_form(before, "伪造的题名", None) if action == "edit" else {}
    assert client.post(url, data=data).status_code == 400
    assert client.post(url, data=data | {"csrf_token": "forged"}).status_code == 400
    assert client.post(url, data=data, headers={"X-CSRF-Token": "forged"}).status_code == 400
    assert_unchanged(services, doc_id, before)


def test_api_ignores_the_session_cookie(client, make_user, document):
    user, token = make_user("clerk_own", DOC_UNIT, role="clerk")
    page_login(client, user.username)
    assert client.get("/").status_code == 200  # the session is valid for the pages
    r = client.get("/api/v1/documents")
    assert r.status_code == 401 and r.json["error"]["code"] == "unauthorized"
    assert client.get(f"/api/v1/documents/{document['id']}").status_code == 401
    assert client.delete(f"/api/v1/documents/{document['id']}").status_code == 401
    # The bearer token still works from the same client.
    assert client.get("/api/v1/documents", headers=bearer(token)).json["total"] == 1


def test_logged_out_pages_redirect_to_login(client, document):
    for url in ("/browse", f"/documents/{document['id']}", f"/documents/{document['id']}/file"):
        r = client.get(url)
        assert r.status_code == 302 and "/login" in r.headers["Location"]
