"""Sample document texts and filing them through the ingest pipeline."""
from __future__ import annotations

from archive.ingest.pipeline import Incoming

# A 0305 notice (危房改造); format it with year, n (the 文号) and day.
NOTICE = """关于做好{year}年危房改造工作的通知
安政办〔{year}〕{n}号
各乡镇：
为做好农村危房改造工作，保障贫困户住房安全，现将有关事项通知如下。危房改造对象为建档立卡贫困户。
安阳县人民政府办公室
{year}年3月{day}日
"""
# The same notice long enough to span several pages of a volume.
LONG = NOTICE + "".join(f"{n}. 危房改造对象为建档立卡贫困户，按户核实住房安全情况，逐户登记，建立台账。\n" for n in range(1, 121))
# Not a poverty record: no class, left for review.
NEWS = "我市举办2021年迎春文艺汇演\n市文化馆组织文艺汇演，群众踊跃参加，节目精彩纷呈。城市规划展览同时开幕。\n2021年2月1日\n"


def ingest_text(services, tmp_path, org, name: str, text: str) -> int:
    """File `text` as the file `name` of `org` (written under tmp_path); returns the document id."""
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    result = services.pipeline.ingest(Incoming(source=path, name=name, org=org))
    assert result.status == "stored", result.as_dict()
    return result.document.id
