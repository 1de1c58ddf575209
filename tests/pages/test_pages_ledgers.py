"""台账 and 一户一档 pages with the Flask client on a real database: the import with its preview (the
column mapping, the problems, a masked sample; nothing saved until 确认导入), the ledger's report with
its filter and the highlighted XLSX, the household list and page (masked numbers without the right;
显示完整号码 unmasked and audited with it; the file check; link / unlink by hand), the admin granting
the right in the user form; roles (an inspector reads, cannot import) and scope (another village 404).

The ledger is the messy one of tests/test_ledgers.py (title rows, two-row merged header, every ID defect).
"""
from __future__ import annotations

import functools
import io
import re

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from archive.models import AuditEvent, Document, Household, HouseholdDocument, Ledger, LedgerRow, User
from tests.support.api import count
from tests.support.ledgers import (LIYUAN, ZHANG, ZHANG_WEI, household_ledger_2023, ingest_dated,
                                   no_full_numbers)
from tests.support.pages import csrf, csrf_in, logged_in_client, post_file, preview_token, text_of

MASKED_ZHANG = ZHANG[:6] + "********" + ZHANG[-4:]


# ------------------------------------------------------------------------------------------ helpers


def org_id(org_tree, name="黎元村") -> str:
    return str(org_tree[name].id)


def preview(client, org_tree, data=None, name="黎元村2023年台账.xlsx", **form):
    fields = {"csrf_token": csrf(client), "org": org_id(org_tree), "type": "", "year": "2023"} | form
    return post_file(client, "/ledgers/import", fields, data or household_ledger_2023(), name)


@pytest.fixture
def users(make_user):
    for name, org, role in [("liyuan", "黎元村", "clerk"), ("dongguan", "东关村", "clerk"),
                            ("town_clerk", "莲蓬寺镇", "clerk"), ("qu_admin", "文峰区", "admin"),
                            ("inspector", "文峰区", "inspector")]:
        make_user(name, org, role)


@pytest.fixture
def as_user(app, users):
    """as_user(name) -> a logged-in test client of its own (its own cookies)."""
    return functools.partial(logged_in_client, app)


@pytest.fixture
def imported(as_user, services, org_tree) -> int:
    """The 2023 ledger imported through the pages by the village clerk. Returns the ledger's id."""
    client = as_user("liyuan")
    r = preview(client, org_tree)
    assert r.status_code == 200, text_of(r)[:3000]
    token = preview_token(r)
    r = client.post("/ledgers/import/confirm", data={"csrf_token": csrf(client), "token": token,
                                                      "org": org_id(org_tree), "type": "household", "year": "2023"})
    assert r.status_code == 302, text_of(r)[:3000]
    with services.db.session() as session:
        ledger_id = session.scalar(select(Ledger.id))
    assert r.headers["Location"].endswith(f"/ledgers/{ledger_id}")
    assert "已导入台账《黎元村2023年台账.xlsx》：9 行" in text_of(client.get(r.headers["Location"]))
    return ledger_id


def zhang(services) -> int:
    with services.db.session() as session:
        return session.scalar(select(Household.id).where(Household.head_id_number == ZHANG))


# ------------------------------------------------------------------------------------------ import

def test_import_preview_shows_mapping_and_problems_and_saves_nothing(as_user, services, org_tree):
    clerk = as_user("liyuan")
    page = text_of(clerk.get("/ledgers"))
    assert "<h1>台账</h1>" in page and 'id="import-ledger"' in page and "暂无台账" in page
    assert re.search(r'<a href="/ledgers" class="active">台账</a>', page), "side menu entry"
    form = text_of(clerk.get("/ledgers/import"))
    assert 'type="file" name="file"' in form and ">自动识别</option>" in form and ">项目资金台账</option>" in form

    r = preview(clerk, org_tree, type="")
    assert r.status_code == 200, text_of(r)[:2000]
    page = text_of(r)
    assert count(services, Ledger) == 0 and count(services, Document) == 0 and count(services, Household) == 0
    assert count(services, LedgerRow) == 0
    assert "尚未保存任何内容" in page and 'id="confirm-import"' in page
    # How each column was understood: 表头 → 字段.
    column_map = re.search(r'id="column-map">(.*?)</table>', page, re.S).group(1)
    row_f = re.search(r'<tr data-letter="F"[^>]*>(.*?)</tr>', column_map, re.S).group(1)
    assert "家庭成员情况/证件号码" in row_f and "id_number" in row_f
    row_c = re.search(r'<tr data-letter="C"[^>]*>(.*?)</tr>', column_map, re.S).group(1)
    assert "户主基本情况/姓名" in row_c and "head_name" in row_c
    # The problems, with the spreadsheet's rows, codes and severities (errors red, warnings yellow).
    problems = re.search(r'id="preview-problems">(.*?)</table>', page, re.S).group(1)
    assert re.search(r'<tr class="sev-error" data-row="11" data-code="id_checksum">', problems)
    assert re.search(r'<tr class="sev-error" data-row="8" data-code="id_as_number">', problems)
    assert re.search(r'<tr class="sev-warning" data-row="10" data-code="id_fullwidth">', problems)
    assert 'data-row="5"' not in problems and 'data-row="7"' not in problems  # clean rows
    # The sample rows: masked.
    sample = re.search(r'id="sample-rows">(.*?)</table>', page, re.S).group(1)
    assert MASKED_ZHANG in sample and "138****5678" in sample
    no_full_numbers(page)


def test_confirm_saves_and_ledger_page_shows_report_and_download(as_user, services, org_tree, imported):
    clerk = as_user("liyuan")
    assert count(services, Ledger) == 1 and count(services, Household) == 2
    page = text_of(clerk.get(f"/ledgers/{imported}"))
    report = re.search(r'id="report-problems">(.*?)</table>', page, re.S).group(1)
    assert 'data-code="id_checksum"' in report and 'data-code="id_fullwidth"' in report
    assert "下载标注版 XLSX" in page and "张建国" in page and "刘芳" in page  # the households made
    no_full_numbers(page)
    errors = text_of(clerk.get(f"/ledgers/{imported}?severity=error"))
    only = re.search(r'id="report-problems">(.*?)</table>', errors, re.S).group(1)
    assert "sev-error" in only and "sev-warning" not in only
    warnings = re.search(r'id="report-problems">(.*?)</table>',
                         text_of(clerk.get(f"/ledgers/{imported}?severity=warning")), re.S).group(1)
    assert "sev-warning" in warnings and "sev-error" not in warnings
    listing = text_of(clerk.get("/ledgers"))
    assert f'href="/ledgers/{imported}"' in listing

    r = clerk.get(f"/ledgers/{imported}/highlighted.xlsx")
    assert r.status_code == 200 and r.mimetype.endswith("spreadsheetml.sheet")
    wb = load_workbook(io.BytesIO(r.data))
    comments = [c.comment.text for row in wb.active.iter_rows() for c in row if c.comment]
    assert comments
    no_full_numbers("\n".join([str(c.value) for row in wb.active.iter_rows() for c in row if c.value] + comments))
    # The same file again: refused, said on the page, nothing more saved.
    r = preview(clerk, org_tree)
    token = preview_token(r)
    r = clerk.post("/ledgers/import/confirm", data={"csrf_token": csrf(clerk), "token": token,
                                                    "org": org_id(org_tree), "type": "household", "year": "2023"})
    assert r.status_code == 422 and "已导入过" in text_of(r) and count(services, Ledger) == 1


def test_confirm_token_is_claimed_once(as_user, services, org_tree):
    clerk = as_user("liyuan")
    token = preview_token(preview(clerk, org_tree))
    form = {"csrf_token": csrf(clerk), "token": token, "org": org_id(org_tree), "type": "household", "year": "2023"}
    assert clerk.post("/ledgers/import/confirm", data=form).status_code == 302
    assert clerk.post("/ledgers/import/confirm", data=form).status_code == 410
    # Someone else's token is unknown to them.
    other = as_user("town_clerk")
    token = preview_token(preview(clerk, org_tree, data=household_ledger_2023() + b""))
    r = other.post("/ledgers/import/confirm", data=form | {"csrf_token": csrf(other), "token": token})
    assert r.status_code == 410 and count(services, Ledger) == 1


# ------------------------------------------------------------------------------------------ households

def test_household_pages_masked_without_the_right(as_user, services, imported):
    clerk = as_user("town_clerk")
    listing = clerk.get("/households")
    assert listing.status_code == 200
    page = text_of(listing)
    assert "张建国" in page and MASKED_ZHANG in page
    no_full_numbers(page)
    assert "张建国" in text_of(clerk.get("/households?q=李秀兰"))
    assert "张建国" not in text_of(clerk.get("/households?category=监测户"))
    hid = zhang(services)
    page = text_of(clerk.get(f"/households/{hid}"))
    assert MASKED_ZHANG in page and "身份证号码、电话号码已脱敏" in page and 'id="unmask"' not in page
    assert ZHANG_WEI[:6] + "********" + ZHANG_WEI[-4:] in page and "138****5678" in page
    no_full_numbers(page)
    assert clerk.get(f"/households/{hid}?unmask=1").status_code == 403
    assert clerk.get(f"/ledgers/{imported}?unmask=1").status_code == 403
    with services.db.session() as session:
        assert not session.scalars(select(AuditEvent).where(AuditEvent.action == "personal_view")).all()


def test_household_unmasked_with_the_right_and_audited(as_user, services, imported):
    with services.db.session() as session:
        session.scalar(select(User).where(User.username == "town_clerk")).can_view_personal = True
    clerk = as_user("town_clerk")
    hid = zhang(services)
    page = text_of(clerk.get(f"/households/{hid}"))
    assert 'id="unmask"' in page and "显示完整号码" in page
    no_full_numbers(page)  # the right alone shows nothing more
    r = clerk.get(f"/households/{hid}?unmask=1")
    assert r.status_code == 200
    page = text_of(r)
    assert ZHANG in page and ZHANG_WEI in page and 'id="unmasked-note"' in page
    r = clerk.get(f"/ledgers/{imported}?unmask=1")
    assert r.status_code == 200 and ZHANG in text_of(r) and 'id="unmasked-note"' in text_of(r)
    with services.db.session() as session:
        events = session.scalars(select(AuditEvent).where(AuditEvent.action == "personal_view")
                                 .order_by(AuditEvent.id)).all()
        assert [(e.username, e.object_type) for e in events] == [("town_clerk", "household"), ("town_clerk", "ledger")]


def test_household_file_check_and_manual_links(as_user, services, imported):
    application = ingest_dated(services, LIYUAN, "申请书.txt",
                          f"张建国户申请书\n本人张建国，身份证号码 {ZHANG}，申请纳入监测。\n", "2023-03-05")
    ingest_dated(services, LIYUAN, "评议.txt", "黎元村民主评议记录\n黎元村村民代表对张建国户进行评议，同意纳入。\n", "2023-03-10")
    publicity = ingest_dated(services, LIYUAN, "公示.txt", f"黎元村监测对象识别公示\n张伟 {ZHANG_WEI}\n", "2023-03-08")
    unrelated = ingest_dated(services, LIYUAN, "其他.txt", "黎元村道路硬化项目验收\n与任何户无关。\n", "2023-05-01")
    clerk = as_user("liyuan")
    hid = zhang(services)
    page = text_of(clerk.get(f"/households/{hid}"))
    docs = re.search(r'id="household-documents">(.*?)</section>', page, re.S).group(1)
    assert f'data-document="{application}"' in docs and "正文含身份证号码" in docs and "正文含户主姓名和村名" in docs
    assert f'data-document="{unrelated}"' not in docs
    check = re.search(r'id="file-items">(.*?)</table>', page, re.S).group(1)
    assert re.search(r'<tr data-item="application" class="present', check)
    assert re.search(r'<tr data-item="handbook" class="missing', check)
    assert re.search(r'data-item="publicity" class="present date-problem"', check)
    order = re.search(r'id="date-order-problems">(.*?)</ul>', page, re.S).group(1)
    assert "晚于公示公告" in order
    no_full_numbers(page)

    # Unlink the 公示 (date order fixed), link the unrelated one by hand.
    r = clerk.post(f"/households/{hid}/documents/{publicity}/unlink", data={"csrf_token": csrf(clerk)})
    assert r.status_code == 302
    r = clerk.post(f"/households/{hid}/documents", data={"csrf_token": csrf(clerk), "document_id": str(unrelated)})
    assert r.status_code == 302
    page = text_of(clerk.get(f"/households/{hid}"))
    docs = re.search(r'id="household-documents">(.*?)</section>', page, re.S).group(1)
    assert f'data-document="{publicity}"' not in docs and f'data-document="{unrelated}"' in docs and "人工关联" in docs
    assert 'id="date-order-problems"' not in page
    r = clerk.post(f"/households/{hid}/documents", data={"csrf_token": csrf(clerk), "document_id": str(unrelated)},
                   follow_redirects=True)
    assert "已在该户档案中" in text_of(r)
    r = clerk.post(f"/households/{hid}/documents", data={"csrf_token": csrf(clerk), "document_id": "99999"},
                   follow_redirects=True)
    assert "不存在" in text_of(r)
    with services.db.session() as session:
        assert session.scalar(select(func.count()).select_from(HouseholdDocument)
                              .where(HouseholdDocument.how == "excluded")) == 1
        actions = {e.action for e in session.scalars(select(AuditEvent).where(AuditEvent.object_type == "household"))}
        assert {"view", "household_link", "household_unlink"} <= actions


# ------------------------------------------------------------------------------------------ roles and scope

def test_inspector_reads_and_cannot_import_or_link(as_user, services, org_tree, imported):
    inspector = as_user("inspector")
    page = text_of(inspector.get("/ledgers"))
    assert 'id="import-ledger"' not in page and "黎元村2023年台账.xlsx" in page
    assert inspector.get("/ledgers/import").status_code == 403
    r = inspector.post("/ledgers/import", data={"csrf_token": csrf(inspector), "org": org_id(org_tree),
                                                "file": (io.BytesIO(household_ledger_2023()), "x.xlsx")},
                       content_type="multipart/form-data")
    assert r.status_code == 403
    assert inspector.post("/ledgers/import/confirm", data={"csrf_token": csrf(inspector), "token": "0" * 32}).status_code == 403
    hid = zhang(services)
    page = text_of(inspector.get(f"/households/{hid}"))
    assert 'id="link-form"' not in page and "移除" not in page
    assert inspector.post(f"/households/{hid}/documents", data={"csrf_token": csrf(inspector),
                                                                "document_id": "1"}).status_code == 403
    assert inspector.get(f"/ledgers/{imported}").status_code == 200


def test_other_village_gets_404(as_user, services, org_tree, imported):
    other = as_user("dongguan")
    hid = zhang(services)
    for url in (f"/ledgers/{imported}", f"/ledgers/{imported}/highlighted.xlsx", f"/households/{hid}",
                f"/households?org={org_tree['黎元村'].id}", f"/ledgers?org={org_tree['黎元村'].id}"):
        assert other.get(url).status_code == 404, url
    assert other.post(f"/households/{hid}/documents/1/unlink", data={"csrf_token": csrf(other)}).status_code == 404
    assert "张建国" not in text_of(other.get("/households"))
    # Importing for another village is refused too.
    r = preview(other, org_tree)
    assert r.status_code == 404 and count(services, Ledger) == 1


# ------------------------------------------------------------------------------------------ admin

def test_admin_grants_the_right_in_the_user_form(as_user, services):
    admin = as_user("qu_admin")
    with services.db.session() as session:
        target = session.scalar(select(User).where(User.username == "town_clerk"))
        user_id, org = target.id, target.org_id
    page = text_of(admin.get(f"/admin/users/{user_id}"))
    assert 'name="can_view_personal"' in page and "可查看完整的身份证号码和电话号码" in page
    form = {"csrf_token": csrf_in(page), "display_name": "", "role": "clerk",
            "org": str(org), "active": "1", "can_view_personal": "1", "password": "", "password2": ""}
    r = admin.post(f"/admin/users/{user_id}", data=form)
    assert r.status_code == 302, text_of(r)[:2000]
    with services.db.session() as session:
        assert session.get(User, user_id).can_view_personal
        edit = session.scalars(select(AuditEvent).where(AuditEvent.action == "user_edit")).all()[-1]
        assert edit.changes["after"] == {"can_view_personal": True}
    page = text_of(admin.get(f"/admin/users/{user_id}"))
    assert re.search(r'name="can_view_personal" id="can_view_personal" value="1" checked', page)
    # And takes it away again.
    r = admin.post(f"/admin/users/{user_id}", data={k: v for k, v in form.items() if k != "can_view_personal"})
    assert r.status_code == 302
    with services.db.session() as session:
        assert not session.get(User, user_id).can_view_personal
