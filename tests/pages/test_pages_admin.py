"""系统管理 pages through the real log-in form: users, units, the audit log and its export."""
from __future__ import annotations

import datetime as dt
import io
import re
from html import unescape

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from archive.audit.export import HEADER
from archive.models import AuditEvent, OrgUnit, User
from tests.support.api import count
from tests.support.pages import csrf, csrf_in, post_login, raw_text

ADMIN_PAGES = ["/admin/users", "/admin/users/new", "/admin/orgs", "/admin/audit", "/admin/audit.xlsx"]


def rows_of(html: str, attr: str) -> list[str]:
    return [unescape(v) for v in re.findall(rf'<tr {attr}="([^"]*)"', html)]


def user_named(services, username) -> User | None:
    with services.db.session() as s:
        user = s.scalar(select(User).where(User.username == username))
        if user is not None:
            user.org
        return user


def events(services, **where) -> list[AuditEvent]:
    with services.db.session() as s:
        stmt = select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)
        return list(s.scalars(stmt))


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """scrypt at full cost takes ~0.2 s a hash and these tests make many; the cost is not under test.

    Hashes name their own parameters, so checking them is unchanged."""
    from werkzeug.security import generate_password_hash

    from archive.auth import service as auth

    monkeypatch.setattr(auth, "generate_password_hash",
                        lambda password, method="scrypt", salt_length=16:
                        generate_password_hash(password, method="scrypt:1024:8:1", salt_length=salt_length))


@pytest.fixture
def town_admin(client, make_user):
    """An admin at 莲蓬寺镇, logged in; also users inside and outside its subtree."""
    make_user("admin_town", "莲蓬寺镇", role="admin")
    make_user("clerk_li", "黎元村")
    make_user("clerk_dong", "东关村", role="inspector")
    make_user("clerk_xi", "西岗村")
    make_user("county", "文峰区", role="viewer")
    assert post_login(client, "admin_town").status_code == 302
    return client


def test_lists_only_users_of_the_subtree(town_admin):
    r = town_admin.get("/admin/users")
    assert r.status_code == 200
    html = raw_text(r)
    assert sorted(rows_of(html, "data-username")) == ["admin_town", "clerk_dong", "clerk_li"]
    assert "档案员" in html and "检查人员" in html and "河南省/安阳市/文峰区/莲蓬寺镇/黎元村" in html
    assert "启用" in html and "新建用户" in html


def test_create_clerk_who_can_then_log_in(town_admin, services, org_tree, app):
    form = town_admin.get("/admin/users/new")
    assert form.status_code == 200 and 'id="user-form"' in raw_text(form)
    assert "系统管理员" in raw_text(form) and "西岗村" not in raw_text(form)  # only units in scope are offered
    r = town_admin.post("/admin/users/new", data={
        "csrf_token": csrf_in(raw_text(form)), "username": "new_clerk", "display_name": "王芳", "role": "clerk",
        "org": org_tree["黎元村"].id, "password": "s3cret-pass", "password2": "s3cret-pass"})
    assert r.status_code == 302 and r.location.endswith("/admin/users")
    listing = raw_text(town_admin.get("/admin/users"))
    assert "已新建用户" in listing and "new_clerk" in rows_of(listing, "data-username")
    user = user_named(services, "new_clerk")
    assert user.role == "clerk" and user.org.name == "黎元村" and user.display_name == "王芳"
    (event,) = events(services, action="user_create")
    assert event.username == "admin_town" and event.object_id == str(user.id)

    other = app.test_client()
    assert post_login(other, "new_clerk", "s3cret-pass").status_code == 302
    assert other.get("/").status_code == 200


def test_form_errors_rerender_in_chinese(town_admin, services, org_tree):
    token = csrf(town_admin)
    base = {"csrf_token": token, "username": "x1", "role": "clerk", "org": org_tree["黎元村"].id}
    r = town_admin.post("/admin/users/new", data={**base, "password": "password123", "password2": "other12345"})
    assert r.status_code == 422 and "两次输入的密码不一致" in raw_text(r) and 'value="x1"' in raw_text(r)
    r = town_admin.post("/admin/users/new", data={**base, "password": "short", "password2": "short"})
    assert r.status_code == 422 and "密码至少 8 位" in raw_text(r)
    r = town_admin.post("/admin/users/new", data={**base, "username": "clerk_li", "password": "password123",
                                                  "password2": "password123"})
    assert r.status_code == 422 and "已存在" in raw_text(r)
    assert user_named(services, "x1") is None


def test_cannot_create_user_outside_scope(town_admin, services, org_tree):
    r = town_admin.post("/admin/users/new", data={
        "csrf_token": csrf(town_admin), "username": "intruder", "role": "clerk", "org": org_tree["西岗村"].id,
        "password": "password123", "password2": "password123"})
    assert r.status_code in (403, 404, 422)
    assert user_named(services, "intruder") is None
    assert events(services, action="user_create") == []


def test_edit_role_and_deactivate_ends_session(town_admin, services, app):
    victim = app.test_client()
    assert post_login(victim, "clerk_li").status_code == 302
    assert victim.get("/").status_code == 200

    user = user_named(services, "clerk_li")
    page = town_admin.get(f"/admin/users/{user.id}")
    assert page.status_code == 200 and 'name="username"' not in raw_text(page)
    r = town_admin.post(f"/admin/users/{user.id}", data={
        "csrf_token": csrf_in(raw_text(page)), "display_name": "李明", "role": "inspector", "org": user.org_id,
        "password": "", "password2": ""})  # the active box unticked
    assert r.status_code == 302
    changed = user_named(services, "clerk_li")
    assert changed.role == "inspector" and not changed.active and changed.display_name == "李明"
    (event,) = events(services, action="user_edit")
    assert event.changes["before"]["role"] == "clerk" and event.changes["after"]["active"] is False

    # The user's open session stops working on the next request, and they cannot log in again.
    assert victim.get("/").status_code == 302
    refused = post_login(victim, "clerk_li")
    assert refused.status_code == 401 and "用户名或密码错误" in raw_text(refused)

    listing = raw_text(town_admin.get("/admin/users"))
    assert "停用" in listing
    log = raw_text(town_admin.get("/admin/audit?action=user_edit"))
    assert "角色</span>: <span class=\"before\">档案员</span> → <span class=\"after\">检查人员</span>" in log
    assert "状态</span>: <span class=\"before\">启用</span> → <span class=\"after\">停用</span>" in log
    # The edit page lists what the user did (here: logging in).
    edit_page = raw_text(town_admin.get(f"/admin/users/{user.id}"))
    assert 'id="user-audit"' in edit_page and _audit_rows(edit_page) == ["login_failed", "login"]


def test_reset_password(town_admin, services, app):
    user = user_named(services, "clerk_li")
    r = town_admin.post(f"/admin/users/{user.id}", data={
        "csrf_token": csrf(town_admin), "role": "clerk", "org": user.org_id, "active": "1",
        "password": "brand-new-pw", "password2": "brand-new-pw"})
    assert r.status_code == 302
    other = app.test_client()
    assert post_login(other, "clerk_li", "password123").status_code == 401
    assert post_login(other, "clerk_li", "brand-new-pw").status_code == 302
    (event,) = events(services, action="user_edit")
    assert event.changes == {"before": {"password": "***"}, "after": {"password": "（已重置）"}}

    # An admin changing their own password stays signed in (their session is renewed).
    me = user_named(services, "admin_town")
    r = town_admin.post(f"/admin/users/{me.id}", data={
        "csrf_token": csrf(town_admin), "role": "admin", "org": me.org_id, "active": "1",
        "password": "my-own-new-pw", "password2": "my-own-new-pw"})
    assert r.status_code == 302 and town_admin.get("/admin/users").status_code == 200
    assert post_login(app.test_client(), "admin_town", "my-own-new-pw").status_code == 302


def test_admin_cannot_deactivate_or_demote_themself(town_admin, services):
    me = user_named(services, "admin_town")
    r = town_admin.post(f"/admin/users/{me.id}", data={
        "csrf_token": csrf(town_admin), "role": "admin", "org": me.org_id, "password": "", "password2": ""})
    assert r.status_code == 422 and "不能停用自己" in raw_text(r)
    r = town_admin.post(f"/admin/users/{me.id}", data={
        "csrf_token": csrf(town_admin), "role": "clerk", "org": me.org_id, "active": "1"})
    assert r.status_code == 422
    me = user_named(services, "admin_town")
    assert me.active and me.role == "admin"
    assert town_admin.get("/admin/users").status_code == 200


def test_edit_user_outside_scope_is_not_found(town_admin, services):
    outsider = user_named(services, "clerk_xi")
    assert town_admin.get(f"/admin/users/{outsider.id}").status_code == 404
    r = town_admin.post(f"/admin/users/{outsider.id}", data={
        "csrf_token": csrf(town_admin), "role": "admin", "org": outsider.org_id, "active": "1"})
    assert r.status_code == 404
    assert user_named(services, "clerk_xi").role == "clerk"


@pytest.mark.parametrize("role", ["clerk", "inspector", "viewer"])
def test_other_roles_get_403_everywhere(client, make_user, services, org_tree, role):
    target, _ = make_user("someone", "黎元村")
    make_user("plain", "莲蓬寺镇", role=role)
    assert post_login(client, "plain").status_code == 302
    for url in ADMIN_PAGES + [f"/admin/users/{target.id}"]:
        assert client.get(url).status_code == 403, url
    token = csrf(client)
    posts = {
        "/admin/users/new": {"username": "sneaky", "role": "admin", "org": org_tree["黎元村"].id,
                             "password": "password123", "password2": "password123"},
        f"/admin/users/{target.id}": {"role": "admin", "org": target.org_id, "active": "1"},
        "/admin/orgs/new": {"parent": org_tree["莲蓬寺镇"].id, "name": "新村"},
        "/admin/orgs/import": {"csv_file": (io.BytesIO("路径\n河南省/安阳市/文峰区/莲蓬寺镇/新村\n".encode()), "u.csv")},
    }
    for url, data in posts.items():
        r = client.post(url, data={"csrf_token": token, **data}, content_type="multipart/form-data")
        assert r.status_code == 403, url
    assert user_named(services, "sneaky") is None and user_named(services, "someone").role == "clerk"
    assert count(services, OrgUnit, OrgUnit.name == "新村") == 0
    assert count(services, AuditEvent, AuditEvent.action == "audit_export") == 0
    # Nor is the menu offered.
    assert "用户管理" not in raw_text(client.get("/"))


def test_org_tree_add_child_and_duplicate(town_admin, services, org_tree):
    page = town_admin.get("/admin/orgs")
    html = raw_text(page)
    assert page.status_code == 200
    assert rows_of(html, "data-org") == ["河南省/安阳市/文峰区/莲蓬寺镇", "河南省/安阳市/文峰区/莲蓬寺镇/东关村",
                                         "河南省/安阳市/文峰区/莲蓬寺镇/黎元村"]
    assert "410502100201" in html and "宝莲寺镇" not in html
    assert 'class="name indent-1"' in html
    village_row = re.search(r'<tr data-org="[^"]*黎元村">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="num">1</td>' in village_row  # clerk_li

    data = {"csrf_token": csrf_in(raw_text(page)), "parent": org_tree["莲蓬寺镇"].id, "name": "南街村",
            "code": "410502100203"}
    r = town_admin.post("/admin/orgs/new", data=data)
    assert r.status_code == 302
    assert "河南省/安阳市/文峰区/莲蓬寺镇/南街村" in rows_of(raw_text(town_admin.get("/admin/orgs")), "data-org")
    assert events(services, action="org_create")[0].summary.endswith("南街村")

    again = town_admin.post("/admin/orgs/new", data={**data, "code": ""})
    assert again.status_code == 422 and "已有“南街村”" in raw_text(again)
    conflict = town_admin.post("/admin/orgs/new", data={**data, "name": "北街村"})
    assert conflict.status_code == 422 and "已属于" in raw_text(conflict)
    assert count(services, OrgUnit, OrgUnit.name == "北街村") == 0
    outside = town_admin.post("/admin/orgs/new", data={**data, "parent": org_tree["宝莲寺镇"].id, "name": "外村",
                                                       "code": ""})
    assert outside.status_code in (403, 404, 422)
    assert count(services, OrgUnit, OrgUnit.name == "外村") == 0


def test_csv_import_success_and_failure(town_admin, services):
    token = csrf(town_admin)
    good = "路径,区划代码\n河南省/安阳市/文峰区/莲蓬寺镇/前进村,410502100204\n河南省/安阳市/文峰区/莲蓬寺镇/红旗村,\n"
    r = town_admin.post("/admin/orgs/import", data={"csrf_token": token,
                                                    "csv_file": (io.BytesIO(good.encode("gb18030")), "units.csv")},
                        content_type="multipart/form-data")
    assert r.status_code == 302
    assert "导入完成" in raw_text(town_admin.get("/admin/orgs"))
    assert count(services, OrgUnit, OrgUnit.name.in_(["前进村", "红旗村"])) == 2
    assert len(events(services, action="org_import")) == 1

    before = count(services, OrgUnit)
    bad = ("路径,区划代码\n河南省/安阳市/文峰区/莲蓬寺镇/幸福村,410502100205\n"
           "河南省/安阳市/文峰区/宝莲寺镇/外村,\n河南省/安阳市/文峰区/莲蓬寺镇/错码村,41050X\n")
    r = town_admin.post("/admin/orgs/import", data={"csrf_token": token,
                                                    "csv_file": (io.BytesIO(bad.encode()), "bad.csv")},
                        content_type="multipart/form-data")
    html = raw_text(r)
    assert r.status_code == 422 and "未导入任何单位" in html
    assert "第 3 行" in html and "不在管辖范围" in html and "第 4 行" in html and "区划代码“41050X”无效" in html
    assert count(services, OrgUnit) == before and count(services, OrgUnit, OrgUnit.name == "幸福村") == 0
    assert len(events(services, action="org_import")) == 1

    no_file = town_admin.post("/admin/orgs/import", data={"csrf_token": token}, content_type="multipart/form-data")
    assert no_file.status_code == 422 and "请选择要导入的 CSV 文件" in raw_text(no_file)
    no_header = town_admin.post("/admin/orgs/import", data={
        "csrf_token": token, "csv_file": (io.BytesIO("名称\n某村\n".encode()), "x.csv")},
        content_type="multipart/form-data")
    assert no_header.status_code == 422 and "缺少“路径”" in raw_text(no_header)
    # A late error (a code already taken, found while writing) must not leave the earlier rows behind.
    late = "路径,区划代码\n河南省/安阳市/文峰区/莲蓬寺镇/新华村,\n河南省/安阳市/文峰区/莲蓬寺镇/光明村,410502100201\n"
    r = town_admin.post("/admin/orgs/import", data={"csrf_token": token,
                                                    "csv_file": (io.BytesIO(late.encode()), "late.csv")},
                        content_type="multipart/form-data")
    assert r.status_code == 422 and "已属于" in raw_text(r)
    assert count(services, OrgUnit, OrgUnit.name.in_(["新华村", "光明村"])) == 0


def _audit_rows(html: str) -> list[str]:
    return re.findall(r'<tr data-action="([^"]+)"', html)


def _age_events(services, days: int, action: str) -> None:
    with services.db.session() as s:
        for e in s.scalars(select(AuditEvent).where(AuditEvent.action == action)):
            e.at = e.at - dt.timedelta(days=days)


def test_audit_page_filters_and_pages(town_admin, services, app):
    other = app.test_client()
    post_login(other, "clerk_li", "wrong-password")
    post_login(other, "clerk_li")
    post_login(app.test_client(), "clerk_xi")  # outside the town: not in this admin's log
    page = town_admin.get("/admin/audit")
    html = raw_text(page)
    assert page.status_code == 200 and 'id="audit-filter"' in html and 'id="audit"' in html
    assert 'type="date"' in html and "登录失败" in html
    assert "clerk_xi" not in html

    only_failed = raw_text(town_admin.get("/admin/audit?action=login_failed"))
    assert _audit_rows(only_failed) == ["login_failed"] and "密码错误" in only_failed
    assert "action=login_failed" in re.search(r'id="audit-export" href="([^"]+)"', only_failed).group(1)

    _age_events(services, 40, "login_failed")
    old_day = (dt.datetime.now(dt.timezone(dt.timedelta(hours=8))) - dt.timedelta(days=40)).date()
    dated = raw_text(town_admin.get(f"/admin/audit?date_from={old_day}&date_to={old_day}"))
    assert _audit_rows(dated) == ["login_failed"]
    recent = raw_text(town_admin.get(f"/admin/audit?date_from={old_day + dt.timedelta(days=1)}"))
    assert "login_failed" not in _audit_rows(recent) and "login" in _audit_rows(recent)
    by_user = raw_text(town_admin.get("/admin/audit?username=clerk_li&action=login"))
    assert _audit_rows(by_user) == ["login"]

    # A bad date is ignored with a message, never an error page.
    bad = town_admin.get("/admin/audit?date_from=2024-13-45&date_to=tomorrow&page=abc&action=nonsense")
    assert bad.status_code == 200 and "无效，已忽略" in raw_text(bad) and len(_audit_rows(raw_text(bad))) >= 3

    with services.db.session() as s:
        town = s.scalar(select(OrgUnit).where(OrgUnit.name == "莲蓬寺镇"))
        s.add_all(AuditEvent(action="view", username="bulk", object_type="document", object_id=str(i),
                             org_id=town.id, summary=f"文件{i}") for i in range(120))
    first = raw_text(town_admin.get("/admin/audit?username=bulk"))
    assert len(_audit_rows(first)) == 50 and 'class="pager"' in first and "page=3" in first
    last = raw_text(town_admin.get("/admin/audit?username=bulk&page=3"))
    assert len(_audit_rows(last)) == 20


def test_audit_export_xlsx(town_admin, services):
    town_admin.post("/logout", data={"csrf_token": csrf(town_admin)})
    post_login(town_admin, "admin_town", "not-the-password")
    post_login(town_admin, "admin_town")
    r = town_admin.get("/admin/audit.xlsx?action=login_failed&date_from=bad")
    assert r.status_code == 200
    assert r.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    today = dt.datetime.now(dt.timezone(dt.timedelta(hours=8))).strftime("%Y%m%d")
    assert "filename*=UTF-8''%E5%AE%A1%E8%AE%A1%E6%97%A5%E5%BF%97-" + today + ".xlsx" in r.headers["Content-Disposition"]
    sheet = load_workbook(io.BytesIO(r.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(rows[0]) == HEADER
    assert len(rows) == 2 and rows[1][2] == "admin_town" and rows[1][3] == "登录失败"
    assert rows[1][1].endswith("北京时间")

    (export,) = events(services, action="audit_export")
    assert export.username == "admin_town" and "导出 1 条" in export.summary and "登录失败" in export.summary
    assert "导出审计日志" in raw_text(town_admin.get("/admin/audit?action=audit_export"))


def test_login_lockout(client, make_user, services):
    make_user("locky", "黎元村")
    for _ in range(5):
        r = post_login(client, "locky", "wrong-password")
        assert r.status_code == 401 and "用户名或密码错误" in raw_text(r)
    r = post_login(client, "locky")
    assert r.status_code == 401 and "密码错误次数过多，账户已锁定" in raw_text(r)
    assert client.get("/").status_code == 302  # not logged in
    failed = events(services, action="login_failed", username="locky")
    assert len(failed) == 6 and "账户锁定 15 分钟" in failed[4].summary and failed[5].summary == "账户已锁定"
    assert events(services, action="login", username="locky") == []


def test_locked_user_shows_badge_and_reset_unlocks(client, make_user, services, app):
    make_user("admin_town", "莲蓬寺镇", role="admin")
    make_user("locky", "黎元村")
    other = app.test_client()
    for _ in range(5):
        post_login(other, "locky", "wrong-password")
    post_login(client, "admin_town")
    row = re.search(r'<tr data-username="locky">(.*?)</tr>', raw_text(client.get("/admin/users")), re.S).group(1)
    assert "锁定" in row
    locky = user_named(services, "locky")
    client.post(f"/admin/users/{locky.id}", data={"csrf_token": csrf(client), "role": "clerk",
                                                  "org": locky.org_id, "active": "1",
                                                  "password": "unlocked-pw", "password2": "unlocked-pw"})
    assert post_login(other, "locky", "unlocked-pw").status_code == 302


def test_post_without_csrf_token_is_refused(town_admin, services, org_tree):
    r = town_admin.post("/admin/users/new", data={
        "username": "no_csrf", "role": "clerk", "org": org_tree["黎元村"].id,
        "password": "password123", "password2": "password123"})
    assert r.status_code == 400
    r = town_admin.post("/admin/orgs/new", data={"parent": org_tree["莲蓬寺镇"].id, "name": "无令牌村",
                                                 "csrf_token": "forged"})
    assert r.status_code == 400
    assert user_named(services, "no_csrf") is None
    assert count(services, OrgUnit, OrgUnit.name == "无令牌村") == 0


def test_pages_have_no_inline_script_or_style(town_admin, services):
    user = user_named(services, "clerk_li")
    for url in ["/admin/users", "/admin/users/new", f"/admin/users/{user.id}", "/admin/orgs", "/admin/audit"]:
        html = raw_text(town_admin.get(url))
        assert "style=" not in html and "<script>" not in html and not re.search(r"\son[a-z]+=", html), url
        assert "admin.css" in html


def test_user_content_is_escaped(town_admin, services, org_tree):
    r = town_admin.post("/admin/users/new", data={
        "csrf_token": csrf(town_admin), "username": "<b>x</b>", "display_name": "<script>alert(1)</script>",
        "role": "clerk", "org": org_tree["黎元村"].id, "password": "password123", "password2": "password123"})
    assert r.status_code == 302
    for url in ["/admin/users", "/admin/audit"]:
        html = raw_text(town_admin.get(url))
        assert "<script>alert(1)</script>" not in html and "<b>x</b>" not in html
        assert "&lt;b&gt;x&lt;/b&gt;" in html
