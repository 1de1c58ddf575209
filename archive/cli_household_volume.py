"""`archive household volume ID -o FILE.pdf`: a household's file (一户一档) bound as one volume
(archive/ledgers/volume.py), built here and written to FILE.pdf."""
from __future__ import annotations


import click
from flask.cli import with_appcontext

from archive.auth.actor import CLI
from archive.auth.scope import OutOfScope
from archive.cli import _fail, _services
from archive.cli_ledgers import household_group


@household_group.command("volume", help="一户一档组卷（案卷 PDF）：按识别、帮扶、退出阶段及档案项目排列，缺少的必备项在目录中注明。 / "
                                        "Build a household's file as a bound volume.")
@click.argument("household_id", type=int)
@click.option("--title", default="", help="案卷题名 / title")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True), help="输出 PDF / output PDF")
@with_appcontext
def household_volume(household_id, title, output):
    from archive.binder import service as volumes
    from archive.cli_volume import build_to_file
    from archive.ledgers.volume import create_household_volume

    s = _services()
    with s.db.session() as session:
        try:
            volume = create_household_volume(session, s.standards, CLI, household_id, title=title)
        except volumes.VolumeError as e:
            _fail(e.message, 2)
        except OutOfScope:
            _fail(f"户 {household_id} 不存在 / no such household", 2)
        volume_id = volume.id
    target = build_to_file(s, volume_id, output)
    click.echo(f"已生成 / written: {target}（案卷 {volume_id}）")
