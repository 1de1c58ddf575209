"""The review queue page (分类审核): log-in form, CSRF, real files through the ingest pipeline."""
from __future__ import annotations

import html
import re

import pytest
from sqlalchemy import select

from archive.models import ArchiveSequence, AuditEvent, Document
from tests.support.documents import NEWS, ingest_text
from tests.support.pages import csrf, header_csrf, login, raw_text

NOTICE = """关于做好2021年危房改造工作的通知
安政办〔2021〕5号
各乡镇：
为做好农村危房改造工作，保障贫困户住房安全，现将有关事项通知如下。危房改造对象为建档立卡贫困户。
安阳县人民政府办公室
2021年3月9日
"""
MEETING = "村民大会会议记录\n时间：2021年5月6日\n内容：研究村道硬化，村民代表发言。\n"
PLAIN = "春节值班表\n2021年2月1日\n值班人员：张三、李四\n"  # nothing a rule can go by: no proposal


# ------------------------------------------------------------------------------------------ helpers

def load(services, document_id: int) -> Document:
    with services.db.session() as session:
        return session.get(Document, document_id)


def classify_rows(services, document_id: int) -> list[AuditEvent]:
    with services.db.session() as session:
        return list(session.scalars(select(AuditEvent).where(
            AuditEvent.action == "classify", AuditEvent.object_type == "document",
            AuditEvent.object_id == str(document_id))))


def queue_ids(page_text: str) -> list[int]:
    """Row ids of table#review in page order ([] on the empty page)."""
    table = re.search(r'<table class="data" id="review">(.*?)</table>', page_text, re.S)
    return [int(i) for i in re.findall(r'<tr data-id="(\d+)"', table.group(1))] if table else []


def row_html(page_text: str, document_id: int) -> str:
    found = re.search(rf'<tr data-id="{document_id}">(.*?)</tr>', page_text, re.S)
    assert found, f"row {document_id} missing"
    return found.group(1)


def flashes(page_text: str) -> list[tuple[str, str]]:
    return [(c, html.unescape(m)) for c, m in re.findall(r'<div class="flash (\w+)">(.*?)</div>', page_text, re.S)]


@pytest.fixture
def docs(services, org_tree, tmp_path):
    """In 黎元村: a clear notice (filed on ingest), a news item and an ambiguous meeting record (both waiting)."""
    village = org_tree["黎元村"]
    return {"notice": ingest_text(services, tmp_path, village, "notice.txt", NOTICE),
            "news": ingest_text(services, tmp_path, village, "news.txt", NEWS),
            "meeting": ingest_text(services, tmp_path, village, "meeting.txt", MEETING)}


# ------------------------------------------------------------------------------------------ the queue

def test_queue_lists_waiting_documents_least_sure_first(client, services, docs, make_user):
    notice, news, meeting = (load(services, docs[k]) for k in ("notice", "news", "meeting"))
    assert notice.archive_code and not notice.needs_review                          # filed by the rules
    assert news.needs_review and news.is_poverty_record is False and news.archive_code is None
    assert meeting.needs_review and meeting.category_code and meeting.confidence < news.confidence
    make_user("clerk", "黎元村", "clerk")
    login(client, "clerk")

    r = client.get("/review")
    assert r.status_code == 200
    body = raw_text(r)
    assert queue_ids(body) == [meeting.id, news.id]  # least sure first; the filed notice is not there
    assert "<title>分类审核 · 扶贫档案管理系统</title>" in body and "共 2 件待审核" in body
    assert '<a href="/review" class="active">分类审核</a>' in body  # in the menu, marked

    news_row, meeting_row = row_html(body, news.id), row_html(body, meeting.id)
    assert f'href="/documents/{news.id}"' in news_row and html.escape(news.title) in news_row
    assert "非扶贫档案" in news_row and f'{round(news.confidence * 100)}%' in news_row
    assert 'class="badge warn"' in news_row                                       # ≥ 50 %
    assert f'<span class="code">{meeting.category_code}</span>' in meeting_row
    assert 'class="badge bad">40%' in meeting_row and "永久" in meeting_row       # < 50 %, 保管期限 by name
    assert "黎元村" in meeting_row and "2021" in meeting_row
    # A checkbox per row for the bulk form; a correct form per row with leaf classes grouped by top class.
    assert f'<input type="checkbox" name="ids" value="{meeting.id}" form="review-bulk"' in meeting_row
    assert f'action="/review/{meeting.id}"' in meeting_row
    assert re.search(r'<optgroup label="03 [^"]+">', meeting_row)
    assert f'<option value="{meeting.category_code}" selected>' in meeting_row
    assert '<option value="03">' not in meeting_row  # a top class is a heading, not a choice
    assert '<option value="0305">' in meeting_row
    assert '<option value="not_poverty" selected>不是扶贫档案</option>' in news_row
    assert '<option value="" selected>默认期限</option>' in meeting_row and '<option value="D10">定期10年</option>' in meeting_row
    assert 'id="review-bulk"' in body and 'action="/review/accept"' in body
    # CSP: no inline scripts, handlers or styles.
    assert re.findall(r"<script(?![^>]*\bsrc=)", body) == []
    assert " onclick=" not in body and " onchange=" not in body and " style=" not in body


def test_queue_is_scoped_and_for_clerks_and_admins_only(client, services, docs, make_user):
    make_user("east", "东关村", "clerk")
    make_user("town", "莲蓬寺镇", "admin")
    make_user("insp", "莲蓬寺镇", "inspector")
    make_user("boss", "文峰区", "viewer")

    assert client.get("/review").status_code == 302  # not logged in: to the log-in form
    login(client, "east")
    body = raw_text(client.get("/review"))
    assert queue_ids(body) == [] and "没有待审核的文件" in body and 'id="review"' not in body
    token = csrf(client)
    # Another village's documents cannot be decided either: not found.
    r = client.post(f"/review/{docs['meeting']}", data={"csrf_token": token, "category": "0101"})
    assert r.status_code == 404
    assert client.post("/review/accept", data={"csrf_token": token, "ids": [docs["news"]]}).status_code == 404
    assert load(services, docs["meeting"]).needs_review and load(services, docs["news"]).needs_review

    with client.session_transaction() as s:
        s.clear()
    login(client, "town")
    assert queue_ids(raw_text(client.get("/review"))) == [docs["meeting"], docs["news"]]  # the town sees its village

    for reader in ("insp", "boss"):
        with client.session_transaction() as s:
            s.clear()
        login(client, reader)
        page = client.get("/review")
        assert page.status_code == 403, reader
        assert "分类审核" not in raw_text(client.get("/"))  # not in the menu
        token = header_csrf(client)
        assert client.post(f"/review/{docs['meeting']}", data={"csrf_token": token, "category": "0101"}).status_code == 403
        assert client.post("/review/accept", data={"csrf_token": token, "ids": [docs["meeting"]]}).status_code == 403
    assert load(services, docs["meeting"]).needs_review


# ------------------------------------------------------------------------------------------ deciding

def test_choosing_a_class_files_the_document(client, services, docs, make_user):
    make_user("clerk", "黎元村", "clerk")
    login(client, "clerk")
    token = csrf(client)

    r = client.post(f"/review/{docs['meeting']}", data={"csrf_token": token, "category": "0305", "retention": "D10",
                                                        "page": "1"})
    assert r.status_code == 302 and r.headers["Location"] == "/review"
    doc = load(services, docs["meeting"])
    assert doc.archive_code and "-D10-0305-0001" in doc.archive_code
    assert doc.category_code == "0305" and doc.retention == "D10" and doc.classified_by == "person"
    assert not doc.needs_review and doc.is_poverty_record is True
    (event,) = classify_rows(services, doc.id)
    assert event.username == "clerk" and event.changes["after"]["archive_code"] == doc.archive_code

    body = raw_text(client.get("/review"))
    assert ("ok", f"已归档：{doc.archive_code}") in flashes(body)
    assert queue_ids(body) == [docs["news"]]

    # 默认 retention is the class's default; the page number is kept.
    other = load(services, docs["news"])
    r = client.post(f"/review/{other.id}", data={"csrf_token": token, "category": "0101", "retention": "",
                                                 "page": "3"})
    assert r.headers["Location"] == "/review?page=3"
    filed = load(services, other.id)
    assert filed.retention == services.standards.schemes[filed.scheme_id].classes["0101"].retention
    assert filed.archive_code and "-0101-" in filed.archive_code


def test_marking_not_poverty_leaves_it_without_archive_code(client, services, docs, make_user):
    make_user("clerk", "黎元村", "clerk")
    login(client, "clerk")
    token = csrf(client)

    r = client.post(f"/review/{docs['meeting']}", data={"csrf_token": token, "category": "not_poverty"})
    assert r.status_code == 302
    doc = load(services, docs["meeting"])
    assert doc.is_poverty_record is False and doc.archive_code is None and doc.category_code is None
    assert not doc.needs_review and doc.classified_by == "person"
    assert len(classify_rows(services, doc.id)) == 1
    body = raw_text(client.get("/review"))
    assert any(c == "ok" and m.startswith("已标记为非扶贫档案") for c, m in flashes(body))
    assert queue_ids(body) == [docs["news"]]


def test_bad_choices_change_nothing(client, services, docs, make_user):
    make_user("clerk", "黎元村", "clerk")
    login(client, "clerk")
    token = csrf(client)

    for category, message in (("", "请选择类目"), ("03", "下的具体类目"), ("9999", "不在分类方案")):
        r = client.post(f"/review/{docs['meeting']}", data={"csrf_token": token, "category": category})
        assert r.status_code == 302, category
        body = raw_text(client.get("/review"))
        assert any(c == "error" and message in m for c, m in flashes(body)), (category, flashes(body))
    r = client.post(f"/review/{docs['meeting']}", data={"csrf_token": token, "category": "0305", "retention": "X9"})
    assert any(c == "error" and "保管期限" in m for c, m in flashes(raw_text(client.get("/review"))))
    doc = load(services, docs["meeting"])
    assert doc.needs_review and doc.archive_code is None and doc.classified_by == "rule"
    assert classify_rows(services, doc.id) == []
    assert client.post("/review/99999", data={"csrf_token": token, "category": "0305"}).status_code == 404


# ------------------------------------------------------------------------------------------ bulk accept

def test_bulk_accept_takes_each_proposal_as_is(client, services, docs, make_user):
    make_user("clerk", "黎元村", "clerk")
    login(client, "clerk")
    token = csrf(client)
    proposed = load(services, docs["meeting"])

    r = client.post("/review/accept", data={"csrf_token": token, "ids": [docs["meeting"], docs["news"]], "page": "2"})
    assert r.status_code == 302 and r.headers["Location"] == "/review?page=2"
    meeting, news = load(services, docs["meeting"]), load(services, docs["news"])
    assert meeting.archive_code and meeting.category_code == proposed.category_code
    assert meeting.retention == proposed.retention and meeting.classified_by == "person"
    assert news.is_poverty_record is False and news.archive_code is None and not news.needs_review
    assert len(classify_rows(services, meeting.id)) == 1 and len(classify_rows(services, news.id)) == 1

    body = raw_text(client.get("/review"))
    assert queue_ids(body) == [] and "没有待审核的文件" in body
    (flash,) = flashes(body)
    assert flash[0] == "ok" and "已接受 2 件" in flash[1] and meeting.archive_code in flash[1]
    assert "1 件标记为非扶贫档案" in flash[1]


def test_bulk_accept_with_a_row_without_proposal_changes_nothing(client, services, docs, org_tree, make_user, tmp_path):
    plain = ingest_text(services, tmp_path, org_tree["黎元村"], "plain.txt", PLAIN)
    doc = load(services, plain)
    assert doc.needs_review and doc.category_code is None and doc.is_poverty_record is None
    make_user("clerk", "黎元村", "clerk")
    login(client, "clerk")
    body = raw_text(client.get("/review"))
    assert "—" in re.search(r'<td class="proposal">(.*?)</td>', row_html(body, plain), re.S).group(1)
    assert '<option value="" selected>选择类目…</option>' in row_html(body, plain)
    token = csrf(client)
    with services.db.session() as session:
        sequences_before = session.scalars(select(ArchiveSequence.last_item)).all()

    # The meeting record comes first, so it is decided before the plain one fails: all of it is undone.
    r = client.post("/review/accept", data={"csrf_token": token, "ids": [docs["meeting"], plain]})
    assert r.status_code == 302
    body = raw_text(client.get("/review"))
    (flash,) = flashes(body)
    assert flash[0] == "error" and "没有建议的类目，请手工选择" in flash[1] and "未做任何更改" in flash[1]
    assert set(queue_ids(body)) == {docs["meeting"], docs["news"], plain}
    meeting = load(services, docs["meeting"])
    assert meeting.needs_review and meeting.archive_code is None and meeting.classified_by == "rule"
    assert classify_rows(services, meeting.id) == [] and classify_rows(services, plain) == []
    with services.db.session() as session:
        assert session.scalars(select(ArchiveSequence.last_item)).all() == sequences_before

    # Nothing ticked: a message, nothing done.
    client.post("/review/accept", data={"csrf_token": token})
    assert any(c == "error" and "请先勾选" in m for c, m in flashes(raw_text(client.get("/review"))))


def test_posts_need_the_csrf_token(client, services, docs, make_user):
    make_user("clerk", "黎元村", "clerk")
    login(client, "clerk")
    assert client.post(f"/review/{docs['meeting']}", data={"category": "0305"}).status_code == 400
    assert client.post("/review/accept", data={"ids": [docs["meeting"]]}).status_code == 400
    assert client.post("/review/accept", data={"ids": [docs["meeting"]], "csrf_token": "forged"}).status_code == 400
    assert load(services, docs["meeting"]).needs_review


def test_queue_paginates_at_50(client, services, org_tree, make_user):
    with services.db.session() as session:
        for i in range(53):
            session.add(Document(org_id=org_tree["黎元村"].id, sha256=f"{i:064x}", size=1, file_kind="txt",
                                 mime_type="text/plain", original_name=f"{i}.txt", title=f"待审文件{i:02d}",
                                 year=2021, needs_review=True, confidence=i / 100))
    make_user("clerk", "黎元村", "clerk")
    login(client, "clerk")
    first, second = raw_text(client.get("/review")), raw_text(client.get("/review?page=2"))
    assert len(queue_ids(first)) == 50 and len(queue_ids(second)) == 3
    assert 'class="pager"' in first and "共 53 件" in first
    assert "待审文件00" in first and "待审文件52" in second and "待审文件52" not in first
    assert 'name="page" value="2"' in second  # the forms carry the page back
    for junk in ("page=0", "page=zz", "page=-1"):
        assert len(queue_ids(raw_text(client.get(f"/review?{junk}")))) == 50, junk
    assert queue_ids(raw_text(client.get("/review?page=99"))) == queue_ids(second)
