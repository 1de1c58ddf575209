"""`archive volume …` (also `archive binder …`): compose and build bound volumes (案卷), list, show and
check them; `write_volume` also writes the household and evidence-binder volumes."""
from __future__ import annotations

import shutil
import sys
from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from archive.auth.actor import CLI
from archive.auth.scope import OutOfScope
from archive.binder import service as volumes
from archive.binder.build import build, pdf_path
from archive.binder.service import total_steps
from archive.cli.common import (atomic_output, echo_json, fail, get_or_fail, json_option, progress_bar, resolve_org,
                                services)
from archive.errors import DomainError
from archive.values import parse_year


@click.group("volume", cls=AppGroup, help="案卷（组卷、装订成 PDF） / Bound volumes.")
def volume_group():
    pass


@volume_group.command("build", help="组卷并生成 PDF（封面、卷内文件目录、连续页号、卷内备考表、书签）。 / "
                                    "Compose a volume and write its PDF.")
@click.option("--org", "org_ref", required=True, help="单位路径或区划代码（含下级） / unit (and below)")
@click.option("--category", required=True, help="类目号，含其子类目 / class code (and its sub-classes)")
@click.option("--year", required=True, help="年度 / year, e.g. 2020")
@click.option("--retention", help="保管期限 Y / D30 / D10（默认为类目的保管期限 / default: the class's）")
@click.option("--documents", help="按装订顺序的文件编号，逗号分隔 / document ids in binding order, comma-separated")
@click.option("--title", default="", help="案卷题名（不给则自动拟定） / volume title (proposed when omitted)")
@click.option("--made-by", default="", help="立卷人 / compiled by")
@click.option("--checked-by", default="", help="检查人 / checked by")
@click.option("--filing-no", default="", help="归档号 / filing number")
@click.option("--double-sided", is_flag=True, help="双面打印：偶数页页号在左上角 / even numbers top-left")
@click.option("--spine", is_flag=True, help="附卷脊标签页 / add a spine label sheet")
@click.option("--no-stamp", is_flag=True, help="不加盖归档章 / no filing stamp on first pages")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="输出 PDF 文件 / output PDF")
@json_option("完成后输出案卷 JSON / print the volume as JSON")
@with_appcontext
def volume_build(org_ref, category, year, retention, documents, title, made_by, checked_by, filing_no,
                 double_sided, spine, no_stamp, output, as_json):
    s = services()
    with s.db.session() as session:
        org = resolve_org(session, org_ref)
        try:
            category, retention = volumes.class_and_retention(s.standards, org, category, retention)
            spec = volumes.Spec(org=org, category=category, year=parse_year(year), retention=retention,
                                documents=volumes.parse_document_ids(documents), title=title,
                                filing_no=filing_no, made_by=made_by, checked_by=checked_by,
                                double_sided=double_sided, spine=spine, filing_stamp=not no_stamp)
            volume = volumes.create(session, s.standards, CLI, spec)
        except DomainError as e:
            fail(e.message, 2)
        volume_id, steps = volume.id, total_steps(len(volume.items))
    target = build_to_file(s, volume_id, output, steps=steps, show_bar=sys.stderr.isatty() and not as_json)
    with s.db.session() as session:
        volume = volumes.get(session, volume_id, user=None)
        if as_json:
            echo_json(volumes.volume_dict(volume, s.standards))
        else:
            click.echo(f"已生成 / written: {target}（案卷 {volume.id}，档号 {volume.archive_code}，"
                       f"{len(volume.items)} 件，{volume.page_count} 页，共 {volume.total_pages} 页）")


def build_to_file(s, volume_id: int, output: str, *, steps: int | None = None, show_bar: bool = False) -> Path:
    """Build a recorded volume (progress bar on a terminal) and copy its PDF to `output` without a
    half-written file under that name; on failure print the reasons and exit 1."""
    length = steps or 1
    with progress_bar("组卷", length, show=show_bar) as bar:
        def progress(step: int) -> None:
            bar.update(min(step, length) - bar.pos)

        outcome = build(s, volume_id, progress=progress)
    if outcome.status != "done":
        for message in outcome.errors:
            click.echo(f"错误 / error: {message}", err=True)
        fail(f"案卷 {volume_id} 生成失败 / the volume was not built")
    with atomic_output(output) as out, pdf_path(s.settings.volumes_dir, volume_id).open("rb") as pdf:
        shutil.copyfileobj(pdf, out)
    return Path(output)


def write_volume(s, create, output: str, *, missing: str) -> None:
    """Record a volume with `create(session)`, build it and write its PDF to `output` (the household
    and evidence-binder volumes). Exit 2 with `missing` when what it binds does not exist, with the
    reason on any other refusal."""
    with s.db.session() as session:
        try:
            volume_id = create(session).id
        except OutOfScope:
            fail(missing, 2)
        except DomainError as e:
            fail(e.message, 2)
    target = build_to_file(s, volume_id, output)
    click.echo(f"已生成 / written: {target}（案卷 {volume_id}）")


@volume_group.command("list", help="列出案卷 / List volumes.")
@click.option("--org", "org_ref", help="单位路径或区划代码（含下级） / unit (and below)")
@json_option()
@with_appcontext
def volume_list(org_ref, as_json):
    s = services()
    with s.db.session() as session:
        org = resolve_org(session, org_ref) if org_ref else None
        _, rows = volumes.list_for(session, user=None, org=org, per_page=10_000)
        if as_json:
            echo_json([volumes.volume_dict(v, s.standards) for v in rows])
            return
        for v in rows:
            click.echo(f"{v.id}\t{v.status}\t{v.archive_code or '-'}\t{v.org.path}\t{v.title}\t"
                       f"{len(v.items)} 件\t{v.page_count or '-'} 页")


def _volume(session, volume_id: int):
    return get_or_fail(volumes.get, session, volume_id, user=None, missing=f"案卷 {volume_id} 不存在 / no such volume")


@volume_group.command("show", help="显示案卷及其文件 / Show a volume and what it binds.")
@click.argument("volume_id", type=int)
@json_option()
@with_appcontext
def volume_show(volume_id: int, as_json: bool):
    s = services()
    with s.db.session() as session:
        data = volumes.volume_dict(_volume(session, volume_id), s.standards)
    if as_json:
        echo_json(data)
        return
    click.echo(f"{data['title']}\n档号 {data['archive_code'] or '-'}  状态 {data['status']}  "
               f"{data['item_count']} 件  {data['page_count'] or '-'} 页")
    for e in data["errors"]:
        click.echo(f"  错误：{e}")
    for d in data["documents"]:
        pages = f"{d['page_start']}-{d['page_end']}" if d["page_start"] else "-"
        click.echo(f"  {d['position']:>3}  {d['archive_code'] or '-':<28} {pages:<10} {d['title']}")


@volume_group.command("check", help="深度检查已生成的案卷 PDF：字体嵌入、PDF 结构和 qpdf --check；不通过时退出码为 1。 / "
                                    "Deep-check a built volume's PDF (fonts, structure, qpdf --check).")
@click.argument("volume_id", type=int)
@with_appcontext
def volume_check(volume_id: int):
    from archive.binder.verify import check_file

    s = services()
    with s.db.session() as session:
        status = _volume(session, volume_id).status
    path = pdf_path(s.settings.volumes_dir, volume_id)
    if status != "done" or not path.exists():
        fail(f"案卷 {volume_id} 尚未生成 / not built (status: {status})", 2)
    problems, warnings = check_file(path)
    for w in warnings:
        click.echo(f"警告 / warning: {w}")
    if problems:
        for p in problems:
            click.echo(f"错误 / error: {p}", err=True)
        sys.exit(1)
    click.echo(f"案卷 {volume_id} 检查通过 / passed: {path}")
