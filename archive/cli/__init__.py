"""The `archive` command line (a Flask CLI group): `main` with the commands of each module added.
Help texts are in Chinese and English; the shared helpers are in common.py."""
from __future__ import annotations

import click
from flask.cli import FlaskGroup

from archive import create_app
from archive.cli import classifier, documents, households, ledgers, orgs, rectify, reports, setup, users, volumes


@click.group(cls=FlaskGroup, create_app=lambda: create_app(), add_default_commands=False,
             help="扶贫档案管理系统命令行 / Poverty-alleviation archive command line.")
def main():
    pass


for command in (setup.init_cmd, setup.check_cmd, setup.reindex_cmd, setup.run_cmd, setup.worker_cmd,
                documents.ingest_cmd, documents.document_group, documents.search_cmd,
                orgs.org_group, users.user_group, users.token_group, classifier.classifier_group,
                reports.catalogue_cmd, reports.completeness_cmd, volumes.volume_group,
                ledgers.ledger_group, households.household_group, rectify.rectify_group):
    main.add_command(command)
# DESIGN.md names the command `archive binder build`; the contract is `archive volume build`.
main.add_command(volumes.volume_group, "binder")
