"""Ledgers (台账) and households (一户一档) on a real database: messy household ledgers written with
openpyxl (a title, a two-row merged header, one row per person, IDs typed as numbers, full-width and
lower-case x, a bad check character, a duplicate, a missing ID, 约3000, a formula) imported through
the API and the CLI; rows, problems, the original document and the households with their figures per
year; a second year's ledger; the same ID in another unit's ledger; preview; documents linked by ID
number and by name, the file check with a date-order violation; masking and the audited unmasked view;
scope."""
import io
import json

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from archive.models import (AuditEvent, Document, Household, HouseholdDocument, HouseholdMember, HouseholdYear, Ledger,
                            LedgerProblem, LedgerRow, OrgUnit, User)
from tests.support.api import bearer, count, leftover_files
from tests.support.ledgers import (LIU, LIYUAN, XIGANG, XLS_FIXTURE, ZHANG, ZHANG_WEI, ZHAO_BAD, household_ledger_2023,
                                   household_ledger_2024, ingest_dated, make_id, no_full_numbers)


@pytest.fixture
def people(make_user):
    made = {name: make_user(name, org, role) for name, org, role in [
        ("town_clerk", "莲蓬寺镇", "clerk"), ("liyuan", "黎元村", "clerk"), ("dongguan", "东关村", "clerk"),
        ("xigang", "西岗村", "clerk"), ("auditor", "文峰区", "inspector")]}
    return {name: {"user": user, "token": token, "h": bearer(token)} for name, (user, token) in made.items()}


def _import(client, who, data, *, org=LIYUAN, name="黎元村2023年台账.xlsx", **form):
    fields = {"file": (io.BytesIO(data), name), "org": org} | {k: str(v) for k, v in form.items()}
    return client.post("/api/v1/ledgers", data=fields, headers=who["h"], content_type="multipart/form-data")


def _codes(problems, row=None) -> set[str]:
    return {p["code"] for p in problems if row is None or p["row"] == row}


@pytest.fixture
def imported(client, people):
    r = _import(client, people["liyuan"], household_ledger_2023(), year=2023)
    assert r.status_code == 201, r.json
    return r.json


# ------------------------------------------------------------------------------------------- import

def test_import_stores_rows_problems_document_and_households(client, people, services, imported):
    body = imported
    assert body["saved"] and not body["preview"] and body["type"] == "household" and body["year"] == 2023
    assert body["header_rows"] == [3, 4]
    fields = {c["letter"]: c["field"] for c in body["columns"]}
    assert fields["C"] == "head_name" and fields["D"] == "name" and fields["F"] == "id_number"
    assert fields["E"] == "relation" and fields["G"] == "household_size" and fields["H"] == "category"
    # The contract: ledger_id, rows, problems with the spreadsheet's row numbers.
    assert body["ledger_id"] == body["ledger"]["id"]
    problems = body["problems"]
    assert {"row", "column", "code", "severity", "message"} <= set(problems[0])
    for row in (5, 7, 9):
        assert not _codes(problems, row), [p for p in problems if p["row"] == row]  # no false alarms
    assert _codes(problems, 6) == _codes(problems, 12) == {"id_duplicate"}
    assert _codes(problems, 8) == {"id_as_number"}
    assert _codes(problems, 10) == {"id_fullwidth", "id_lowercase_x", "not_a_number"}
    assert _codes(problems, 11) == {"id_checksum"}
    assert _codes(problems, 13) == {"missing_required", "formula"}
    assert {(p["row"], p["column"]) for p in problems if p["code"].startswith("id_")} == {
        (6, "F"), (8, "F"), (10, "F"), (11, "F"), (12, "F")}

    with services.db.session() as session:
        ledger = session.get(Ledger, body["ledger_id"])
        assert ledger.org.path == LIYUAN and ledger.row_count == 9
        assert ledger.error_count == sum(1 for p in problems if p["severity"] == "error") > 0
        assert ledger.warning_count == len(problems) - ledger.error_count
        rows = {r.row_number: r for r in session.scalars(select(LedgerRow).where(LedgerRow.ledger_id == ledger.id))}
        assert sorted(rows) == list(range(5, 14))
        assert rows[10].values["id_number"] == LIU  # normalised
        assert session.scalar(select(func.count()).select_from(LedgerProblem)
                              .where(LedgerProblem.ledger_id == ledger.id)) == len(problems)
        doc = session.get(Document, ledger.document_id)
        assert doc.org.path == LIYUAN and doc.original_name == "黎元村2023年台账.xlsx" and doc.file_kind == "xlsx"
        with services.store.open(doc.sha256) as f:
            assert f.read() == household_ledger_2023()  # the original, byte for byte

        households = {h.head_name: h for h in session.scalars(select(Household))}
        # Rows with an error in the head's ID (王明 as a number, 赵强's check character, 钱进 the
        # duplicate, 周平 none) are not made into households; a member's erroneous ID is left out.
        assert set(households) == {"张建国", "刘芳"}
        zhang = households["张建国"]
        assert zhang.head_id_number == ZHANG and zhang.category == "脱贫户" and zhang.org.path == LIYUAN
        assert [(m.name, m.relation, m.id_number) for m in zhang.members] == [
            ("张建国", "户主", ZHANG), ("李秀兰", "配偶", None), ("张伟", "长子", ZHANG_WEI)]
        (year,) = zhang.years
        assert year.year == 2023 and year.ledger_id == ledger.id
        assert year.figures["members"] == 3 and year.figures["income"] == 12000 and year.figures["category"] == "脱贫户"
        assert households["刘芳"].head_id_number == LIU and households["刘芳"].category == "监测户"
        assert {rows[n].household_id for n in (5, 6, 7)} == {zhang.id}
        assert rows[8].household_id is None and rows[11].household_id is None
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "ledger_import")).all()
        assert len(events) == 1 and events[0].object_id == str(ledger.id)


def test_second_year_adds_history_and_latest_year_wins(client, people, services, imported):
    r = _import(client, people["liyuan"], household_ledger_2024(), name="2024年监测台账.xlsx")
    assert r.status_code == 201, r.json
    assert r.json["year"] == 2024  # from the 年度 column
    assert not [p for p in r.json["problems"] if p["severity"] == "error"], r.json["problems"]
    older = household_ledger_2024([[1, "张建国", ZHANG, 5, "脱贫户", 9000, 2022]], title="黎元村2022年台账")
    r = _import(client, people["liyuan"], older, name="2022年台账.xlsx")
    assert r.status_code == 201, r.json
    with services.db.session() as session:
        zhang = session.scalar(select(Household).where(Household.head_id_number == ZHANG))
        assert [y.year for y in zhang.years] == [2022, 2023, 2024]
        figures = {y.year: y.figures for y in zhang.years}
        assert figures[2024]["members"] == 4 and figures[2024]["income"] == 15000
        assert figures[2023]["members"] == 3 and figures[2022]["members"] == 5
        assert zhang.category == "监测户"  # the 2024 ledger's, not the older 2022 one's
        # A one-row-per-household ledger leaves the members the person-per-row ledger gave.
        assert len(zhang.members) == 3
        assert session.scalar(select(func.count()).select_from(Household)) == 2


def test_same_id_in_another_units_ledger(client, people, services, imported):
    data = household_ledger_2024([[1, "张建国", ZHANG, 3, "脱贫户", 12000, 2023],
                                  [2, "孙丽", make_id("41050219850505006"), 2, "脱贫户", 9000, 2023]],
                                 title="西岗村2023年脱贫户台账")
    r = _import(client, people["xigang"], data, org=XIGANG, name="西岗村台账.xlsx")
    assert r.status_code == 201, r.json
    dup = [p for p in r.json["problems"] if p["code"] == "id_duplicate_other_unit"]
    assert [p["row"] for p in dup] == [3] and "黎元村" in dup[0]["message"]
    with services.db.session() as session:
        zhang = session.scalar(select(Household).where(Household.head_id_number == ZHANG))
        assert zhang.org.path == LIYUAN and [y.year for y in zhang.years] == [2023]
        sun = session.scalar(select(Household).where(Household.head_name == "孙丽"))
        assert sun.org.path == XIGANG


def test_preview_saves_nothing(client, people, services):
    before = (count(services, Document), leftover_files(services))
    r = _import(client, people["liyuan"], household_ledger_2023(), year=2023, preview=1)
    assert r.status_code == 200, r.json
    assert r.json["preview"] and not r.json["saved"] and r.json["ledger_id"] is None
    assert r.json["columns"] and r.json["problems"] and r.json["sample"]
    for model in (Ledger, LedgerRow, LedgerProblem, Household, HouseholdYear):
        assert count(services, model) == 0
    assert (count(services, Document), leftover_files(services)) == before


def test_refusals(client, people, services, imported):
    # unreadable file
    r = _import(client, people["liyuan"], b"\x00\x01 not a spreadsheet \xff" * 10, name="x.xlsx")
    assert r.status_code == 422 and r.json["error"]["code"]
    # the same file again
    r = _import(client, people["liyuan"], household_ledger_2023(), year=2023)
    assert r.status_code == 409 and r.json["error"]["code"] == "already_imported"
    # an inspector imports nothing; an unknown type
    assert _import(client, people["auditor"], household_ledger_2024()).status_code == 403
    r = _import(client, people["liyuan"], household_ledger_2024(), type="nonsense")
    assert r.status_code == 400 and r.json["error"]["code"] == "unknown_type"
    assert count(services, Ledger) == 1


def test_csv_town_ledger_assistance_ledger(client, people, services, imported):
    """A township's ledger in GB18030 CSV names each household's village; an assistance ledger points
    its rows at the households already known and makes none."""
    sun = make_id("41050219850505006")
    csv_text = ("莲蓬寺镇2024年脱贫户台账\n"
                "序号,所在村,户主姓名,户主身份证号码,家庭人口,户类型,联系电话\n"
                f"1,东关村,孙丽,{sun},2,脱贫户,13700001111\n"
                f"2,黎元村,张建国,{ZHANG},3,脱贫户,\n")
    r = _import(client, people["town_clerk"], csv_text.encode("gb18030"), org="河南省/安阳市/文峰区/莲蓬寺镇",
                name="镇台账.csv", year=2024)
    assert r.status_code == 201, r.json
    assert not [p for p in r.json["problems"] if p["severity"] == "error"], r.json["problems"]
    with services.db.session() as session:
        doc = session.get(Document, r.json["ledger"]["document"]["id"])
        assert doc.file_kind == "txt" and doc.org.path.endswith("莲蓬寺镇")
        households = {h.head_name: h for h in session.scalars(select(Household))}
        assert households["孙丽"].org.path.endswith("东关村")
        assert households["张建国"].org.path == LIYUAN and len(households["张建国"].years) == 2
    r = client.get(f"/api/v1/ledgers/{r.json['ledger_id']}/highlighted.xlsx", headers=people["town_clerk"]["h"])
    assert r.status_code == 200 and load_workbook(io.BytesIO(r.data))

    wb = Workbook()
    ws = wb.active
    ws.append(["黎元村2024年帮扶措施台账"])
    ws.append(["序号", "户主姓名", "证件号码", "帮扶类型", "帮扶措施", "帮扶资金（元）", "帮扶时间"])
    ws.append([1, "张建国", ZHANG, "产业帮扶", "发放鸡苗200只", 2000, "2024-04-01"])
    ws.append([2, "无名氏", make_id("41050219910101008"), "就业帮扶", "公益岗位", 6000, "2024-05-01"])
    out = io.BytesIO()
    wb.save(out)
    r = _import(client, people["liyuan"], out.getvalue(), name="帮扶措施台账.xlsx")
    assert r.status_code == 201, r.json
    assert r.json["type"] == "assistance" and r.json["year"] == 2024 and r.json["households"] == 0
    assert not r.json["problems"], r.json["problems"]
    with services.db.session() as session:
        rows = session.scalars(select(LedgerRow).where(LedgerRow.ledger_id == r.json["ledger_id"])
                               .order_by(LedgerRow.row_number)).all()
        assert [row.household_id for row in rows] == [_zhang(services), None]
        assert session.scalar(select(func.count()).select_from(Household)) == 3
    listed = client.get("/api/v1/ledgers?type=assistance", headers=people["town_clerk"]["h"]).json
    assert [x["id"] for x in listed["items"]] == [r.json["ledger_id"]]


def test_xls_is_archived_as_an_xlsx_copy(client, people, services):
    """The archive does not take old XLS files: the ledger keeps an XLSX copy of the sheet as read,
    every cell at its own row and column, so the report's row numbers hold in it."""
    import base64
    import zlib

    data = zlib.decompress(base64.b64decode(XLS_FIXTURE))
    r = _import(client, people["liyuan"], data, name="帮扶.xls", year=2023)
    assert r.status_code == 201, r.json
    assert r.json["type"] == "assistance" and any("XLS" in note for note in r.json["notes"])
    assert {(p["row"], p["column"], p["code"]) for p in r.json["problems"]} == {
        (6, "C", "id_as_number"), (7, "C", "id_fullwidth"), (7, "G", "not_a_number")}
    with services.db.session() as session:
        ledger = session.get(Ledger, r.json["ledger_id"])
        doc = session.get(Document, ledger.document_id)
        assert ledger.file_name == "帮扶.xls" and doc.original_name == "帮扶.xlsx" and doc.file_kind == "xlsx"
        with services.store.open(doc.sha256) as f:
            copy = load_workbook(io.BytesIO(f.read()))
        assert copy.sheetnames == ["帮扶措施"]
    r = client.get(f"/api/v1/ledgers/{r.json['ledger_id']}/highlighted.xlsx", headers=people["liyuan"]["h"])
    ws = load_workbook(io.BytesIO(r.data))["帮扶措施"]
    assert ws["G7"].comment is not None and "不是数字" in ws["G7"].comment.text


# ------------------------------------------------------------------------------------------- documents

def _zhang(services) -> int:
    with services.db.session() as session:
        return session.scalar(select(Household.id).where(Household.head_id_number == ZHANG))


def test_documents_linked_and_file_checked(client, people, services, imported):
    application = ingest_dated(services, LIYUAN, "申请书.txt",
                          f"张建国户申请书\n本人张建国，身份证号码 {ZHANG}，申请纳入监测。\n", "2023-03-05")
    review = ingest_dated(services, LIYUAN, "评议.txt",
                     "黎元村民主评议记录\n黎元村村民代表对张建国户进行评议，同意纳入。\n", "2023-03-10")
    publicity = ingest_dated(services, LIYUAN, "公示.txt",
                        f"黎元村监测对象识别公示\n张伟 {ZHANG_WEI}\n", "2023-03-08")
    confirmation = ingest_dated(services, LIYUAN, "确认.txt",
                           f"文峰区防返贫监测对象县级确认表\n户主：张建国（{ZHANG.lower()}）\n", "2023-03-20")
    elsewhere = ingest_dated(services, "河南省/安阳市/文峰区/莲蓬寺镇/东关村", "东关.txt",
                        f"东关村会议记录\n提到 {ZHANG}\n", "2023-01-01")
    unrelated = ingest_dated(services, LIYUAN, "其他.txt", "黎元村道路硬化项目验收\n与任何户无关。\n", "2023-05-01")
    hid = _zhang(services)
    r = client.get(f"/api/v1/households/{hid}", headers=people["liyuan"]["h"])
    assert r.status_code == 200, r.json
    links = {d["document_id"]: d["how"] for d in r.json["documents"]}
    assert links == {application: "id_number", review: "name", publicity: "id_number", confirmation: "id_number"}
    assert elsewhere not in links and unrelated not in links
    check = r.json["file_check"]
    present = {i["key"] for i in check["items"] if i["present"]}
    assert present == {"application", "review", "publicity", "confirmation"}
    assert {"survey", "registration", "handbook", "plan", "income"} <= {m["key"] for m in check["missing"]}
    assert not check["complete"]
    (violation,) = [p for p in check["problems"] if p["code"] == "date_order"]
    assert "民主评议记录（2023-03-10）晚于公示公告" in violation["message"] and "2023-03-08" in violation["message"]
    assert "缺少帮扶计划/明白卡" in [p["message"] for p in check["problems"]]

    # A person removes an automatic link (it stays out) and adds another document by hand.
    h = people["liyuan"]["h"]
    r = client.delete(f"/api/v1/households/{hid}/documents/{publicity}", headers=h)
    assert r.status_code == 200 and publicity not in {d["document_id"] for d in r.json["documents"]}
    r = client.post(f"/api/v1/households/{hid}/documents", json={"document_id": unrelated}, headers=h)
    assert r.status_code == 201 and r.json["linked"]["how"] == "person"
    assert client.post(f"/api/v1/households/{hid}/documents", json={"document_id": unrelated},
                       headers=h).status_code == 409
    r = client.get(f"/api/v1/households/{hid}", headers=h)
    links = {d["document_id"]: d["how"] for d in r.json["documents"]}
    assert publicity not in links and links[unrelated] == "person"
    assert not [p for p in r.json["file_check"]["problems"] if p["code"] == "date_order"]
    # Inspectors read, and change nothing.
    assert client.delete(f"/api/v1/households/{hid}/documents/{unrelated}",
                         headers=people["auditor"]["h"]).status_code == 403
    with services.db.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.object_type == "household"))]
        assert actions.count("view") == 2 and "household_link" in actions and "household_unlink" in actions
        assert session.scalar(select(func.count()).select_from(HouseholdDocument)
                              .where(HouseholdDocument.how == "excluded")) == 1


# ------------------------------------------------------------------------------------------- masking

def test_masking_everywhere_and_unmasked_view_audited(client, people, services, imported):
    h = people["town_clerk"]["h"]
    ledger_id = imported["ledger_id"]
    no_full_numbers(json.dumps(imported, ensure_ascii=False))
    for url in (f"/api/v1/ledgers/{ledger_id}", f"/api/v1/ledgers/{ledger_id}/rows", "/api/v1/ledgers",
                "/api/v1/households", f"/api/v1/households/{_zhang(services)}"):
        r = client.get(url, headers=h)
        assert r.status_code == 200, (url, r.json)
        no_full_numbers(r.get_data(as_text=True))
    detail = client.get(f"/api/v1/households/{_zhang(services)}", headers=h).json
    assert detail["head_id_number"] == ZHANG[:6] + "********" + ZHANG[-4:] and not detail["personal"]
    assert detail["years"][0]["figures"]["phone"] == "138****5678"
    rows = client.get(f"/api/v1/ledgers/{ledger_id}/rows", headers=h).json["items"]
    assert rows[0]["values"]["id_number"] == ZHANG[:6] + "********" + ZHANG[-4:]
    # The highlighted copy is masked too: cells and comments.
    r = client.get(f"/api/v1/ledgers/{ledger_id}/highlighted.xlsx", headers=h)
    assert r.status_code == 200
    wb = load_workbook(io.BytesIO(r.data))
    cells = [str(c.value) for row in wb.active.iter_rows() for c in row if c.value is not None]
    comments = [c.comment.text for row in wb.active.iter_rows() for c in row if c.comment]
    assert comments
    no_full_numbers("\n".join(cells + comments))
    # Without the right, asking for the numbers is refused.
    hid = _zhang(services)
    assert client.get(f"/api/v1/households/{hid}?unmask=1", headers=h).status_code == 403
    # With the right, the unmasked view is given, and audited.
    with services.db.session() as session:
        session.get(User, people["town_clerk"]["user"].id).can_view_personal = True
    r = client.get(f"/api/v1/households/{hid}?unmask=1", headers=h)
    assert r.status_code == 200 and r.json["personal"] and r.json["head_id_number"] == ZHANG
    assert ZHANG_WEI in [m["id_number"] for m in r.json["members"]]
    r = client.get(f"/api/v1/ledgers/{ledger_id}?unmask=1", headers=h)
    assert r.status_code == 200
    # ...and without asking, the right alone shows nothing more.
    no_full_numbers(client.get(f"/api/v1/households/{hid}", headers=h).get_data(as_text=True))
    with services.db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "personal_view")).all()
        assert [(e.username, e.object_type) for e in events] == [("town_clerk", "household"), ("town_clerk", "ledger")]
        views = session.scalars(select(AuditEvent).where(AuditEvent.object_type == "household",
                                                         AuditEvent.action == "view")).all()
        assert len(views) == 4  # every view of the household's file (the refused one made none)


# ------------------------------------------------------------------------------------------- scope

def test_scope_other_village_sees_nothing(client, people, services, imported):
    hid, ledger_id = _zhang(services), imported["ledger_id"]
    h = people["dongguan"]["h"]
    for url in (f"/api/v1/households/{hid}", f"/api/v1/ledgers/{ledger_id}", f"/api/v1/ledgers/{ledger_id}/rows",
                f"/api/v1/ledgers/{ledger_id}/highlighted.xlsx"):
        assert client.get(url, headers=h).status_code == 404, url
    assert client.post(f"/api/v1/households/{hid}/documents", json={"document_id": 1}, headers=h).status_code == 404
    assert client.get("/api/v1/households", headers=h).json["total"] == 0
    assert client.get("/api/v1/ledgers", headers=h).json["total"] == 0
    assert client.get(f"/api/v1/households?org={LIYUAN}", headers=h).status_code == 404
    town = client.get("/api/v1/households?category=脱贫户", headers=people["town_clerk"]["h"]).json
    assert [x["head_name"] for x in town["items"]] == ["张建国"]
    found = client.get("/api/v1/households?q=李秀兰", headers=people["town_clerk"]["h"]).json
    assert [x["head_name"] for x in found["items"]] == ["张建国"]
    # A village clerk cannot import for another village.
    r = _import(client, people["dongguan"], household_ledger_2024(), org=LIYUAN)
    assert r.status_code == 404


# ------------------------------------------------------------------------------------------- CLI

def test_cli_import_report_and_household(cli, services, org_tree, tmp_path):
    path = tmp_path / "黎元村2023年台账.xlsx"
    path.write_bytes(household_ledger_2023())
    result = cli("ledger", "import", str(path), "--org", LIYUAN, "--year", "2023", "--json")
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    assert body["saved"] and {"ledger_id", "rows", "problems"} <= set(body)
    assert ZHAO_BAD in result.output  # the operator sees the numbers
    text = cli("ledger", "report", str(body["ledger_id"]))
    assert text.exit_code == 0 and "第 11 行 F 列" in text.output and "id_checksum" in text.output
    masked = cli("ledger", "report", str(body["ledger_id"]), "--json", "--mask")
    assert masked.exit_code == 0 and ZHAO_BAD not in masked.output
    assert json.loads(masked.output)["ledger_id"] == body["ledger_id"]
    preview = cli("ledger", "import", str(tmp_path / "黎元村2023年台账.xlsx"), "--org", LIYUAN, "--preview")
    assert preview.exit_code == 0 and "户主姓名" in preview.output and "预览" in preview.output
    bad = tmp_path / "坏.xlsx"
    bad.write_bytes(b"PK\x03\x04 broken")
    assert cli("ledger", "import", str(bad), "--org", LIYUAN).exit_code == 2
    hid = _zhang(services)
    shown = cli("household", "show", str(hid), "--json")
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["head_id_number"] == ZHANG and data["years"][0]["year"] == 2023
    assert cli("household", "show", "99999").exit_code == 2
    out = tmp_path / "标注.xlsx"
    assert cli("ledger", "highlight", str(body["ledger_id"]), "-o", str(out)).exit_code == 0
    load_workbook(out)
    granted = cli("user", "personal", "nobody")
    assert granted.exit_code == 2
    with services.db.session() as session:
        actions = [e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.username == "命令行"))]
        assert "ledger_import" in actions and "personal_view" in actions and "view" in actions


def test_user_personal_right_from_cli(cli, services, make_user):
    make_user("clerk1", "黎元村", "clerk")
    assert cli("user", "personal", "clerk1").exit_code == 0
    with services.db.session() as session:
        user = session.scalar(select(User).where(User.username == "clerk1"))
        assert user.can_view_personal
    assert cli("user", "personal", "clerk1", "--revoke").exit_code == 0
    with services.db.session() as session:
        assert not session.scalar(select(User).where(User.username == "clerk1")).can_view_personal
        assert session.scalar(select(func.count()).select_from(AuditEvent).where(AuditEvent.action == "user_edit")) == 2


def test_household_member_model_roundtrip(services, org_tree):
    """Members and years go with their household (cascade), documents are kept."""
    with services.db.session() as session:
        org = session.scalar(select(OrgUnit).where(OrgUnit.path == LIYUAN))
        h = Household(org_id=org.id, head_name="测试", head_id_number=None, category="")
        h.members.append(HouseholdMember(name="测试", relation="户主"))
        session.add(h)
    with services.db.session() as session:
        session.delete(session.scalar(select(Household)))
    assert count(services, HouseholdMember) == 0
