"""The audit log at service level: what is recorded, who sees it, that it stays, and its export."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from archive.audit import service as audit
from archive.audit.export import HEADER, write_xlsx
from archive.auth import service as auth
from archive.auth.actor import Actor
from archive.auth.policy import Forbidden
from archive.documents import service as documents
from archive.ingest.pipeline import Incoming
from archive.models import AuditEvent, Document, User
from archive.models.base import utcnow

IP = "10.1.2.3"


def _actor(session, username: str, ip: str = IP) -> Actor:
    user = session.scalar(select(User).where(User.username == username))
    return Actor(user, ip, "pytest-browser/1.0")


def _events(services, **where) -> list[AuditEvent]:
    with services.db.session() as s:
        return list(s.scalars(select(AuditEvent).filter_by(**where).order_by(AuditEvent.id)))


def _audit_count(services) -> int:
    with services.db.session() as s:
        return s.scalar(select(func.count(AuditEvent.id)))


@pytest.fixture(autouse=True)
def cheap_password_hashes(monkeypatch):
    """Full-cost scrypt is ~0.2 s a hash; the cost is not under test (hashes carry their parameters)."""
    from werkzeug.security import generate_password_hash

    monkeypatch.setattr(auth, "generate_password_hash",
                        lambda password, method="scrypt", salt_length=16:
                        generate_password_hash(password, method="scrypt:1024:8:1", salt_length=salt_length))


@pytest.fixture
def uploaded(services, org_tree, make_user, files_dir):
    """A clerk of 黎元村 uploads a text file through the pipeline. Returns the document id."""
    make_user("clerk_li", "黎元村")
    path = files_dir / "台账.txt"
    path.write_text("黎元村2021年防返贫动态监测台账", encoding="utf-8")
    with services.db.session() as s:
        actor = _actor(s, "clerk_li")
    result = services.pipeline.ingest(Incoming(source=path, name="台账.txt", org=org_tree["黎元村"]), actor)
    assert result.status == "stored"
    return result.document.id


def test_every_action_is_recorded_with_who_when_where(services, uploaded, make_user):
    make_user("admin_town", "莲蓬寺镇", role="admin")
    started = utcnow() - dt.timedelta(seconds=5)
    with services.db.session() as s:
        clerk = _actor(s, "clerk_li")
        documents.view(s, clerk, uploaded)
        documents.download(s, clerk, uploaded)
        documents.update(s, clerk, uploaded, {"title": "新题名", "doc_number": "李村发〔2021〕3号"})
        documents.delete(s, clerk, uploaded)
    with services.db.session() as s:
        documents.restore(s, _actor(s, "admin_town"), uploaded)
    with services.db.session() as s:
        auth.login(s, Actor(None, "10.9.9.9", "ua"), "clerk_li", "password123")
    with services.db.session() as s, pytest.raises(auth.AuthError):
        auth.login(s, Actor(None, "10.9.9.8", "ua"), "clerk_li", "wrong-password")

    rows = _events(services)
    assert [e.action for e in rows] == ["upload", "view", "download", "edit", "delete", "restore", "login",
                                        "login_failed"]
    for e in rows:
        assert e.at >= started and e.at <= utcnow()
        assert e.user_id is not None and e.username in ("clerk_li", "admin_town")
        assert e.ip is not None
    doc_events = rows[:6]
    assert all(e.object_type == "document" and e.object_id == str(uploaded) for e in doc_events)
    assert all(e.ip == IP and e.user_agent == "pytest-browser/1.0" for e in doc_events)
    assert rows[5].username == "admin_town" and rows[0].username == "clerk_li"
    assert "台账.txt" in rows[0].summary
    edit = rows[3]
    assert edit.changes["after"] == {"title": "新题名", "doc_number": "李村发〔2021〕3号"}
    assert edit.changes["before"]["title"] not in (None, "新题名") and "doc_number" in edit.changes["before"]
    assert rows[6].ip == "10.9.9.9" and rows[7].ip == "10.9.9.8" and rows[7].summary == "密码错误"


def test_edit_without_changes_is_not_recorded(services, uploaded):
    with services.db.session() as s:
        clerk = _actor(s, "clerk_li")
        title = documents.get(s, uploaded, user=clerk.user).title
        documents.update(s, clerk, uploaded, {"title": title})
    assert _events(services, action="edit") == []


def test_unknown_user_name_failure_is_recorded(services, org_tree):
    with services.db.session() as s, pytest.raises(auth.AuthError):
        auth.login(s, Actor(None, "10.0.0.7"), "nobody", "whatever1")
    (event,) = _events(services, action="login_failed")
    assert event.user_id is None and event.ip == "10.0.0.7" and "nobody" in event.summary


def test_admin_listing_is_limited_to_its_subtree(services, uploaded, make_user, org_tree, files_dir):
    make_user("admin_town", "莲蓬寺镇", role="admin")
    make_user("admin_other", "宝莲寺镇", role="admin")
    make_user("admin_county", "文峰区", role="admin")
    make_user("clerk_xi", "西岗村")
    path = files_dir / "西岗.txt"
    path.write_text("西岗村危房改造验收表", encoding="utf-8")
    with services.db.session() as s:
        xi = _actor(s, "clerk_xi")
    services.pipeline.ingest(Incoming(source=path, name="西岗.txt", org=org_tree["西岗村"]), xi)

    def uploads_seen_by(username):
        with services.db.session() as s:
            total, rows = audit.get_log(s, _actor(s, username), audit.AuditFilter(action="upload"))
            assert total == len(rows)
            return sorted(e.username for e in rows)

    assert uploads_seen_by("admin_town") == ["clerk_li"]
    assert uploads_seen_by("admin_other") == ["clerk_xi"]
    assert uploads_seen_by("admin_county") == ["clerk_li", "clerk_xi"]
    with services.db.session() as s:
        other = _actor(s, "admin_other")
        assert list(audit.iter_all(s, viewer=other.user, flt=audit.AuditFilter(username="clerk_li"))) == []
        # Only admins read the log at all.
        with pytest.raises(Forbidden):
            audit.get_log(s, _actor(s, "clerk_li"), audit.AuditFilter())
        with pytest.raises(Forbidden):
            audit.export_xlsx(s, _actor(s, "clerk_li"), audit.AuditFilter(), io.BytesIO())


def test_date_filter_in_local_time(services, org_tree):
    utc8 = dt.timezone(dt.timedelta(hours=8))
    with services.db.session() as s:
        # 2024-05-01 23:30 in Beijing is still 2024-05-01 15:30 UTC; 2024-05-02 00:30 Beijing is 05-01 16:30 UTC.
        s.add(AuditEvent(action="view", summary="late", at=dt.datetime(2024, 5, 1, 23, 30, tzinfo=utc8)))
        s.add(AuditEvent(action="view", summary="next", at=dt.datetime(2024, 5, 2, 0, 30, tzinfo=utc8)))
    with services.db.session() as s:
        day = dt.date(2024, 5, 1)
        _, local = audit.get_all(s, viewer=None, flt=audit.AuditFilter(date_from=day, date_to=day, tz=utc8))
        _, utc = audit.get_all(s, viewer=None, flt=audit.AuditFilter(date_from=day, date_to=day))
    assert [e.summary for e in local] == ["late"]
    assert sorted(e.summary for e in utc) == ["late", "next"]


def test_audit_rows_survive_trash_and_restore(services, uploaded, make_user):
    make_user("admin_town", "莲蓬寺镇", role="admin")
    with services.db.session() as s:
        clerk = _actor(s, "clerk_li")
        documents.update(s, clerk, uploaded, {"title": "改过的题名"})
    before = _audit_count(services)
    history_before = [(e.id, e.action) for e in _history(services, uploaded)]
    with services.db.session() as s:
        documents.delete(s, _actor(s, "clerk_li"), uploaded)
    with services.db.session() as s:
        documents.get_trash(s, _actor(s, "admin_town"))
        documents.restore(s, _actor(s, "admin_town"), uploaded)
    history_after = [(e.id, e.action) for e in _history(services, uploaded)]
    assert _audit_count(services) == before + 2
    assert history_after[2:] == history_before  # newest first: restore, delete, then all that was there
    assert [a for _, a in history_after[:2]] == ["restore", "delete"]
    assert [a for _, a in history_after] == ["restore", "delete", "edit", "upload"]
    with services.db.session() as s:
        assert s.get(Document, uploaded).deleted_at is None


def _history(services, document_id):
    with services.db.session() as s:
        return audit.history(s, "document", document_id)


def test_no_service_deletes_audit_rows(services, uploaded, make_user, org_tree):
    """Users change, documents move to the trash, units are added: the log only ever grows."""
    from archive.auth import users
    from archive.orgs import service as orgs

    make_user("admin_town", "莲蓬寺镇", role="admin")
    counts = [_audit_count(services)]
    with services.db.session() as s:
        admin = _actor(s, "admin_town")
        clerk = s.scalar(select(User).where(User.username == "clerk_li"))
        users.update(s, admin, clerk.id, role="inspector", active=False, password="another-pw-1")
    counts.append(_audit_count(services))
    with services.db.session() as s:
        orgs.create_child(s, _actor(s, "admin_town"), s.merge(org_tree["莲蓬寺镇"]), "南街村")
    counts.append(_audit_count(services))
    with services.db.session() as s:
        documents.delete(s, _actor(s, "admin_town"), uploaded)
    counts.append(_audit_count(services))
    assert counts == sorted(counts) and len(set(counts)) == len(counts)
    (upload,) = _events(services, action="upload")
    assert upload.username == "clerk_li" and upload.user_id is not None  # still names who did it


def test_export_escapes_formulas_and_control_characters(services, org_tree):
    hostile = ["=HYPERLINK(\"http://evil\",\"点我\")", "+1+2", "-3", "@SUM(A1)", "\t=1", "普通摘要"]
    with services.db.session() as s:
        for i, summary in enumerate(hostile):
            s.add(AuditEvent(action="edit", username="=cmd|' /C calc'!A0" if i == 0 else "clerk",
                             object_type="document", object_id=str(i), summary=summary,
                             changes={"before": {"title": "=1+1"}, "after": {"title": "ok"}} if i == 0 else None))
        s.add(AuditEvent(action="login_failed", summary="未知用户名：bad\x01\x02name", ip="1.2.3.4"))
    out = io.BytesIO()
    with services.db.session() as s:
        count = write_xlsx(audit.iter_all(s, viewer=None, flt=audit.AuditFilter()), out)
    assert count == len(hostile) + 1
    sheet = load_workbook(io.BytesIO(out.getvalue())).active
    rows = list(sheet.iter_rows())
    assert [c.value for c in rows[0]] == HEADER
    summaries = [r[6] for r in rows[1:]]
    assert all(c.data_type == "s" for c in summaries)  # nothing became a formula
    assert [c.value for c in summaries[:6]] == ["'=HYPERLINK(\"http://evil\",\"点我\")", "'+1+2", "'-3", "'@SUM(A1)",
                                                "'\t=1", "普通摘要"]
    assert summaries[6].value == "未知用户名：badname"
    assert rows[1][2].value.startswith("'=") and rows[1][2].data_type == "s"
    assert rows[1][8].value.startswith("{") and "=1+1" in rows[1][8].value
    assert rows[1][3].value == "修改" and rows[7][3].value == "登录失败"


def test_export_is_audited_and_filtered(services, uploaded, make_user):
    make_user("admin_town", "莲蓬寺镇", role="admin")
    with services.db.session() as s:
        documents.view(s, _actor(s, "clerk_li"), uploaded)
    out = io.BytesIO()
    utc8 = dt.timezone(dt.timedelta(hours=8))
    with services.db.session() as s:
        n = audit.export_xlsx(s, _actor(s, "admin_town"), audit.AuditFilter(action="view"), out, tz=utc8,
                              tz_name="北京时间", description="操作 查看")
    assert n == 1
    rows = list(load_workbook(io.BytesIO(out.getvalue())).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][3] == "查看" and rows[1][1].endswith("北京时间")
    (view,) = _events(services, action="view")
    assert rows[1][1].startswith(view.at.astimezone(utc8).strftime("%Y-%m-%d %H:%M"))
    (export,) = _events(services, action="audit_export")
    assert export.username == "admin_town" and export.ip == IP and export.summary == "导出 1 条（操作 查看）"
