"""组卷 in a real browser: a town clerk composes a volume for one of its villages, reorders the
documents by dragging and with 上移, previews the 卷内文件目录, builds it, watches the progress bar
reach 完成, downloads the PDF and finds the volume in the list.

The build runs as in production: queued in the app's Huey store and run by a worker thread (not
Huey's immediate mode), so the page really polls. Screenshots: test-output/screenshots/20-volume-new,
21-volume-preview, 22-volume-done, 23-volumes-list.
"""
from __future__ import annotations

import re
import threading

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader
from sqlalchemy import select

from archive import jobs
from archive.ingest.pipeline import Incoming
from archive.models import Document, Volume
from tests.support.browser import collect_csp_errors, login, open_from_menu
from tests.support.documents import LONG, NOTICE


@pytest.fixture
def job_worker(app):
    """Huey out of immediate mode (the app's SQLite queue) with one worker thread, which starts
    taking tasks when the test calls `release()`."""
    go, stop = threading.Event(), threading.Event()
    failures: list[BaseException] = []
    jobs.huey.immediate = False

    def work():
        go.wait()
        while not stop.is_set():
            task = jobs.huey.dequeue()
            if task is None:
                stop.wait(0.1)
                continue
            try:
                jobs.huey.execute(task)
            except BaseException as exc:  # reported by the test, not lost in the thread
                failures.append(exc)

    thread = threading.Thread(target=work, name="huey-worker", daemon=True)
    thread.start()

    class Worker:
        errors = failures

        @staticmethod
        def release():
            go.set()

    yield Worker
    go.set()
    stop.set()
    thread.join(timeout=60)
    jobs.huey.immediate = True


def seed(services, org_tree, tmp_path) -> dict[str, int]:
    """Four filed documents of 黎元村, class 0305, 2020, D30 ("long" spans several pages)."""
    folder = tmp_path / "docs"
    folder.mkdir()
    made = {}
    for name, text, n, day in [("a", NOTICE, 11, 2), ("b", NOTICE, 14, 5), ("long", LONG, 16, 7), ("d", NOTICE, 18, 9)]:
        path = folder / f"{name}.txt"
        path.write_text(text.format(year=2020, n=n, day=day), encoding="utf-8")
        result = services.pipeline.ingest(Incoming(source=path, name=path.name, org=org_tree["黎元村"]))
        assert result.status == "stored", result.error
        made[name] = result.document.id
    with services.db.session() as session:
        assert all(session.get(Document, i).category_code == "0305" for i in made.values())
    return made


def ids(page, selector: str) -> list[int]:
    return [int(x) for x in page.locator(selector).evaluate_all("rows => rows.map(r => r.dataset.id)")]


def wait_for_ids(page, selector: str, expected: list[int]) -> None:
    page.wait_for_function(
        "([selector, expected]) => JSON.stringify(Array.from(document.querySelectorAll(selector))"
        ".map(r => Number(r.dataset.id))) === JSON.stringify(expected)", arg=[selector, expected], timeout=10_000)


def test_clerk_composes_reorders_builds_and_downloads(new_page, make_user, services, org_tree, tmp_path, shot,
                                                      job_worker):
    make_user("town_clerk", "莲蓬寺镇", role="clerk")
    doc = seed(services, org_tree, tmp_path)
    page = new_page()
    csp_errors = collect_csp_errors(page, [])
    login(page, "town_clerk")

    # 案卷 in the menu → the (empty) list → 组卷
    open_from_menu(page, "案卷", re.compile(r"/volumes$"))
    expect(page.locator("main")).to_contain_text("暂无案卷")
    page.click("#compose-volume")
    page.wait_for_url(re.compile(r"/volumes/new$"))

    # the unit (its scheme's classes come by htmx), the year, the class → retention from the class
    with page.expect_response(re.compile(r"/volumes/classes\?")):
        page.select_option("#vol-org", value=str(org_tree["黎元村"].id))
    page.fill("#vol-year", "2020")
    page.select_option("#vol-category", value="0305")
    expect(page.locator("#vol-retention")).to_have_value("D30")
    page.click("#list-documents")
    page.wait_for_url(re.compile(r"/volumes/new\?.*list=1"))
    rows = "#doc-order tr[data-id]"
    assert ids(page, rows) == [doc["a"], doc["b"], doc["long"], doc["d"]]
    expect(page.locator("#vol-title")).to_have_value("安阳县人民政府办公室2020年度住房安全文件材料")
    expect(page.locator(f"{rows} .move-up").first).to_be_disabled()
    expect(page.locator(f"{rows} .move-down").last).to_be_disabled()
    expect(page.locator("#toc-note")).to_contain_text("估算")
    shot(page, "20-volume-new")

    # drag "d" (last) onto the upper half of the first row: it goes first
    first = page.locator(f'{rows}[data-id="{doc["a"]}"]')
    page.locator(f'{rows}[data-id="{doc["d"]}"] .grip').drag_to(first, target_position={"x": 60, "y": 3})
    assert ids(page, rows) == [doc["d"], doc["a"], doc["b"], doc["long"]]
    expect(page.locator(f'{rows}[data-id="{doc["d"]}"] .pos')).to_have_text("1")
    # 上移 on "long", from the keyboard: focus the button and press Enter
    up = page.locator(f'{rows}[data-id="{doc["long"]}"] .move-up')
    up.focus()
    page.keyboard.press("Enter")
    assert ids(page, rows) == [doc["d"], doc["a"], doc["long"], doc["b"]]
    expect(up).to_be_focused()
    expect(page.locator("#order-status")).to_contain_text("移到第 3 位")
    # leave "b" out; the preview follows (htmx POST with the CSRF header), then ask for it by button too
    page.uncheck(f'#doc-{doc["b"]}')
    page.fill("#vol-checked-by", "王检查")
    chosen = [doc["d"], doc["a"], doc["long"]]
    wait_for_ids(page, "#toc tbody tr", chosen)
    with page.expect_response(re.compile(r"/volumes/preview$")) as preview:
        page.click("#preview-toc")
    assert preview.value.status == 200 and preview.value.request.headers.get("x-csrf-token")
    wait_for_ids(page, "#toc tbody tr", chosen)
    expect(page.locator("#toc tbody tr").first.locator("td").first).to_have_text("1")
    assert [int(x) for x in page.locator('#doc-order input[name="order"]').evaluate_all(
        "inputs => inputs.map(i => i.value)")] == [doc["d"], doc["a"], doc["long"], doc["b"]]
    expect(page.locator("#doc-order tr.moved")).to_have_count(0)  # the short highlight is gone…
    page.wait_for_timeout(600)  # …and has faded out, for the screenshot
    shot(page, "21-volume-preview")

    # build: the volume page polls the progress while the job waits, then runs
    page.click("#build-volume")
    page.wait_for_url(re.compile(r"/volumes/\d+$"))
    volume_id = int(page.url.rsplit("/", 1)[1])
    expect(page.locator("#volume-status")).to_contain_text("排队中")
    expect(page.locator("#volume-progress")).to_be_visible()
    with page.expect_response(re.compile(rf"/volumes/{volume_id}/status$")):
        pass  # a poll, while queued
    job_worker.release()
    expect(page.locator("#volume-status")).to_contain_text("完成", timeout=120_000)
    assert not job_worker.errors, job_worker.errors
    expect(page.locator("#volume-progress")).to_have_attribute("value", "100")
    expect(page.locator("#progress-text")).to_contain_text("完成")
    assert ids(page, "#volume-documents tbody tr") == chosen
    with services.db.session() as session:
        volume = session.get(Volume, volume_id)
        assert volume.status == "done" and volume.checked_by == "王检查"
        spans = [(i.page_start, i.page_end) for i in volume.items]
        total_pages, code = volume.total_pages, volume.archive_code
    shown = page.locator("#volume-documents td.pages").all_inner_texts()
    assert shown == [str(a) if a == b else f"{a}–{b}" for a, b in spans]
    expect(page.locator("#volume-code")).to_have_text(code)
    # polling stopped: no trigger left on the live region
    assert page.locator("#volume-live[hx-trigger]").count() == 0
    shot(page, "22-volume-done")

    with page.expect_download() as info:
        page.click("#download-volume")
    download = info.value
    assert download.suggested_filename.endswith(".pdf") and code in download.suggested_filename
    data = open(download.path(), "rb").read()
    assert data.startswith(b"%PDF")
    assert len(PdfReader(download.path()).pages) == total_pages

    open_from_menu(page, "案卷", re.compile(r"/volumes$"))
    row = page.locator(f'table#volumes tr[data-id="{volume_id}"]')
    expect(row).to_contain_text(code)
    expect(row).to_contain_text("完成")
    expect(row.locator("a.download")).to_have_text("下载")
    shot(page, "23-volumes-list")
    assert not csp_errors, csp_errors


def test_volume_list_scope_in_the_browser(new_page, make_user, services):
    """An inspector sees the 案卷 menu and list but no 组卷 button; 组卷 itself answers 403."""
    make_user("town_inspector", "莲蓬寺镇", role="inspector")
    page = new_page()
    login(page, "town_inspector")
    open_from_menu(page, "案卷", re.compile(r"/volumes$"))
    assert page.locator("#compose-volume").count() == 0
    assert page.goto("/volumes/new").status == 403
    expect(page.locator("body")).to_contain_text("不能组卷")
    with services.db.session() as session:
        assert session.scalar(select(Volume.id)) is None
