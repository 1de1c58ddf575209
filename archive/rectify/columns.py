"""The words of a 问题清单: its columns (FIELDS: label and synonyms, matched by archive.tables.header),
what clerks write for a state (STATE_WORDS, parse_state) and how a 责任单位 cell lists units (units).
"""
from __future__ import annotations

import re
import unicodedata
from typing import Any

from archive.rectify.states import STATES
from archive.tables.header import Synonyms
from archive.tables.grid import cell_text

# field -> (Chinese label, synonyms). The label is the first synonym. Synonyms are matched against
# the normalised header text: exactly first, then as a part of it (a synonym the name ends with wins,
# as the head noun comes last in Chinese: "责任单位负责人" is a person, "问题整改情况" a progress).
FIELDS: dict[str, tuple[str, tuple[str, ...]]] = {
    "number": ("编号", ("编号", "问题编号", "问题序号", "序号", "序", "NO", "NO.")),
    "description": ("问题描述", ("问题描述", "反馈问题", "存在问题", "问题", "问题表现", "具体问题",
                                 "问题内容", "主要问题", "存在的问题", "存在的主要问题", "问题清单",
                                 "反馈意见", "问题及表现")),
    "category": ("问题类别", ("问题类别", "问题类型", "类别", "类型", "问题分类", "分类", "问题性质",
                              "所属类别")),
    "goal": ("整改目标", ("整改目标", "目标", "整改目标任务")),
    "measures": ("整改措施", ("整改措施", "措施", "整改举措", "具体措施", "整改任务")),
    "lead_unit": ("牵头单位", ("牵头单位", "牵头部门", "牵头责任单位", "主责单位")),
    # 配合单位 are responsible too: they go into `units` with the 责任单位 (several columns merge).
    "units": ("责任单位", ("责任单位", "责任部门", "配合单位", "配合部门", "协同单位", "整改责任单位",
                           "责任主体", "责任单位(部门)")),
    "leader": ("责任领导", ("责任领导", "分管领导", "牵头领导", "包联领导", "县级责任领导", "分管责任领导")),
    "person": ("责任人", ("责任人", "具体责任人", "联系人", "负责人", "经办人", "整改责任人")),
    "deadline": ("整改时限", ("整改时限", "完成时限", "时限", "整改期限", "完成期限", "期限",
                              "计划完成时间", "计划完成时限", "要求完成时间", "整改时间")),
    "progress": ("进展", ("进展", "整改进展", "进展情况", "完成情况", "整改情况", "整改完成情况",
                          "推进情况", "整改进度", "进度", "整改落实情况")),
    "state": ("状态", ("状态", "整改状态", "是否完成", "完成状态", "是否整改到位", "是否销号", "销号情况")),
    "source": ("问题来源", ("问题来源", "来源", "反馈来源")),
}
REQUIRED = ("description",)

STATE_LABELS = STATES   # code -> label: 未整改, 整改中, 已整改待验收, 已销号
# What clerks write in a 状态/是否完成 column. An item marked done is awaiting acceptance: closing
# (销号) needs evidence and an acceptance opinion in the system; only an explicit 销号 means closed.
STATE_WORDS: dict[str, str] = {}
for _code, _words in {
    "not_started": ("未整改", "未完成", "未开始", "未启动", "尚未整改", "尚未完成", "尚未启动", "未整改到位",
                    "否", "待整改", "未销号"),
    "in_progress": ("整改中", "正在整改", "正在推进", "推进中", "进行中", "持续整改", "持续推进",
                    "长期坚持", "部分完成", "基本完成", "阶段性完成", "已启动", "整改推进中"),
    "awaiting_acceptance": ("已整改待验收", "待验收", "已完成", "已整改", "已整改到位", "整改完成",
                            "已完成整改", "完成", "是", "待销号", "申请销号", "已完成待验收", "已整改完成"),
    "closed": ("已销号", "销号", "已验收销号", "已验收", "验收销号", "已办结", "办结"),
}.items():
    for _w in _words:
        STATE_WORDS[_w] = _code

# One column per field, but the units may come from several (责任单位 and 配合单位); a column whose
# header says 编号 wins over a 序号.
# "责任单位/责任人" names its last part: the cells hold a person (the old reader's rule).
SYNONYMS = Synonyms(((key, label, synonyms) for key, (label, synonyms) in FIELDS.items()),
                    several=("units",), prefer={"number": "编号"}, split_last_first=True)
# 小计/合计 rows; not 累计, which begins real problems ("累计欠款未清退").
SUBTOTALS = ("小计", "合计", "总计", "共计")


_UNIT_SEPARATORS = set("、，,；;/\n\t \u3000")


def units(values: Any) -> list[str]:
    """Split 责任单位 on 、，,；;/ and line breaks (not inside brackets: "县委组织部（编办、人社局）")."""
    if values is None:
        return []
    if not isinstance(values, list):
        values = [values]
    units: list[str] = []
    for value in values:
        text = cell_text(value)
        depth, current = 0, []
        for ch in text + "\n":
            if ch in "(（[【":
                depth += 1
            elif ch in ")）]】":
                depth = max(0, depth - 1)
            if ch in _UNIT_SEPARATORS and depth == 0:
                unit = "".join(current).strip()
                if unit and unit not in units:
                    units.append(unit)
                current = []
            else:
                current.append(ch)
    return units


def parse_state(text: str) -> str | None:
    """A state code for what a clerk wrote ("已整改" → awaiting_acceptance), None if not understood."""
    key = re.sub(r"[\s。.!！√✔☑]", "", unicodedata.normalize("NFKC", text))
    if key in STATE_LABELS:
        return key
    if key in STATE_WORDS:
        return STATE_WORDS[key]
    for label, code in sorted(STATE_WORDS.items(), key=lambda kv: -len(kv[0])):
        if len(label) >= 3 and key.startswith(label):   # "已完成（2024年3月）"
            return code
    return None
