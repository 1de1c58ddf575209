"""The batch-reuse rule of a 问题清单 import (archive/rectify/batches.py): a list imported under a title
the receiving unit already has goes into that batch, from the CLI as from the service."""
import json

import pytest

from archive.auth.actor import CLI
from archive.models import FeedbackBatch
from archive.rectify import batches, service as rectify
from tests.support.rectify import checklist


def test_a_new_title_is_a_spec_checked_and_a_known_one_the_batch(services, org_tree):
    with services.db.session() as session:
        town, county = session.merge(org_tree["莲蓬寺镇"]), session.merge(org_tree["文峰区"])
        spec = batches.batch_for_import(session, org=town, title="区委  巡察反馈", source="巡察", received="2021-05-06")
        assert isinstance(spec, rectify.BatchSpec) and spec.source == "巡视"
        with pytest.raises(rectify.RectifyError):
            batches.batch_for_import(session, org=town, title="另一批", source="巡察", received="明年")
        batch = rectify.create_batch(session, CLI, spec)
        # Spaces collapse as the title is stored; the source and date of the known batch are not checked again.
        assert batches.batch_for_import(session, org=town, title=" 区委 巡察反馈 ", source="",
                                        received="明年") is batch
        assert batches.batch_titled(session, county, "区委 巡察反馈") is None


def _one_item(tmp_path, number: int):
    path = tmp_path / f"问题清单{number}.xlsx"
    path.write_bytes(checklist(rows=[[number, "黎元村帮扶手册填写不规范", None, "手册规范", "逐户核对帮扶手册",
                                      "莲蓬寺镇", "黎元村", "王镇长", "李支书", "2021年6月30日", None]], merges=()))
    return str(path)


def test_the_cli_imports_into_the_unit_s_batch_of_the_same_title(cli, services, org_tree, tmp_path):
    args = ["--source", "巡察", "--org", "河南省/安阳市/文峰区"]
    first = cli("rectify", "import", _one_item(tmp_path, 1), *args, "--batch", "区委第一巡察组反馈问题", "--json")
    assert first.exit_code == 0, first.output
    again = cli("rectify", "import", _one_item(tmp_path, 2), *args, "--batch", " 区委第一巡察组反馈问题  ")
    assert again.exit_code == 0, again.output
    assert f"已有批次 {json.loads(first.output)['batch_id']}" in again.output
    with services.db.session() as session:
        assert session.query(FeedbackBatch).count() == 1
        assert len(session.query(FeedbackBatch).one().items) == 2
