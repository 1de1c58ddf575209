"""Rectification (整改) end to end on a real database: a realistic 问题清单 (title rows, a section row,
merged cells) imported through the API and the CLI, all or nothing; every transition walked, legal and
illegal; closing with evidence and acceptance by another person; extensions; overdue lists and the
daily job; scope; evidence uploaded from an item; the 整改台账 exported and read back."""
import datetime as dt
import io
import json

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from archive.auth.actor import Actor
from archive.models import AuditEvent, Document, FeedbackBatch, ItemEvent, RectificationItem
from archive.rectify import deadlines, evidence, service as rectify, shapes, states
from archive.rectify.ledger import LEDGER_COLUMNS
from tests.support.api import bearer, count, leftover_files
from tests.support.rectify import LATER, TODAY, bad_checklist, checklist, docx_bytes, notice

@pytest.fixture
def people(make_user):
    """Tokens and users: 区 clerk and admin (acceptors), village clerks of 黎元村 and 东关村, an inspector."""
    made = {name: make_user(name, org, role) for name, org, role in [
        ("qu_clerk", "文峰区", "clerk"), ("qu_admin", "文峰区", "admin"), ("liyuan", "黎元村", "clerk"),
        ("dongguan", "东关村", "clerk"), ("inspector", "文峰区", "inspector")]}
    return {name: {"user": user, "token": token, "h": bearer(token)} for name, (user, token) in made.items()}


def _batch(client, people, **extra):
    body = {"title": "2021年脱贫攻坚成效考核反馈问题", "source": "省级成效考核", "level": "省",
            "received_on": "2021-04-20", "org": "河南省/安阳市/文峰区"} | extra
    r = client.post("/api/v1/feedback", json=body, headers=people["qu_clerk"]["h"])
    assert r.status_code == 201, r.json
    assert r.json["source"] == "考核" and r.json["received_on"] == "2021-04-20"
    return r.json["id"]


def _import(client, people, batch_id, data=None, preview=False, name="问题清单.xlsx"):
    url = f"/api/v1/feedback/{batch_id}/import" + ("?preview=1" if preview else "")
    return client.post(url, data={"file": (io.BytesIO(data or checklist()), name)},
                       headers=people["qu_clerk"]["h"], content_type="multipart/form-data")


@pytest.fixture
def imported(client, people):
    """The checklist imported into a batch. Returns {number: item id} and the batch id."""
    batch_id = _batch(client, people)
    r = _import(client, people, batch_id)
    assert r.status_code == 201, r.json
    items = client.get(f"/api/v1/rectification-items?batch={batch_id}", headers=people["qu_admin"]["h"]).json
    return {i["number"]: i["id"] for i in items["items"]}, batch_id


def _act(client, who, item_id, action, **body):
    return client.post(f"/api/v1/rectification-items/{item_id}/actions/{action}", json=body, headers=who["h"])


def _refused(response, code):
    assert response.status_code == 409, response.json
    assert response.json["error"]["code"] == code, response.json
    assert response.json["error"]["message"]


# ------------------------------------------------------------------------------------------- import

def test_import_preview_saves_nothing_then_imports_every_row(client, people, services):
    batch_id = _batch(client, people)
    r = _import(client, people, batch_id, preview=True)
    assert r.status_code == 200 and r.json["ok"] and r.json["preview"] and r.json["saved"] == 0, r.json
    understood = {c["header"]: c["field"] for c in r.json["columns"]}
    assert understood["反馈问题"] == "description" and understood["序号"] == "number"
    assert understood["牵头单位"] == "lead_unit" and understood["整改时限"] == "deadline"
    assert "脱贫攻坚成效考核" in r.json["title"] and len(r.json["items"]) == 5
    assert count(services, RectificationItem) == 0 and count(services, ItemEvent) == 0

    r = _import(client, people, batch_id)
    assert r.status_code == 201 and r.json["ok"] and r.json["saved"] == 5, r.json
    detail = client.get(f"/api/v1/feedback/{batch_id}", headers=people["qu_clerk"]["h"]).json
    assert detail["item_count"] == 5 and detail["counts"]["not_started"] == 5
    items = {i["number"]: i for i in detail["items"]}
    one, two, three = items["1"], items["2"], items["3"]
    assert one["category"] == "精准识别方面" and three["category"] == "精准帮扶方面"  # from the section rows
    assert one["lead_org"]["name"] == two["lead_org"]["name"] == "莲蓬寺镇"         # merged over two items
    assert [u["name"] for u in two["units"]] == ["东关村", "黎元村"]
    assert three["measures"] == "制定收益分配方案\n收益分配情况张榜公示"            # one problem, two rows
    assert one["deadline"] == "2021-06-30" and one["original_deadline"] == "2021-06-30"
    assert two["deadline"] == "2021-12-31" and three["deadline"] is None and three["deadline_text"] == "长期坚持"
    assert one["progress"] == "已完成入户核查" and one["state"] == "not_started"
    item = client.get(f"/api/v1/rectification-items/{one['id']}", headers=people["qu_clerk"]["h"]).json
    (event,) = item["timeline"]
    assert event["action"] == "import" and event["to_state"] == "not_started" and "第 5 行" in event["comment"]
    with services.db.session() as session:
        assert session.scalar(select(AuditEvent).where(AuditEvent.action == "rectify_import")).summary.startswith("导入 5 项")

    # The same list again: every 编号 is taken, nothing is added.
    r = _import(client, people, batch_id)
    assert r.status_code == 422 and r.json["error"]["code"] == "import_problems"
    assert {p["code"] for p in r.json["error"]["problems"]} == {"number_taken"}
    assert count(services, RectificationItem) == 5


def test_bad_rows_are_listed_and_nothing_is_saved(client, people, services, cli, tmp_path):
    batch_id = _batch(client, people)
    r = _import(client, people, batch_id, data=bad_checklist(), preview=True)
    assert r.status_code == 200 and not r.json["ok"]
    r = _import(client, people, batch_id, data=bad_checklist())
    assert r.status_code == 422, r.json
    problems = r.json["error"]["problems"]
    assert {(p["row"], p["code"]) for p in problems} >= {(6, "unknown_unit"), (7, "unknown_unit"), (8, "duplicate_number")}
    assert any("不存在村" in p["message"] and p["column"] == "G" for p in problems)
    assert count(services, RectificationItem) == 0 and count(services, ItemEvent) == 0

    # A village clerk's scope: units elsewhere are unknown to them, and they cannot import for the 区.
    r = client.post(f"/api/v1/feedback/{batch_id}/import", data={"file": (io.BytesIO(checklist()), "a.xlsx")},
                    headers=people["liyuan"]["h"], content_type="multipart/form-data")
    assert r.status_code == 404  # the 区's batch with no items of theirs: not visible at all

    # Not a spreadsheet at all.
    r = _import(client, people, batch_id, data=b"%PDF-1.4 not a list", name="清单.xlsx")
    assert r.status_code == 415 and r.json["error"]["code"] == "unsupported_type"

    # The CLI: the columns as understood and the problems; exit 1 and nothing saved, even the batch.
    bad = tmp_path / "问题清单.xlsx"
    bad.write_bytes(bad_checklist())
    batches = count(services, FeedbackBatch)
    result = cli("rectify", "import", str(bad), "--batch", "区委巡察反馈", "--source", "巡察", "--org", "410502000000")
    assert result.exit_code == 1, result.output
    assert "反馈问题" in result.output and "问题描述" in result.output and "不存在村" in result.output
    assert count(services, RectificationItem) == 0 and count(services, FeedbackBatch) == batches


def test_cli_import_preview_then_import_json(cli, services, org_tree, tmp_path):
    path = tmp_path / "问题清单.xlsx"
    path.write_bytes(checklist())
    args = ["rectify", "import", str(path), "--batch", "区委第一巡察组反馈问题", "--source", "巡察",
            "--org", "河南省/安阳市/文峰区", "--received", "2021-05-06"]
    result = cli(*args, "--preview")
    assert result.exit_code == 0, result.output
    assert "预览" in result.output and "B" in result.output and count(services, RectificationItem) == 0
    result = cli(*args, "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["ok"] and data["saved"] == 5 and len(data["item_ids"]) == 5
    with services.db.session() as session:
        batch = session.get(FeedbackBatch, data["batch_id"])
        assert batch.source == "巡视" and batch.received_on == dt.date(2021, 5, 6) and batch.org.name == "文峰区"
    listed = json.loads(cli("rectify", "list", "--org", "河南省/安阳市/文峰区/莲蓬寺镇/黎元村", "--json").output)
    assert sorted(i["number"] for i in listed) == ["1", "2", "5"]


# ------------------------------------------------------------------------------------------- states

def test_every_transition_legal_and_illegal(client, people, services, imported, org_tree):
    ids, _ = imported
    item = ids["1"]
    clerk, qu, admin = people["liyuan"], people["qu_clerk"], people["qu_admin"]
    for action in ("submit", "accept", "reject", "reopen"):
        _refused(_act(client, clerk, item, action, comment="x", progress="x", opinion="x"), "wrong_state")
    _refused(_act(client, clerk, item, "destroy"), "unknown_action")
    # Inspectors read, never act.
    r = _act(client, people["inspector"], item, "start")
    assert r.status_code == 403 and r.json["error"]["code"] == "forbidden"

    r = _act(client, clerk, item, "start", comment="已部署入户核查")
    assert r.status_code == 200 and r.json["state"] == "in_progress"
    assert r.json["responsible_user"]["username"] == "liyuan"  # who takes it on is responsible
    _refused(_act(client, clerk, item, "start"), "wrong_state")
    r = client.patch(f"/api/v1/rectification-items/{item}", json={"progress": ""}, headers=clerk["h"])
    assert r.status_code == 200 and r.json["progress"] == ""
    _refused(_act(client, clerk, item, "submit"), "progress_required")
    _refused(_act(client, clerk, item, "submit", progress="已重新核算2户收入"), "evidence_required")

    doc = notice(services, org_tree["黎元村"])
    r = client.post(f"/api/v1/rectification-items/{item}/evidence", json={"document_id": doc}, headers=clerk["h"])
    assert r.status_code == 201 and r.json["evidence_count"] == 1 and r.json["ingest_status"] == "linked", r.json
    r = client.post(f"/api/v1/rectification-items/{item}/evidence", json={"document_id": doc}, headers=clerk["h"])
    assert r.status_code == 409 and r.json["error"]["code"] == "already_linked"

    # The 区 clerk submits it: they may not accept it afterwards, nor may the responsible clerk.
    r = _act(client, qu, item, "submit", progress="已重新核算2户收入，1户清退")
    assert r.status_code == 200 and r.json["state"] == "awaiting_acceptance" and r.json["completed_on"] == TODAY.isoformat()
    _refused(_act(client, clerk, item, "accept", opinion="同意销号"), "acceptor_is_responsible")
    _refused(_act(client, qu, item, "accept", opinion="同意销号"), "acceptor_is_submitter")
    _refused(_act(client, admin, item, "accept"), "opinion_required")
    _refused(_act(client, admin, item, "reject"), "comment_required")
    r = _act(client, admin, item, "reject", comment="评议记录未附")
    assert r.status_code == 200 and r.json["state"] == "in_progress" and r.json["completed_on"] is None

    r = _act(client, clerk, item, "submit", progress="已补附评议记录")
    assert r.json["state"] == "awaiting_acceptance"
    r = client.delete(f"/api/v1/rectification-items/{item}/evidence/{doc}", headers=clerk["h"])
    assert r.status_code == 200 and r.json["evidence_count"] == 0
    _refused(_act(client, admin, item, "accept", opinion="同意销号"), "evidence_required")
    client.post(f"/api/v1/rectification-items/{item}/evidence", json={"document_id": doc}, headers=clerk["h"])
    r = _act(client, admin, item, "accept", opinion="经实地核查，整改到位，同意销号")
    assert r.status_code == 200 and r.json["state"] == "closed", r.json
    assert r.json["closed_on"] == TODAY.isoformat() and r.json["closed_by"]["username"] == "qu_admin"
    assert r.json["accepted_by"]["username"] == "qu_admin" and r.json["acceptance_opinion"].startswith("经实地核查")

    for action in ("start", "submit", "accept", "reject", "extend"):
        _refused(_act(client, admin, item, action, comment="x", opinion="x", progress="x",
                      deadline=LATER.isoformat()), "wrong_state")
    r = client.delete(f"/api/v1/rectification-items/{item}/evidence/{doc}", headers=clerk["h"])
    assert r.status_code == 409 and r.json["error"]["code"] == "item_closed"
    _refused(_act(client, admin, item, "reopen"), "reason_required")
    r = _act(client, admin, item, "reopen", comment="回头看发现问题反弹")
    assert r.status_code == 200 and r.json["state"] == "in_progress"
    assert r.json["closed_on"] is None and r.json["closed_by"] is None and r.json["acceptance_opinion"] == ""

    timeline = client.get(f"/api/v1/rectification-items/{item}", headers=people["inspector"]["h"]).json["timeline"]
    moves = [(e["action"], e["from_state"], e["to_state"]) for e in timeline if e["action"] in states.ACTIONS]
    assert moves == [("start", "not_started", "in_progress"), ("submit", "in_progress", "awaiting_acceptance"),
                     ("reject", "awaiting_acceptance", "in_progress"),
                     ("submit", "in_progress", "awaiting_acceptance"), ("accept", "awaiting_acceptance", "closed"),
                     ("reopen", "closed", "in_progress")]
    by = {e["action"]: e for e in timeline}
    assert by["accept"]["user"] == "qu_admin" and by["reopen"]["data"]["acceptance_opinion"].startswith("经实地核查")
    assert [e["action"] for e in timeline].count("evidence_add") == 2 and by["edit"]["data"]["after"] == {"progress": ""}
    with services.db.session() as session:
        audited = session.scalars(select(AuditEvent.action).where(AuditEvent.object_type == "rectification_item")).all()
    assert audited.count("rectify_action") == 6 and "rectify_evidence_remove" in audited


def test_closing_needs_someone_other_than_the_responsible_clerk(services, imported, people, org_tree):
    """The same rules through the service (as the pages use it), with a responsible clerk assigned."""
    ids, _ = imported
    qu = Actor(people["qu_clerk"]["user"])
    admin = Actor(people["qu_admin"]["user"])
    doc = notice(services, org_tree["莲蓬寺镇"], "莲蓬寺镇项目资产清查报告")
    with services.db.session() as session:
        item = rectify.get_item(session, ids["4"], user=qu.user)
        rectify.update_item(session, admin, item, {"responsible_user": "qu_clerk"})
        rectify.act(session, admin, item, "start")
        assert item.responsible_user.username == "qu_clerk"  # kept: assigned before
        evidence.link(session, admin, item, doc)
        rectify.act(session, admin, item, "submit", progress="资产台账已建立")
        with pytest.raises(states.IllegalTransition) as refused:
            rectify.act(session, qu, item, "accept", opinion="同意")
        assert refused.value.code == "acceptor_is_responsible"
        with pytest.raises(states.IllegalTransition) as refused:
            rectify.act(session, admin, item, "accept", opinion="同意")
        assert refused.value.code == "acceptor_is_submitter"
        from archive.auth.actor import CLI
        with pytest.raises(states.IllegalTransition) as refused:
            rectify.act(session, CLI, item, "accept", opinion="同意")
        assert refused.value.code == "acceptor_required"
        assert item.state == "awaiting_acceptance"


def test_extension_keeps_the_old_deadline(services, imported, people):
    ids, _ = imported
    clerk = Actor(people["liyuan"]["user"])
    day = dt.date(2021, 7, 5)
    with services.db.session() as session:
        item = rectify.get_item(session, ids["1"], user=clerk.user)
        for kwargs, code in [({}, "reason_required"), ({"comment": "需待秋收后核算"}, "deadline_required"),
                             ({"comment": "需待秋收后核算", "deadline": dt.date(2021, 7, 1)}, "deadline_not_in_future"),
                             ({"comment": "需待秋收后核算", "deadline": day}, "deadline_not_in_future")]:
            with pytest.raises(states.IllegalTransition) as refused:
                rectify.act(session, clerk, item, "extend", today_=day, **kwargs)
            assert refused.value.code == code
        item.deadline = dt.date(2021, 9, 30)  # pretend: not yet due
        with pytest.raises(states.IllegalTransition) as refused:
            rectify.act(session, clerk, item, "extend", comment="需待秋收后核算", deadline=dt.date(2021, 8, 31), today_=day)
        assert refused.value.code == "deadline_not_later"
        item.deadline = dt.date(2021, 6, 30)
        event = rectify.act(session, clerk, item, "extend", comment="需待秋收后核算", deadline=dt.date(2021, 10, 31),
                            today_=day)
        assert item.deadline == dt.date(2021, 10, 31) and item.original_deadline == dt.date(2021, 6, 30)
        assert item.state == "not_started" and event.from_state == event.to_state == "not_started"
        assert event.data["old_deadline"] == "2021-06-30" and event.data["new_deadline"] == "2021-10-31"
        assert event.comment == "需待秋收后核算"
    # A second extension: the first deadline is still the original one; the timeline has both.
    with services.db.session() as session:
        item = rectify.get_item(session, ids["1"], user=clerk.user)
        rectify.act(session, clerk, item, "extend", comment="再延期", deadline=dt.date(2021, 12, 31), today_=day)
        assert item.original_deadline == dt.date(2021, 6, 30)
        data = shapes.item_dict(item, today_=day, detail=True)
        olds = [e["data"]["old_deadline"] for e in data["timeline"] if e["action"] == "extend"]
        assert olds == ["2021-06-30", "2021-10-31"] and data["deadline"] == "2021-12-31"


# ------------------------------------------------------------------------------------------- deadlines

def test_overdue_lists_and_the_daily_job_marks_once(services, client, cli, imported, people):
    from archive import jobs

    ids, _ = imported
    with services.db.session() as session:
        late = deadlines.overdue(session, None)
        assert [i.number for i in late] == ["1", "2"]  # 2021 deadlines; 长期坚持 has none
        assert [i.number for i in deadlines.due_soon(session, None)] == ["4"]
        assert [i.number for i in deadlines.due_soon(session, None, days=90)] == ["4", "5"]
        # A village clerk's own lists.
        assert [i.number for i in deadlines.overdue(session, people["dongguan"]["user"])] == ["2"]
        summary = deadlines.counts(session, people["qu_clerk"]["user"])
        assert summary["total"] == 5 and summary["overdue"] == 2 and summary["due_soon"] == 1
        towns = {u["name"]: u for u in summary["units"]}
        assert towns["莲蓬寺镇"]["total"] == 4 and towns["莲蓬寺镇"]["overdue"] == 2 and towns["宝莲寺镇"]["total"] == 1
        assert summary["by_state"] == {"not_started": 5, "in_progress": 0, "awaiting_acceptance": 0, "closed": 0}

    jobs.enqueue("mark_overdue_rectification")  # the periodic task itself, run inline (Huey's immediate mode)
    with services.db.session() as session:
        assert deadlines.mark_overdue(session) == 0  # once only
        item = session.get(RectificationItem, ids["1"])
        assert item.overdue_since == dt.date(2021, 7, 1)
        overdue_events = session.scalars(select(ItemEvent).where(ItemEvent.action == "overdue")).all()
        assert sorted(e.item_id for e in overdue_events) == sorted([ids["1"], ids["2"]])
        assert overdue_events[0].user_name == "系统" and "2021" in overdue_events[0].comment

    r = client.get("/api/v1/rectification-items?overdue=1", headers=people["liyuan"]["h"])
    assert [i["number"] for i in r.json["items"]] == ["1", "2"] and all(i["overdue"] for i in r.json["items"])
    r = client.get("/api/v1/rectification-items?due_within=7", headers=people["qu_clerk"]["h"])
    assert [i["number"] for i in r.json["items"]] == ["4"] and r.json["items"][0]["days_left"] == 5
    result = cli("rectify", "overdue", "--json")
    assert result.exit_code == 0
    listed = json.loads(result.output)
    assert [i["number"] for i in listed] == ["1", "2"] and listed[0]["overdue_since"] == "2021-07-01"
    assert client.get("/api/v1/rectification-items/summary", headers=people["qu_clerk"]["h"]).json["overdue"] == 2


# ------------------------------------------------------------------------------------------- scope

def test_scope_village_sees_own_items_inspector_reads(client, people, imported):
    ids, batch_id = imported
    mine = client.get("/api/v1/rectification-items", headers=people["liyuan"]["h"]).json
    assert sorted(i["number"] for i in mine["items"]) == ["1", "2", "5"] and mine["total"] == 3
    theirs = client.get("/api/v1/rectification-items", headers=people["dongguan"]["h"]).json
    assert [i["number"] for i in theirs["items"]] == ["2"]
    # Out of scope answers like a missing item.
    for path in (f"/api/v1/rectification-items/{ids['3']}", f"/api/v1/rectification-items/{ids['1']}"):
        assert client.get(path, headers=people["dongguan"]["h"]).status_code == 404
    assert _act(client, people["dongguan"], ids["1"], "start").status_code == 404
    # The batch shows to the villages that have items in it, with only their items.
    batches = client.get("/api/v1/feedback", headers=people["dongguan"]["h"]).json
    assert batches["total"] == 1 and batches["items"][0]["item_count"] == 1
    assert [i["number"] for i in client.get(f"/api/v1/feedback/{batch_id}", headers=people["dongguan"]["h"]).json["items"]] == ["2"]
    r = client.get("/api/v1/rectification-items?org=河南省/安阳市/文峰区/宝莲寺镇", headers=people["liyuan"]["h"])
    assert r.status_code == 404
    # The inspector reads everything in the 区, acts on nothing.
    insp = people["inspector"]
    assert client.get("/api/v1/rectification-items", headers=insp["h"]).json["total"] == 5
    assert client.get(f"/api/v1/rectification-items/{ids['3']}", headers=insp["h"]).status_code == 200
    assert _act(client, insp, ids["3"], "start").status_code == 403
    r = client.post(f"/api/v1/rectification-items/{ids['3']}/evidence", json={"document_id": 1}, headers=insp["h"])
    assert r.status_code == 403
    r = client.post("/api/v1/feedback", json={"title": "x", "source": "督查"}, headers=insp["h"])
    assert r.status_code == 403
    r = client.get("/api/v1/rectification-items?state=不存在", headers=insp["h"])
    assert r.status_code == 400 and r.json["error"]["code"] == "invalid_state"


# ------------------------------------------------------------------------------------------- evidence

def test_evidence_uploaded_from_an_item_is_classified_filed_and_linked(client, people, services, imported):
    ids, _ = imported
    clerk = people["liyuan"]
    url = f"/api/v1/rectification-items/{ids['1']}/evidence"
    data = docx_bytes("黎元村关于贫困户识别不精准问题的整改情况报告")
    r = client.post(url, data={"file": (io.BytesIO(data), "整改情况报告.docx")}, headers=clerk["h"],
                    content_type="multipart/form-data")
    assert r.status_code == 201, r.json
    assert r.json["ingest_status"] == "stored" and r.json["evidence_count"] == 1
    linked = r.json["linked"]
    assert linked["category_code"] == "0803" and linked["org"].endswith("黎元村")
    with services.db.session() as session:
        doc = session.get(Document, linked["document_id"])
        assert doc.classified_by == "person" and doc.category_code == "0803" and doc.retention == "D30"
        assert doc.archive_code and "0803" in doc.archive_code and not doc.needs_review
        actions = session.scalars(select(AuditEvent.action).where(AuditEvent.object_id == str(doc.id))).all()
        assert "upload" in actions and "classify" in actions
    # The same bytes again from another item: the existing document is linked as it stands.
    r = client.post(f"/api/v1/rectification-items/{ids['5']}/evidence", data={"file": (io.BytesIO(data), "副本.docx")},
                    headers=clerk["h"], content_type="multipart/form-data")
    assert r.status_code == 201 and r.json["ingest_status"] == "duplicate"
    assert r.json["linked"]["document_id"] == linked["document_id"]
    # A refused file links nothing and leaves nothing.
    before = leftover_files(services)
    r = client.post(url, data={"file": (io.BytesIO(b"MZ\x90\x00 not evidence"), "a.exe")}, headers=clerk["h"],
                    content_type="multipart/form-data")
    assert r.status_code == 415, r.json
    assert leftover_files(services) == before and count(services, Document) == 1
    # An inspector cannot upload evidence.
    r = client.post(url, data={"file": (io.BytesIO(docx_bytes("另一份报告")), "b.docx")}, headers=people["inspector"]["h"],
                    content_type="multipart/form-data")
    assert r.status_code == 403 and count(services, Document) == 1


def test_evidence_upload_failing_after_ingest_leaves_nothing(services, imported, people, monkeypatch):
    ids, _ = imported
    clerk = Actor(people["liyuan"]["user"])
    before = leftover_files(services)

    def broken(*args, **kwargs):
        raise RuntimeError("link failed")

    monkeypatch.setattr(evidence, "_link", broken)
    with services.db.session() as session:
        item = rectify.get_item(session, ids["1"], user=clerk.user)
        with pytest.raises(RuntimeError):
            evidence.upload(session, services, clerk, item, io.BytesIO(docx_bytes("失败的报告")), "r.docx")
    assert count(services, Document) == 0 and leftover_files(services) == before
    with services.db.session() as session:
        assert not session.get(RectificationItem, ids["1"]).evidence


# ------------------------------------------------------------------------------------------- export

def test_export_ledger_reads_back(client, people, services, cli, imported, org_tree, tmp_path):
    ids, _ = imported
    clerk, admin = people["liyuan"], people["qu_admin"]
    doc = notice(services, org_tree["黎元村"])
    _act(client, clerk, ids["1"], "start")
    client.post(f"/api/v1/rectification-items/{ids['1']}/evidence", json={"document_id": doc}, headers=clerk["h"])
    _act(client, clerk, ids["1"], "submit", progress="已重新核算")
    assert _act(client, admin, ids["1"], "accept", opinion="同意销号").json["state"] == "closed"

    r = client.get("/api/v1/rectification-items/export", headers=people["qu_clerk"]["h"])
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(r.data))
    assert wb.sheetnames[0] == "汇总" and wb.sheetnames[1].startswith("2021年脱贫攻坚成效考核")
    ws = wb.worksheets[1]
    header = [c.value for c in ws[3]]
    assert header == list(LEDGER_COLUMNS)
    rows = [dict(zip(header, [c.value for c in row])) for row in ws.iter_rows(min_row=4)]
    assert [row["编号"] for row in rows] == ["1", "2", "3", "4", "5"]
    one = rows[0]
    assert one["状态"] == "已销号" and one["验收意见"] == "同意销号" and one["销号审批人"] == "qu_admin"
    assert one["问题来源"] == "考核" and one["牵头单位"] == "莲蓬寺镇" and one["责任单位"] == "黎元村"
    assert "整改情况的报告" in one["佐证材料"] and one["销号日期"].date() == TODAY and one["反馈时间"].date() == dt.date(2021, 4, 20)
    assert rows[1]["责任单位"] == "东关村、黎元村" and rows[2]["整改时限"] == "长期坚持"
    summary = [[c.value for c in row] for row in wb["汇总"].iter_rows(min_row=4, max_row=4)][0]
    assert summary[3:8] == [4, 0, 0, 1, 5]  # 未整改, 整改中, 待验收, 已销号, 合计

    # Filtered by unit and state, through the CLI; the village clerk's export holds their items only.
    out = tmp_path / "台账.xlsx"
    result = cli("rectify", "export", "-o", str(out), "--org", "410502100201", "--state", "未整改")
    assert result.exit_code == 0, result.output
    ws = load_workbook(out).worksheets[1]
    assert [row[0].value for row in ws.iter_rows(min_row=4)] == ["2", "5"]
    r = client.get("/api/v1/rectification-items/export?state=closed", headers=people["dongguan"]["h"])
    assert load_workbook(io.BytesIO(r.data)).sheetnames == ["汇总"]
    with services.db.session() as session:
        assert session.scalar(select(func.count()).where(AuditEvent.action == "rectify_export")) == 3


def test_cli_act_as_a_user(cli, imported, people):
    ids, _ = imported
    result = cli("rectify", "act", str(ids["3"]), "start", "--user", "qu_clerk", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["state"] == "in_progress"
    result = cli("rectify", "act", str(ids["3"]), "submit", "--progress", "已制定方案")
    assert result.exit_code == 1 and "evidence_required" in result.output


def test_a_list_without_numbers_continues_after_the_batch_s_own(client, people, services, imported):
    from openpyxl import Workbook

    numbers, batch_id = imported
    wb = Workbook()
    ws = wb.active
    ws.append(["问题描述", "责任单位", "整改时限"])
    ws.append(["村级公示栏信息更新不及时", "黎元村", "2021年9月30日"])
    ws.append(["扶贫项目资产台账登记不全", "黎元村", "2021年10月底"])
    out = io.BytesIO()
    wb.save(out)
    r = _import(client, people, batch_id, data=out.getvalue())
    assert r.status_code == 201, r.json
    top = max(int(n) for n in numbers if n.isdigit())
    items = client.get(f"/api/v1/rectification-items?batch={batch_id}&per_page=200", headers=people["qu_admin"]["h"]).json
    assert {str(top + 1), str(top + 2)} <= {i["number"] for i in items["items"]}


def test_an_item_awaiting_acceptance_cannot_be_edited(client, people, services, imported, org_tree):
    numbers, _ = imported
    item_id = numbers["1"]
    clerk = people["liyuan"]
    assert _act(client, clerk, item_id, "start").status_code == 200
    doc = notice(services, org_tree["黎元村"])
    assert client.post(f"/api/v1/rectification-items/{item_id}/evidence", json={"document_id": doc},
                       headers=clerk["h"]).status_code in (200, 201)
    assert _act(client, clerk, item_id, "submit", progress="已逐户复核").status_code == 200
    r = client.patch(f"/api/v1/rectification-items/{item_id}", json={"responsible_user": None}, headers=clerk["h"])
    assert r.status_code in (400, 409) and r.json["error"]["code"] == "item_awaiting_acceptance", r.json


def test_unit_names_are_looked_for_under_the_receiving_unit_first(services, org_tree):
    """Two villages named 黎元村 in one county: a township's list that names 黎元村 means its own."""
    from archive.orgs import service as orgs
    from archive.rectify.importing import UnitMatcher

    with services.db.session() as session:
        orgs.import_csv(session, "路径\n河南省/安阳市/文峰区/宝莲寺镇/黎元村\n".encode())
    with services.db.session() as session:
        town = session.merge(org_tree["莲蓬寺镇"])
        unit, reason = UnitMatcher(session, None, town).match("黎元村")
        assert reason is None and unit.path.endswith("莲蓬寺镇/黎元村")
        unit, reason = UnitMatcher(session, None).match("黎元村")
        assert unit is None and "同名" in reason
