"""整改 pages with the Flask client on a real database: batches, the import with its preview (columns
understood, problems in red, nothing saved until 确认导入, all or nothing), the item list with its
filters and the board, an item's actions (legal and refused with the reason), evidence uploaded,
linked and unlinked from the item page, the counts on the home page; roles (an inspector reads, a POST
is 403) and scope (another village's item is 404); CSRF on every POST.

The 问题清单 is the realistic one of tests/test_rectify.py (title rows, merged cells, a section row).
"""
from __future__ import annotations

import functools
import io
import re

import pytest
from sqlalchemy import select

from archive.models import AuditEvent, Document, FeedbackBatch, ItemEvidence, RectificationItem
from tests.support.api import count
from tests.support.pages import PREVIEW_TOKEN, csrf, logged_in_client, post_file, preview_token, text_of
from tests.support.rectify import SOON, bad_checklist, checklist, docx_bytes, notice


# ------------------------------------------------------------------------------------------ helpers


def batch_form(client, org_tree, **extra) -> dict:
    return {"csrf_token": csrf(client), "title": "2021年脱贫攻坚成效考核反馈问题", "source": "考核", "level": "省",
            "received_on": "2021-04-20", "org": str(org_tree["文峰区"].id), "document_id": "", "batch": ""} | extra


def upload_preview(client, form: dict, data: bytes, name: str = "问题清单.xlsx"):
    return post_file(client, "/rectify/import", form, data, name)


def item_ids(services) -> dict[str, int]:
    with services.db.session() as session:
        return {n: i for n, i in session.execute(select(RectificationItem.number, RectificationItem.id))}


def state_of(services, item_id: int) -> str:
    with services.db.session() as session:
        return session.get(RectificationItem, item_id).state


def act(client, item_id: int, action: str, **fields):
    return client.post(f"/rectify/items/{item_id}/actions/{action}", data={"csrf_token": csrf(client)} | fields)


@pytest.fixture
def users(make_user):
    for name, org, role in [("qu_clerk", "文峰区", "clerk"), ("qu_admin", "文峰区", "admin"),
                            ("liyuan", "黎元村", "clerk"), ("dongguan", "东关村", "clerk"),
                            ("inspector", "文峰区", "inspector")]:
        make_user(name, org, role)


@pytest.fixture
def as_user(app, users):
    """as_user(name) -> a logged-in test client of its own (its own cookies)."""
    return functools.partial(logged_in_client, app)


@pytest.fixture
def imported(as_user, services, org_tree):
    """The checklist imported through the pages by the 区 clerk. Returns {编号: item id}."""
    client = as_user("qu_clerk")
    r = upload_preview(client, batch_form(client, org_tree), checklist())
    assert r.status_code == 200, text_of(r)[:3000]
    token = preview_token(r)
    r = client.post("/rectify/import/confirm", data=batch_form(client, org_tree, token=token))
    assert r.status_code == 302, text_of(r)[:3000]
    return item_ids(services)


# ------------------------------------------------------------------------------------------ pages and import

def test_import_preview_then_confirm_saves_and_pages_render(as_user, services, org_tree):
    clerk = as_user("qu_clerk")
    page = text_of(clerk.get("/rectify"))
    assert "<h1>整改</h1>" in page and 'id="new-batch"' in page and "暂无整改反馈" in page
    assert re.search(r'<a href="/rectify" class="active">整改</a>', page), "side menu entry"
    form_page = text_of(clerk.get("/rectify/import"))
    for source in ("巡视", "考核", "督查", "审计", "普查", "其他"):
        assert f'<option value="{source}"' in form_page
    assert 'type="file" name="file"' in form_page and 'enctype="multipart/form-data"' in form_page

    # step 1: the preview saves nothing, and says how each column was understood
    r = upload_preview(clerk, batch_form(clerk, org_tree), checklist())
    assert r.status_code == 200
    page = text_of(r)
    assert count(services, FeedbackBatch) == 0 and count(services, RectificationItem) == 0
    column_map = re.search(r'id="column-map">(.*?)</table>', page, re.S).group(1)
    row_b = re.search(r'<tr data-letter="B"[^>]*>(.*?)</tr>', column_map, re.S).group(1)
    assert "反馈问题" in row_b and "问题描述" in row_b and "同义词" in row_b
    assert "整改进展" in column_map and "进展" in column_map
    assert 'id="confirm-import"' in page and "确认导入（5 项）" in page and "import-problems" not in page
    assert "文峰区2021年脱贫攻坚成效考核反馈问题整改清单" in page  # the title row, recognised as such
    rows = re.findall(r'<tr data-row="(\d+)"', page)
    assert rows == ["5", "6", "8", "10", "11"]
    assert "东关村、黎元村" in page and "原文：2021年底" in page  # merged 牵头单位, a date as written
    token = preview_token(r)
    stash = services.settings.uploads_dir / "rectify"
    assert (stash / f"{token}.bin").exists() and "问题清单.xlsx" in (stash / f"{token}.json").read_text("utf-8")

    # step 2: 确认导入 saves every row, the stash is gone
    r = clerk.post("/rectify/import/confirm", data=batch_form(clerk, org_tree, token=token))
    assert r.status_code == 302, text_of(r)[:2000]
    batch_id = int(re.search(r"/rectify/batches/(\d+)$", r.headers["Location"]).group(1))
    assert count(services, RectificationItem) == 5 and not (stash / f"{token}.bin").exists()
    with services.db.session() as session:
        batch = session.get(FeedbackBatch, batch_id)
        assert (batch.source, batch.level, batch.received_on.isoformat()) == ("考核", "省", "2021-04-20")
        assert session.scalar(select(AuditEvent.id).where(AuditEvent.action == "rectify_import"))
    page = text_of(clerk.get(r.headers["Location"]))
    assert "已导入 5 项问题" in page and "2021年脱贫攻坚成效考核反馈问题" in page
    assert len(re.findall(r'<tr data-id="\d+" data-state="not_started"', page)) == 5
    assert 'id="import-more"' in page
    # the same token again: gone
    r = clerk.post("/rectify/import/confirm", data=batch_form(clerk, org_tree, token=token))
    assert r.status_code == 410 and "已过期" in text_of(r) and count(services, RectificationItem) == 5

    listing = text_of(clerk.get("/rectify"))
    row = re.search(rf'<tr data-id="{batch_id}">(.*?)</tr>', listing, re.S).group(1)
    assert "考核" in row and "2021-04-20" in row and "文峰区" in row
    assert re.search(r'data-state="not_started"><a [^>]*>5</a>', row)
    assert re.search(r'class="bad-text"[^>]*>2</a>', row)  # items 1 and 2: deadlines in 2021

    items = text_of(clerk.get("/rectify/items"))
    assert len(re.findall(r'<tr data-id="\d+" data-state=', items)) == 5 and 'id="item-filter"' in items
    board = text_of(clerk.get("/rectify/items?view=board"))
    assert board.count('class="board-col"') == 4
    col = re.search(r'<section class="board-col" data-state="not_started"(.*?)</section>', board, re.S).group(1)
    assert col.count('<a class="board-card') == 5 and col.count("overdue-badge") == 2

    home = text_of(clerk.get("/"))
    assert 'id="rectify-counts"' in home and re.search(r'id="home-overdue" href="/rectify/items\?overdue=1">2<', home)
    assert re.search(r'id="home-due-soon" href="/rectify/items\?due=7">1<', home)
    town = org_tree["莲蓬寺镇"].id
    unit_row = re.search(rf'<tr data-org="{town}">(.*?)</tr>', home, re.S).group(1)
    assert f'href="/rectify/items?org={town}"' in unit_row and ">4<" in unit_row  # items 1, 2, 4 and 5


def test_bad_file_shows_problems_and_saves_nothing(as_user, services, org_tree, tmp_path):
    clerk = as_user("qu_clerk")
    r = upload_preview(clerk, batch_form(clerk, org_tree), bad_checklist())
    assert r.status_code == 200
    page = text_of(r)
    problems = re.search(r'id="import-problems">(.*?)</section>', page, re.S).group(1)
    assert "找不到单位“不存在村”" in problems and "区财政局" in problems
    assert 'id="confirm-import"' not in page and "有 " in page and "处问题" in page
    assert 'class="bad-row"' in page and "bad-cell" in page
    # a list with problems is not kept for a confirmation: nothing to confirm, nothing left on disk
    found = PREVIEW_TOKEN.search(r.get_data(as_text=True))
    assert found is None or found.group(1) == ""
    stash = services.settings.uploads_dir / "rectify"
    assert not stash.exists() or not list(stash.iterdir())
    assert count(services, FeedbackBatch) == 0 and count(services, RectificationItem) == 0

    # not a 问题清单 at all; a missing title; someone else's token
    r = upload_preview(clerk, batch_form(clerk, org_tree), b"%PDF-1.4 not a list", "清单.pdf")
    assert r.status_code == 422 and "不是 XLSX 电子表格或 DOCX 文档" in text_of(r)
    r = upload_preview(clerk, batch_form(clerk, org_tree, title=""), checklist())
    assert r.status_code == 422 and "请填写反馈批次的标题" in text_of(r)
    good = upload_preview(clerk, batch_form(clerk, org_tree), checklist())
    token = preview_token(good)
    other = as_user("qu_admin")
    r = other.post("/rectify/import/confirm", data=batch_form(other, org_tree, token=token))
    assert r.status_code == 410
    r = other.post("/rectify/import/confirm", data=batch_form(other, org_tree, token="../../secret_key"))
    assert r.status_code == 410
    assert count(services, FeedbackBatch) == 0


def test_import_into_an_existing_batch_and_from_docx(as_user, services, org_tree, imported):
    from docx import Document as DocxDocument

    clerk = as_user("qu_clerk")
    with services.db.session() as session:
        batch_id = session.scalar(select(FeedbackBatch.id))
    doc = DocxDocument()
    doc.add_paragraph("补充反馈问题清单")
    table = doc.add_table(rows=2, cols=4)
    for c, text in enumerate(["序号", "存在问题", "责任单位", "完成时限"]):
        table.cell(0, c).text = text
    for c, text in enumerate(["6", "东关村公益岗位管理不规范", "东关村", "2021年9月底"]):
        table.cell(1, c).text = text
    out = io.BytesIO()
    doc.save(out)
    assert 'id="preview-import"' in text_of(clerk.get(f"/rectify/import?batch={batch_id}"))
    form = {"csrf_token": csrf(clerk), "batch": str(batch_id)}
    r = upload_preview(clerk, form, out.getvalue(), "补充清单.docx")
    page = text_of(r)
    assert r.status_code == 200 and "存在问题" in page and "（已有批次）" in page, page[:3000]
    token = preview_token(r)
    r = clerk.post("/rectify/import/confirm", data=form | {"token": token})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/rectify/batches/{batch_id}")
    assert count(services, RectificationItem) == 6


# ------------------------------------------------------------------------------------------ filters

def test_item_filters_overdue_due_soon_unit_and_keyword(as_user, imported, org_tree):
    clerk = as_user("qu_clerk")

    def ids(query):
        r = clerk.get("/rectify/items" + query)
        assert r.status_code == 200, query
        return sorted(int(i) for i in re.findall(r'<tr data-id="(\d+)" data-state=', text_of(r)))

    assert ids("?overdue=1") == sorted([imported["1"], imported["2"]])
    assert ids("?due=7") == [imported["4"]]
    liyuan = org_tree["黎元村"].id
    assert ids(f"?org={liyuan}") == sorted([imported["1"], imported["2"], imported["5"]])
    assert ids(f"?org={liyuan}&overdue=1") == sorted([imported["1"], imported["2"]])  # overdue per unit
    assert ids("?q=收益分配") == [imported["3"]]
    assert ids("?state=in_progress") == []
    assert ids("?state=未整改&q=手册") == [imported["5"]]
    page = text_of(clerk.get(f"/rectify/items?org={liyuan}&overdue=1"))
    assert re.search(rf'<option value="{liyuan}" selected>', page) and 'id="f-overdue" checked' in page
    assert "逾期" in page and SOON.isoformat() not in page
    # the ledger, filtered the same way
    r = clerk.get(f"/rectify/export?org={liyuan}")
    assert r.status_code == 200 and r.data[:2] == b"PK" and ".xlsx" in r.headers["Content-Disposition"]


# ------------------------------------------------------------------------------------------ actions

def test_actions_through_the_page_one_refused_with_its_reason(as_user, services, imported, org_tree):
    item = imported["1"]
    clerk = as_user("liyuan")
    page = text_of(clerk.get(f"/rectify/items/{item}"))
    assert 'id="do-start"' in page and 'id="do-extend"' in page and 'id="do-submit"' not in page
    assert "黎元村2户贫困户识别不精准" in page and "逾期" in page

    r = act(clerk, item, "start", comment="已部署入户核查")
    assert r.status_code == 302 and state_of(services, item) == "in_progress"
    page = text_of(clerk.get(f"/rectify/items/{item}"))
    assert "已开始整改" in page and 'id="do-submit"' in page and 'id="do-start"' not in page

    # illegal: submitting without evidence is refused, with the reason, and the text typed kept
    r = act(clerk, item, "submit", progress="已重新核算2户收入")
    assert r.status_code == 409
    page = text_of(r)
    assert "未能提交验收：提交验收前须至少关联一份佐证材料" in page and "已重新核算2户收入</textarea>" in page
    assert state_of(services, item) == "in_progress"
    # illegal by state: starting again
    r = act(clerk, item, "start")
    assert r.status_code == 409 and "“开始整改”只适用于“未整改”的问题" in text_of(r)
    # an extension: a reason and a later date; the old deadline kept
    r = act(clerk, item, "extend", comment="需等待县级复核", deadline="2099-12-31")
    assert r.status_code == 302
    page = text_of(clerk.get(f"/rectify/items/{item}"))
    assert "2099-12-31" in page and "已延期，原 2021-06-30" in page and "时限 2021-06-30 → 2099-12-31" in page
    r = act(clerk, item, "extend", comment="再延", deadline="不是日期")
    assert r.status_code == 400 and "新的整改时限“不是日期”无效" in text_of(r)

    doc = notice(services, org_tree["黎元村"])
    r = clerk.post(f"/rectify/items/{item}/evidence", data={"csrf_token": csrf(clerk), "document_id": str(doc)})
    assert r.status_code == 302
    r = act(clerk, item, "submit", progress="已重新核算2户收入，1户清退")
    assert r.status_code == 302 and state_of(services, item) == "awaiting_acceptance"
    # the responsible clerk may not accept their own item
    r = act(clerk, item, "accept", opinion="同意销号")
    assert r.status_code == 409 and "责任人不能验收自己负责整改的问题" in text_of(r)

    admin = as_user("qu_admin")
    r = act(admin, item, "accept", opinion="")
    assert r.status_code == 409 and "销号须填写验收意见" in text_of(r)
    r = act(admin, item, "accept", opinion="经实地核查，整改到位，同意销号")
    assert r.status_code == 302 and state_of(services, item) == "closed"
    page = text_of(admin.get(f"/rectify/items/{item}"))
    assert "已销号" in page and "经实地核查，整改到位，同意销号" in page and 'id="do-reopen"' in page
    assert 'id="evidence-upload"' not in page  # closed: no more evidence changes
    timeline = re.search(r'id="timeline">(.*?)</ol>', page, re.S).group(1)
    assert re.findall(r'<li data-action="(\w+)"', timeline) == [
        "import", "start", "extend", "evidence_add", "submit", "accept"]
    assert "未整改 → 整改中" in timeline and "已整改待验收 → 已销号" in timeline and "qu_admin" in timeline
    # unknown action: refused too
    r = act(admin, item, "destroy")
    assert r.status_code == 409 and "未知的操作" in text_of(r)


def test_evidence_upload_link_search_and_unlink_through_the_page(as_user, services, imported, org_tree):
    item = imported["1"]
    clerk = as_user("liyuan")
    data = docx_bytes("黎元村关于贫困户识别不精准问题的整改情况报告")
    r = clerk.post(f"/rectify/items/{item}/evidence/upload",
                   data={"csrf_token": csrf(clerk), "file": (io.BytesIO(data), "整改情况报告.docx")},
                   content_type="multipart/form-data")
    assert r.status_code == 302, text_of(r)[:2000]
    with services.db.session() as session:
        link = session.scalar(select(ItemEvidence).where(ItemEvidence.item_id == item))
        doc = session.get(Document, link.document_id)
        assert doc.category_code == "0803" and doc.classified_by == "person" and doc.archive_code
        doc_id, code = doc.id, doc.archive_code
    page = text_of(clerk.get(f"/rectify/items/{item}"))
    assert "已入库、归档并关联" in page and code in page
    assert re.search(rf'id="evidence-list">.*<tr data-id="{doc_id}"', page, re.S)
    assert "添加佐证材料" in page  # on the timeline

    # a refused file: the reason shown, nothing linked
    r = clerk.post(f"/rectify/items/{item}/evidence/upload",
                   data={"csrf_token": csrf(clerk), "file": (io.BytesIO(b"MZ\x90\x00 nope"), "a.exe")},
                   content_type="multipart/form-data")
    assert r.status_code == 415 and "未上传：" in text_of(r)

    # search titles in scope (the htmx fragment, and the page without JS), link one by its button
    other = notice(services, org_tree["黎元村"], "黎元村民主评议会议记录", day=12)
    fragment = text_of(clerk.get(f"/rectify/items/{item}/documents?doc_q=民主评议"))
    assert f'<tr data-id="{other}">' in fragment and "关联</button>" in fragment and "<html" not in fragment
    fragment = text_of(clerk.get(f"/rectify/items/{item}/documents?doc_q=整改情况报告"))
    assert "已关联" in fragment
    assert f'<tr data-id="{other}">' in text_of(clerk.get(f"/rectify/items/{item}?doc_q=民主评议"))
    r = clerk.post(f"/rectify/items/{item}/evidence", data={"csrf_token": csrf(clerk), "document_id": str(other)})
    assert r.status_code == 302
    r = clerk.post(f"/rectify/items/{item}/evidence", data={"csrf_token": csrf(clerk), "document_id": str(other)})
    assert r.status_code == 409 and "已是该问题的佐证材料" in text_of(r)
    r = clerk.post(f"/rectify/items/{item}/evidence", data={"csrf_token": csrf(clerk), "document_id": "999999"})
    assert r.status_code == 404 and "不存在" in text_of(r)
    # a 东关村 document is not in 黎元村's scope: not found by the search, refused by id
    east = notice(services, org_tree["东关村"], "东关村民主评议会议记录")
    assert f'data-id="{east}"' not in text_of(clerk.get(f"/rectify/items/{item}/documents?doc_q=民主评议"))
    r = clerk.post(f"/rectify/items/{item}/evidence", data={"csrf_token": csrf(clerk), "document_id": str(east)})
    assert r.status_code == 404

    r = clerk.post(f"/rectify/items/{item}/evidence/{other}/remove", data={"csrf_token": csrf(clerk)})
    assert r.status_code == 302
    with services.db.session() as session:
        assert [e.document_id for e in session.scalars(select(ItemEvidence).where(ItemEvidence.item_id == item))] == [doc_id]
        assert session.get(Document, other).deleted_at is None  # unlinking keeps the document


# ------------------------------------------------------------------------------------------ roles and scope

def test_inspector_sees_but_cannot_act(as_user, services, imported):
    item = imported["1"]
    inspector = as_user("inspector")
    page = text_of(inspector.get(f"/rectify/items/{item}"))
    assert 'id="read-only"' in page and "<form method=\"post\" action=\"/rectify/items" not in page
    assert 'id="do-start"' not in page and 'id="evidence-upload"' not in page
    assert 'id="new-batch"' not in text_of(inspector.get("/rectify"))
    assert inspector.get("/rectify/import").status_code == 403
    r = act(inspector, item, "start")
    assert r.status_code == 403 and "当前角色不能办理整改事项" in text_of(r)
    r = inspector.post(f"/rectify/items/{item}/evidence/upload",
                       data={"csrf_token": csrf(inspector), "file": (io.BytesIO(docx_bytes("报告")), "b.docx")},
                       content_type="multipart/form-data")
    assert r.status_code == 403 and count(services, Document) == 0
    r = inspector.post("/rectify/import", data={"csrf_token": csrf(inspector), "title": "x", "source": "巡视",
                                                "file": (io.BytesIO(checklist()), "a.xlsx")},
                       content_type="multipart/form-data")
    assert r.status_code == 403 and count(services, FeedbackBatch) == 1
    assert state_of(services, item) == "not_started"


def test_other_village_gets_404_and_csrf_is_required(as_user, services, imported, org_tree):
    item = imported["1"]           # 黎元村 only
    shared = imported["2"]         # 东关村 and 黎元村
    east = as_user("dongguan")
    assert east.get(f"/rectify/items/{item}").status_code == 404
    assert act(east, item, "start").status_code == 404
    assert east.get(f"/rectify/items/{item}/documents?doc_q=x").status_code == 404
    assert east.get(f"/rectify/items?org={org_tree['黎元村'].id}").status_code == 404
    assert east.get(f"/rectify/items/{shared}").status_code == 200
    ids = re.findall(r'<tr data-id="(\d+)" data-state=', text_of(east.get("/rectify/items")))
    assert ids == [str(shared)]
    assert state_of(services, item) == "not_started"
    # no CSRF token: refused before anything happens
    clerk = as_user("liyuan")
    r = clerk.post(f"/rectify/items/{item}/actions/start", data={})
    assert r.status_code == 400 and state_of(services, item) == "not_started"


# ------------------------------------------------------------------------------------------ evidence binder

def test_evidence_binder_from_the_batch_page(as_user, services, imported, org_tree):
    from archive.models import Volume

    clerk = as_user("qu_clerk")
    with services.db.session() as session:
        batch_id = session.scalar(select(FeedbackBatch.id))
    page = text_of(clerk.get(f"/rectify/batches/{batch_id}"))
    assert 'id="make-binder"' in page
    # nothing to bind yet: refused with the reason, nothing made
    r = clerk.post(f"/rectify/batches/{batch_id}/binder", data={"csrf_token": csrf(clerk)})
    assert r.status_code == 302 and r.headers["Location"].endswith(f"/rectify/batches/{batch_id}")
    assert "都没有佐证材料" in text_of(clerk.get(r.headers["Location"])) and count(services, Volume) == 0

    doc = notice(services, org_tree["黎元村"])
    r = clerk.post(f"/rectify/items/{imported['1']}/evidence", data={"csrf_token": csrf(clerk), "document_id": str(doc)})
    assert r.status_code == 302
    r = clerk.post(f"/rectify/batches/{batch_id}/binder", data={"csrf_token": csrf(clerk)})
    assert r.status_code == 302, text_of(r)[:2000]
    volume_id = int(re.search(r"/volumes/(\d+)$", r.headers["Location"]).group(1))
    with services.db.session() as session:
        volume = session.get(Volume, volume_id)
        assert volume.kind == "evidence" and [i.document_id for i in volume.items] == [doc]
    page = text_of(clerk.get(r.headers["Location"]))
    assert "整改佐证材料汇编" in page

    # an inspector sees the batch but gets no button, and the POST is refused
    inspector = as_user("inspector")
    assert 'id="make-binder"' not in text_of(inspector.get(f"/rectify/batches/{batch_id}"))
    assert inspector.post(f"/rectify/batches/{batch_id}/binder", data={"csrf_token": csrf(inspector)}).status_code == 403
    assert count(services, Volume) == 1
