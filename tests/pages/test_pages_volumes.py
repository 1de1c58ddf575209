"""案卷 pages: the list, composing a volume (filter, hand-picked order, TOC preview), the volume page
with its polled progress, the PDF download; roles and scope; Chinese errors that save nothing.

Real documents through the ingest pipeline (filed by the rules), a real build in Huey's immediate
mode (tests/conftest.py), the PDF read back with pypdf.
"""
from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from archive import jobs
from archive.auth.actor import CLI, Actor
from archive.binder import service as binder
from archive.documents import service as documents
from archive.ingest.pipeline import Incoming
from archive.models import AuditEvent, Document, Job, User, Volume
from tests.support.documents import LONG, NOTICE
from tests.support.pages import csrf, login, text_of




# ------------------------------------------------------------------------------------------ helpers

def ids_in(page: str, table_id: str) -> list[int]:
    table = re.search(rf'<table class="[^"]*" id="{table_id}">(.*?)</table>', page, re.S)
    assert table, f"table#{table_id} missing"
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', table.group(1))]


def row_of(page: str, table_id: str, doc_id: int) -> str:
    table = re.search(rf'id="{table_id}">(.*?)</table>', page, re.S).group(1)
    return re.search(rf'<tr data-id="{doc_id}"[^>]*>(.*?)</tr>', table, re.S).group(1)


def counts(services) -> tuple[int, int]:
    with services.db.session() as session:
        return session.scalar(select(func.count(Volume.id))), session.scalar(select(func.count(Job.id)))


def the_volume(services, volume_id: int) -> Volume:
    with services.db.session() as session:
        volume = session.get(Volume, volume_id)
        volume.items, volume.org  # loaded
        session.expunge_all()
        return volume


@pytest.fixture
def filed(services, org_tree, tmp_path):
    """Filed documents, class 0305 (危房改造), 2020, D30: four in 黎元村 (one of them several pages
    long), one in 东关村. Returns {name: document id}."""
    folder = tmp_path / "docs"
    folder.mkdir()
    made = {}
    for name, unit, text, n, day in [("a", "黎元村", NOTICE, 11, 2), ("b", "黎元村", NOTICE, 14, 5),
                                     ("long", "黎元村", LONG, 16, 7), ("d", "黎元村", NOTICE, 18, 9),
                                     ("east", "东关村", NOTICE, 13, 4)]:
        path = folder / f"{name}.txt"
        path.write_text(text.format(year=2020, n=n, day=day), encoding="utf-8")
        result = services.pipeline.ingest(Incoming(source=path, name=path.name, org=org_tree[unit]))
        assert result.status == "stored", result.error
        made[name] = result.document.id
    with services.db.session() as session:
        for doc_id in made.values():
            doc = session.get(Document, doc_id)
            assert doc.archive_code and doc.category_code == "0305" and doc.year == 2020, (doc.title, doc.category_code)
            assert doc.retention == "D30"
    return made


@pytest.fixture
def clerk(client, make_user):
    make_user("li_clerk", "黎元村", role="clerk")
    login(client, "li_clerk")
    return client


def compose_form(token, org_tree, order, ticked, **extra) -> dict:
    return {"csrf_token": token, "org": str(org_tree["黎元村"].id), "year": "2020", "category": "0305",
            "retention": "D30", "order": [str(i) for i in order], "documents": [str(i) for i in ticked],
            "title": "", "made_by": "李档案", "checked_by": "王检查", "filing_no": "GD-2020-07", "remarks": "",
            "filing_stamp": "1"} | extra


def build_by_page(client, org_tree, order, ticked) -> int:
    r = client.post("/volumes/new", data=compose_form(csrf(client), org_tree, order, ticked))
    assert r.status_code == 302, text_of(r)[:2000]
    found = re.search(r"/volumes/(\d+)$", r.headers["Location"])
    assert found, r.headers["Location"]
    return int(found.group(1))


# ------------------------------------------------------------------------------------------ pages

def test_list_and_compose_pages_render(clerk, services, org_tree, filed):
    page = text_of(clerk.get("/volumes"))
    assert "<h1>案卷</h1>" in page and 'id="compose-volume"' in page and "暂无案卷" in page
    assert re.search(r'<a href="/volumes" class="active">案卷</a>', page), "side menu entry"

    page = text_of(clerk.get("/volumes/new"))
    assert "组卷" in page and 'id="filter-form"' in page and 'id="compose-form"' not in page
    assert 'value="2020"' in page  # the latest year with documents
    assert '<option value="0305" data-retention="D30">' in page and "0305 住房安全" in page
    assert "src=\"/static/js/volumes.js\"" in page and "<script>" not in page and " style=" not in page

    r = clerk.get(f"/volumes/new?org={org_tree['黎元村'].id}&year=2020&category=0305&list=1")
    page = text_of(r)
    assert r.status_code == 200
    listed = ids_in(page, "candidates")
    assert listed == [filed[n] for n in ("a", "b", "long", "d")]  # 档号 order; 东关村 not in 黎元村
    assert page.count('name="order"') == 4 and page.count('name="documents"') == 4
    assert all(f'value="{i}" id="doc-{i}" checked' in page for i in listed)
    # 保管期限 defaulted from the class; the hidden filter the compose form posts with
    assert re.search(r'<option value="D30" selected>', page)
    assert '<input type="hidden" name="retention" value="D30">' in page
    title = re.search(r'id="vol-title" value="([^"]*)"', page).group(1)
    assert title == "安阳县人民政府办公室2020年度住房安全文件材料"
    assert 'id="double_sided"' not in page and re.search(r'name="filing_stamp" value="1" checked', page)
    # the table of contents as it would be, page numbers estimated
    assert ids_in(page, "toc") == listed
    assert "卷内文件目录" in page and "估算" in page
    toc_head = re.search(r'id="toc">\s*<thead>(.*?)</thead>', page, re.S).group(1)
    assert re.findall(r"<th[^>]*>([^<]+)</th>", toc_head) == ["顺序号", "文号", "责任者", "题名", "日期", "页号"]
    assert "安政办〔2020〕11号" in row_of(page, "toc", filed["a"])


def test_class_options_follow_the_unit(clerk, org_tree):
    r = clerk.get(f"/volumes/classes?org={org_tree['黎元村'].id}&category=0305")
    options = text_of(r)
    assert r.status_code == 200 and '<option value="0305" data-retention="D30" selected>' in options
    assert '<option value="01" data-retention=' in options
    assert clerk.get(f"/volumes/classes?org={org_tree['东关村'].id}").status_code == 404


def test_preview_fragment_in_the_pages_order(clerk, services, org_tree, filed):
    order = [filed["long"], filed["a"], filed["d"], filed["b"]]
    form = compose_form(csrf(clerk), org_tree, order, [filed["long"], filed["a"], filed["b"]])
    r = clerk.post("/volumes/preview", data=form)
    fragment = text_of(r)
    assert r.status_code == 200 and "<html" not in fragment
    assert ids_in(fragment, "toc") == [filed["long"], filed["a"], filed["b"]]
    with services.db.session() as session:
        pages = [session.get(Document, filed[n]).page_count or 1 for n in ("long", "a", "b")]
    labels = re.findall(r'<td class="num nowrap">([^<]+)</td>', fragment)
    first_a, first_b = 1 + pages[0], 1 + pages[0] + pages[1]
    last = first_b + pages[2] - 1
    assert labels == ["1", str(first_a), f"{first_b}-{last}" if last > first_b else str(first_b)]
    assert "估算" in fragment
    # nothing ticked, a bad year: said in Chinese, in the fragment
    r = clerk.post("/volumes/preview", data=compose_form(csrf(clerk), org_tree, order, []))
    assert "请至少勾选一份文件" in text_of(r)
    r = clerk.post("/volumes/preview", data=compose_form(csrf(clerk), org_tree, order, order, year="二〇二〇"))
    assert "年度“二〇二〇”无效" in text_of(r)
    # without the CSRF token: refused
    form.pop("csrf_token")
    assert clerk.post("/volumes/preview", data=form).status_code == 400
    assert counts(services) == (0, 0)


# ------------------------------------------------------------------------------------------ build

def test_compose_in_a_chosen_order_builds_and_downloads(clerk, services, org_tree, filed):
    order = [filed["long"], filed["a"], filed["d"], filed["b"]]
    chosen = [filed["long"], filed["a"], filed["b"]]            # "d" left unticked
    volume_id = build_by_page(clerk, org_tree, order, chosen)

    volume = the_volume(services, volume_id)
    assert volume.status == "done", volume.errors
    assert [item.document_id for item in volume.items] == chosen
    assert (volume.made_by, volume.checked_by, volume.filing_no) == ("李档案", "王检查", "GD-2020-07")
    assert volume.filing_stamp and not volume.double_sided and not volume.spine
    assert volume.title == "安阳县人民政府办公室2020年度住房安全文件材料"
    with services.db.session() as session:
        job = session.get(Job, volume.job_id)
        assert (job.kind, job.status, job.params) == ("volume_build", "done", {"volume_id": volume_id})

    r = clerk.get(f"/volumes/{volume_id}")
    page = text_of(r)
    assert r.status_code == 200 and volume.title in page and volume.archive_code in page
    assert "已提交组卷" in page and "完成" in page and 'id="download-volume"' in page
    assert 'hx-trigger="every 1s"' not in page  # done: no polling
    assert re.search(r'<progress id="volume-progress" max="100" value="100"', page)
    assert ids_in(page, "volume-documents") == chosen
    expected, start = [], 1
    for item in volume.items:
        assert item.page_start == start and item.page_end >= item.page_start
        expected.append(str(start) if item.page_end == start else f"{start}–{item.page_end}")
        start = item.page_end + 1
        row = row_of(page, "volume-documents", item.document_id)
        assert f'href="/documents/{item.document_id}">{item.archive_code}</a>' in row
    assert re.findall(r'<td class="num nowrap pages">([^<]+)</td>', page) == expected
    assert volume.items[0].page_end > volume.items[0].page_start, "the long document spans pages"

    r = clerk.get(f"/volumes/{volume_id}/pdf")
    assert r.status_code == 200 and r.mimetype == "application/pdf"
    assert "attachment" in r.headers["Content-Disposition"] and ".pdf" in r.headers["Content-Disposition"]
    data = r.get_data()
    assert data.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == volume.total_pages
    assert volume.total_pages > volume.page_count == volume.items[-1].page_end
    with services.db.session() as session:
        downloads = session.scalar(select(func.count(AuditEvent.id)).where(
            AuditEvent.action == "volume_download", AuditEvent.object_id == str(volume_id)))
    assert downloads == 1

    page = text_of(clerk.get("/volumes"))
    assert ids_in(page, "volumes") == [volume_id]
    row = row_of(page, "volumes", volume_id)
    assert volume.archive_code in row and volume.title in row and "黎元村" in row and "0305" in row
    assert f'href="/volumes/{volume_id}/pdf">下载</a>' in row and "完成" in row
    assert re.findall(r'<td class="num">(\d+)</td>', row) == ["2020", "3", str(volume.page_count)]


def test_roles_and_scope(client, services, org_tree, filed, make_user):
    """An inspector above the village lists, views and downloads but cannot compose; a clerk of the
    neighbouring village sees nothing of it."""
    make_user("li_clerk", "黎元村", role="clerk")
    make_user("town_inspector", "莲蓬寺镇", role="inspector")
    make_user("dg_clerk", "东关村", role="clerk")
    login(client, "li_clerk")
    volume_id = build_by_page(client, org_tree, [filed["b"], filed["a"]], [filed["b"], filed["a"]])
    assert the_volume(services, volume_id).status == "done"
    client.post("/logout", data={"csrf_token": csrf(client)})

    login(client, "town_inspector")
    page = text_of(client.get("/volumes"))
    assert ids_in(page, "volumes") == [volume_id] and 'id="compose-volume"' not in page
    assert client.get(f"/volumes/{volume_id}").status_code == 200
    assert client.get(f"/volumes/{volume_id}/status").status_code == 200
    r = client.get(f"/volumes/{volume_id}/pdf")
    assert r.status_code == 200 and r.get_data().startswith(b"%PDF")
    assert client.get("/volumes/new").status_code == 403
    token = csrf(client)
    r = client.post("/volumes/new", data=compose_form(token, org_tree, [filed["a"]], [filed["a"]]))
    assert r.status_code == 403 and "不能组卷" in text_of(r)
    r = client.post("/volumes/preview", data=compose_form(token, org_tree, [filed["a"]], [filed["a"]]))
    assert r.status_code == 403
    assert counts(services) == (1, 1)
    client.post("/logout", data={"csrf_token": token})

    login(client, "dg_clerk")
    page = text_of(client.get("/volumes"))
    assert "暂无案卷" in page and f'data-id="{volume_id}"' not in page
    for url in (f"/volumes/{volume_id}", f"/volumes/{volume_id}/status", f"/volumes/{volume_id}/pdf"):
        r = client.get(url)
        assert r.status_code == 404, url
        assert the_volume(services, volume_id).title not in text_of(r)
    # composing for the neighbour's unit, or with the neighbour's documents: not found / refused
    assert client.get(f"/volumes/new?org={org_tree['黎元村'].id}").status_code == 404
    r = client.post("/volumes/new", data=compose_form(csrf(client), org_tree, [filed["a"]], [filed["a"]]))
    assert r.status_code == 404
    with services.db.session() as session:
        downloads = session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == "volume_download"))
    assert downloads == 1  # the inspector's
    assert counts(services) == (1, 1)


def test_progress_polls_then_shows_failure(clerk, services, org_tree, filed, make_user):
    """A volume waiting for its job polls every second; a build that fails stops polling and lists why."""
    with services.db.session() as session:
        clerk_user = session.scalar(select(User).where(User.username == "li_clerk"))
        spec = binder.Spec(org=session.merge(org_tree["黎元村"]), category="0305", year=2020, retention="D30",
                           documents=[filed["a"], filed["b"]])
        volume = binder.create(session, services.standards, Actor(clerk_user, "127.0.0.1", "test"), spec)
        job = jobs.create_job(session, kind="volume_build", user=clerk_user, org=volume.org,
                              params={"volume_id": volume.id})
        volume.job_id = job.id
        volume_id, job_id = volume.id, job.id

    fragment = text_of(clerk.get(f"/volumes/{volume_id}/status"))
    assert fragment.lstrip().startswith('<div id="volume-live" data-status="queued"')
    assert f'hx-get="/volumes/{volume_id}/status" hx-trigger="every 1s"' in fragment
    assert "排队中" in fragment and 'id="download-volume"' not in fragment
    page = text_of(clerk.get(f"/volumes/{volume_id}"))
    assert 'hx-trigger="every 1s"' in page and "页号在生成后显示" in page
    r = clerk.get(f"/volumes/{volume_id}/pdf")
    assert r.status_code == 409 and "尚未生成" in text_of(r)

    with services.db.session() as session:  # the document goes to the trash before the build
        documents.delete(session, CLI, filed["b"])
    jobs.enqueue("volume_build", job_id)

    fragment = text_of(clerk.get(f"/volumes/{volume_id}/status"))
    assert 'data-status="failed"' in fragment and "hx-trigger" not in fragment
    assert "失败" in fragment and "生成失败" in fragment
    errors = re.search(r'<ul id="volume-errors">(.*?)</ul>', fragment, re.S).group(1)
    assert "回收站" in errors
    again = re.search(r'id="compose-again" href="([^"]+)"', fragment).group(1)  # back to 组卷, same range
    assert again.startswith("/volumes/new?") and "category=0305" in again and "list=1" in again
    assert clerk.get(again).status_code == 200
    assert clerk.get(f"/volumes/{volume_id}/pdf").status_code == 409
    assert "失败" in row_of(text_of(clerk.get("/volumes")), "volumes", volume_id)


# ------------------------------------------------------------------------------------------ errors

@pytest.mark.parametrize("change, message", [
    ({"year": "20x0"}, "年度“20x0”无效"),
    ({"documents": []}, "请至少勾选一份文件"),
    ({"category": ""}, "请选择类目"),
    ({"category": "9999"}, "类目“9999”在分类方案"),
    ({"retention": "X9"}, "保管期限“X9”无效"),
    ({"order": ["abc"], "documents": ["abc"]}, "所选文件无效"),
])
def test_bad_inputs_are_said_in_chinese_and_save_nothing(clerk, services, org_tree, filed, change, message):
    order = [filed["b"], filed["a"]]
    r = clerk.post("/volumes/new", data=compose_form(csrf(clerk), org_tree, order, order) | change)
    page = text_of(r)
    assert r.status_code == 422, page[:500]
    error = re.search(r'<div class="flash error" role="alert" id="compose-error">(.*?)</div>', page, re.S)
    assert error and message in error.group(1), (message, error and error.group(1))
    assert "未生成案卷" in error.group(1)
    assert counts(services) == (0, 0)
    if not {"year", "category", "retention", "order"} & set(change):
        # the list comes back as the person left it: their order first, their ticks
        assert ids_in(page, "candidates")[:2] == order
        ticked = [int(i) for i in re.findall(r'value="(\d+)" id="doc-\d+" checked', page)]
        assert ticked == [int(i) for i in change.get("documents", order)]


def test_documents_outside_the_unit_or_scope_are_refused(clerk, services, org_tree, filed):
    east = filed["east"]
    form = compose_form(csrf(clerk), org_tree, [filed["a"], east], [filed["a"], east])
    r = clerk.post("/volumes/new", data=form)
    assert r.status_code == 422 and f"文件 {east} 不存在或无权访问" in text_of(r)
    # the page comes back with 黎元村's list in the order sent; the forged row is not shown
    assert ids_in(text_of(r), "candidates")[0] == filed["a"] and east not in ids_in(text_of(r), "candidates")
    # a bad year on "列出文件": said on the filter, nothing listed
    r = clerk.get(f"/volumes/new?org={org_tree['黎元村'].id}&year=abcd&category=0305&list=1")
    assert r.status_code == 200 and "年度“abcd”无效" in text_of(r) and 'id="compose-form"' not in text_of(r)
    assert 'aria-invalid="true"' in text_of(r)
    # a unit that does not exist
    assert clerk.get("/volumes/new?org=99999").status_code == 404
    assert clerk.post("/volumes/new", data=compose_form(csrf(clerk), org_tree, [filed["a"]], [filed["a"]])
                      | {"org": "99999"}).status_code == 404
    # no CSRF token
    form.pop("csrf_token")
    assert clerk.post("/volumes/new", data=form | {"documents": [str(filed["a"])]}).status_code == 400
    assert counts(services) == (0, 0)
