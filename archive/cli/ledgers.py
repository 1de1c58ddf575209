"""`archive ledger …`: import a ledger (台账) and see its validation report, write the copy with its
problems highlighted.

The operator at the command line sees ID and phone numbers unmasked (`--mask` hides them); each
such showing is in the audit log ("personal_view")."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from archive.auth.actor import CLI
from archive.cli.common import (atomic_output, echo_json, fail, get_or_fail, json_option, mask_option, resolve_org,
                                services, unmasked)
from archive.errors import DomainError
from archive.ledgers import service as ledgers, shapes
from archive.ledgers.reader import LedgerFileError


@click.group("ledger", cls=AppGroup, help="台账（导入、校验报告） / Ledgers: import and validation report.")
def ledger_group():
    pass


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
@mask_option()
@json_option("JSON 输出：校验报告（ledger_id、rows、problems）及列映射 / JSON report")
@with_appcontext
def ledger_import(file, org_ref, type_key, year, preview, mask, as_json):
    s = services()
    path = Path(file)
    limit = s.settings.limits.max_bytes
    if path.stat().st_size > limit:
        fail(f"{path.name}：文件超过大小限制（{limit // (1024 * 1024)} MB）", 2)
    data = path.read_bytes()
    with s.db.session() as session:
        org = resolve_org(session, org_ref)
        try:
            outcome = ledgers.import_ledger(session, s, CLI, data, path.name, org=org, type_key=type_key, year=year,
                                            preview=preview)
        except DomainError as e:
            if as_json:
                echo_json({"error": {"code": e.code, "message": e.message}})
            # A file that cannot be read names the file.
            fail(f"{path.name}：{e.message}" if isinstance(e, LedgerFileError) else e.message, 2)
        ledger = outcome.ledger
        personal = unmasked(session, mask, object_type="ledger", object_id=ledger.id if ledger else None,
                            org_id=org.id, what=f"台账导入报告：{path.name[:200]}")
        lt = s.standards.ledger_types.get(outcome.type_key)
        data = shapes.outcome_dict(outcome, ledgers.field_kinds(lt), personal, ledgers.type_names(s.standards))
    if as_json:
        echo_json(data)
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


def _ledger_shown(session, ledger_id: int, mask: bool, what: str):
    """The ledger (exit 2 when there is none) and whether its personal numbers show unmasked (audited
    as `what`)."""
    ledger = get_or_fail(ledgers.get_ledger, session, ledger_id, user=None,
                         missing=f"台账 {ledger_id} 不存在 / no such ledger")
    return ledger, unmasked(session, mask, object_type="ledger", object_id=ledger.id, org_id=ledger.org_id,
                            what=f"{what}：{ledger.file_name[:200]}")


@ledger_group.command("report", help="台账的校验报告 / A ledger's validation report.")
@click.argument("ledger_id", type=int)
@mask_option()
@json_option("JSON：{ledger_id, rows, problems} 及 ledger、columns / JSON report")
@with_appcontext
def ledger_report(ledger_id, mask, as_json):
    s = services()
    with s.db.session() as session:
        ledger, personal = _ledger_shown(session, ledger_id, mask, "台账校验报告")
        data = shapes.report_dict(ledgers.report(session, ledger), personal) | {
            "ledger": shapes.ledger_dict(ledger, ledgers.type_names(s.standards)),
            "columns": shapes.columns_list(ledger.columns or [])}
    if as_json:
        echo_json(data)
        return
    info = data["ledger"]
    click.echo(f"台账 {info['id']}：{info['file_name']}（{info['type_name']}，{info['year'] or '-'} 年，{info['org']['path']}）")
    click.echo(f"数据行 / rows: {info['row_count']}；错误 / errors: {info['error_count']}；警告 / warnings: "
               f"{info['warning_count']}；户 / households: {info['household_count']}")
    _print_problems(data["problems"])


@ledger_group.command("highlight", help="导出标注问题的台账 XLSX（问题单元格标色并加批注） / Write the ledger with its problems highlighted.")
@click.argument("ledger_id", type=int)
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="输出文件 / output XLSX")
@mask_option("身份证号码、电话号码脱敏 / mask ID and phone numbers")
@with_appcontext
def ledger_highlight(ledger_id, output, mask):
    s = services()
    with s.db.session() as session:
        ledger, personal = _ledger_shown(session, ledger_id, mask, "标注问题的台账")
        data = ledgers.highlighted_xlsx(session, s, CLI, ledger, personal=personal)
        with atomic_output(output) as out:
            out.write(data)
    click.echo(f"已导出 / written: {Path(output)}")
