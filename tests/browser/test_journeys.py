"""User journeys in a real browser (Debian's Chromium through Playwright), against a live server.

(a) a clerk of 黎元村 uploads a docx and a pdf, browses, opens one and corrects its title;
(b) an inspector of 莲蓬寺镇 sees it but can change nothing, even with forged requests;
(c) a clerk of 东关村 sees none of it;
(d) an admin looks at the admin pages and the trash.
Full-page screenshots go to test-output/screenshots/ (01-login.png ...).
"""
from __future__ import annotations

import random
import re

from playwright.sync_api import expect
from sqlalchemy import select

from archive.demo import samples
from archive.ingest.pipeline import Incoming
from archive.models import Document
from tests.support.browser import login


# --------------------------------------------------------------------------- helpers


def sample_files(directory, unit="黎元村"):
    rng = random.Random(20240601)
    docx_doc = samples.random_document(rng, unit_name=unit, level="village", year=2021)
    pdf_doc = samples.random_document(rng, unit_name=unit, level="village", year=2022)
    docx = samples.write_docx(docx_doc, directory / "黎元村评议记录.docx")
    pdf = samples.write_pdf(pdf_doc, directory / "黎元村帮扶台账.pdf")
    return [(docx, docx_doc), (pdf, pdf_doc)]


def seed_document(services, org, path, name):
    result = services.pipeline.ingest(Incoming(source=path, name=name, org=org))
    assert result.status == "stored", result.error
    return result.document.id


def title_of(services, doc_id: int) -> str:
    with services.db.session() as session:
        return session.scalar(select(Document.title).where(Document.id == doc_id))


def row_ids(page) -> list[int]:
    return [int(x) for x in page.locator("table#documents tr[data-id]").evaluate_all(
        "rows => rows.map(r => r.dataset.id)")]


def csrf_of(page) -> str:
    return page.locator("input[name=csrf_token]").first.get_attribute("value")


# --------------------------------------------------------------------------- (a) the clerk


def test_clerk_uploads_browses_and_edits(new_page, make_user, services, tmp_path, shot):
    make_user("li_clerk", "黎元村", role="clerk")
    files = sample_files(tmp_path)
    page = new_page()

    page.goto("/login")
    expect(page.locator("#username")).to_be_visible()
    shot(page, "01-login")
    login(page, "li_clerk")
    shot(page, "02-home")

    page.goto("/upload")
    expect(page.locator("select#upload-org")).to_be_visible()
    page.set_input_files("#file-input", [str(p) for p, _ in files])
    start = page.locator("#upload-start, #upload-button, form#upload-form button[type=submit]")
    if start.count() and start.first.is_visible():
        start.first.click()  # pages that wait for a click; others start on `change`
    stored = page.locator('ul#upload-results > li[data-status="stored"]')
    expect(stored).to_have_count(2, timeout=30_000)
    expect(page.get_by_text("已入库").first).to_be_visible()
    shot(page, "03-upload")

    with services.db.session() as session:
        docs = {d.original_name: (d.id, d.title) for d in session.scalars(select(Document))}
    assert set(docs) == {p.name for p, _ in files}, docs

    page.goto("/browse")
    table = page.locator("table#documents")
    expect(table).to_be_visible()
    assert sorted(row_ids(page)) == sorted(i for i, _ in docs.values())
    for _, title in docs.values():
        expect(table.get_by_text(title, exact=False).first).to_be_visible()
    shot(page, "04-browse")

    doc_id, old_title = docs["黎元村评议记录.docx"]
    page.locator(f'table#documents tr[data-id="{doc_id}"] a').first.click()
    page.wait_for_url(re.compile(rf"/documents/{doc_id}$"))
    expect(page.locator("h1#doc-title")).to_contain_text(old_title[:20])
    expect(page.locator("a#download-document")).to_be_visible()
    shot(page, "05-detail")

    page.click("a#edit-document")
    page.wait_for_url(re.compile(rf"/documents/{doc_id}/edit$"))
    form = page.locator("form#edit-form")
    expect(form).to_be_visible()
    new_title = "黎元村2021年脱贫户民主评议会议记录（已更正）"
    form.locator("[name=title]").fill(new_title)
    shot(page, "06-edit")
    with page.expect_navigation():
        form.locator("button[type=submit], input[type=submit]").first.click()
    page.wait_for_url(re.compile(rf"/documents/{doc_id}$"))
    expect(page.locator("h1#doc-title")).to_have_text(new_title)
    # The history lists the edit (修改) with the old and the new title.
    edit_row = page.locator('table#history tr[data-action="edit"]')
    expect(edit_row).to_have_count(1)
    expect(edit_row).to_contain_text("修改")
    expect(edit_row).to_contain_text(old_title)
    expect(edit_row).to_contain_text(new_title)
    shot(page, "05b-detail-after-edit")
    assert title_of(services, doc_id) == new_title

    # The download link really downloads the original.
    with page.expect_download() as info:
        page.click("a#download-document")
    assert info.value.suggested_filename == "黎元村评议记录.docx"


# --------------------------------------------------------------------------- (b) the inspector


def test_inspector_sees_but_cannot_change(new_page, make_user, services, org_tree, tmp_path, live_server):
    make_user("town_inspector", "莲蓬寺镇", role="inspector")
    (path, _), _ = sample_files(tmp_path)
    doc_id = seed_document(services, org_tree["黎元村"], path, "黎元村评议记录.docx")
    title = title_of(services, doc_id)
    page = new_page()
    login(page, "town_inspector")

    page.goto("/browse")
    assert row_ids(page) == [doc_id]
    response = page.goto(f"/documents/{doc_id}")
    assert response.status == 200
    expect(page.locator("h1#doc-title")).to_contain_text(title[:20])
    expect(page.locator("a#download-document")).to_be_visible()
    assert page.locator("a#edit-document").count() == 0
    assert page.locator("#delete-document").count() == 0
    assert page.locator(f'a[href$="/documents/{doc_id}/delete"], a[href$="/documents/{doc_id}/edit"]').count() == 0
    assert page.locator(f'form[action$="/documents/{doc_id}/delete"]').count() == 0

    # Even the edit page itself is refused.
    assert page.goto(f"/documents/{doc_id}/edit").status == 403
    page.goto(f"/documents/{doc_id}")

    edit_url = f"{live_server}/documents/{doc_id}/edit"
    form = {"title": "检查人员伪造的题名", "doc_number": "", "author": "", "doc_date": "", "year": ""}
    # With the session cookie, without a CSRF token: refused by the CSRF check.
    r = page.request.post(edit_url, form=form, max_redirects=0)
    assert r.status == 400, r.text()[:300]
    # With a valid CSRF token from the page, but the inspector's role: refused by the policy.
    token = csrf_of(page)
    r = page.request.post(edit_url, form=form | {"csrf_token": token}, max_redirects=0)
    assert r.status == 403, r.text()[:300]
    r = page.request.post(f"{live_server}/documents/{doc_id}/delete", form={"csrf_token": token}, max_redirects=0)
    assert r.status == 403, r.text()[:300]

    assert title_of(services, doc_id) == title
    page.reload()
    expect(page.locator("h1#doc-title")).to_contain_text(title[:20])


# --------------------------------------------------------------------------- (c) the neighbour


def test_sibling_clerk_sees_nothing(new_page, make_user, services, org_tree, tmp_path):
    make_user("dg_clerk", "东关村", role="clerk")
    ids = [seed_document(services, org_tree["黎元村"], p, p.name) for p, _ in sample_files(tmp_path)]
    titles = [title_of(services, i) for i in ids]
    page = new_page()
    login(page, "dg_clerk")

    page.goto("/browse")
    assert row_ids(page) == []
    body = page.locator("body").inner_text()
    for title in titles:
        assert title not in body
    for doc_id in ids:
        for url in (f"/documents/{doc_id}", f"/documents/{doc_id}/edit"):
            response = page.goto(url)
            assert response.status == 404, url
            assert titles[ids.index(doc_id)] not in page.content()
        assert page.request.get(f"/documents/{doc_id}/file").status == 404
    # Filtering by the neighbour's unit reveals nothing either.
    r = page.goto(f"/browse?org={org_tree['黎元村'].id}")
    assert r.status in (200, 404)
    assert not any(t in page.content() for t in titles)


# --------------------------------------------------------------------------- (d) the admin pages


def test_admin_pages(new_page, make_user, services, org_tree, tmp_path, shot):
    make_user("county_admin", "文峰区", role="admin")
    make_user("li_clerk", "黎元村", role="clerk")
    make_user("town_viewer", "莲蓬寺镇", role="viewer")
    files = sample_files(tmp_path)
    ids = [seed_document(services, org_tree["黎元村"], p, p.name) for p, _ in files]
    page = new_page()
    login(page, "county_admin")

    # Delete one document through its page, so the trash and the audit log have something to show.
    page.goto(f"/documents/{ids[1]}")
    delete = page.locator("#delete-document")
    if delete.count() and delete.first.evaluate("e => e.tagName") == "BUTTON":
        page.once("dialog", lambda d: d.accept())
        delete.first.click()
    else:
        page.locator(f'a[href$="/documents/{ids[1]}/delete"]').first.click()
        page.wait_for_url(re.compile(rf"/documents/{ids[1]}/delete$"))
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/browse"))
    assert row_ids(page) == [ids[0]]

    for name, url, must_see in (
        ("07-admin-users", "/admin/users", ["li_clerk", "town_viewer", "county_admin"]),
        ("08-admin-orgs", "/admin/orgs", ["莲蓬寺镇", "黎元村", "东关村", "宝莲寺镇"]),
        ("09-audit", "/admin/audit", ["county_admin"]),
        ("10-trash", "/trash", [title_of(services, ids[1])[:20]]),
    ):
        response = page.goto(url)
        assert response.status == 200, url
        for text in must_see:
            expect(page.get_by_text(text, exact=False).first).to_be_visible()
        shot(page, name)
