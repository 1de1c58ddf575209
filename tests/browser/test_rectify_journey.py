"""整改 in a real browser, one item from import to 销号: a county clerk imports a realistic 问题清单
(a title row, a 填报 line, a two-row header merged as 责任主体 over 牵头单位/责任单位, a 牵头单位 merged
over two items, a note under the table) through the page, sees how each column was understood,
confirms, opens item 1 from the board, starts it, uploads a DOCX as evidence from the item page,
submits it with its 进展; a township admin then accepts it with a 验收意见 and it is 已销号, every step
on the timeline. Screenshots: test-output/screenshots/30-rectify-preview, 31-rectify-board,
32-rectify-item, 33-rectify-closed, and 34-rectify-batches, 35-rectify-home.
"""
from __future__ import annotations

import datetime as dt
import re

from docx import Document as DocxDocument
from openpyxl import Workbook
from playwright.sync_api import expect
from sqlalchemy import select

from archive.models import Document, FeedbackBatch, RectificationItem
from archive.rectify.service import today
from tests.support.browser import collect_csp_errors, login, open_from_menu


def checklist(path, day: dt.date):
    """文峰区2024年县委巡察反馈问题整改清单, as an office sends it."""
    wb = Workbook()
    ws = wb.active
    ws.title = "整改清单"
    ws.append(["文峰区2024年县委巡察反馈问题整改清单"])
    ws.append(["填报单位：文峰区乡村振兴局（盖章）　　填报时间：2024年5月20日"])
    ws.append(["序号", "存在问题", "整改措施", "责任主体", None, "责任领导", "责任人", "完成时限", "备注"])
    ws.append([None, None, None, "牵头单位", "责任单位", None, None, None, None])
    ws.append([1, "黎元村扶贫项目资产管理台账不健全，部分光伏、道路资产未登记入账", "全面清查项目资产，逐项补登台账并公示",
               "莲蓬寺镇", "黎元村", "王镇长", "李支书", day + dt.timedelta(days=40), "重点问题"])
    ws.append([2, "东关村低保对象民主评议记录不全，公示照片缺失", "补齐评议记录，重新公示并留存照片",
               None, "东关村", "王镇长", "赵主任", "2024年底", None])
    ws.append([3, "西岗村产业项目收益分配方案未经村民代表大会通过", "召开村民代表大会审议收益分配方案",
               "宝莲寺镇", "西岗村", "刘镇长", "孙会计", day + dt.timedelta(days=5), None])
    ws.append(["注：整改完成后须附佐证材料，报区巡察办销号。"])
    for rng in ("A1:I1", "A2:I2", "A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:F4", "G3:G4", "H3:H4", "I3:I4",
                "D5:D6", "A8:I8"):
        ws.merge_cells(rng)
    wb.save(path)
    return path


def report(path):
    doc = DocxDocument()
    for line in ("黎元村扶贫项目资产清查整改情况报告", "莲蓬寺镇人民政府", "区巡察办：",
                 "按照县委巡察反馈问题整改要求，我村已对光伏电站、村内道路等扶贫项目资产逐项清查，"
                 "补登资产台账 12 项，并在村务公开栏公示。问题已整改到位，佐证材料附后。",
                 "黎元村村民委员会", "2024年6月20日"):
        doc.add_paragraph(line)
    doc.save(path)
    return path


def test_one_item_from_import_to_closed(new_page, make_user, services, org_tree, tmp_path, shot):
    make_user("qu_clerk", "文峰区", role="clerk")
    make_user("zhen_admin", "莲蓬寺镇", role="admin")
    day = today()
    xlsx = checklist(tmp_path / "文峰区巡察反馈问题整改清单.xlsx", day)
    docx = report(tmp_path / "资产清查整改情况报告.docx")

    page = new_page()
    csp_errors = collect_csp_errors(page, [])
    login(page, "qu_clerk")

    # 整改 in the menu → the (empty) batches → 新建批次 / 导入问题清单
    open_from_menu(page, "整改", re.compile(r"/rectify$"))
    expect(page.locator("main")).to_contain_text("暂无整改反馈")
    page.click("#new-batch")
    page.wait_for_url(re.compile(r"/rectify/import$"))
    page.fill("#batch-title", "文峰区2024年县委巡察反馈问题")
    page.select_option("#batch-source", "巡视")
    page.select_option("#batch-level", "县")
    page.fill("#batch-received", "2024-05-20")
    expect(page.locator("#batch-org")).to_have_value(str(org_tree["文峰区"].id))
    page.set_input_files("#import-file", str(xlsx))
    page.click("#preview-import")

    # the preview: each column as understood, the rows, nothing saved yet
    expect(page.locator("h1")).to_contain_text("导入预览")
    expect(page.locator("#preview-verdict")).to_have_text("可以导入")
    mapping = page.locator("#column-map")
    expect(mapping.locator('tr[data-letter="B"]')).to_contain_text("存在问题")
    expect(mapping.locator('tr[data-letter="B"] td.field')).to_have_text("问题描述")
    expect(mapping.locator('tr[data-letter="D"]')).to_contain_text("责任主体/牵头单位")
    expect(mapping.locator('tr[data-letter="D"] td.field')).to_have_text("牵头单位")
    expect(mapping.locator('tr[data-letter="H"] td.field')).to_have_text("整改时限")
    expect(mapping.locator('tr[data-letter="I"] td.field')).to_have_text("未识别，忽略")
    expect(page.locator("#parsed-rows tbody tr")).to_have_count(3)
    expect(page.locator('#parsed-rows tr[data-row="6"]')).to_contain_text("莲蓬寺镇")  # merged 牵头单位
    expect(page.locator('#parsed-rows tr[data-row="6"]')).to_contain_text("2024-12-31")  # 2024年底
    expect(page.locator("#sheet-title")).to_contain_text("文峰区2024年县委巡察反馈问题整改清单")
    expect(page.locator("#import-problems")).to_have_count(0)
    with services.db.session() as session:
        assert session.scalar(select(FeedbackBatch.id)) is None
    shot(page, "30-rectify-preview")

    page.click("#confirm-import")
    page.wait_for_url(re.compile(r"/rectify/batches/\d+$"))
    expect(page.locator(".flash.ok")).to_contain_text("已导入 3 项问题")
    expect(page.locator("#batch-items tbody tr")).to_have_count(3)
    batch_url = page.url
    page.locator("nav.sidenav a", has_text="整改").click()
    row = page.locator("table#batches tbody tr")
    expect(row).to_have_count(1)
    expect(row.locator('td[data-state="not_started"]')).to_have_text("3")
    expect(row.locator("td.overdue-count")).to_have_text("1")
    expect(page.locator('#rectify-stats [data-count="due_soon"]')).to_have_text("1")
    shot(page, "34-rectify-batches")
    page.goto(batch_url)

    # the board: four columns by state; item 2 (2024年底) is overdue, item 3 due in 5 days
    page.click("#batch-board")
    page.wait_for_url(re.compile(r"/rectify/items\?.*view=board"))
    expect(page.locator(".board-col")).to_have_count(4)
    todo = page.locator('.board-col[data-state="not_started"] a.board-card')
    expect(todo).to_have_count(3)
    expect(todo.filter(has_text="东关村低保").locator(".overdue-badge")).to_be_visible()
    expect(todo.filter(has_text="西岗村").locator(".due-badge")).to_have_text("还剩 5 天")
    shot(page, "31-rectify-board")
    todo.filter(has_text="黎元村扶贫项目资产").click()
    page.wait_for_url(re.compile(r"/rectify/items/\d+$"))
    item_id = int(page.url.rsplit("/", 1)[1])
    item_url = page.url
    expect(page.locator("#item-state")).to_have_text("未整改")

    # start it
    page.fill("#start-comment", "已部署镇村两级开展资产清查")
    page.click("#do-start")
    expect(page.locator("#item-state")).to_have_text("整改中")
    expect(page.locator(".flash.ok")).to_contain_text("已开始整改")

    # submitting without evidence is refused, with the reason
    page.fill("#submit-progress", "已清查光伏电站、道路等资产，补登台账 12 项并公示")
    page.click("#do-submit")
    expect(page.locator("#action-error")).to_contain_text("提交验收前须至少关联一份佐证材料")
    expect(page.locator("#item-state")).to_have_text("整改中")

    # evidence: a DOCX uploaded from the item page, ingested, filed under 督查考核与问题整改, linked
    page.set_input_files("#evidence-file", str(docx))
    page.click("#upload-evidence")
    expect(page.locator(".flash.ok")).to_contain_text("已入库、归档并关联")
    expect(page.locator("#evidence-list tbody tr")).to_have_count(1)
    expect(page.locator("#evidence-list")).to_contain_text("资产清查整改情况报告")
    with services.db.session() as session:
        doc = session.scalar(select(Document))
        assert doc.category_code == "0803" and doc.archive_code, (doc.category_code, doc.archive_code)
        code = doc.archive_code
    expect(page.locator("#evidence-list")).to_contain_text(code)
    # the link search (htmx) finds it, already linked
    with page.expect_response(re.compile(r"/documents\?doc_q=")):
        page.fill("#doc-q", "资产清查")
    expect(page.locator("#found-docs")).to_contain_text("已关联")

    # submit with the 进展
    expect(page.locator("#submit-progress")).to_have_value("")
    page.fill("#submit-progress", "已清查光伏电站、道路等资产，补登台账 12 项并公示")
    page.click("#do-submit")
    expect(page.locator("#item-state")).to_have_text("已整改待验收")
    expect(page.locator("#item-progress")).to_contain_text("补登台账 12 项")
    # the clerk who submitted cannot accept it
    page.fill("#accept-opinion", "同意销号")
    page.click("#do-accept")
    expect(page.locator("#action-error")).to_contain_text("不能验收")
    page.wait_for_timeout(300)
    shot(page, "32-rectify-item")

    # a township admin accepts it → 已销号
    admin = new_page()
    collect_csp_errors(admin, csp_errors)
    login(admin, "zhen_admin")
    expect(admin.locator("#rectify-counts")).to_contain_text("整改进度")
    expect(admin.locator("#rectify-by-unit")).to_be_visible()
    village = admin.locator(f'#rectify-by-unit tr[data-org="{org_tree["黎元村"].id}"]')
    expect(village.locator("td").nth(4)).to_have_text("1")  # 黎元村: one item 已整改待验收
    shot(admin, "35-rectify-home")
    admin.goto(item_url)
    expect(admin.locator("#item-state")).to_have_text("已整改待验收")
    admin.fill("#accept-opinion", "经实地核查，资产台账已补齐并公示，整改到位，同意销号")
    admin.click("#do-accept")
    expect(admin.locator("#item-state")).to_have_text("已销号")
    expect(admin.locator("#item-opinion")).to_contain_text("同意销号")
    expect(admin.locator("#item-closed")).to_contain_text(day.isoformat())
    expect(admin.locator("#do-reopen")).to_be_visible()
    expect(admin.locator("#evidence-upload")).to_have_count(0)
    steps = admin.locator("#timeline li").evaluate_all("items => items.map(i => i.dataset.action)")
    assert steps == ["import", "start", "evidence_add", "submit", "accept"], steps
    timeline = admin.locator("#timeline")
    expect(timeline.locator('li[data-action="start"]')).to_contain_text("未整改 → 整改中")
    expect(timeline.locator('li[data-action="start"]')).to_contain_text("已部署镇村两级开展资产清查")
    expect(timeline.locator('li[data-action="submit"]')).to_contain_text("整改中 → 已整改待验收")
    expect(timeline.locator('li[data-action="accept"]')).to_contain_text("已整改待验收 → 已销号")
    expect(timeline.locator('li[data-action="accept"]')).to_contain_text("zhen_admin")
    expect(timeline.locator('li[data-action="evidence_add"]')).to_contain_text("资产清查整改情况报告")
    admin.wait_for_timeout(300)
    shot(admin, "33-rectify-closed")

    with services.db.session() as session:
        item = session.get(RectificationItem, item_id)
        assert item.state == "closed" and item.closed_by.username == "zhen_admin"
        assert item.responsible_user.username == "qu_clerk" and item.closed_on == day
    assert not csp_errors, csp_errors
