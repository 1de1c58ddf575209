"""`archive org …`: import the org-unit tree from CSV and list it."""
from __future__ import annotations

from pathlib import Path

import click
from flask.cli import AppGroup, with_appcontext

from archive.cli.common import echo_json, fail, json_option, services
from archive.errors import DomainError
from archive.orgs import service as orgs


@click.group("org", cls=AppGroup, help="单位（组织机构树） / Org units.")
def org_group():
    pass


@org_group.command("import", help="从 CSV 导入单位：列“路径”(path)，可选“区划代码”(code)。 / Import units from CSV.")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def org_import(csv_file: str):
    s = services()
    data = Path(csv_file).read_bytes()
    session = s.db.sessions()
    try:
        result = orgs.import_csv(session, data)
        if result.errors:
            session.rollback()
            for e in result.errors:
                click.echo(e, err=True)
            fail("导入失败，未做任何更改 / import failed, nothing changed")
        session.commit()
    except DomainError as e:
        session.rollback()
        fail(e.message)
    finally:
        session.close()
    click.echo(f"导入 {result.rows} 行，新建 {result.created} 个单位，更新 {result.updated_codes} 个区划代码 / "
               f"{result.rows} rows, {result.created} units created, {result.updated_codes} codes updated")


@org_group.command("list", help="列出单位 / List org units.")
@json_option()
@with_appcontext
def org_list(as_json: bool):
    with services().db.session() as session:
        for unit in orgs.list_units(session):
            if as_json:
                echo_json({"id": unit.id, "path": unit.path, "name": unit.name, "code": unit.code, "depth": unit.depth})
            else:
                click.echo(f"{unit.id}\t{unit.code or '-':12}\t{unit.path}")
