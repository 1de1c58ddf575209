"""归档完整性检查: a small archive built through the real ingest pipeline, checked against
standards/scope.yaml by the service, the command line, the API, the page and the XLSX export."""
from __future__ import annotations

import io
import json
import re
from pathlib import Path
from urllib.parse import unquote

import pytest
import yaml
from openpyxl import load_workbook
from sqlalchemy import event

import archive
from archive.auth.actor import CLI
from archive.classify.service import decide
from archive.completeness import check
from archive.documents import service as documents
from archive.ingest.pipeline import Incoming
from archive.models import Document, OrgUnit
from tests.support.api import bearer
from tests.support.pages import login

YEAR = 2020
SCOPE = yaml.safe_load((Path(archive.__file__).resolve().parents[1] / "standards" / "scope.yaml").read_text("utf-8"))
VILLAGE_ITEMS = SCOPE["levels"]["village"]
VILLAGE_REQUIRED = {i["key"] for i in VILLAGE_ITEMS if i["required"]}
VILLAGE_OPTIONAL = {i["key"] for i in VILLAGE_ITEMS if not i["required"]}
TOWNSHIP_REQUIRED = {i["key"] for i in SCOPE["levels"]["township"] if i["required"]}

# (unit, file name, text, class decided by a person, options). Dates in the text give the year.
ARCHIVE = [
    # 黎元村: four items present, the work log only waiting for review (uncertain).
    ("黎元村", "lv-review.txt", "黎元村贫困户识别民主评议记录\n时间：2020年5月6日\n村民代表逐户评议。\n", "0202", {}),
    ("黎元村", "lv-notice.txt", "黎元村2020年贫困户识别公示\n名单见附件，如有异议请向村委会反映。\n2020年5月10日\n", "0202", {}),
    ("黎元村", "lv-plan.txt", "黎元村2020年帮扶计划\n一、发展庭院种植。二、安排公益岗位。\n2020年3月1日\n", "0301", {}),
    ("黎元村", "lv-hh1.txt", "张三户一户一档\n家庭成员三人。\n2020年4月1日\n", "1001", {}),
    ("黎元村", "lv-hh2.txt", "李四户一户一档\n家庭成员五人。\n2020年4月2日\n", "1001", {}),
    ("黎元村", "lv-log.txt", "驻村工作日志（第二季度）\n走访农户，了解生产生活情况。\n2020年6月1日\n", "0602",
     {"pending": True}),
    # Not counted: another year, the trash, not a poverty record.
    ("黎元村", "lv-2019.txt", "黎元村监测户集中排查记录\n逐户排查。\n2019年9月1日\n", "0502", {}),
    ("黎元村", "lv-deleted.txt", "黎元村帮扶台账\n逐户登记帮扶情况。\n2020年7月1日\n", "0301", {"delete": True}),
    ("黎元村", "lv-not.txt", "黎元村监测户名单（误传）\n2020年8月1日\n", None, {"not_poverty": True}),
    # 东关村: the notice only; its body mentions the 民主评议 (a hint, so the review record is uncertain).
    ("东关村", "dg-notice.txt", "东关村贫困户识别公示\n经村民代表大会民主评议，现将名单公示如下。\n2020年5月12日\n", "0202", {}),
    # 西岗村: every required item.
    ("西岗村", "xg-review.txt", "西岗村贫困户识别民主评议记录\n2020年5月7日\n", "0202", {}),
    ("西岗村", "xg-notice.txt", "西岗村贫困户识别公示\n2020年5月11日\n", "0202", {}),
    ("西岗村", "xg-plan.txt", "西岗村帮扶计划\n2020年3月2日\n", "0301", {}),
    ("西岗村", "xg-ledger.txt", "西岗村帮扶台账\n2020年12月1日\n", "0301", {}),
    ("西岗村", "xg-log.txt", "西岗村驻村工作日志\n2020年6月2日\n", "0602", {}),
    ("西岗村", "xg-monitor.txt", "西岗村监测户集中排查记录\n2020年9月2日\n", "0502", {}),
    ("西岗村", "xg-hh.txt", "王五户一户一档\n2020年4月3日\n", "1001", {}),
    # 莲蓬寺镇: its work plan only.
    ("莲蓬寺镇", "lp-plan.txt", "2020年莲蓬寺镇脱贫攻坚工作方案\n2020年2月1日\n", "0103", {}),
]
LIYUAN_SUPPLIED = {"identification_review", "identification_notice", "assistance_plan", "household_files"}
LIYUAN_UNCERTAIN = {"work_log"}
LIYUAN_MISSING = VILLAGE_REQUIRED - LIYUAN_SUPPLIED - LIYUAN_UNCERTAIN
DONGGUAN_MISSING = VILLAGE_REQUIRED - {"identification_notice", "identification_review"}
TOWN_MISSING = TOWNSHIP_REQUIRED - {"work_plan"}


@pytest.fixture
def archive(services, org_tree, tmp_path):
    """Ingest ARCHIVE; returns {file name: document id}."""
    ids = {}
    for unit, name, text, category, options in ARCHIVE:
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        result = services.pipeline.ingest(Incoming(source=path, name=name, org=org_tree[unit]))
        assert result.status == "stored", result.as_dict()
        doc_id = ids[name] = result.document.id
        with services.db.session() as session:
            year = 2019 if "2019" in name else YEAR
            if session.get(Document, doc_id).year != year:
                documents.update(session, CLI, doc_id, {"year": year})
            decide(session, services.standards, CLI, doc_id, is_poverty=not options.get("not_poverty"),
                   category_code=category)
            if options.get("pending"):  # a rule's proposal still waiting for a person
                doc = session.get(Document, doc_id)
                doc.needs_review, doc.classified_by, doc.archive_code = True, "rule", None
            if options.get("delete"):
                documents.delete(session, CLI, doc_id)
            session.commit()
    return ids


def report_for(services, org_tree, name: str, **kwargs):
    with services.db.session() as session:
        return check(session, services.standards, user=None, org=session.get(OrgUnit, org_tree[name].id),
                     year=kwargs.pop("year", YEAR), **kwargs)


def by_status(report, status: str, required: bool | None = True) -> set[str]:
    return {i.key for i in report.items if i.status == status and (required is None or i.required == required)}


def child(report, name: str):
    return next(c for c in report.children if c.name == name)


# ------------------------------------------------------------------------------------------ service

def test_village_lists_exactly_the_missing_items(services, org_tree, archive):
    report = report_for(services, org_tree, "黎元村")
    assert report.level == "village" and report.children == []
    assert LIYUAN_MISSING == {"assistance_ledger", "monitoring"}  # the test archive is what we think it is
    assert by_status(report, "missing") == LIYUAN_MISSING
    assert by_status(report, "present") == LIYUAN_SUPPLIED
    assert by_status(report, "uncertain") == LIYUAN_UNCERTAIN
    # Optional items are reported separately and never fail the check.
    assert by_status(report, "missing", required=False) == VILLAGE_OPTIONAL
    assert report.summary["missing_items"] == [k for k in (i["key"] for i in VILLAGE_ITEMS) if k in LIYUAN_MISSING]
    assert set(report.summary["missing_optional_items"]) == VILLAGE_OPTIONAL
    assert report.summary["missing"] == len(LIYUAN_MISSING) and report.complete is False
    assert [i.key for i in report.items] == [i["key"] for i in VILLAGE_ITEMS]

    items = {i.key: i for i in report.items}
    # The linked documents: the plan is the plan, not also the ledger that shares class 03.
    assert [d.id for d in items["assistance_plan"].documents] == [archive["lv-plan.txt"]]
    assert items["identification_review"].documents[0].id == archive["lv-review.txt"]
    assert [d.id for d in items["identification_notice"].documents] == [archive["lv-notice.txt"]]
    # Per household: counted for now, with a note.
    hh = items["household_files"]
    assert hh.status == "present" and hh.count == 2 and hh.per_household and "名册" in hh.note
    # Uncertain: matched only by a document still waiting for review.
    log = items["work_log"]
    assert [(d.id, d.needs_review) for d in log.documents] == [(archive["lv-log.txt"], True)]
    assert "审核" in log.note
    # Other year, trash and not-a-poverty-record documents do not count.
    listed = {d.id for i in report.items for d in i.documents}
    assert not listed & {archive["lv-2019.txt"], archive["lv-deleted.txt"], archive["lv-not.txt"]}


def test_body_keyword_only_makes_an_item_uncertain(services, org_tree, archive):
    report = report_for(services, org_tree, "东关村")
    assert by_status(report, "present") == {"identification_notice"}
    assert by_status(report, "uncertain") == {"identification_review"}
    assert by_status(report, "missing") == DONGGUAN_MISSING
    review = next(i for i in report.items if i.key == "identification_review")
    assert [(d.id, d.match) for d in review.documents] == [(archive["dg-notice.txt"], "body")]
    # Without the body check the same item is simply missing.
    plain = report_for(services, org_tree, "东关村", body=False)
    assert by_status(plain, "missing") == DONGGUAN_MISSING | {"identification_review"}


def test_complete_village_and_year_without_documents(services, org_tree, archive):
    report = report_for(services, org_tree, "西岗村")
    assert report.complete and by_status(report, "missing") == set() and by_status(report, "uncertain") == set()
    assert report.summary["self_complete"] and report.summary["present_required"] == len(VILLAGE_REQUIRED)
    empty = report_for(services, org_tree, "西岗村", year=2018)
    assert by_status(empty, "missing") == VILLAGE_REQUIRED and not empty.complete


def test_township_rolls_up_its_villages(services, org_tree, archive):
    report = report_for(services, org_tree, "莲蓬寺镇")
    assert report.level == "township"
    assert by_status(report, "present") == {"work_plan"}
    assert by_status(report, "missing") == TOWN_MISSING
    assert [c.name for c in report.children] == sorted(["黎元村", "东关村"])
    assert by_status(child(report, "黎元村"), "missing") == LIYUAN_MISSING
    assert by_status(child(report, "东关村"), "missing") == DONGGUAN_MISSING
    villages = report.summary["levels"]["village"]
    assert (villages["total"], villages["complete"], villages["incomplete"]) == (2, 0, 2)
    expected = {key: (key in LIYUAN_MISSING) + (key in DONGGUAN_MISSING) for key in VILLAGE_REQUIRED}
    assert {e["key"]: e["count"] for e in villages["missing_by_item"]} == {k: n for k, n in expected.items() if n}
    counts = [e["count"] for e in villages["missing_by_item"]]
    assert counts == sorted(counts, reverse=True)
    assert report.summary["children"] == {"total": 2, "complete": 0, "incomplete": 2}
    assert report.complete is False


def test_county_rolls_up_townships_with_one_query_for_documents(services, org_tree, archive):
    statements = []
    engine = services.db.engine

    def count(conn, cursor, statement, *args):
        if statement.lstrip().upper().startswith("SELECT"):
            statements.append(statement)

    with services.db.session() as session:
        county = session.get(OrgUnit, org_tree["文峰区"].id)
        event.listen(engine, "before_cursor_execute", count)
        try:
            report = check(session, services.standards, user=None, org=county, year=YEAR)
        finally:
            event.remove(engine, "before_cursor_execute", count)
    # Units, documents, one body-keyword query: never one per unit or item.
    assert len(statements) <= 3, "\n".join(s[:100] for s in statements)
    assert sum("documents" in s for s in statements) <= 2
    assert not any(re.search(r"documents\.text\s*(AS|,|\n|$)", s) for s in statements)  # text never loaded
    assert report.level == "county" and not report.complete
    assert sorted(c.name for c in report.children) == sorted(["莲蓬寺镇", "宝莲寺镇"])
    baolian = child(report, "宝莲寺镇")
    assert [c.name for c in baolian.children] == ["西岗村"] and baolian.children[0].complete
    assert baolian.summary["levels"]["village"]["complete"] == 1
    levels = report.summary["levels"]
    assert (levels["village"]["total"], levels["village"]["complete"]) == (3, 1)
    assert (levels["township"]["total"], levels["township"]["complete"]) == (2, 0)
    as_dict = report.as_dict()
    assert set(as_dict) >= {"org", "org_id", "level", "year", "items", "complete", "children", "summary"}
    item = child(child(report, "莲蓬寺镇"), "黎元村").as_dict()["items"][0]
    assert set(item) >= {"key", "name", "status", "required", "documents", "note"}
    assert set(item["documents"][0]) >= {"id", "title"}
    json.dumps(as_dict, ensure_ascii=False)  # serialisable as is


def test_scope_is_enforced(services, org_tree, make_user, archive):
    from archive.auth.scope import OutOfScope

    user, _ = make_user("li_clerk", "黎元村")
    with services.db.session() as session:
        user = session.merge(user)
        check(session, services.standards, user=user, org=session.get(OrgUnit, org_tree["黎元村"].id), year=YEAR)
        with pytest.raises(OutOfScope):
            check(session, services.standards, user=user, org=session.get(OrgUnit, org_tree["东关村"].id), year=YEAR)


# ------------------------------------------------------------------------------------------ command line

def test_cli_exit_codes_table_and_json(cli, archive):
    r = cli("completeness", "--org", "河南省/安阳市/文峰区/宝莲寺镇/西岗村", "--year", "2020")
    assert r.exit_code == 0, r.output
    assert "齐全" in r.output and "缺失必需项" not in r.output

    r = cli("completeness", "--org", "410502100201", "--year", "2020")  # 黎元村 by its code
    assert r.exit_code == 1, r.output
    assert "单位" in r.output and "归档项" in r.output and "状态" in r.output
    for label in ("齐全", "缺失", "待确认"):
        assert label in r.output
    row = next(line for line in r.output.splitlines() if "帮扶台账" in line)
    assert "黎元村" in row and "缺失" in row
    assert f"缺失必需项 {len(LIYUAN_MISSING)} 项" in r.output

    r = cli("completeness", "--org", "河南省/安阳市/文峰区/莲蓬寺镇", "--year", "2020", "--json")
    assert r.exit_code == 1
    data = json.loads(r.output)
    assert data["level"] == "township" and data["year"] == 2020 and data["complete"] is False
    liyuan = next(c for c in data["children"] if c["name"] == "黎元村")
    assert {i["key"] for i in liyuan["items"] if i["required"] and i["status"] == "missing"} == LIYUAN_MISSING
    assert {i["key"] for i in liyuan["items"] if i["status"] == "uncertain"} == LIYUAN_UNCERTAIN

    assert cli("completeness", "--org", "河南省/安阳市/文峰区/宝莲寺镇/西岗村", "--year", "2020",
               "--json").exit_code == 0
    assert cli("completeness", "--org", "不存在的村", "--year", "2020").exit_code == 2
    assert cli("completeness", "--org", "410502100201", "--year", "二〇二〇").exit_code == 2


# ------------------------------------------------------------------------------------------ API

def test_api_report_scope_and_year(client, make_user, archive):
    _, village = make_user("li_api", "黎元村", "viewer")
    _, town = make_user("town_api", "莲蓬寺镇", "inspector")

    r = client.get("/api/v1/completeness?year=2020", headers=bearer(village))
    assert r.status_code == 200
    body = r.get_json()
    assert body["org"].endswith("黎元村") and body["level"] == "village" and body["children"] == []
    assert {i["key"] for i in body["items"] if i["required"] and i["status"] == "missing"} == LIYUAN_MISSING
    assert {i["key"] for i in body["items"] if i["status"] == "uncertain"} == LIYUAN_UNCERTAIN

    other = client.get("/api/v1/completeness", query_string={"org": "河南省/安阳市/文峰区/莲蓬寺镇/东关村",
                                                              "year": 2020}, headers=bearer(village))
    assert other.status_code == 404
    assert client.get("/api/v1/completeness", headers=bearer(village)).status_code == 400
    bad = client.get("/api/v1/completeness?year=abc", headers=bearer(village))
    assert bad.status_code == 400 and bad.get_json()["error"]["code"] == "invalid_year"
    assert client.get("/api/v1/completeness?year=2020").status_code == 401

    r = client.get("/api/v1/completeness", query_string={"org": "410502100000", "year": 2020}, headers=bearer(town))
    assert r.status_code == 200
    data = r.get_json()
    assert data["summary"]["levels"]["village"]["incomplete"] == 2
    assert sorted(c["name"] for c in data["children"]) == sorted(["黎元村", "东关村"])


def test_openapi_documents_the_report(client):
    from openapi_spec_validator import validate

    spec = client.get("/api/v1/openapi.json").get_json()
    validate(spec)
    op = spec["paths"]["/completeness"]["get"]
    assert {"200", "400", "404"} <= set(op["responses"])
    assert any(p["name"] == "year" and p["required"] for p in op["parameters"])


# ------------------------------------------------------------------------------------------ page and export

def test_page_renders_items_children_and_pickers(client, make_user, org_tree, archive):
    make_user("town_page", "莲蓬寺镇", "viewer")
    login(client, "town_page")
    r = client.get("/completeness")  # default: own unit, the latest year with documents
    assert r.status_code == 200
    page = r.get_data(as_text=True)
    assert re.search(r'<option value="2020" selected', page)
    assert "完整性检查" in page  # the menu entry
    rows = dict(re.findall(r'<tr data-item="([^"]+)" data-status="([^"]+)"', page))
    assert {k for k, v in rows.items() if v == "missing"} == TOWN_MISSING | {"stationing"}
    assert rows["work_plan"] == "present"
    children = re.findall(r'<tr data-org="(\d+)" data-missing="(\d+)"', page)
    assert {int(o): int(n) for o, n in children} == {org_tree["黎元村"].id: len(LIYUAN_MISSING),
                                                     org_tree["东关村"].id: len(DONGGUAN_MISSING)}
    assert re.search(r'class="fill w-\d+0?"', page)
    assert "style=" not in page  # the CSP refuses inline styles
    assert 'href="/completeness.xlsx?' in page

    r = client.get(f"/completeness?org={org_tree['黎元村'].id}&year=2020")
    page = r.get_data(as_text=True)
    rows = dict(re.findall(r'<tr data-item="([^"]+)" data-status="([^"]+)"', page))
    assert {k for k, v in rows.items() if v == "missing"} - VILLAGE_OPTIONAL == LIYUAN_MISSING
    assert rows["work_log"] == "uncertain"
    for label in ("齐全", "待确认", "缺失"):
        assert label in page
    assert f'/documents/{archive["lv-plan.txt"]}"' in page
    assert 'id="children"' not in page
    # Out of scope answers like a missing unit.
    assert client.get(f"/completeness?org={org_tree['西岗村'].id}&year=2020").status_code == 404


def test_page_needs_login_and_scope(client, make_user, org_tree, archive):
    assert client.get("/completeness").status_code == 302
    make_user("dg_page", "东关村", "viewer")
    login(client, "dg_page")
    assert client.get(f"/completeness?org={org_tree['黎元村'].id}&year=2020").status_code == 404
    assert client.get(f"/completeness.xlsx?org={org_tree['黎元村'].id}&year=2020").status_code == 404
    assert client.get("/completeness?year=2020").status_code == 200


def test_xlsx_export(client, make_user, org_tree, archive):
    make_user("town_xlsx", "莲蓬寺镇", "viewer")
    login(client, "town_xlsx")
    r = client.get(f"/completeness.xlsx?org={org_tree['莲蓬寺镇'].id}&year=2020")
    assert r.status_code == 200
    assert "完整性检查-莲蓬寺镇-2020.xlsx" in unquote(r.headers["Content-Disposition"])
    wb = load_workbook(io.BytesIO(r.data), read_only=True)
    rows = list(wb["归档项"].iter_rows(values_only=True))
    header, body = rows[0], rows[1:]
    assert header[:6] == ("单位", "层级", "年度", "归档项", "必需", "状态")
    assert len(body) == len(SCOPE["levels"]["township"]) + 2 * len(VILLAGE_ITEMS)
    names = {i["key"]: i["name"] for i in VILLAGE_ITEMS}
    liyuan = {row[3]: row[5] for row in body if row[0].endswith("/黎元村")}
    assert {n for n, status in liyuan.items() if status == "缺失"} == \
        {names[k] for k in LIYUAN_MISSING | VILLAGE_OPTIONAL}
    assert {n for n, status in liyuan.items() if status == "待确认"} == {names[k] for k in LIYUAN_UNCERTAIN}
    assert {n for n, status in liyuan.items() if status == "齐全"} == {names[k] for k in LIYUAN_SUPPLIED}
    units = list(wb["单位汇总"].iter_rows(values_only=True))
    assert [u[0].rsplit("/", 1)[-1] for u in units[1:]] == ["莲蓬寺镇", "东关村", "黎元村"]
    assert all(u[-1] == "否" for u in units[1:])
