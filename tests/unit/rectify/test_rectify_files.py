"""问题清单 import (XLSX, DOCX tables) and 整改台账 export: pure file functions, no database."""
from __future__ import annotations

import datetime as dt
import io

import pytest
from openpyxl import Workbook, load_workbook

from archive.rectify.importer import ImportFileError, parse, parse_deadline, parse_docx, parse_xlsx, parse_state
from archive.rectify.ledger import LEDGER_COLUMNS, LedgerSheet, write_ledger

D = dt.date


class Text(str):
    """A cell value stored as text even when it starts with "=" (as Excel does for text cells)."""

# The realistic list: title + subtitle, a two-row header (整改措施 over 具体措施 | 整改目标, 责任主体 over
# 牵头单位 | 责任单位), 问题类别 merged over groups, 牵头单位 and 责任领导 merged down, dates in many forms,
# 立行立改, several 责任单位, 小计/合计 rows, blank rows, notes under the table.
TITLE = "XX县2024年巡视反馈问题整改清单"
SUBTITLE = "（县委巡察工作领导小组办公室　2024年3月印发）"
HEADER_TOP = ["序号", "问题类别", "反馈问题", "整改措施", None, "责任主体", None, "责任领导", "责任人",
              "整改时限", "整改状态", "备注"]
HEADER_SUB = [None, None, None, "具体措施", "整改目标", "牵头单位", "责任单位", None, None, None, None, None]
DATA = {   # sheet row -> values A..L (None under a merge)
    5: [1, "党的建设", "基层党组织软弱涣散问题整治不彻底", "开展软弱涣散村党组织整顿", "年底前全部整顿到位",
        "县委组织部", "县教育局、县卫健委", "张三", "李四", dt.datetime(2024, 3, 31), "整改中", ""],
    6: [2, None, "“三会一课”制度落实不到位", "建立台账，每季度督查", "制度落实率100%",
        None, "县民政局，县财政局", None, "王五", "2024年6月底", "未整改", None],
    7: [3, None, "党员发展程序不规范", "逐一核查近三年发展党员档案", "程序规范",
        "县农业农村局", "各乡镇/县乡村振兴局", None, "赵六", "2024.9.30", "已整改", "已报送材料"],
    9: ["小计", None, "3项", None, None, None, None, None, None, None, None, None],
    10: [4, "产业发展", "扶贫产业项目收益分配不规范", "规范收益分配，张榜公示", "收益分配公开透明",
         "县农业农村局", "县商务局;县供销社\n县市场监管局", "孙七", "周八", 45473, "已完成", None],
    11: [5, None, "部分产业项目闲置", "盘活闲置资产", "闲置资产清零",
         None, "县林业局", None, "吴九", "20241231", "已销号", None],
    12: [6, None, "项目资产台账不健全", "完善资产台账", "台账完整",
         None, "县水利局", None, "郑十", "立行立改", None, None],
    14: ["7", "作风建设", Text("=部分干部作风漂浮"), "开展作风专项整治", "作风明显好转",
         "县纪委监委", "县直各单位", "钱一", "陈二", "２０２４年１２月３１日", "整改中", None],
    15: ["8", "作风建设", "文山会海问题仍然存在", "精简会议文件", "会议文件减少20%",
         "县委办", "县政府办、县委办", None, "林三", "3月底", "正在整改", None],
    16: ["合计", None, "8项", None, None, None, None, None, None, None, None, None],
    18: ["注：整改时限以县委批复为准", None, None, None, None, None, None, None, None, None, None, None],
    19: ["填表人：王五", None, None, None, None, None, None, None, "审核人：赵六", None, None, None],
}
MERGES = ["A1:L1", "A2:L2", "A3:A4", "B3:B4", "C3:C4", "D3:E3", "F3:G3", "H3:H4", "I3:I4", "J3:J4",
          "K3:K4", "L3:L4", "B5:B7", "F5:F6", "H5:H7", "B10:B12", "F10:F12", "H10:H12", "A18:L18"]

EXPECTED = [  # row, number, category, lead_unit, units, leader, deadline, deadline_text, state
    (5, "1", "党的建设", "县委组织部", ["县教育局", "县卫健委"], "张三", D(2024, 3, 31), "2024-03-31", "in_progress"),
    (6, "2", "党的建设", "县委组织部", ["县民政局", "县财政局"], "张三", D(2024, 6, 30), "2024年6月底", "not_started"),
    (7, "3", "党的建设", "县农业农村局", ["各乡镇", "县乡村振兴局"], "张三", D(2024, 9, 30), "2024.9.30",
     "awaiting_acceptance"),
    (10, "4", "产业发展", "县农业农村局", ["县商务局", "县供销社", "县市场监管局"], "孙七", D(2024, 6, 30), "45473",
     "awaiting_acceptance"),
    (11, "5", "产业发展", "县农业农村局", ["县林业局"], "孙七", D(2024, 12, 31), "20241231", "closed"),
    (12, "6", "产业发展", "县农业农村局", ["县水利局"], "孙七", None, "立行立改", None),
    (14, "7", "作风建设", "县纪委监委", ["县直各单位"], "钱一", D(2024, 12, 31), "２０２４年１２月３１日", "in_progress"),
    (15, "8", "作风建设", "县委办", ["县政府办", "县委办"], "", D(2024, 3, 31), "3月底", "in_progress"),
]


def _xlsx(rows: dict[int, list], merges=(), *, sheet="问题清单", extra_sheet=False) -> bytes:
    wb = Workbook()
    if extra_sheet:   # a sheet with something else first: the list is found wherever it is
        wb.active.title = "说明"
        wb.active["A1"] = "本表由县委巡察办汇总"
        ws = wb.create_sheet(sheet)
        wb.active = 1
    else:
        ws = wb.active
        ws.title = sheet
    for r, values in rows.items():
        for c, value in enumerate(values, start=1):
            if value is not None:
                cell = ws.cell(row=r, column=c, value=value)
                if isinstance(value, Text):
                    cell.data_type = "s"
    for rng in merges:
        ws.merge_cells(rng)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _realistic_xlsx(**kw) -> bytes:
    rows = {1: [TITLE], 2: [SUBTITLE], 3: HEADER_TOP, 4: HEADER_SUB, **DATA}
    return _xlsx(rows, MERGES, **kw)


def test_realistic_xlsx_every_item_and_column():
    result = parse(_realistic_xlsx(extra_sheet=True), "清单.xlsx")
    assert result.ok, result.problems
    assert result.sheet == "问题清单"
    assert result.header_rows == [3, 4]
    assert TITLE in result.title
    assert [(c.letter, c.header, c.field) for c in result.columns] == [
        ("A", "序号", "number"), ("B", "问题类别", "category"), ("C", "反馈问题", "description"),
        ("D", "整改措施/具体措施", "measures"), ("E", "整改措施/整改目标", "goal"),
        ("F", "责任主体/牵头单位", "lead_unit"), ("G", "责任主体/责任单位", "units"),
        ("H", "责任领导", "leader"), ("I", "责任人", "person"), ("J", "整改时限", "deadline"),
        ("K", "整改状态", "state"), ("L", "备注", None),
    ]
    how = {c.letter: c.how for c in result.columns}
    assert how["C"] == "同义词“反馈问题”"
    assert how["D"] == "同义词“具体措施”"
    assert how["J"] == "标准列名“整改时限”"
    assert how["L"] == "未识别，忽略"

    got = [(i.row, i.number, i.category, i.lead_unit, i.units, i.leader, i.deadline, i.deadline_text, i.state)
           for i in result.items]
    assert got == EXPECTED
    first = result.items[0]
    assert first.description == "基层党组织软弱涣散问题整治不彻底"
    assert first.measures == "开展软弱涣散村党组织整顿"
    assert first.goal == "年底前全部整顿到位"
    assert first.person == "李四"
    assert first.progress == "" and first.source == ""
    assert result.items[6].description == Text("=部分干部作风漂浮")   # kept as written (the ledger defuses it)

    data = result.as_dict()
    assert data["ok"] is True
    assert data["items"][0]["deadline"] == "2024-03-31"
    assert data["items"][5]["deadline"] is None
    assert data["columns"][2] == {"index": 3, "letter": "C", "header": "反馈问题", "field": "description",
                                  "how": "同义词“反馈问题”"}


def test_dispatch_is_by_content_and_the_year_can_be_given():
    data = _realistic_xlsx()
    assert parse(data, "清单.docx").sheet == "问题清单"
    # "3月底" takes the caller's year over the one in the title.
    assert parse(data, "x", year=2025).items[7].deadline == D(2025, 3, 31)


def test_bad_rows_are_listed_with_row_and_code():
    rows = {
        1: ["编号", "问题描述", "整改时限", "状态", "进展"],
        2: [1, "问题A", "2024-03-31", "未整改", None],
        3: [2, None, "2024/4/30", "整改中", "已开始"],
        4: [3, "问题C", "下个月", "整改中", None],
        5: [4, "问题D", "20240501", "差不多了", None],
        6: [1, "问题E", "6月30日前", None, None],
        7: [5, "问题F", "2024年2月30日", None, "=A2"],
    }
    result = parse_xlsx(_xlsx(rows), "坏.xlsx")
    assert not result.ok
    assert [(p.row, p.column, p.code) for p in result.problems] == [
        (3, "B", "missing_description"),
        (4, "C", "bad_date"),
        (5, "D", "bad_state"),
        (6, "A", "duplicate_number"),
        (6, "C", "bad_date"),            # no year anywhere: not guessed
        (7, "C", "bad_date"),            # no such day
        (7, "E", "formula_no_value"),    # a formula never calculated has no value to read
    ]
    messages = {(p.row, p.code): p.message for p in result.problems}
    assert "第2行" in messages[(6, "duplicate_number")]
    assert "缺少年份" in messages[(6, "bad_date")]
    assert "差不多了" in messages[(5, "bad_state")]
    # Items are still all listed for the preview.
    assert [i.row for i in result.items] == [2, 3, 4, 5, 6, 7]
    assert result.items[0].state == "not_started" and result.items[0].deadline == D(2024, 3, 31)
    assert result.items[3].deadline == D(2024, 5, 1) and result.items[3].state is None


def test_no_number_column_and_one_problem_over_several_rows():
    rows = {
        1: ["存在问题", "整改措施", "责任单位", "配合单位", "完成时限"],
        2: ["问题甲", "措施一", "县财政局", "县审计局", "2024年3月31日"],
        3: [None, "措施二", None, "县统计局", "2024年5月31日"],
        4: ["问题乙", "措施三", "县财政局", None, "长期坚持"],
    }
    result = parse_xlsx(_xlsx(rows, ["A2:A3", "C2:C3"]))
    assert result.ok
    assert [c.field for c in result.columns] == ["description", "measures", "units", "units", "deadline"]
    first, second = result.items
    assert (first.row, first.number, first.description) == (2, "", "问题甲")
    assert first.measures == "措施一\n措施二"
    assert first.units == ["县财政局", "县审计局", "县统计局"]
    assert first.deadline == D(2024, 5, 31) and first.deadline_text == "2024年3月31日；2024年5月31日"
    assert (second.row, second.deadline, second.deadline_text) == (4, None, "长期坚持")


def test_a_header_naming_two_things_is_its_last_part_and_a_problem_may_begin_with_lei_ji():
    # "责任单位/责任人" over a cell holding a person: the person, not a unit. A problem that begins
    # with 累计 is a problem (a ledger's 累计 row is a total; a 问题清单's is not).
    rows = {
        1: ["编号", "问题描述", "牵头单位", "责任单位/责任人", "整改时限"],
        2: [1, "累计欠款未清退", "县财政局", "张三", "2024年6月30日"],
        3: [2, "台账不健全", "县财政局", "李四", "2024年6月30日"],
        4: ["合计", "2项", None, None, None],
    }
    result = parse_xlsx(_xlsx(rows))
    assert result.ok, result.problems
    assert [c.field for c in result.columns] == ["number", "description", "lead_unit", "person", "deadline"]
    assert [(i.number, i.description, i.person) for i in result.items] == [
        ("1", "累计欠款未清退", "张三"), ("2", "台账不健全", "李四")]


def test_section_rows_give_the_category():
    rows = {
        1: ["编号", "问题描述", "牵头单位"],
        2: ["一、政治建设方面（2个）"],
        3: ["1-1", "问题一", "县委办"],
        4: ["1-2", "问题二", "县委办"],
        5: ["二、作风建设方面"],
        6: ["2-1", "问题三", "县纪委"],
    }
    result = parse_xlsx(_xlsx(rows, ["A2:C2"]))
    assert result.ok
    assert [(i.row, i.number, i.category) for i in result.items] == [
        (3, "1-1", "政治建设方面"), (4, "1-2", "政治建设方面"), (6, "2-1", "作风建设方面")]


@pytest.mark.parametrize("value, expected", [
    (dt.datetime(2024, 3, 31, 0, 0), D(2024, 3, 31)),
    (45382, D(2024, 3, 31)),
    ("2024年3月31日", D(2024, 3, 31)),
    ("2024.3.31", D(2024, 3, 31)),
    ("2024/3/31", D(2024, 3, 31)),
    ("2024-03-31", D(2024, 3, 31)),
    ("20240331", D(2024, 3, 31)),
    ("2024年3月底", D(2024, 3, 31)),
    ("3月底", D(2024, 3, 31)),
    ("2024年6月前", D(2024, 6, 30)),
    ("6月30日前", D(2024, 6, 30)),
    ("２０２４年３月３１日", D(2024, 3, 31)),
    ("二〇二四年三月三十一日", D(2024, 3, 31)),
    ("2024年底前", D(2024, 12, 31)),
    ("2024年上半年", D(2024, 6, 30)),
    ("2024年3月底前完成阶段任务，6月底前全面完成", D(2024, 6, 30)),
    ("立行立改", None),
    ("长期坚持", None),
    ("持续推进", None),
])
def test_deadline_forms(value, expected):
    assert parse_deadline(value, year=2024)[0] == expected


@pytest.mark.parametrize("value", ["下个月", "3个月内", "2024年13月1日", 2024.1])
def test_deadline_refused(value):
    with pytest.raises(ValueError):
        parse_deadline(value, year=2024)


def test_state_words():
    assert [parse_state(s) for s in ("未整改", "未完成", "整改中", "正在整改", "已完成", "已整改", "已整改待验收",
                                     "已销号", "已完成（3月）")] == [
        "not_started", "not_started", "in_progress", "in_progress", "awaiting_acceptance",
        "awaiting_acceptance", "awaiting_acceptance", "closed", "awaiting_acceptance"]
    assert parse_state("看情况") is None


def _realistic_docx() -> bytes:
    import docx

    document = docx.Document()
    document.add_paragraph(TITLE)
    document.add_paragraph(SUBTITLE)
    body = [DATA[r] for r in sorted(DATA) if r < 16]
    table = document.add_table(rows=2 + len(body), cols=12)
    for c in range(12):
        for r, values in enumerate([HEADER_TOP, HEADER_SUB] + body):
            value = values[c]
            if value is not None:
                if isinstance(value, dt.datetime):
                    value = "2024年3月31日"
                elif value == 45473:
                    value = "2024年6月30日"
                table.cell(r, c).text = str(value)
    for c in (0, 1, 2, 7, 8, 9, 10, 11):      # header cells two rows high
        table.cell(0, c).merge(table.cell(1, c))
    table.cell(0, 3).merge(table.cell(0, 4))  # 整改措施 over 具体措施 | 整改目标
    table.cell(0, 5).merge(table.cell(0, 6))  # 责任主体 over 牵头单位 | 责任单位
    # 0-based table rows: 2-4 hold items 1-3, 5 the 小计, 6-8 items 4-6
    for top, bottom, c in ((2, 4, 1), (2, 3, 5), (2, 4, 7), (6, 8, 1), (6, 8, 5), (6, 8, 7)):
        table.cell(top, c).merge(table.cell(bottom, c))
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def test_docx_table_gives_the_same_items():
    from_xlsx = parse(_realistic_xlsx(), "清单.xlsx")
    result = parse(_realistic_docx(), "清单.docx")
    assert result.ok, result.problems
    assert result.sheet == "表格1"
    assert result.header_rows == [1, 2]
    assert TITLE in result.title
    assert [(c.header, c.field) for c in result.columns] == [(c.header, c.field) for c in from_xlsx.columns]

    def comparable(item):
        return {k: v for k, v in item.__dict__.items() if k not in ("row", "deadline_text")}
    assert [comparable(i) for i in result.items] == [comparable(i) for i in from_xlsx.items]
    assert [i.row for i in result.items] == [3, 4, 5, 7, 8, 9, 10, 11]   # rows as Word counts them


def test_files_that_are_not_a_list():
    with pytest.raises(ImportFileError) as error:
        parse(b"%PDF-1.7\n...", "清单.xlsx")
    assert error.value.code == "unsupported_type"
    with pytest.raises(ImportFileError) as error:
        parse(b"", "清单.xlsx")
    assert error.value.code == "empty_file"
    with pytest.raises(ImportFileError) as error:
        parse(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600 + "EncryptedPackage".encode("utf-16-le"), "a.xlsx")
    assert error.value.code == "encrypted"
    with pytest.raises(ImportFileError) as error:
        parse(_xlsx({1: ["姓名", "年龄"], 2: ["张三", 30]}), "名单.xlsx")
    assert error.value.code == "no_header"
    with pytest.raises(ImportFileError) as error:
        parse(_xlsx({1: ["编号", "问题描述", "整改时限"]}), "空.xlsx")
    assert error.value.code == "empty"
    with pytest.raises(ImportFileError) as error:
        parse_xlsx(_realistic_docx(), "清单.xlsx")
    assert error.value.code == "unsupported_type"
    import docx
    buf = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("只有文字，没有表格")
    document.save(buf)
    with pytest.raises(ImportFileError) as error:
        parse_docx(buf.getvalue(), "通知.docx")
    assert error.value.code == "no_table"


# ---------------------------------------------------------------------------------------------
# 整改台账

def _row(number, description, state, **extra):
    row = {column: None for column in LEDGER_COLUMNS}
    row.update({"编号": number, "问题描述": description, "状态": state, "问题来源": "巡视"})
    row.update(extra)
    return row


def test_ledger_two_batches_read_back():
    first = LedgerSheet(title="2024年县委第一巡察组反馈问题", source="巡视", rows=[
        _row("1", "=1+1", "未整改", 反馈时间=D(2024, 3, 1), 整改时限=D(2024, 6, 30), 责任单位=["县教育局", "县卫健委"],
             牵头单位="县委组织部", 逾期=True),
        _row("2", "台账不健全", "in_progress", 整改时限=dt.datetime(2024, 9, 30), 佐证材料=["整改报告", "会议纪要"],
             逾期=False),
        _row("3", "@SUM(A1)", "已销号", 完成时间=D(2024, 4, 1), 验收意见="同意销号", 销号审批人="王局长",
             销号日期=D(2024, 4, 2)),
    ])
    second = LedgerSheet(title="审计反馈问题:[2024]/第*号?", source="审计", rows=[
        _row("1", "资金滞留", "已整改待验收", 进展="-已拨付", 整改时限="2024-05-31",
             完成时间="2024-05-20（已报送）"),
    ])
    same_name = LedgerSheet(title="2024年县委第一巡察组反馈问题", source="巡视", rows=[])
    buf = io.BytesIO()
    write_ledger([first, second, same_name], buf, title="XX县整改台账", filters="责任单位：县教育局；状态：全部")
    wb = load_workbook(io.BytesIO(buf.getvalue()))

    assert wb.sheetnames == ["汇总", "2024年县委第一巡察组反馈问题", "审计反馈问题__2024__第_号_",
                             "2024年县委第一巡察组反馈问题(2)"]
    assert all(len(name) <= 31 for name in wb.sheetnames)

    ws = wb["2024年县委第一巡察组反馈问题"]
    assert ws["A1"].value == "2024年县委第一巡察组反馈问题"
    assert "问题来源：巡视" in ws["A2"].value and "县教育局" in ws["A2"].value
    assert tuple(c.value for c in ws[3]) == LEDGER_COLUMNS
    assert ws["A3"].font.bold
    col = {name: i for i, name in enumerate(LEDGER_COLUMNS)}
    r4 = [c.value for c in ws[4]]
    assert r4[col["问题描述"]] == "'=1+1" and ws.cell(4, col["问题描述"] + 1).data_type == "s"
    assert r4[col["责任单位"]] == "县教育局、县卫健委"
    assert r4[col["牵头单位"]] == "县委组织部"
    assert r4[col["状态"]] == "未整改"
    assert r4[col["反馈时间"]] == dt.datetime(2024, 3, 1)
    deadline = ws.cell(4, col["整改时限"] + 1)
    assert deadline.value == dt.datetime(2024, 6, 30) and deadline.number_format == "yyyy-mm-dd"
    assert r4[col["完成时间"]] is None
    r5 = [c.value for c in ws[5]]
    assert r5[col["状态"]] == "整改中" and r5[col["佐证材料"]] == "整改报告、会议纪要"
    assert r5[col["整改时限"]] == dt.datetime(2024, 9, 30)
    r6 = [c.value for c in ws[6]]
    assert r6[col["问题描述"]] == "'@SUM(A1)"
    assert r6[col["销号日期"]] == dt.datetime(2024, 4, 2) and r6[col["销号审批人"]] == "王局长"
    assert ws.max_row == 6
    assert ws.auto_filter.ref == "A3:S6"
    assert ws.column_dimensions["D"].width == 42
    assert ws.cell(4, col["问题描述"] + 1).alignment.wrap_text

    other = wb.worksheets[2]
    assert other["A1"].value == "审计反馈问题:[2024]/第*号?"
    assert [c.value for c in other[4]][col["进展"]] == "'-已拨付"
    assert [c.value for c in other[4]][col["状态"]] == "已整改待验收"
    assert [c.value for c in other[4]][col["整改时限"]] == dt.datetime(2024, 5, 31)   # an ISO string is a date
    assert [c.value for c in other[4]][col["完成时间"]] == "2024-05-20（已报送）"

    summary = wb["汇总"]
    assert summary["A1"].value == "XX县整改台账"
    assert summary["A2"].value == "筛选条件：责任单位：县教育局；状态：全部"
    assert [c.value for c in summary[3]] == ["序号", "批次", "问题来源", "未整改", "整改中", "已整改待验收", "已销号",
                                             "合计", "逾期"]
    assert [c.value for c in summary[4]] == [1, "2024年县委第一巡察组反馈问题", "巡视", 1, 1, 0, 1, 3, 1]
    assert [c.value for c in summary[5]] == [2, "审计反馈问题:[2024]/第*号?", "审计", 0, 0, 1, 0, 1, 0]
    assert [c.value for c in summary[6]] == [3, "2024年县委第一巡察组反馈问题", "巡视", 0, 0, 0, 0, 0, 0]
    assert [c.value for c in summary[7]] == [None, "合计", None, 1, 1, 1, 1, 4, 1]
    assert summary["B4"].hyperlink.location == "'2024年县委第一巡察组反馈问题'!A1"


def test_ledger_without_overdue_and_without_batches():
    buf = io.BytesIO()
    write_ledger([LedgerSheet(title="督查反馈", rows=[_row("1", "问题", "整改中")])], buf)
    summary = load_workbook(io.BytesIO(buf.getvalue()))["汇总"]
    assert summary["A1"].value == "整改台账" and summary["A2"].value == "筛选条件：全部"
    assert [c.value for c in summary[3]][-1] == "合计"
    buf = io.BytesIO()
    write_ledger([], buf)
    assert load_workbook(io.BytesIO(buf.getvalue())).sheetnames == ["汇总"]
