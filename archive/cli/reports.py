"""Reports on a unit's year: `catalogue` (the 归档文件目录 as XLSX or PDF) and `completeness`
(the archive checked against the filing scope)."""
from __future__ import annotations

import sys
from pathlib import Path

import click
from flask.cli import with_appcontext

from archive.cli.common import atomic_output, echo_json, fail, json_option, resolve_org, services
from archive.errors import DomainError
from archive.values import parse_year


@click.command("catalogue", help="生成归档文件目录（XLSX 或 PDF，由 -o 的扩展名决定）。 / "
                                 "Write the archive catalogue of a unit, year and retention period.")
@click.option("--org", "org_ref", required=True, help="单位路径或区划代码（含下级） / unit (and below)")
@click.option("--year", required=True, help="年度 / year, e.g. 2020")
@click.option("--retention", required=True, help="保管期限 Y / D30 / D10")
@click.option("--class", "class_code", help="只列一个类目（机构(问题)） / one class only")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="输出文件 .xlsx 或 .pdf / output file")
@with_appcontext
def catalogue_cmd(org_ref: str, year: str, retention: str, class_code: str | None, output: str):
    from archive import catalogue

    fmt = Path(output).suffix.lower().lstrip(".")
    if fmt not in catalogue.FORMATS:
        fail("输出文件的扩展名应为 .xlsx 或 .pdf / the output must end in .xlsx or .pdf", 2)
    s = services()
    with s.db.session() as session:
        org = resolve_org(session, org_ref)
        try:
            result = catalogue.build(session, s.standards, org=org, year=year, retention=retention,
                                     class_code=class_code, user=None)
        except catalogue.NothingFiled as e:
            fail(e.message, 1)
        except DomainError as e:
            fail(e.message, 2)
    with atomic_output(output) as out:
        catalogue.write(result, fmt, out)
    click.echo(f"已生成 / written: {Path(output)}（{len(result.rows)} 件 / items）")


@click.command("completeness", help="归档完整性检查：按归档范围检查单位某年度的档案（乡镇、县含下级）；"
                                    "有缺失的必需项时退出码为 1。 / Archive completeness check; exit 1 when a required item is missing.")
@click.option("--org", "org_ref", required=True, help="单位路径或区划代码 / org display path or division code")
@click.option("--year", required=True, help="年度 / year, e.g. 2020")
@click.option("--no-body", is_flag=True, help="不查正文关键词 / skip the body-keyword check")
@json_option()
@with_appcontext
def completeness_cmd(org_ref: str, year: str, no_body: bool, as_json: bool):
    from archive.completeness.export import text_lines
    from archive.completeness.service import check

    s = services()
    with s.db.session() as session:
        org = resolve_org(session, org_ref)
        try:
            report = check(session, s.standards, user=None, org=org, year=parse_year(year), body=not no_body)
        except DomainError as e:
            fail(e.message, 2)
    if as_json:
        echo_json(report.as_dict())
    else:
        for line in text_lines(report):
            click.echo(line)
    sys.exit(0 if report.complete else 1)
