"""`archive ledger …` and `archive household …`: import a ledger (台账) and see its validation report,
the highlighted copy, a household's file (一户一档); `archive user personal` gives or takes the right
to see ID and phone numbers unmasked.

The operator at the command line sees the numbers unmasked (`--mask` hides them); each such showing
is in the audit log ("personal_view"), and so is every view of a household file."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext
from sqlalchemy import select

from archive.audit import service as audit
from archive.auth.actor import CLI
from archive.auth.scope import OutOfScope
from archive.cli import _echo_json, _fail, _services, main, user_group
from archive.ledgers import households as hh, service as ledgers, shapes
from archive.models import User
from archive.orgs import service as orgs


@main.group("ledger", help="台账（导入、校验报告） / Ledgers: import and validation report.")
def ledger_group():
    pass


@main.group("household", help="户（一户一档） / Households and their files.")
def household_group():
    pass


def _org(session, ref: str):
    try:
        return orgs.resolve(session, ref)
    except orgs.OrgError as e:
        _fail(e.message, 2)


def _print_columns(columns, lt) -> None:
    names = {f.key: f.name for f in lt.fields} if lt is not None else {}
    for c in columns:
        target = f"{names.get(c['field'], c['field'])}（{c['field']}）" if c["field"] else "（忽略 / ignored）"
        click.echo(f"  {c['letter'] or '':>3} {(c['header'] or '-')[:30]:<20} → {target}  {c['how'] or ''}")


def _print_problems(problems) -> None:
    for p in problems:
        where = f"第 {p['row']} 行" if p["row"] else "整表"
        column = f" {p['column']} 列" if p["column"] else ""
        severity = "错误" if p["severity"] == "error" else "警告"
        click.echo(f"{where}{column} [{severity} {p['code']}] {p['message']}")


@ledger_group.command("import", help="导入台账（XLSX、XLS、CSV）：显示各列如何理解和校验报告。保存时原件归档（XLS 转存为 XLSX），"
                                     "各行和问题保存（有问题的行照样保存，问题在报告中），户台账新建或更新户。退出码：已保存或预览 0，"
                                     "文件无法读取或不能导入 2。 / Import a ledger; exit 0 when stored (problems and all), "
                                     "2 when the file cannot be read or imported.")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--org", "org_ref", required=True, help="台账所属单位（路径或区划代码） / the ledger's unit")
@click.option("--type", "type_key", help="台账类型：household、assistance、project_funds（或中文名），不给则按表头判断 / ledger type")
@click.option("--year", type=int, help="年度，不给则按“年度”列、标题或文件名 / the ledger's year")
@click.option("--preview", is_flag=True, help="只预览，不保存 / preview only, save nothing")
@click.option("--mask", is_flag=True, help="身份证号码、电话号码脱敏显示 / mask ID and phone numbers")
@click.option("--json", "as_json", is_flag=True, help="JSON 输出：校验报告（ledger_id、rows、problems）及列映射 / JSON report")
@with_appcontext
def ledger_import(file, org_ref, type_key, year, preview, mask, as_json):
    from archive.ledgers.reader import LedgerFileError

    s = _services()
    path = Path(file)
    limit = s.settings.limits.max_bytes
    if path.stat().st_size > limit:
        _fail(f"{path.name}：文件超过大小限制（{limit // (1024 * 1024)} MB）", 2)
    data = path.read_bytes()
    with s.db.session() as session:
        org = _org(session, org_ref)
        try:
            outcome = ledgers.import_ledger(session, s, CLI, data, path.name, org=org, type_key=type_key, year=year,
                                            preview=preview)
        except LedgerFileError as e:
            if as_json:
                _echo_json({"error": {"code": e.code, "message": e.message}})
            _fail(f"{path.name}：{e.message}", 2)
        except ledgers.LedgerError as e:
            if as_json:
                _echo_json({"error": {"code": e.code, "message": e.message}})
            _fail(e.message, 2)
        ledger = outcome.ledger
        personal = ledgers.personal_access(session, CLI, not mask, object_type="ledger",
                                           object_id=ledger.id if ledger else None, org_id=org.id,
                                           what=f"台账导入报告：{path.name[:200]}")
        lt = s.standards.ledger_types.get(outcome.type_key)
        data = shapes.outcome_dict(outcome, ledgers.field_kinds(lt), personal, ledgers.type_names(s.standards))
    if as_json:
        _echo_json(data)
        return
    click.echo(f"类型 / type: {data['type_name']}（{data['type']}）；年度 / year: {data['year'] or '-'}")
    click.echo(f"工作表 / sheet: {data['sheet']}；表头在第 {'、'.join(map(str, data['header_rows']))} 行")
    _print_columns(data["columns"], lt)
    click.echo(f"数据行 / rows: {data['rows'] if isinstance(data['rows'], int) else len(data['rows'])}；"
               f"错误 / errors: {data['error_count']}；警告 / warnings: {data['warning_count']}")
    _print_problems(data["problems"])
    for note in data["notes"]:
        click.echo(f"提示 / note: {note}")
    if preview:
        click.echo("预览，未保存 / preview, nothing saved")
    else:
        doc = data["ledger"]["document"]
        click.echo(f"已导入 / imported: 台账 {data['ledger_id']}；原件归档为文件 {doc['id']}"
                   f"{'（' + doc['archive_code'] + '）' if doc['archive_code'] else ''}"
                   f"{'（与已有文件相同）' if data['ingest_status'] == 'duplicate' else ''}；户 / households: {data['households']}")


@ledger_group.command("report", help="台账的校验报告 / A ledger's validation report.")
@click.argument("ledger_id", type=int)
@click.option("--mask", is_flag=True, help="身份证号码、电话号码脱敏显示 / mask ID and phone numbers")
@click.option("--json", "as_json", is_flag=True, help="JSON：{ledger_id, rows, problems} 及 ledger、columns / JSON report")
@with_appcontext
def ledger_report(ledger_id, mask, as_json):
    s = _services()
    with s.db.session() as session:
        try:
            ledger = ledgers.get_ledger(session, ledger_id, user=None)
        except OutOfScope:
            _fail(f"台账 {ledger_id} 不存在 / no such ledger", 2)
        personal = ledgers.personal_access(session, CLI, not mask, object_type="ledger", object_id=ledger.id,
                                           org_id=ledger.org_id, what=f"台账校验报告：{ledger.file_name[:200]}")
        data = shapes.report_dict(ledgers.report(session, ledger), personal) | {
            "ledger": shapes.ledger_dict(ledger, ledgers.type_names(s.standards)),
            "columns": shapes.columns_list(ledger.columns or [])}
    if as_json:
        _echo_json(data)
        return
    info = data["ledger"]
    click.echo(f"台账 {info['id']}：{info['file_name']}（{info['type_name']}，{info['year'] or '-'} 年，{info['org']['path']}）")
    click.echo(f"数据行 / rows: {info['row_count']}；错误 / errors: {info['error_count']}；警告 / warnings: "
               f"{info['warning_count']}；户 / households: {info['household_count']}")
    _print_problems(data["problems"])


@ledger_group.command("highlight", help="导出标注问题的台账 XLSX（问题单元格标色并加批注） / Write the ledger with its problems highlighted.")
@click.argument("ledger_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="输出文件 / output XLSX")
@click.option("--mask", is_flag=True, help="身份证号码、电话号码脱敏 / mask ID and phone numbers")
@with_appcontext
def ledger_highlight(ledger_id, output, mask):
    s = _services()
    target = Path(output)
    partial = target.with_name(f".{target.name}.part")
    with s.db.session() as session:
        try:
            ledger = ledgers.get_ledger(session, ledger_id, user=None)
        except OutOfScope:
            _fail(f"台账 {ledger_id} 不存在 / no such ledger", 2)
        personal = ledgers.personal_access(session, CLI, not mask, object_type="ledger", object_id=ledger.id,
                                           org_id=ledger.org_id, what=f"标注问题的台账：{ledger.file_name[:200]}")
        data = ledgers.highlighted_xlsx(session, s, CLI, ledger, personal=personal)
        try:
            partial.write_bytes(data)
            partial.replace(target)
        finally:
            partial.unlink(missing_ok=True)
    click.echo(f"已导出 / written: {target}")


@household_group.command("show", help="一户一档：户主、成员、各年度数据、文件及完整性检查（缺项、日期顺序）；查看记入审计日志。 / "
                                      "A household's file: members, figures per year, documents and the file check.")
@click.argument("household_id", type=int)
@click.option("--mask", is_flag=True, help="身份证号码、电话号码脱敏显示 / mask ID and phone numbers")
@click.option("--json", "as_json", is_flag=True, help="JSON 输出 / JSON output")
@with_appcontext
def household_show(household_id, mask, as_json):
    s = _services()
    with s.db.session() as session:
        try:
            household = hh.get_household(session, household_id, user=None)
        except OutOfScope:
            _fail(f"户 {household_id} 不存在 / no such household", 2)
        personal = ledgers.personal_access(session, CLI, not mask, object_type="household", object_id=household.id,
                                           org_id=household.org_id, what=f"一户一档：{household.head_name}")
        household = hh.view_household(session, CLI, household_id, personal=personal)
        data = shapes.household_detail(household, personal=personal, links=hh.linked(household),
                                       check=hh.file_check(session, s.standards, household), standards=s.standards)
    complete = data["file_check"]["complete"]
    if as_json:
        _echo_json(data)
        return
    click.echo(f"户 {data['id']}：{data['head_name']}（{data['head_id_number'] or '无证件号码'}）"
               f"{data['category'] or ''} {data['org']['path']}")
    for m in data["members"]:
        click.echo(f"  成员 / member: {m['name']}  {m['relation'] or '-'}  {m['id_number'] or '-'}")
    for y in data["years"]:
        figures = "，".join(f"{k}={v}" for k, v in y["figures"].items())
        click.echo(f"  {y['year']} 年（台账 {y['ledger_id']}）：{figures}")
    for d in data["documents"]:
        click.echo(f"  文件 / document {d['document_id']} {d['archive_code'] or ''} {d['doc_date'] or ''} "
                   f"《{d['title']}》（{d['how']}）")
    for item in data["file_check"]["items"]:
        mark = "✓" if item["present"] else ("✗" if item["required"] else "-")
        click.echo(f"  {mark} {item['name']}")
    for p in data["file_check"]["problems"]:
        click.echo(f"问题 / problem: {p['message']}")
    click.echo("档案完整 / complete" if complete else "档案不完整 / incomplete")


@user_group.command("personal", help="授予（或以 --revoke 收回）查看完整身份证号码和电话号码的权限；记入审计日志。 / "
                                     "Give or take the right to see personal numbers unmasked.")
@click.argument("username")
@click.option("--revoke", is_flag=True, help="收回权限 / take the right away")
@with_appcontext
def user_personal(username, revoke):
    with _services().db.session() as session:
        user = session.scalar(select(User).where(User.username == username))
        if user is None:
            _fail(f"用户“{username}”不存在 / no such user", 2)
        value = not revoke
        if user.can_view_personal != value:
            audit.record(session, CLI, "user_edit", object_type="user", object_id=user.id, org_id=user.org_id,
                         summary=user.username, changes={"before": {"can_view_personal": user.can_view_personal},
                                                         "after": {"can_view_personal": value}})
            user.can_view_personal = value
    click.echo(f"{username}：{'可以' if value else '不能'}查看完整的身份证号码和电话号码 / "
               f"{'may' if value else 'may not'} see personal numbers unmasked")
