"""`archive household …`: a household's file (一户一档) shown with its check, and bound as one volume
(archive/ledgers/volume.py) written to a PDF. Each view is in the audit log, and so is each showing
of ID and phone numbers unmasked (`--mask` hides them)."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from archive.auth.actor import CLI
from archive.cli.common import echo_json, get_or_fail, json_option, mask_option, services, unmasked
from archive.cli.volumes import write_volume
from archive.ledgers import households as hh, shapes


@click.group("household", cls=AppGroup, help="户（一户一档） / Households and their files.")
def household_group():
    pass


@household_group.command("show", help="一户一档：户主、成员、各年度数据、文件及完整性检查（缺项、日期顺序）；查看记入审计日志。 / "
                                      "A household's file: members, figures per year, documents and the file check.")
@click.argument("household_id", type=int)
@mask_option()
@json_option()
@with_appcontext
def household_show(household_id, mask, as_json):
    s = services()
    with s.db.session() as session:
        household = get_or_fail(hh.get_household, session, household_id, user=None,
                                missing=f"户 {household_id} 不存在 / no such household")
        personal = unmasked(session, mask, object_type="household", object_id=household.id,
                            org_id=household.org_id, what=f"一户一档：{household.head_name}")
        household = hh.view_household(session, CLI, household_id, personal=personal)
        data = shapes.household_detail(household, personal=personal, links=hh.linked(household),
                                       check=hh.file_check(session, s.standards, household), standards=s.standards)
    complete = data["file_check"]["complete"]
    if as_json:
        echo_json(data)
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


@household_group.command("volume", help="一户一档组卷（案卷 PDF）：按识别、帮扶、退出阶段及档案项目排列，缺少的必备项在目录中注明。 / "
                                        "Build a household's file as a bound volume.")
@click.argument("household_id", type=int)
@click.option("--title", default="", help="案卷题名 / title")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="输出 PDF / output PDF")
@with_appcontext
def household_volume(household_id, title, output):
    from archive.ledgers.volume import create_household_volume

    s = services()
    write_volume(s, lambda session: create_household_volume(session, s.standards, CLI, household_id, title=title),
                 output, missing=f"户 {household_id} 不存在 / no such household")
