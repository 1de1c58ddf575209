"""Setting up and running the archive: `init` (schema, demo data), `check` (fixity and index),
`reindex`, `run` (the web server) and `worker` (the job queue)."""
from __future__ import annotations

import sys

import click
from flask import current_app
from flask.cli import with_appcontext

from archive import migrate
from archive.cli.common import echo_json, json_option, progress_bar, services
from archive.documents import service as documents


@click.command("init", help="创建或升级数据库结构；--demo 载入演示数据。 / Create or upgrade the schema; --demo loads demo data.")
@click.option("--demo", is_flag=True, help="载入演示单位、用户和文件 / load demo units, users and documents")
@with_appcontext
def init_cmd(demo: bool):
    s = services()
    changed = migrate.upgrade(s.db.engine)
    s.store.ensure()
    click.echo("数据库已升级到最新版本 / schema upgraded" if changed else "数据库已是最新版本 / schema up to date")
    if s.search.engine().count() == 0 and not s.search.check().clean:
        # An archive from before search existed, or a lost index: build it from the database.
        click.echo(f"已建立检索索引 / search index built: {s.search.reindex()}")
    if demo:
        from archive.demo.load import load_demo

        summary = load_demo(s)
        click.echo(summary)


@click.command("check", help="校验文件存储（重新计算哈希）并核对检索索引与数据库；--repair 修复索引。 / "
                             "Fixity check of the file store and index-vs-database check; --repair fixes the index.")
@json_option()
@click.option("--repair", is_flag=True, help="修复索引中缺失、过期和多余的条目 / fix missing, stale and orphan index entries")
@with_appcontext
def check_cmd(as_json: bool, repair: bool):
    s = services()
    with s.db.session() as session:
        hashes = documents.stored_hashes(session)
    report = s.store.verify(hashes)
    index = s.search.repair() if repair else s.search.check()
    index_clean = index.clean or repair  # after a repair the problems found are fixed
    clean = report.clean and index_clean
    if as_json:
        echo_json({"ok": report.ok, "missing": report.missing, "corrupt": report.corrupt,
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


@click.command("reindex", help="由数据库重建检索索引（在旁边建好后原子切换，检索不中断）。 / Rebuild the search index.")
@with_appcontext
def reindex_cmd():
    s = services()
    with progress_bar("重建索引") as bar:
        def progress(done, total):
            bar.length = max(total, 1)
            bar.update(done - bar.pos)

        count = s.search.reindex(progress)
    click.echo(f"已重建索引 / reindexed: {count} ({s.search.engine_name})")


@click.command("run", help="启动网页服务（含后台任务线程）。 / Serve the app (with an in-process job worker).")
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


@click.command("worker", help="运行后台任务处理进程。 / Run the background job worker.")
@click.option("--workers", default=1, show_default=True, type=int)
@with_appcontext
def worker_cmd(workers: int):
    from archive.jobs import huey

    huey.create_consumer(workers=workers, worker_type="thread").run()
