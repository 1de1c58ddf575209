"""Metadata guessed from the extracted text of real-looking documents."""
from __future__ import annotations

import datetime as dt

import pytest

from archive.ingest.metadata import (
    extract_metadata,
    find_author,
    find_date,
    find_doc_number,
    find_title,
)
from archive.ingest.types import Metadata

D = dt.date

# A 县政府办公室 notice in GB/T 9704 layout: 份号, 紧急程度, red header, 文号 with
# 签发人, the issuing body wrapped onto its own title line, a two-line title,
# 主送, body quoting another 文号 and mentioning deadlines, signature block with
# a Chinese-numeral date, then 附注 and the 抄送/印发 lines (the 印发 date differs
# on purpose: it must not win).
NOTICE = """\
000123
特急
安阳县人民政府办公室文件
安政办〔2020〕12号　　　　　　签发人：张三
安阳县人民政府办公室
关于做好2020年度扶贫项目资金
公告公示工作的通知
各乡镇人民政府，县直有关单位：
　　根据《河南省人民政府关于进一步加强扶贫资金管理的意见》（豫政〔2018〕5号）精神，为进一步规范扶贫资金管理，现就有关事项通知如下：
　　一、各乡镇要于2020年6月30日前完成公告公示。
　　二、县扶贫办于2020年7月15日前组织抽查。
　　附件：安阳县2020年度扶贫项目资金公告公示表
安阳县人民政府办公室
二〇二〇年六月五日
（此件公开发布）
抄送：县委办公室，县人大常委会办公室，县政协办公室。
安阳县人民政府办公室　　　　　　　　2020年6月8日印发
"""

# 联合发文: two bodies stacked in the red header, side by side in the signature.
JOINT = """\
安阳县人民政府
安阳县扶贫开发领导小组
文件
安政〔2020〕20号
关于印发《安阳县2020年脱贫攻坚
工作方案》的通知
各乡镇人民政府，县直各单位：
　　现将《安阳县2020年脱贫攻坚工作方案》印发给你们，请认真贯彻执行。
安阳县人民政府　　　　安阳县扶贫开发领导小组
2020年3月1日
安阳县人民政府办公室  2020年3月1日印发
"""

# 会议纪要: 版头 with 编发机关 and date on one line, number without a prefix.
MINUTES = """\
安阳县扶贫开发领导小组
会议纪要
〔2020〕3号
安阳县扶贫开发领导小组办公室　　　　2020年6月5日
关于研究贫困户动态调整工作的会议纪要
　　2020年6月3日，县扶贫开发领导小组组长张三主持召开会议，研究贫困户动态调整工作。
　　一、会议要求各乡镇于2020年6月15日前完成动态调整。
参会人员：张三、李四、王五
"""

# 会议记录 with no title line at all: only fields.
MEETING_RECORD = """\
时间：2020年5月20日上午9:00
地点：李家庄村村委会会议室
主持人：王五
参会人员：村两委成员、驻村工作队全体队员
会议内容：研究2020年度贫困户评议工作。
"""

# A village 公示: a table in the body, a quoted 文号 in running text, ends with
# the 村委会 and the date.
NOTICE_BOARD = """\
关于李家庄村2020年度拟脱贫户名单的公示
　　根据《安阳县2020年度贫困退出工作实施方案》（安扶组〔2020〕3号）要求，经农户申请、村民代表大会评议，现将我村拟脱贫户名单公示如下：
序号  户主姓名  家庭人口  所在组
1  张三  4  一组
2  李四  3  三组
　　公示时间：2020年10月10日至2020年10月16日。
　　监督电话：0372-1234567
李家庄村村民委员会
2020年10月10日
"""

# A ledger exported from a spreadsheet: title line, header row, rows.
LEDGER = """\
安阳县2021年建档立卡贫困户帮扶台账
序号\t乡镇\t村\t户主姓名\t家庭人口\t帮扶责任人\t脱贫年度
1\t吕村镇\t李家庄村\t张三\t4\t王五\t2019
2\t吕村镇\t李家庄村\t李四\t3\t王五\t2020
"""

# A report typed with ASCII brackets and stray spaces in the 文号.
REPORT = """\
安阳县扶贫开发办公室
安扶办 [2020] 8 号
关于2020年上半年脱贫攻坚工作情况的报告
县委、县政府：
　　2020年上半年，我办在县委、县政府的正确领导下，扎实推进脱贫攻坚各项工作，现将有关情况报告如下：
　　一、工作开展情况……
　　特此报告。
安阳县扶贫开发办公室
2020年7月10日
"""

# From a PDF: centred lines come out letter-spaced, the title wraps.
PDF_LETTER_SPACED = """\
安 阳 县 人 民 政 府 办 公 室 文 件
安 政 办 〔 2020 〕 15 号
关 于 开 展 2020 年 度 扶 贫 领 域
作 风 问 题 专 项 治 理 的 通 知
各 乡 镇 人 民 政 府 ：
　　为深入开展扶贫领域作风问题专项治理，现将有关事项通知如下。
安阳县人民政府办公室
2020 年 8 月 3 日
"""

NO_METADATA = """\
这是一段随手记下的文字，没有标题，没有文号，也没有落款和日期。
只是一些关于入户走访的零散想法。
"""


@pytest.mark.parametrize(
    "text, filename, expected",
    [
        pytest.param(
            NOTICE, "通知.pdf",
            Metadata(
                title="安阳县人民政府办公室关于做好2020年度扶贫项目资金公告公示工作的通知",
                doc_number="安政办〔2020〕12号",
                author="安阳县人民政府办公室",
                doc_date=D(2020, 6, 5),
                year=2020,
            ),
            id="county-notice",
        ),
        pytest.param(
            JOINT, "joint.docx",
            Metadata(
                title="关于印发《安阳县2020年脱贫攻坚工作方案》的通知",
                doc_number="安政〔2020〕20号",
                author="安阳县人民政府、安阳县扶贫开发领导小组",
                doc_date=D(2020, 3, 1),
                year=2020,
            ),
            id="joint-issue",
        ),
        pytest.param(
            MINUTES, "纪要.docx",
            Metadata(
                title="关于研究贫困户动态调整工作的会议纪要",
                doc_number="〔2020〕3号",
                author="安阳县扶贫开发领导小组办公室",
                doc_date=D(2020, 6, 5),
                year=2020,
            ),
            id="minutes",
        ),
        pytest.param(
            MEETING_RECORD, "李家庄村会议记录.txt",
            Metadata(title="李家庄村会议记录", doc_date=D(2020, 5, 20), year=2020),
            id="meeting-record-fields-only",
        ),
        pytest.param(
            NOTICE_BOARD, "公示.jpg",
            Metadata(
                title="关于李家庄村2020年度拟脱贫户名单的公示",
                author="李家庄村村民委员会",
                doc_date=D(2020, 10, 10),
                year=2020,
            ),
            id="village-notice-board",
        ),
        pytest.param(
            LEDGER, "台账.xlsx",
            Metadata(title="安阳县2021年建档立卡贫困户帮扶台账", year=2021),
            id="ledger",
        ),
        pytest.param(
            REPORT, "report.docx",
            Metadata(
                title="关于2020年上半年脱贫攻坚工作情况的报告",
                doc_number="安扶办〔2020〕8号",
                author="安阳县扶贫开发办公室",
                doc_date=D(2020, 7, 10),
                year=2020,
            ),
            id="report-ascii-brackets",
        ),
        pytest.param(
            PDF_LETTER_SPACED, "scan.pdf",
            Metadata(
                title="关于开展2020年度扶贫领域作风问题专项治理的通知",
                doc_number="安政办〔2020〕15号",
                author="安阳县人民政府办公室",
                doc_date=D(2020, 8, 3),
                year=2020,
            ),
            id="pdf-letter-spaced",
        ),
        pytest.param(
            NO_METADATA, "扶贫/随手记.txt",
            Metadata(title="随手记"),
            id="nothing-found",
        ),
        pytest.param("", "C:\\扶贫档案\\空白文件.docx", Metadata(title="空白文件"), id="empty-text"),
    ],
)
def test_extract_metadata(text, filename, expected):
    assert extract_metadata(text, filename=filename) == expected


# --------------------------------------------------------------------------
# 文号
# --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        ("安政办〔2020〕12号", "安政办〔2020〕12号"),
        ("文政〔2019〕第3号", "文政〔2019〕第3号"),
        ("安政办 [2020] 12 号", "安政办〔2020〕12号"),
        ("安政办［2020］12号", "安政办〔2020〕12号"),
        ("安政办（2020）12号", "安政办〔2020〕12号"),
        ("安政办(2020)12号", "安政办〔2020〕12号"),
        ("安政办【2020】12号", "安政办〔2020〕12号"),
        ("　　安政办〔２０２０〕１２号　　", "安政办〔2020〕12号"),
        ("安扶办〔2020〕7号　　　　签发人：李四", "安扶办〔2020〕7号"),
        ("签发人：李四    安扶办〔2020〕7号", "安扶办〔2020〕7号"),
        ("文号：安扶办〔2021〕2号", "安扶办〔2021〕2号"),
        ("安政办〔1800〕12号", None),                 # year out of range
        ("安政办〔2020〕号", None),                    # no serial number
        # Only a reference quoted in running text: not this document's number.
        ("通知\n根据《关于…的通知》（豫政〔2018〕5号）精神，现通知如下：", None),
        ("", None),
    ],
)
def test_find_doc_number(text, expected):
    assert find_doc_number(text) == expected


def test_doc_number_outside_the_head_is_ignored():
    text = "\n".join(["正文第%d行。" % i for i in range(20)] + ["安政办〔2020〕12号"])
    assert find_doc_number(text) is None


def test_header_doc_number_beats_body_reference():
    assert find_doc_number(NOTICE) == "安政办〔2020〕12号"


# --------------------------------------------------------------------------
# 成文日期
# --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "written, expected",
    [
        ("2020年6月5日", D(2020, 6, 5)),
        ("2020年06月05日", D(2020, 6, 5)),
        ("2020 年 6 月 5 日", D(2020, 6, 5)),
        ("２０２０年６月５日", D(2020, 6, 5)),
        ("二〇二〇年六月五日", D(2020, 6, 5)),
        ("二零二零年六月五日", D(2020, 6, 5)),
        ("二○二○年十月十日", D(2020, 10, 10)),
        ("二〇一九年十一月二十日", D(2019, 11, 20)),
        ("二〇二〇年十二月二十一日", D(2020, 12, 21)),
        ("二〇二〇年十二月三十一日", D(2020, 12, 31)),
        ("二〇二〇年十二月廿一日", D(2020, 12, 21)),
        ("二OO五年三月一日", D(2005, 3, 1)),
        ("2020-06-05", D(2020, 6, 5)),
        ("2020.6.5", D(2020, 6, 5)),
        ("2020/6/5", D(2020, 6, 5)),
        ("（2020年6月5日）", D(2020, 6, 5)),
        # invalid dates are ignored
        ("2020年2月30日", None),
        ("二〇二〇年二月三十日", None),
        ("2021-02-29", None),
        ("2020年13月1日", None),
        ("1900年1月1日", None),
        ("2020-06/05", None),           # mixed separators
        ("电话：0372-1234567", None),
    ],
)
def test_find_date_forms(written, expected):
    assert find_date(written) == expected


def test_invalid_date_does_not_hide_a_valid_one():
    assert find_date("安阳县扶贫办\n2020年2月30日\n2020年3月1日") == D(2020, 3, 1)


def test_signing_date_beats_body_dates_and_the_print_line():
    assert find_date(NOTICE) == D(2020, 6, 5)


def test_print_line_with_same_layout_as_the_brief():
    text = "关于…的通知\n　　请于2020年6月30日前报送。\n安阳县人民政府办公室\n2020年6月3日\n安阳县人民政府办公室  2020年6月5日印发"
    assert find_date(text) == D(2020, 6, 3)


def test_last_standalone_date_in_the_tail_wins():
    text = "关于…的报告\n（2020年5月1日）\n正文。\n安阳县扶贫办\n2020年5月9日"
    assert find_date(text) == D(2020, 5, 9)


def test_first_standalone_date_when_signature_is_far_from_the_end():
    attachment = "\n".join(f"{i}  张三{i}  4  一组" for i in range(1, 30))
    text = f"关于…的通知\n　　请于2020年6月30日前完成。\n安阳县扶贫办\n2020年6月1日\n附件\n{attachment}"
    assert find_date(text) == D(2020, 6, 1)


def test_body_date_is_the_last_resort():
    assert find_date("　　各乡镇于2020年3月1日前完成，2020年4月1日前上报。") == D(2020, 3, 1)


def test_body_and_date_on_one_line():
    assert find_date("正文。\n安阳县人民政府　　2020年9月9日") == D(2020, 9, 9)


# --------------------------------------------------------------------------
# 责任者
# --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, expected",
    [
        (NOTICE, "安阳县人民政府办公室"),
        (JOINT, "安阳县人民政府、安阳县扶贫开发领导小组"),
        (NOTICE_BOARD, "李家庄村村民委员会"),
        # bodies stacked one per line above the date
        ("正文。\n中共安阳县委\n安阳县人民政府\n2020年1月2日", "中共安阳县委、安阳县人民政府"),
        # bodies separated by a single space, each a full name
        ("正文。\n安阳县扶贫开发办公室 安阳县财政局\n2020年1月2日", "安阳县扶贫开发办公室、安阳县财政局"),
        # a stray PDF space inside one name is not a joint issue
        ("正文。\n安阳县 人民政府\n2020年1月2日", "安阳县人民政府"),
        ("正文。\n吕村镇人民政府（盖章）\n2020年1月2日", "吕村镇人民政府"),
        ("正文。\n李家庄村党支部\n（盖章）\n2020年1月2日", "李家庄村党支部"),
        ("正文。\n驻李家庄村工作队　2020年1月2日", "驻李家庄村工作队"),
        # no signature block: the red header names the body
        ("安阳县人民政府办公室文件\n安政办〔2020〕1号\n关于…的通知\n正文。", "安阳县人民政府办公室"),
        ("安阳县人民政府\n安阳县扶贫开发领导小组\n文件\n关于…的通知\n正文。",
         "安阳县人民政府、安阳县扶贫开发领导小组"),
        # the line above the date is body text, and there is no red header
        ("关于…的通知\n特此通知。\n2020年1月2日", None),
        # a title ending in 文件 is not a red header
        ("关于清理规范性文件\n的通知\n正文。", None),
        (LEDGER, None),
        ("", None),
    ],
)
def test_find_author(text, expected):
    assert find_author(text) == expected


# --------------------------------------------------------------------------
# 题名
# --------------------------------------------------------------------------

@pytest.mark.parametrize(
    "text, hint, expected",
    [
        (NOTICE, None, "安阳县人民政府办公室关于做好2020年度扶贫项目资金公告公示工作的通知"),
        (NOTICE, "  安阳县扶贫资金公告公示通知 ", "安阳县扶贫资金公告公示通知"),
        (NOTICE, "Microsoft Word - 通知.doc",
         "安阳县人民政府办公室关于做好2020年度扶贫项目资金公告公示工作的通知"),
        (NOTICE, "  ", "安阳县人民政府办公室关于做好2020年度扶贫项目资金公告公示工作的通知"),
        # the document type wrapped alone onto the next line
        ("安政办〔2020〕1号\n关于印发安阳县2020年产业扶贫实施方案\n的通知\n各乡镇：", None,
         "关于印发安阳县2020年产业扶贫实施方案的通知"),
        # a status note on its own line belongs to the title
        ("安阳县扶贫资金管理办法\n（试行）\n第一条　为规范……", None, "安阳县扶贫资金管理办法（试行）"),
        # three-line title
        ("关于做好2020年度\n建档立卡贫困户动态调整\n工作的通知\n各乡镇人民政府：", None,
         "关于做好2020年度建档立卡贫困户动态调整工作的通知"),
        # book-title marks are kept
        ("关于转发《河南省扶贫项目资金管理办法》的通知\n各乡镇：", None,
         "关于转发《河南省扶贫项目资金管理办法》的通知"),
        # full-width spaces around a centred title
        ("　　　　关于表彰2020年度脱贫攻坚先进个人的决定　　　　\n各乡镇：", None,
         "关于表彰2020年度脱贫攻坚先进个人的决定"),
        # 关于 only inside a sentence is not a title; first line is too long
        ("　　根据《安阳县人民政府关于做好扶贫工作的通知》要求，结合我村实际，经村两委研究，现将有关情况说明如下，请各位村民知悉并监督。", None, None),
        # 密级/紧急程度 and the 文号 line are skipped
        ("秘密★1年\n加急\n安扶〔2020〕2号\n安阳县扶贫开发工作要点\n一、总体要求", None, "安阳县扶贫开发工作要点"),
        (MINUTES, None, "关于研究贫困户动态调整工作的会议纪要"),
        (MEETING_RECORD, None, None),
        (LEDGER, None, "安阳县2021年建档立卡贫困户帮扶台账"),
        (PDF_LETTER_SPACED, None, "关于开展2020年度扶贫领域作风问题专项治理的通知"),
        (NO_METADATA, None, None),
        ("", None, None),
    ],
)
def test_find_title(text, hint, expected):
    assert find_title(text, hint) == expected


def test_ledger_title_with_year_in_brackets_stops_at_header_row():
    text = "贫困户收入明细（2020年）\n序号  户主姓名  人均纯收入\n1  张三  5000"
    assert find_title(text) == "贫困户收入明细（2020年）"


# --------------------------------------------------------------------------
# 年度
# --------------------------------------------------------------------------

def test_year_from_doc_number_when_there_is_no_date():
    meta = extract_metadata("安政办〔2019〕4号\n关于…的通知\n正文。", filename="a.txt")
    assert (meta.doc_date, meta.year) == (None, 2019)


def test_year_from_title_when_nothing_else():
    meta = extract_metadata("", filename="2020年度贫困户名单.xlsx")
    assert (meta.title, meta.year) == ("2020年度贫困户名单", 2020)


def test_title_hint_is_used_by_extract_metadata():
    meta = extract_metadata(REPORT, filename="r.docx", title_hint="2020年上半年工作报告")
    assert meta.title == "2020年上半年工作报告"
    assert meta.year == 2020


@pytest.mark.parametrize(
    "text, expected",
    [
        # without a 关于 line, lines are joined only when that completes a title
        ("扶贫手册\n\n第一章 总则", "扶贫手册"),
        ("安阳县扶贫开发领导小组\n会议纪要\n时间：2020年6月5日", "安阳县扶贫开发领导小组会议纪要"),
        ("安阳县人民政府文件\n安政〔2020〕1号\n安阳县人民政府\n公告\n正文。", "安阳县人民政府公告"),
    ],
)
def test_fallback_title_joins_only_to_complete(text, expected):
    assert find_title(text) == expected
