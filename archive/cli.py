"""The `archive` command line (a Flask CLI group). Help texts are in Chinese and English."""
from __future__ import annotations

import json
import sys
from pathlib import Path

import click
from flask import current_app
from flask.cli import FlaskGroup, with_appcontext
from sqlalchemy import select

from archive import create_app, migrate
from archive.auth import service as auth
from archive.auth.scope import OutOfScope
from archive.documents import service as documents
from archive.ingest.walk import walk
from archive.models import Document
from archive.orgs import service as orgs


def _services():
    return current_app.extensions["archive"]


def _echo_json(data) -> None:
    click.echo(json.dumps(data, ensure_ascii=False))


def _fail(message: str, code: int = 1):
    click.echo(f"错误 / error: {message}", err=True)
    sys.exit(code)


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=False,
             help="扶贫档案管理系统命令行 / Poverty-alleviation archive command line.")
def main():
    pass


@main.command("init", help="创建或升级数据库结构；--demo 载入演示数据。 / Create or upgrade the schema; --demo loads demo data.")
@click.option("--demo", is_flag=True, help="载入演示单位、用户和文件 / load demo units, users and documents")
@with_appcontext
def init_cmd(demo: bool):
    s = _services()
    changed = migrate.upgrade(s.db.engine)
    s.store.ensure()
    click.echo("数据库已升级到最新版本 / schema upgraded" if changed else "数据库已是最新版本 / schema up to date")
    if s.search.engine().count() == 0 and not s.search.check().clean:
        # An archive from before search existed, or a lost index: build it from the database.
        click.echo(f"已建立检索索引 / search index built: {s.search.reindex()}")
    if demo:
        from archive.demo import load_demo

        summary = load_demo(s)
        click.echo(summary)


# --- org units ---------------------------------------------------------------------------------
@main.group("org", help="单位（组织机构树） / Org units.")
def org_group():
    pass


@org_group.command("import", help="从 CSV 导入单位：列“路径”(path)，可选“区划代码”(code)。 / Import units from CSV.")
@click.argument("csv_file", type=click.Path(exists=True, dir_okay=False))
@with_appcontext
def org_import(csv_file: str):
    s = _services()
    data = Path(csv_file).read_bytes()
    session = s.db.sessions()
    try:
        result = orgs.import_csv(session, data)
        if result.errors:
            session.rollback()
            for e in result.errors:
                click.echo(e, err=True)
            _fail("导入失败，未做任何更改 / import failed, nothing changed")
        session.commit()
    except orgs.OrgError as e:
        session.rollback()
        _fail(e.message)
    finally:
        session.close()
    click.echo(f"导入 {result.rows} 行，新建 {result.created} 个单位，更新 {result.updated_codes} 个区划代码 / "
               f"{result.rows} rows, {result.created} units created, {result.updated_codes} codes updated")


@org_group.command("list", help="列出单位 / List org units.")
@click.option("--json", "as_json", is_flag=True, help="JSON 输出 / JSON output")
@with_appcontext
def org_list(as_json: bool):
    with _services().db.session() as session:
        for unit in orgs.list_units(session):
            if as_json:
                _echo_json({"id": unit.id, "path": unit.path, "name": unit.name, "code": unit.code, "depth": unit.depth})
            else:
                click.echo(f"{unit.id}\t{unit.code or '-':12}\t{unit.path}")


# --- ingest ------------------------------------------------------------------------------------
@main.command("ingest", help="导入文件或文件夹（子文件夹名为下级单位名时进入该单位）。 / Ingest files or folders.")
@click.argument("paths", nargs=-1, required=True)
@click.option("--org", "org_ref", help="单位路径或区划代码 / org display path or division code")
@click.option("--json", "as_json", is_flag=True, help="每个文件输出一行 JSON / one JSON object per file")
@with_appcontext
def ingest_cmd(paths: tuple[str, ...], org_ref: str | None, as_json: bool):
    s = _services()
    with s.db.session() as session:
        start = None
        if org_ref:
            try:
                start = orgs.resolve(session, org_ref)
            except orgs.OrgError as e:
                _fail(e.message, 2)
        items = list(walk(session, list(paths), start))
    rejected = 0
    show_bar = sys.stderr.isatty()
    with click.progressbar(length=len(items), file=sys.stderr if show_bar else _Null(), label="导入") as bar:
        for result in s.pipeline.ingest_many(items):
            rejected += result.status == "rejected"
            if as_json:
                _echo_json(result.as_dict())
            else:
                click.echo(_result_line(result))
            bar.update(1)
    sys.exit(1 if rejected else 0)


class _Null:
    def write(self, *_):
        pass

    def flush(self):
        pass

    def isatty(self):
        return False


STATUS_NAMES = {"stored": "已入库", "duplicate": "重复", "rejected": "已拒绝"}


def _result_line(result) -> str:
    label = f"{STATUS_NAMES[result.status]}/{result.status}"
    if result.error:
        return f"{label}\t{result.path}\t{result.error.code}: {result.error.message}"
    doc = result.document
    return f"{label}\t{result.path}\t#{doc.id}\t{doc.org.path}\t{doc.title}"


# --- documents ---------------------------------------------------------------------------------
@main.group("document", help="文件（件） / Documents.")
def document_group():
    pass


@document_group.command("show", help="显示文件元数据；--text 含提取的全文。 / Show a document's metadata.")
@click.argument("document_id", type=int)
@click.option("--json", "as_json", is_flag=True, help="JSON 输出 / JSON output")
@click.option("--text", "with_text", is_flag=True, help="包含提取的文本 / include the extracted text")
@with_appcontext
def document_show(document_id: int, as_json: bool, with_text: bool):
    with _services().db.session() as session:
        try:
            doc = documents.get(session, document_id, user=None, with_text=with_text)
        except OutOfScope:
            _fail(f"文件 {document_id} 不存在 / no such document")
        data = documents.detail(doc, with_text=with_text)
    if as_json:
        _echo_json(data)
        return
    for key, value in data.items():
        if key != "text":
            click.echo(f"{key}: {value if value is not None else ''}")
    if with_text:
        click.echo("\n" + data["text"])


# --- fixity and consistency ----------------------------------------------------------------------
@main.command("check", help="校验文件存储（重新计算哈希）并核对检索索引与数据库；--repair 修复索引。 / "
                            "Fixity check of the file store and index-vs-database check; --repair fixes the index.")
@click.option("--json", "as_json", is_flag=True, help="JSON 输出 / JSON output")
@click.option("--repair", is_flag=True, help="修复索引中缺失、过期和多余的条目 / fix missing, stale and orphan index entries")
@with_appcontext
def check_cmd(as_json: bool, repair: bool):
    s = _services()
    with s.db.session() as session:
        hashes = list(session.scalars(select(Document.sha256)))
    report = s.store.verify(hashes)
    index = s.search.repair() if repair else s.search.check()
    index_clean = index.clean or repair  # after a repair the problems found are fixed
    clean = report.clean and index_clean
    if as_json:
        _echo_json({"ok": report.ok, "missing": report.missing, "corrupt": report.corrupt,
                    "orphans": report.orphans, "stale_temp": report.stale_temp,
                    "index": {"engine": s.search.engine_name, "indexed": index.indexed, "missing": index.missing,
                              "stale": index.stale, "orphans": index.orphans, "repaired": repair},
                    "clean": clean})
    else:
        click.echo(f"正常 / ok: {report.ok}")
        for label, items in (("缺失 / missing", report.missing), ("损坏 / corrupt", report.corrupt),
                             ("孤立 / orphan", report.orphans), ("临时残留 / stale temp", report.stale_temp)):
            for sha in items:
                click.echo(f"{label}: {sha}")
        click.echo(f"检索索引 / index ({s.search.engine_name}): {index.indexed} 条；缺失 {len(index.missing)}，"
                   f"过期 {len(index.stale)}，多余 {len(index.orphans)}" + ("（已修复 / repaired）" if repair else ""))
        click.echo("检查通过 / clean" if clean else "发现问题 / problems found")
    sys.exit(0 if clean else 1)


# --- search --------------------------------------------------------------------------------------
@main.command("search", help="全文检索（空格表示并且，OR 表示或者，-词 表示排除）。 / Full-text search.")
@click.argument("query")
@click.option("--org", "org_ref", help="单位路径或区划代码（含下级） / unit (and below)")
@click.option("--category", multiple=True, help="分类号 / category code")
@click.option("--year", help="年度，如 2020 或 2019-2021 / year or range")
@click.option("--type", "kinds", multiple=True, help="文件类型 pdf/docx/xlsx/txt/jpeg/png/tiff")
@click.option("--sort", type=click.Choice(["relevance", "date", "date_asc"]), default="relevance", show_default=True)
@click.option("--limit", default=20, show_default=True, type=int, help="结果条数 / hits")
@click.option("--page", default=1, show_default=True, type=int)
@click.option("--json", "as_json", is_flag=True, help="JSON 输出 / JSON output")
@with_appcontext
def search_cmd(query, org_ref, category, year, kinds, sort, limit, page, as_json):
    from archive.errors import DomainError
    from archive.search.service import SearchParams, search
    from archive.values import parse_year_range

    s = _services()
    with s.db.session() as session:
        try:
            org = orgs.resolve(session, org_ref) if org_ref else None
            year_from, year_to = parse_year_range(year)
            result = search(session, s.search, user=None, params=SearchParams(
                q=query, org=org, categories=list(category), kinds=list(kinds), year_from=year_from,
                year_to=year_to, sort=sort, page=page, per_page=limit))
        except DomainError as e:
            _fail(e.message, 2)
        data = result.as_dict()
    if as_json:
        _echo_json(data)
        return
    click.echo(f"共 {data['total']} 条 / {data['total']} hits")
    for hit in data["hits"]:
        click.echo(f"#{hit['document_id']}\t{hit['year'] or '-'}\t{hit['org']}\t{hit['title']}")
        click.echo("    " + _plain(hit["snippet"]))


def _plain(html: str) -> str:
    import html as html_lib

    return html_lib.unescape(html.replace("<mark>", "【").replace("</mark>", "】"))


@main.command("reindex", help="由数据库重建检索索引（在旁边建好后原子切换，检索不中断）。 / Rebuild the search index.")
@with_appcontext
def reindex_cmd():
    s = _services()
    show_bar = sys.stderr.isatty()
    with click.progressbar(length=1, file=sys.stderr if show_bar else _Null(), label="重建索引") as bar:
        def progress(done, total):
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        count = s.search.reindex(progress)
    click.echo(f"已重建索引 / reindexed: {count} ({s.search.engine_name})")


# --- users and tokens --------------------------------------------------------------------------
@main.group("user", help="用户 / Users.")
def user_group():
    pass


@user_group.command("create", help="创建用户 / Create a user.")
@click.argument("username")
@click.option("--org", "org_ref", required=True, help="所属单位路径或区划代码 / the user's org unit")
@click.option("--role", type=click.Choice(["admin", "clerk", "inspector", "viewer"]), required=True,
              help="admin 系统管理员, clerk 档案员, inspector 检查人员, viewer 领导")
@click.option("--password", help="密码（不给则提示输入） / password (prompted when omitted)")
@with_appcontext
def user_create(username: str, org_ref: str, role: str, password: str | None):
    if password is None:
        password = click.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    with _services().db.session() as session:
        try:
            user = auth.create_user(session, username=username, org=orgs.resolve(session, org_ref),
                                    role=role, password=password)
        except (auth.AuthError, orgs.OrgError) as e:
            _fail(e.message, 2)
        click.echo(f"已创建用户 / created: {user.username} ({auth.ROLE_NAMES[role]}, {user.org.path})")


@main.group("token", help="API 令牌 / API tokens.")
def token_group():
    pass


@token_group.command("create", help="为用户创建 API 令牌，只显示一次。 / Create an API token (shown once).")
@click.argument("username")
@with_appcontext
def token_create(username: str):
    with _services().db.session() as session:
        try:
            token = auth.create_token(session, auth.get_user(session, username))
        except auth.AuthError as e:
            _fail(e.message, 2)
    click.echo(token)


# --- serving -----------------------------------------------------------------------------------
@main.command("run", help="启动网页服务（含后台任务线程）。 / Serve the app (with an in-process job worker).")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, type=int)
@click.option("--worker/--no-worker", default=True, show_default=True,
              help="在本进程内运行后台任务 / run background jobs in this process")
@with_appcontext
def run_cmd(host: str, port: int, worker: bool):
    from archive.jobs import huey

    if worker:
        consumer = huey.create_consumer(workers=1, worker_type="thread")
        consumer.start()
    from werkzeug.serving import run_simple

    # Flask's app.run() refuses to start under its own CLI; werkzeug's server is what it would use.
    click.echo(f"扶贫档案管理系统：http://{host}:{port}/")
    run_simple(host, port, current_app._get_current_object(), threaded=True)


@main.command("worker", help="运行后台任务处理进程。 / Run the background job worker.")
@click.option("--workers", default=1, show_default=True, type=int)
@with_appcontext
def worker_cmd(workers: int):
    from archive.jobs import huey

    huey.create_consumer(workers=workers, worker_type="thread").run()


# --- classifier --------------------------------------------------------------------------------
@main.group("classifier", help="学习分类模型（由人工确认的分类训练）。 / The learned classifier.")
def classifier_group():
    pass


@classifier_group.command("train", help="立即训练分类模型，显示各类文件数和交叉验证准确率。 / "
                                        "Train now; print documents per class and cross-validated accuracy.")
@click.option("--json", "as_json", is_flag=True, help="JSON 输出 / JSON output")
@with_appcontext
def classifier_train(as_json: bool):
    from archive.classify import model

    s = _services()
    with s.db.session() as session:
        results = model.train(session, s.standards, s.settings.data_dir)
    if as_json:
        _echo_json([r.as_dict() for r in results])
        return
    for r in results:
        scheme = s.standards.schemes[r.scheme_id]
        sources = "，".join(f"{k} {v}" for k, v in r.sources.items())
        click.echo(f"{r.scheme_id}（{scheme.name}）：{r.documents} 件（{sources}）")
        for label, n in r.counts.items():
            name = "非扶贫档案" if label == model.NOT_POVERTY else scheme.classes[label].name \
                if label in scheme.classes else "?"
            click.echo(f"  {label:<16} {name:<12} {n}")
        if r.trained:
            acc = "—" if r.cv_accuracy is None else f"{r.cv_accuracy:.1%}"
            click.echo(f"  交叉验证准确率 / cross-validated accuracy: {acc}")
            click.echo(f"  已保存 / saved: {r.path}")
        else:
            click.echo(f"  未训练 / not trained: {r.reason}")


# --- catalogue -----------------------------------------------------------------------------------
@main.command("catalogue", help="生成归档文件目录（XLSX 或 PDF，由 -o 的扩展名决定）。 / "
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
    from archive.errors import DomainError

    fmt = Path(output).suffix.lower().lstrip(".")
    if fmt not in catalogue.FORMATS:
        _fail("输出文件的扩展名应为 .xlsx 或 .pdf / the output must end in .xlsx or .pdf", 2)
    s = _services()
    with s.db.session() as session:
        try:
            result = catalogue.build(session, s.standards, org=orgs.resolve(session, org_ref), year=year,
                                     retention=retention, class_code=class_code, user=None)
        except catalogue.NothingFiled as e:
            _fail(e.message, 1)
        except DomainError as e:
            _fail(e.message, 2)
    target = Path(output)
    partial = target.with_name(f".{target.name}.part")
    try:
        with partial.open("wb") as out:
            catalogue.write(result, fmt, out)
        partial.replace(target)  # no half-written file under the real name
    finally:
        partial.unlink(missing_ok=True)
    click.echo(f"已生成 / written: {target}（{len(result.rows)} 件 / items）")


# --- completeness ------------------------------------------------------------------------------
@main.command("completeness", help="归档完整性检查：按归档范围检查单位某年度的档案（乡镇、县含下级）；"
                                   "有缺失的必需项时退出码为 1。 / Archive completeness check; exit 1 when a required item is missing.")
@click.option("--org", "org_ref", required=True, help="单位路径或区划代码 / org display path or division code")
@click.option("--year", required=True, help="年度 / year, e.g. 2020")
@click.option("--no-body", is_flag=True, help="不查正文关键词 / skip the body-keyword check")
@click.option("--json", "as_json", is_flag=True, help="JSON 输出 / JSON output")
@with_appcontext
def completeness_cmd(org_ref: str, year: str, no_body: bool, as_json: bool):
    from archive.completeness.export import text_lines
    from archive.completeness.service import check
    from archive.errors import DomainError
    from archive.values import parse_year

    s = _services()
    with s.db.session() as session:
        try:
            report = check(session, s.standards, user=None, org=orgs.resolve(session, org_ref),
                           year=parse_year(year), body=not no_body)
        except DomainError as e:
            _fail(e.message, 2)
    if as_json:
        _echo_json(report.as_dict())
    else:
        for line in text_lines(report):
            click.echo(line)
    sys.exit(0 if report.complete else 1)


# Command groups of other domains, registered on `main` (imported last: they use the helpers above).
from archive import cli_ledgers, cli_rectify, cli_volume  # noqa: E402,F401
from archive import cli_household_volume  # noqa: E402,F401
