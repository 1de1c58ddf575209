"""Rectification (整改) samples: the realistic 问题清单 and a faulty one, deadlines relative to today,
an evidence report as a DOCX and a report filed in the archive."""
from __future__ import annotations

import datetime as dt
import io

from docx import Document as DocxDocument

from archive.ingest.pipeline import Incoming
from archive.rectify import service as rectify
from tests.support.sheets import titled_sheet, workbook_bytes

TODAY = rectify.today()
SOON = TODAY + dt.timedelta(days=5)
LATER = TODAY + dt.timedelta(days=60)
HEADER = ["序号", "反馈问题", "问题类别", "整改目标", "整改措施", "牵头单位", "责任单位", "责任领导", "责任人",
          "整改时限", "整改进展"]


def checklist(rows=None, merges=("F5:F6", "A7:K7", "B8:B9", "A12:K12")) -> bytes:
    """A 问题清单 as offices send it: a merged title, a 填报 line, section rows merged across, a
    牵头单位 merged over two items, one problem over two rows (two measures), a note under the table."""
    wb, ws = titled_sheet("问题清单", "文峰区2021年脱贫攻坚成效考核反馈问题整改清单", "填报单位：文峰区扶贫开发办公室")
    ws.append(HEADER)
    ws.append(["一、精准识别方面"])
    ws.merge_cells("A4:K4")
    for row in rows or [
        [1, "黎元村2户贫困户识别不精准，家庭收入核算漏项", None, "应纳尽纳、应退尽退", "逐户入户核查，重新核算收入",
         "莲蓬寺镇", "黎元村", "王镇长", "李支书", "2021年6月30日", "已完成入户核查"],
        [2, "东关村、黎元村动态调整程序不规范，评议记录不全", None, "程序规范", "补齐民主评议记录并公示",
         None, "东关村、黎元村", "王镇长", "赵主任", "2021年底", None],
        ["二、精准帮扶方面"],
        [3, "西岗村产业项目收益分配不规范", None, "收益分配公开透明", "制定收益分配方案",
         "宝莲寺镇", "西岗村", "刘镇长", "孙会计", "长期坚持", None],
        [None, None, None, None, "收益分配情况张榜公示", None, None, None, None, None, None],
        [4, "莲蓬寺镇扶贫项目资产台账不完整", None, "资产底数清楚", "全面清查项目资产，建立台账",
         "文峰区", "莲蓬寺镇", "张副区长", "陈股长", SOON, None],
        [5, "黎元村帮扶手册填写不规范", None, "手册规范", "逐户核对帮扶手册",
         "莲蓬寺镇", "黎元村", "王镇长", "李支书", LATER, None],
        ["注：本表由区扶贫办汇总，整改时限以区委批复为准。"],
    ]:
        ws.append(row)
    # F5:F6 one 牵头单位 for items 1 and 2; A7 a section row; B8:B9 item 3, one problem over two
    # rows (two measures); A12 the note under the table.
    for rng in merges:
        ws.merge_cells(rng)
    return workbook_bytes(wb)


def bad_checklist() -> bytes:
    return checklist([
        [1, "黎元村问题", None, "", "措施", "莲蓬寺镇", "黎元村", "", "", "2021年6月30日", None],
        [2, "不存在的村的问题", None, "", "措施", "莲蓬寺镇", "不存在村", "", "", "2021年6月30日", None],
        [3, "区财政局的问题", None, "", "措施", "文峰区", "区财政局", "", "", "2021年6月30日", None],
        [3, "编号重复的问题", None, "", "措施", "文峰区", "东关村", "", "", "2021年6月30日", None],
    ], merges=())


def docx_bytes(title: str) -> bytes:
    """A village's 整改情况报告 as a DOCX, under `title`."""
    doc = DocxDocument()
    for line in (title, "莲蓬寺镇人民政府", "区扶贫办：", "按照成效考核反馈问题整改要求，我村已逐户开展入户核查，重新核算家庭收入，"
                 "整改情况报告如下。问题已整改到位，佐证材料附后。", "黎元村村民委员会", "2021年6月20日"):
        doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()


def notice(services, org, title="关于黎元村贫困户识别问题整改情况的报告", day=10) -> int:
    """A document filed in the archive (as if uploaded earlier), for linking as evidence."""
    text = f"{title}\n莲蓬寺镇人民政府\n各村：\n已逐户入户核查并重新核算收入，问题已整改到位。\n2021年6月{day}日\n"
    result = services.pipeline.ingest(Incoming(source=io.BytesIO(text.encode()), name=f"{title}.txt", org=org))
    assert result.status == "stored", result.error
    return result.document.id
