"""`archive classifier train`: train the learned classifier now and report what it learned from."""
from __future__ import annotations

import click
from flask.cli import AppGroup, with_appcontext

from archive.cli.common import echo_json, json_option, services


@click.group("classifier", cls=AppGroup, help="学习分类模型（由人工确认的分类训练）。 / The learned classifier.")
def classifier_group():
    pass


@classifier_group.command("train", help="立即训练分类模型，显示各类文件数和交叉验证准确率。 / "
                                        "Train now; print documents per class and cross-validated accuracy.")
@json_option()
@with_appcontext
def classifier_train(as_json: bool):
    from archive.classify import model

    s = services()
    with s.db.session() as session:
        results = model.train(session, s.standards, s.settings.data_dir)
    if as_json:
        echo_json([r.as_dict() for r in results])
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
