"""一户一档组卷 (archive/ledgers/volume.py): a household's linked documents bound as one volume by the
volume composer and read back — the table of contents grouped by stage and item in the order of
standards/household_files.yaml, missing required items marked （缺）, each 页号 the number stamped on
its document (the build's own check), no ID number anywhere; the API and the CLI; a household
without documents refused; another village's clerk sees nothing."""
from __future__ import annotations

import datetime as dt
import io
import re

import pikepdf
import pytest
from pypdf import PdfReader

from archive.auth.actor import Actor
from archive.auth.policy import Forbidden
from archive.binder import service as volumes
from archive.binder import verify
from archive.binder.build import build, pdf_path
from archive.binder.service import VolumeError
from archive.ingest.pipeline import Incoming
from archive.ledgers import households as hh
from archive.ledgers.volume import create_household_volume
from archive.models import Document, Household, HouseholdMember, HouseholdYear
from archive.models.base import utcnow
from tests.support.api import bearer
from tests.support.ledgers import ZHANG, ZHANG_WEI
from tests.support.volumes import outline, pdf_text

# title, 成文日期; linked in this order (not the binding order)
DOCUMENTS = {
    "income_2023": ("张建国户2023年收入核算表", "2023-12-20"),
    "other": ("黎元村张建国户房屋照片说明", "2023-06-01"),
    "handbook": ("张建国户帮扶手册", "2023-04-01"),
    "publicity": ("黎元村监测对象识别公示", "2023-03-12"),
    "application": ("张建国户入户申请书", "2023-03-05"),
    "income_2022": ("张建国户2022年收入核算表", "2022-12-25"),
    "review": ("黎元村民主评议记录", "2023-03-10"),
    "trashed": ("张建国户信息登记表", "2023-03-15"),
}


def _ingest(services, org, title: str, date: str) -> int:
    text = f"{title}\n黎元村村民委员会\n户主张建国，家庭人口3人。\n{date}\n"
    result = services.pipeline.ingest(Incoming(source=io.BytesIO(text.encode()), name=f"{title}.txt", org=org))
    assert result.status == "stored", result.error
    with services.db.session() as session:
        doc = session.get(Document, result.document.id)
        doc.title, doc.doc_date = title, dt.date.fromisoformat(date)
    return result.document.id


@pytest.fixture
def clerk(make_user):
    user, token = make_user("liyuan", "黎元村", "clerk")
    return Actor(user), token


@pytest.fixture
def household(services, org_tree, clerk):
    """张建国's household of 黎元村 (监测户, 2023 ledger year) with the documents above linked by hand;
    the 登记表 then moved to the trash."""
    actor, _ = clerk
    village = org_tree["黎元村"]
    docs = {key: _ingest(services, village, title, date) for key, (title, date) in DOCUMENTS.items()}
    with services.db.session() as session:
        h = Household(org_id=village.id, head_name="张建国", head_id_number=ZHANG, category="监测户")
        h.members.extend([HouseholdMember(name="张建国", relation="户主", id_number=ZHANG),
                          HouseholdMember(name="张伟", relation="之子", id_number=ZHANG_WEI)])
        h.years.append(HouseholdYear(year=2023, figures={"members": 3}))
        session.add(h)
        session.flush()
        household = hh.get_household(session, h.id, user=actor.user)
        for doc_id in docs.values():
            hh.link_document(session, actor, household, doc_id)
        session.get(Document, docs["trashed"]).deleted_at = utcnow()
        return h.id, docs


EXPECTED_GROUPS = [
    "识别·申请书", "识别·入户调查（核查）表（缺）", "识别·民主评议记录", "识别·公示公告（两公示一公告）",
    "识别·审核确认（乡镇审核、县级确认）（缺）", "识别·登记表（缺）", "帮扶·扶贫（帮扶）手册",
    "帮扶·帮扶计划/明白卡（缺）", "帮扶·收入核算表", "其他材料"]


def test_household_volume_built_and_read_back(services, clerk, household):
    actor, _ = clerk
    household_id, docs = household
    order = ["application", "review", "publicity", "handbook", "income_2022", "income_2023", "other"]
    with services.db.session() as session:
        volume = create_household_volume(session, services.standards, actor, household_id)
        volume_id = volume.id
        assert volume.kind == "household"
        assert [i.document_id for i in volume.items] == [docs[k] for k in order]
        assert (volume.category_code, volume.retention, volume.year) == ("10", "Y", 2023)
        assert volume.title == "张建国户一户一档（黎元村）"
        assert [i.group_label for i in volume.items][:4] == ["识别 · 申请书", "识别 · 民主评议记录",
                                                             "识别 · 公示公告（两公示一公告）", "帮扶 · 扶贫（帮扶）手册"]
        assert [(n.after_position, n.group_label) for n in volume.toc_notes] == [
            (1, "识别 · 入户调查（核查）表（缺）"), (3, "识别 · 审核确认（乡镇审核、县级确认）（缺）"),
            (3, "识别 · 登记表（缺）"), (4, "帮扶 · 帮扶计划/明白卡（缺）")]
    assert build(services, volume_id).status == "done"   # the build reads the 页号 column back

    with services.db.session() as session:
        data = volumes.volume_dict(volumes.get(session, volume_id, user=actor.user), services.standards)
        assert data["kind"] == "household" and data["status"] == "done"
        assert data["category"] == {"code": "10", "name": "一户一档"}
        assert data["documents"][-1]["group"] == "其他材料"

    path = pdf_path(services.settings.volumes_dir, volume_id)
    reader = PdfReader(path)
    marks = outline(reader)
    toc_first = next(p for t, p in marks if t == "卷内文件目录")
    document_marks = [(t, p) for t, p in marks if re.match(r"\d+\. ", t)]
    toc_pages = list(range(toc_first, document_marks[0][1]))
    assert len(document_marks) == len(order)

    # 页号: one per bound document, none for the missing items, each the first stamped number
    labels, problems = verify.read_toc_labels(path, toc_pages)
    assert not problems and len(labels) == len(order)
    with pikepdf.open(path) as pdf:
        stamped = verify.read_numbers(pdf)
    assert [str(stamped[p]) for _, p in document_marks] == [label.split("-")[0] for label in labels]

    # the groups in stage and item order, the missing ones marked
    flat = re.sub(r"\s+", "", pdf_text(path, toc_pages[0], toc_pages[-1]))
    places = [flat.find(g) for g in EXPECTED_GROUPS]
    assert -1 not in places, [g for g, p in zip(EXPECTED_GROUPS, places) if p < 0]
    assert places == sorted(places)
    # within an item by date: 2022 before 2023
    assert flat.index("张建国户2022年收入核算表") < flat.index("张建国户2023年收入核算表")
    assert "信息登记表" not in flat   # in the trash: not bound

    # no ID number anywhere in the volume, and the record sheet tells what is missing
    everything = pdf_text(path)
    for number in (ZHANG, ZHANG_WEI):
        assert number not in everything and number[:6] + number[-4:] not in re.sub(r"\s+", "", everything)
    record = next(p for t, p in marks if t == "卷内备考表")
    notes = re.sub(r"\s+", "", pdf_text(path, record, record))
    assert "缺少必备材料4项" in notes and "张建国户（监测户）一户一档" in notes


def test_household_volume_refusals(services, org_tree, clerk, household, make_user):
    actor, _ = clerk
    household_id, _ = household
    with services.db.session() as session:
        empty = Household(org_id=org_tree["黎元村"].id, head_name="李四", head_id_number=None, category="脱贫户")
        session.add(empty)
        session.flush()
        with pytest.raises(VolumeError) as refused:
            create_household_volume(session, services.standards, actor, empty.id)
        assert refused.value.code == "no_documents" and "李四户" in refused.value.message
    inspector, _ = make_user("inspector", "莲蓬寺镇", "inspector")
    with services.db.session() as session:
        with pytest.raises(Forbidden):
            create_household_volume(session, services.standards, Actor(inspector), household_id)


def test_household_volume_through_the_api_and_the_cli(services, client, cli, clerk, household, make_user, tmp_path):
    _, token = clerk
    household_id, _ = household
    _, other = make_user("dongguan", "东关村", "clerk")
    url = f"/api/v1/households/{household_id}/volume"
    made = client.post(url, headers=bearer(token), json={"checked_by": "王检查"})
    assert made.status_code == 202, made.json
    assert made.json["kind"] == "household" and made.json["status"] == "done", made.json["errors"]
    assert made.json["title"] == "张建国户一户一档（黎元村）" and made.json["checked_by"] == "王检查"
    assert ZHANG not in made.get_data(as_text=True)
    assert client.post(url, headers=bearer(other), json={}).status_code == 404
    assert client.post("/api/v1/households/99999/volume", headers=bearer(token), json={}).status_code == 404
    with services.db.session() as session:
        empty = Household(org_id=session.get(Household, household_id).org_id, head_name="李四", category="")
        session.add(empty)
        session.flush()
        empty_id = empty.id
    refused = client.post(f"/api/v1/households/{empty_id}/volume", headers=bearer(token), json={})
    assert refused.status_code == 400 and refused.json["error"]["code"] == "no_documents", refused.json

    out = tmp_path / "一户一档.pdf"
    result = cli("household", "volume", str(household_id), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert len(PdfReader(out).pages) == made.json["total_pages"]
    assert cli("household", "volume", "99999", "-o", str(out)).exit_code == 2
    assert cli("household", "volume", str(empty_id), "-o", str(out)).exit_code == 2
