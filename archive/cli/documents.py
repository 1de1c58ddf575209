"""Documents at the command line: `ingest` files and folders, `document show`, full-text `search`."""
from __future__ import annotations

import html as html_lib
import sys

import click
from flask.cli import AppGroup, with_appcontext

from archive.cli.common import echo_json, fail, get_or_fail, json_option, progress_bar, resolve_org, services
from archive.documents import service as documents
from archive.errors import DomainError
from archive.ingest.walk import walk
from archive.values import parse_year_range


@click.command("ingest", help="导入文件或文件夹（子文件夹名为下级单位名时进入该单位）。 / Ingest files or folders.")
@click.argument("paths", nargs=-1, required=True)
@click.option("--org", "org_ref", help="单位路径或区划代码 / org display path or division code")
@json_option("每个文件输出一行 JSON / one JSON object per file")
@with_appcontext
def ingest_cmd(paths: tuple[str, ...], org_ref: str | None, as_json: bool):
    s = services()
    with s.db.session() as session:
        start = resolve_org(session, org_ref) if org_ref else None
        items = list(walk(session, list(paths), start))
    rejected = 0
    with progress_bar("导入", len(items)) as bar:
        for result in s.pipeline.ingest_many(items):
            rejected += result.status == "rejected"
            if as_json:
                echo_json(result.as_dict())
            else:
                click.echo(_result_line(result))
            bar.update(1)
    sys.exit(1 if rejected else 0)


STATUS_NAMES = {"stored": "已入库", "duplicate": "重复", "rejected": "已拒绝"}


def _result_line(result) -> str:
    label = f"{STATUS_NAMES[result.status]}/{result.status}"
    if result.error:
        return f"{label}\t{result.path}\t{result.error.code}: {result.error.message}"
    doc = result.document
    return f"{label}\t{result.path}\t#{doc.id}\t{doc.org.path}\t{doc.title}"


@click.group("document", cls=AppGroup, help="文件（件） / Documents.")
def document_group():
    pass


@document_group.command("show", help="显示文件元数据；--text 含提取的全文。 / Show a document's metadata.")
@click.argument("document_id", type=int)
@json_option()
@click.option("--text", "with_text", is_flag=True, help="包含提取的文本 / include the extracted text")
@with_appcontext
def document_show(document_id: int, as_json: bool, with_text: bool):
    with services().db.session() as session:
        doc = get_or_fail(documents.get, session, document_id, user=None, with_text=with_text,
                          missing=f"文件 {document_id} 不存在 / no such document", code=1)
        data = documents.detail(doc, with_text=with_text)
    if as_json:
        echo_json(data)
        return
    for key, value in data.items():
        if key != "text":
            click.echo(f"{key}: {value if value is not None else ''}")
    if with_text:
        click.echo("\n" + data["text"])


@click.command("search", help="全文检索（空格表示并且，OR 表示或者，-词 表示排除）。 / Full-text search.")
@click.argument("query")
@click.option("--org", "org_ref", help="单位路径或区划代码（含下级） / unit (and below)")
@click.option("--category", multiple=True, help="分类号 / category code")
@click.option("--year", help="年度，如 2020 或 2019-2021 / year or range")
@click.option("--type", "kinds", multiple=True, help="文件类型 pdf/docx/xlsx/txt/jpeg/png/tiff")
@click.option("--sort", type=click.Choice(["relevance", "date", "date_asc"]), default="relevance", show_default=True)
@click.option("--limit", default=20, show_default=True, type=int, help="结果条数 / hits")
@click.option("--page", default=1, show_default=True, type=int)
@json_option()
@with_appcontext
def search_cmd(query, org_ref, category, year, kinds, sort, limit, page, as_json):
    from archive.search.service import SearchParams, search

    s = services()
    with s.db.session() as session:
        org = resolve_org(session, org_ref) if org_ref else None
        try:
            year_from, year_to = parse_year_range(year)
            result = search(session, s.search, user=None, params=SearchParams(
                q=query, org=org, categories=list(category), kinds=list(kinds), year_from=year_from,
                year_to=year_to, sort=sort, page=page, per_page=limit))
        except DomainError as e:
            fail(e.message, 2)
        data = result.as_dict()
    if as_json:
        echo_json(data)
        return
    click.echo(f"共 {data['total']} 条 / {data['total']} hits")
    for hit in data["hits"]:
        click.echo(f"#{hit['document_id']}\t{hit['year'] or '-'}\t{hit['org']}\t{hit['title']}")
        click.echo("    " + _plain(hit["snippet"]))


def _plain(html: str) -> str:
    return html_lib.unescape(html.replace("<mark>", "【").replace("</mark>", "】"))
