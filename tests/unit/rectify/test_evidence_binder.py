"""整改佐证材料汇编 (archive/rectify/binder.py): a batch's items and their evidence bound as one volume,
built by the volume composer and read back — the table of contents by item (with its state), each
evidence row's 页号 equal to the number stamped on that document's first page, an item without
evidence listed and marked, a document shared by two items bound once and referred to the second
time, bookmarks per document; a batch without any evidence refused."""
from __future__ import annotations

import datetime as dt
import io
import re

import pikepdf
import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from archive.auth.actor import Actor
from archive.auth.policy import Forbidden
from archive.binder import service as volumes
from archive.binder import verify
from archive.binder.build import build, pdf_path
from archive.binder.service import VolumeError
from archive.ingest.pipeline import Incoming
from archive.models import RectificationItem, Volume, VolumeItem
from archive.rectify import binder, evidence
from archive.rectify import service as rectify
from tests.support.volumes import outline, pdf_text


TOWN = "莲蓬寺镇"
DESCRIPTIONS = {
    "1": "部分贫困户收入核算不准确，未将务工收入全部计入家庭纯收入，存在漏算、少算问题",
    "2": "村级扶贫项目公告公示不及时",
    "10": "危房改造补助资金拨付滞后，个别户超过规定时限三个月以上未拨付",
}


def _txt(services, org, title: str, body: str) -> int:
    text = f"{title}\n莲蓬寺镇人民政府\n{body}\n2021年6月10日\n"
    result = services.pipeline.ingest(Incoming(source=io.BytesIO(text.encode()), name=f"{title}.txt", org=org))
    assert result.status == "stored", result.error
    return result.document.id


def _pdf(services, org, title: str, pages: int) -> int:
    from weasyprint import HTML

    body = "".join(f'<section style="page-break-after: always"><h1>{title}</h1><p>第{n}页：逐户核查收入情况</p></section>'
                   for n in range(1, pages + 1))
    page = f'<html lang="zh-CN"><body style="font-family: Noto Serif CJK SC">{body}</body></html>'
    data = HTML(string=page).write_pdf()
    result = services.pipeline.ingest(Incoming(source=io.BytesIO(data), name=f"{title}.pdf", org=org))
    assert result.status == "stored", result.error
    return result.document.id


@pytest.fixture
def clerk(make_user):
    user, _ = make_user("town_clerk", TOWN, "clerk")
    return Actor(user)


@pytest.fixture
def batch(services, org_tree, clerk):
    """A batch received by 莲蓬寺镇 with items 10, 2 and 1 (recorded in that order):
    1 — a two-page PDF report and a TXT ledger (整改中); 2 — no evidence (未整改);
    10 — the PDF report of item 1 again, then a TXT notice of its own (已整改待验收)."""
    village = org_tree["黎元村"]
    docs = {"report": _pdf(services, village, "黎元村贫困户收入核算整改情况报告", pages=2),
            "ledger": _txt(services, village, "黎元村贫困户收入复核台账", "逐户复核务工收入，共复核 36 户。"),
            "notice": _txt(services, village, "关于拨付危房改造补助资金的通知", "补助资金已于6月8日全部拨付到户。")}
    with services.db.session() as session:
        made = rectify.create_batch(session, clerk, rectify.BatchSpec(
            org=session.merge(org_tree[TOWN]), title="2021年省级脱贫攻坚成效考核反馈问题", source="省级成效考核",
            received_on=dt.date(2021, 4, 20)))
        unit = session.merge(village)
        items = {}
        for number in ("10", "2", "1"):
            item = RectificationItem(batch=made, number=number, description=DESCRIPTIONS[number],
                                     deadline=dt.date(2021, 6, 30))
            item.units = [unit]
            session.add(item)
            items[number] = item
        session.flush()
        for number, names in (("1", ["report", "ledger"]), ("10", ["report", "notice"])):
            for name in names:
                evidence.link(session, clerk, items[number], docs[name])
        rectify.act(session, clerk, items["1"], "start")
        rectify.act(session, clerk, items["10"], "start")
        rectify.act(session, clerk, items["10"], "submit", progress="补助资金已全部拨付")
        return made.id, docs


def test_evidence_binder_of_a_batch(services, clerk, batch):
    batch_id, docs = batch
    with services.db.session() as session:
        volume = binder.create_evidence_volume(session, services.standards, clerk, batch_id=batch_id)
        volume_id = volume.id
        # bound once each, in item order (1, then 10), evidence in link order; the shared report once
        assert [i.document_id for i in volume.items] == [docs["report"], docs["ledger"], docs["notice"]]
        assert volume.kind == "evidence" and volume.batch_id == batch_id
        assert (volume.category_code, volume.retention, volume.year) == ("08", "D30", 2021)
        assert volume.title == "2021年省级脱贫攻坚成效考核反馈问题整改佐证材料汇编"
        assert [(n.after_position, n.document_id, n.remarks) for n in volume.toc_notes] == [
            (2, None, ""), (2, docs["report"], "见第 1 项")]
    assert build(services, volume_id).status == "done"

    with services.db.session() as session:
        volume = volumes.get(session, volume_id, user=clerk.user)
        data = volumes.volume_dict(volume, services.standards)
        assert data["kind"] == "evidence" and data["batch_id"] == batch_id
        assert data["category"] == {"code": "08", "name": "督查考核与问题整改"}
        items = list(volume.items)
        assert [(i.page_start, i.page_end) for i in items] == [(1, 2), (3, 3), (4, 4)]
        groups = [i.group_label for i in items]
        assert groups[0] == groups[1] and groups[0].startswith("1. 部分贫困户收入核算") and groups[0].endswith("（整改中）")
        assert groups[2].startswith("10. 危房改造补助资金") and groups[2].endswith("（已整改待验收）")
        titles = {i.document_id: i.title for i in items}

    path = pdf_path(services.settings.volumes_dir, volume_id)
    reader = PdfReader(path)
    marks = outline(reader)
    toc_first = next(p for t, p in marks if t == "卷内文件目录")
    record = next(p for t, p in marks if t == "卷内备考表")
    document_marks = [(t, p) for t, p in marks if re.match(r"\d+\. ", t)]
    toc_pages = list(range(toc_first, document_marks[0][1]))
    # bookmarks: one per bound document, in binding order
    assert [t for t, _ in document_marks] == [f"{n}. {titles[d]}" for n, d in
                                              enumerate([docs["report"], docs["ledger"], docs["notice"]], start=1)]
    assert document_marks[-1][1] < record

    # the cover says what the volume is
    cover = re.sub(r"\s+", "", reader.pages[0].extract_text())
    assert "类目名称08督查考核与问题整改整改佐证材料汇编案卷题名" in cover and "定期30年" in cover

    # the 页号 column read back by position: one label per bound document, none for the headings and
    # the reference, each the number stamped on that document's first page
    labels, problems = verify.read_toc_labels(path, toc_pages)
    assert not problems and labels == ["1", "3", "4"]
    with pikepdf.open(path) as pdf:
        stamped = verify.read_numbers(pdf)
    assert [stamped[p] for _, p in document_marks] == [1, 3, 4]

    # the table of contents by item, in item order (2 before 10), each heading with its state
    text = pdf_text(path, toc_pages[0], toc_pages[-1])
    flat = re.sub(r"\s+", "", text)
    headings = [flat.index(h) for h in ("1.部分贫困户收入核算", "2.村级扶贫项目公告公示不及时（未整改）（无佐证材料）",
                                       "10.危房改造补助资金")]
    assert headings == sorted(headings)
    assert "（整改中）" in flat[headings[0]:headings[1]] and "（已整改待验收）" in flat[headings[2]:]
    # the shared report: listed under 1 and again under 10 (见第 1 项), bound once
    report_title = re.sub(r"\s+", "", titles[docs["report"]])
    assert flat.count(report_title) == 2 and flat.index(report_title, headings[2]) > headings[2]
    assert "见第1项" in flat[headings[2]:]
    assert sum(1 for t, _ in document_marks if titles[docs["report"]] in t) == 1

    # 本卷情况说明 tells the story
    notes = reader.pages[record].extract_text()
    assert "3 项" in notes and "尚无佐证材料" in notes


def test_evidence_binder_of_a_unit_and_refusals(services, org_tree, clerk, batch, make_user):
    batch_id, docs = batch
    with services.db.session() as session:
        # a unit's items across batches (here the one batch), bound the same way
        volume = binder.create_evidence_volume(session, services.standards, clerk, org=session.merge(org_tree["黎元村"]))
        assert volume.org.name == "黎元村" and volume.batch_id is None
        assert volume.title == "黎元村整改佐证材料汇编"
        assert [i.document_id for i in volume.items] == [docs["report"], docs["ledger"], docs["notice"]]
        session.rollback()

        # a unit with no items, a batch whose items have no evidence
        with pytest.raises(VolumeError) as refused:
            binder.create_evidence_volume(session, services.standards, clerk, org=session.merge(org_tree["东关村"]))
        assert refused.value.code == "no_items"
        empty = rectify.create_batch(session, clerk, rectify.BatchSpec(
            org=session.merge(org_tree[TOWN]), title="2021年县级督查反馈问题", source="督查"))
        village = session.merge(org_tree["黎元村"])
        session.add(RectificationItem(batch=empty, number="1", description="档案整理不规范", units=[village]))
        session.flush()
        with pytest.raises(VolumeError) as refused:
            binder.create_evidence_volume(session, services.standards, clerk, batch_id=empty.id)
        assert refused.value.code == "no_evidence" and "都没有佐证材料" in refused.value.message
        with pytest.raises(VolumeError) as refused:
            binder.create_evidence_volume(session, services.standards, clerk)
        assert refused.value.code == "missing_scope"
        session.commit()

    # a village clerk asking for the town's batch gets the village's share of it, in the village's name
    village_clerk, _ = make_user("village_clerk", "黎元村", "clerk")
    with services.db.session() as session:
        volume = binder.create_evidence_volume(session, services.standards, Actor(village_clerk), batch_id=batch_id)
        assert volume.org.name == "黎元村" and volume.batch_id == batch_id and len(volume.items) == 3
        assert volume.title == "2021年省级脱贫攻坚成效考核反馈问题整改佐证材料汇编（黎元村）"
        session.rollback()

    # roles as for any volume: an inspector may not bind
    inspector, _ = make_user("town_inspector", TOWN, "inspector")
    with services.db.session() as session:
        with pytest.raises(Forbidden):
            binder.create_evidence_volume(session, services.standards, Actor(inspector), batch_id=batch_id)
        assert session.scalar(select(func.count()).select_from(Volume)) == 0
        assert session.scalar(select(func.count()).select_from(VolumeItem)) == 0


def test_natural_order_of_numbers():
    numbers = ["10", "2", "1", "（十）", "（二）", "2-10", "2-1"]
    assert sorted(numbers, key=binder.natural_key) == ["1", "2", "2-1", "2-10", "10", "（二）", "（十）"]


def test_evidence_binder_through_the_api_and_the_cli(services, client, cli, make_user, batch, tmp_path):
    from tests.support.api import bearer

    batch_id, _ = batch
    _, token = make_user("town_admin", TOWN, "admin")
    _, inspector = make_user("town_inspector", TOWN, "inspector")
    _, other = make_user("west_clerk", "西岗村", "clerk")
    url = f"/api/v1/feedback/{batch_id}/evidence-binder"
    made = client.post(url, headers=bearer(token), json={"title": "考核反馈问题整改佐证材料汇编"})
    assert made.status_code == 202, made.json
    assert made.json["kind"] == "evidence" and made.json["status"] == "done", made.json["errors"]
    assert made.json["batch_id"] == batch_id and made.json["title"] == "考核反馈问题整改佐证材料汇编"
    pdf = client.get(f"/api/v1/volumes/{made.json['id']}/pdf", headers=bearer(token))
    assert pdf.status_code == 200 and "（无佐证材料）" in "".join(
        p.extract_text() for p in PdfReader(io.BytesIO(pdf.data)).pages[:3])
    assert client.post(url, headers=bearer(inspector), json={}).status_code == 403
    assert client.post(url, headers=bearer(other), json={}).status_code == 404
    out = tmp_path / "汇编.pdf"
    result = cli("rectify", "binder", "--batch", str(batch_id), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert len(PdfReader(out).pages) == made.json["total_pages"]
    assert cli("rectify", "binder", "--batch", "999", "-o", str(out)).exit_code == 2
