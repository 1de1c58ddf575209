"""`archive rectify …`: import a 问题清单, list items and the overdue ones, act on an item, export the
整改台账, build the evidence binder. The operator at the command line sees every unit; `--user`
acts as a named user."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from archive.auth import service as auth
from archive.auth.actor import CLI, Actor
from archive.auth.scope import OutOfScope
from archive.cli.common import atomic_output, echo_json, fail, json_option, resolve_org, services
from archive.cli.volumes import write_volume
from archive.errors import DomainError
from archive.rectify import batches, deadlines, importing, service as rectify, shapes, states

_STATE_HELP = "状态：" + "、".join(f"{c}（{n}）" for c, n in states.STATES.items()) + " / state"


@click.group("rectify", cls=AppGroup, help="整改（反馈问题、整改台账） / Rectification of inspection feedback.")
def rectify_group():
    pass


def _org(session, ref: str | None):
    return resolve_org(session, ref) if ref else None


def _state(value: str | None) -> str | None:
    try:
        return states.parse_state(value)
    except ValueError as e:
        fail(str(e), 2)


@rectify_group.command("import", help="导入问题清单（XLSX 或 DOCX）：先显示各列如何理解和发现的问题；有任何问题时什么也不保存，"
                                      "退出码为 1。同一单位已有同名批次时导入到该批次。 / Import a 问题清单; all or nothing.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--batch", "title", required=True, help="反馈批次标题 / batch title")
@click.option("--source", required=True, help="问题来源：巡视/考核/督查/审计/普查/其他 / source")
@click.option("--org", "org_ref", required=True, help="收到反馈的单位（路径或区划代码） / receiving unit")
@click.option("--level", default="", help="层级：国家/省/市/县 / level")
@click.option("--received", default=None, help="反馈时间 YYYY-MM-DD / date received")
@click.option("--preview", is_flag=True, help="只预览，不保存 / preview only, save nothing")
@json_option()
@with_appcontext
def rectify_import(file, title, source, org_ref, level, received, preview, as_json):
    from archive.rectify.importer import ImportFileError, parse

    s = services()
    path = Path(file)
    try:
        parsed = parse(path.read_bytes(), path.name)
    except ImportFileError as e:
        if as_json:
            echo_json({"ok": False, "error": e.as_dict()})
        fail(f"{path.name}：{e.message}")
    with s.db.session() as session:
        org = resolve_org(session, org_ref)
        try:
            batch = batches.batch_for_import(session, org=org, title=title, source=source, level=level,
                                             received=received)
            if preview:
                outcome = importing.preview_import(session, CLI, batch, parsed)
            else:
                outcome = importing.import_items(session, CLI, batch, parsed, file_name=path.name)
        except DomainError as e:
            fail(e.message, 2)
        data = outcome.as_dict()
        if not outcome.ok:
            session.rollback()
    if as_json:
        echo_json(data)
    else:
        _print_import(parsed, data, not isinstance(batch, rectify.BatchSpec))
    sys.exit(0 if outcome.ok else 1)


def _print_import(parsed, data: dict, into_existing: bool) -> None:
    from archive.rectify.importer import FIELDS

    click.echo(f"工作表 / sheet: {parsed.sheet}；表头在第 {'、'.join(map(str, parsed.header_rows))} 行")
    for column in parsed.columns:
        target = FIELDS[column.field][0] if column.field else "（忽略 / ignored）"
        click.echo(f"  {column.letter:>3} {column.header or '-':<16} → {target}  {column.how}")
    click.echo(f"问题条目 / items: {len(parsed.items)}")
    for note in data["notes"]:
        click.echo(f"提示 / note: {note['message']}")
    for problem in data["problems"]:
        click.echo(f"问题 / problem: {problem['message']}", err=True)
    if data["preview"]:
        click.echo("预览，未保存 / preview, nothing saved" + ("" if data["ok"] else "（有问题，须改正后才能导入）"))
    elif data["ok"]:
        where = "已有批次" if into_existing else "新批次"
        click.echo(f"已导入 / imported: {data['saved']} 项（{where} {data['batch_id']}）")
    else:
        click.echo(f"有 {len(data['problems'])} 处问题，未保存任何内容 / nothing saved", err=True)


@rectify_group.command("list", help="列出整改问题 / List rectification items.")
@click.option("--org", "org_ref", help="单位（含下级）：责任单位或牵头单位 / unit (and below)")
@click.option("--state", help=_STATE_HELP)
@click.option("--batch", "batch_id", type=int, help="反馈批次编号 / batch id")
@json_option()
@with_appcontext
def rectify_list(org_ref, state, batch_id, as_json):
    with services().db.session() as session:
        flt = rectify.ItemFilter(org=_org(session, org_ref), state=_state(state), batch_id=batch_id)
        page = rectify.list_items(session, user=None, flt=flt, per_page=100_000)
        _show_items(page.items, as_json)


def _show_items(items, as_json: bool) -> None:
    today = rectify.today()
    if as_json:
        echo_json([shapes.item_dict(i, today_=today) for i in items])
        return
    for i in items:
        units = "、".join(u.name for u in i.units)
        deadline = i.deadline.isoformat() if i.deadline else (i.deadline_text or "-")
        flag = "  逾期" if states.is_overdue(i.state, i.deadline, today) else ""
        click.echo(f"{i.id}\t{i.batch.title[:30]}\t{i.number}\t{states.state_name(i.state)}\t{deadline}{flag}\t"
                   f"{units}\t{i.description[:40]}")


@rectify_group.command("overdue", help="截至今天逾期的问题（未整改或整改中且已过整改时限）；--json 输出 JSON 列表。 / "
                                       "Items overdue as of today.")
@click.option("--org", "org_ref", help="单位（含下级） / unit (and below)")
@json_option("JSON 列表 / a JSON list")
@with_appcontext
def rectify_overdue(org_ref, as_json):
    with services().db.session() as session:
        _show_items(deadlines.overdue(session, None, org=_org(session, org_ref)), as_json)


@rectify_group.command("mark-overdue", help="标记逾期问题（每日任务也会自动执行） / Mark overdue items now (the daily job does it too).")
@with_appcontext
def rectify_mark_overdue():
    with services().db.session() as session:
        marked = deadlines.mark_overdue(session)
    click.echo(f"新标记逾期 / newly marked: {marked}")


@rectify_group.command("act", help="对问题执行操作：start 开始整改、submit 提交验收、accept 验收销号、reject 退回整改、"
                                   "extend 延期、reopen 重新整改。 / Apply a state action to an item.")
@click.argument("item_id", type=int)
@click.argument("action", type=click.Choice(list(states.ACTIONS)))
@click.option("--comment", default="", help="说明或原因 / comment or reason")
@click.option("--progress", default="", help="整改进展（submit） / progress")
@click.option("--opinion", default="", help="验收意见（accept） / acceptance opinion")
@click.option("--deadline", default=None, help="新的整改时限 YYYY-MM-DD（extend） / new deadline")
@click.option("--user", "username", help="以该用户身份操作（验收须具名） / act as this user")
@json_option()
@with_appcontext
def rectify_act(item_id, action, comment, progress, opinion, deadline, username, as_json):
    with services().db.session() as session:
        actor = CLI
        if username:
            actor = Actor(user=_active_user(session, username), ip="cli")
        try:
            item = rectify.get_item(session, item_id, user=actor.user)
            rectify.act(session, actor, item, action, comment=comment, progress=progress, opinion=opinion,
                        deadline=rectify.parse_date(deadline, "新的整改时限"))
        except OutOfScope:
            fail(f"问题 {item_id} 不存在或无权访问 / no such item", 2)
        except DomainError as e:  # an illegal transition, an invalid value, a role that may not
            fail(f"{e.code}: {e.message}")
        data = shapes.item_dict(item)
    if as_json:
        echo_json(data)
    else:
        click.echo(f"问题 {item_id}：{states.ACTIONS[action]}，现为“{data['state_name']}” / now {data['state']}")


def _active_user(session, username: str):
    try:
        user = auth.get_user(session, username)
    except DomainError:
        user = None
    if user is None or not user.active:
        fail(f"用户“{username}”不存在或已停用 / no such user", 2)
    return user


@rectify_group.command("export", help="导出整改台账 XLSX：每个反馈批次一张工作表，另有汇总表。 / Export the 整改台账.")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="输出文件 / output XLSX")
@click.option("--org", "org_ref", help="单位（含下级） / unit (and below)")
@click.option("--state", help=_STATE_HELP)
@with_appcontext
def rectify_export(output, org_ref, state):
    with services().db.session() as session:
        with atomic_output(output) as out:
            rows = deadlines.export_ledger(session, CLI, out, org=_org(session, org_ref), state=_state(state))
    click.echo(f"已导出 / written: {Path(output)}（{rows} 项）")


@rectify_group.command("binder", help="生成整改佐证材料汇编（案卷 PDF）：按问题分组的目录和各问题的佐证材料。 / "
                                      "Build the evidence binder of a feedback batch (or of a unit's items).")
@click.option("--batch", "batch_id", type=int, help="反馈批次编号 / feedback batch id")
@click.option("--org", "org_ref", help="只汇编该单位（含下级）负责的问题 / only a unit's items")
@click.option("--title", default="", help="案卷题名 / title")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="输出 PDF / output PDF")
@with_appcontext
def rectify_binder(batch_id, org_ref, title, output):
    from archive.rectify.binder import create_evidence_volume

    s = services()
    write_volume(s, lambda session: create_evidence_volume(session, s.standards, CLI, batch_id=batch_id,
                                                           org=_org(session, org_ref), title=title),
                 output, missing=f"反馈批次 {batch_id} 不存在 / no such batch")
