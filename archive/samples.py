"""Realistic generated Chinese poverty-alleviation documents (扶贫档案样例).

Used by the demo data set (``archive init --demo``), by the tests and by
``benchmarks/ingest.py``.  Two rules shape everything here:

* **Deterministic.**  All randomness comes from the ``random.Random`` passed
  in, so the same seed gives the same titles, names, dates and folder tree.
  (Container formats still embed save times in places — zip member times in
  DOCX/XLSX — so bytes are not guaranteed identical between runs; only the
  content is.)
* **Fast.**  The benchmark generates thousands of files, so bodies are built
  from phrase pools with ``str.format_map`` rather than anything clever.

Every file carries its title, date and (when present) 文号 in its content, and
names/ID numbers/amounts are random, so two generated files are practically
never byte-identical — otherwise the archive's duplicate detection would
distort benchmark and demo results.
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import NamedTuple

__all__ = [
    "SampleDoc",
    "KINDS",
    "DEMO_ORGS",
    "DEMO_ORG_PATHS",
    "random_document",
    "random_name",
    "chinese_date",
    "unit_level",
    "write_docx",
    "write_pdf",
    "write_txt",
    "write_xlsx_ledger",
    "write_jpeg",
    "write_random_file",
    "WrittenFile",
    "build_tree",
]

# --------------------------------------------------------------------------
# Value type
# --------------------------------------------------------------------------

# kind -> how it is called in Chinese (used for sub-folder names, too).
KINDS = {
    "notice": "通知",
    "plan": "实施方案",
    "report": "报告",
    "minutes": "会议记录",
    "publicity": "公示",
    "ledger": "台账",
}


@dataclass
class SampleDoc:
    title: str
    doc_number: str | None          # 文号, None for minutes/ledgers/公示
    author: str                     # 责任者 / issuing body
    date: dt.date                   # 成文日期
    paragraphs: list[str]
    kind: str                       # one of KINDS
    addressee: str | None = None    # 主送机关, e.g. "各行政村："
    table: list[list[str]] = field(default_factory=list)  # header row + rows


# --------------------------------------------------------------------------
# Demo organisation tree
# --------------------------------------------------------------------------

# 12-digit 统计用区划代码: 2 province + 2 city + 2 county + 3 township + 3 village.
# 文峰区 really is 410502; the township/village suffixes are plausible, not real.
DEMO_ORGS: list[tuple[str, str]] = [
    ("河南省", "410000000000"),
    ("河南省/安阳市", "410500000000"),
    ("河南省/安阳市/文峰区", "410502000000"),
    ("河南省/安阳市/文峰区/莲蓬寺镇", "410502101000"),
    ("河南省/安阳市/文峰区/莲蓬寺镇/黎元村", "410502101201"),
    ("河南省/安阳市/文峰区/莲蓬寺镇/东街村", "410502101202"),
    ("河南省/安阳市/文峰区/莲蓬寺镇/马家庄村", "410502101203"),
    ("河南省/安阳市/文峰区/宝莲寺镇", "410502102000"),
    ("河南省/安阳市/文峰区/宝莲寺镇/南张村", "410502102201"),
    ("河南省/安阳市/文峰区/宝莲寺镇/柳园村", "410502102202"),
    ("河南省/安阳市/文峰区/高庄镇", "410502103000"),
    ("河南省/安阳市/文峰区/高庄镇/红旗村", "410502103201"),
    ("河南省/安阳市/文峰区/高庄镇/西官庄村", "410502103202"),
    ("河南省/安阳市/文峰区/高庄镇/前进村", "410502103203"),
]
DEMO_ORG_PATHS: list[str] = [path for path, _ in DEMO_ORGS]

_LEVEL_BY_DEPTH = {1: "province", 2: "city", 3: "county", 4: "township", 5: "village"}


def unit_level(path: str) -> str:
    """Level of a display path: province/city/county/township/village.

    Decided by the name's suffix first (村/社区 → village, 镇/乡/街道 →
    township, 区/县 → county) because trees are not always five deep;
    falls back to depth.
    """
    parts = [p for p in path.split("/") if p]
    name = parts[-1]
    if name.endswith(("村", "社区", "居委会")):
        return "village"
    if name.endswith(("镇", "乡", "街道", "办事处")):
        return "township"
    if name.endswith(("区", "县", "旗")) or (name.endswith("市") and len(parts) >= 3):
        return "county"
    return _LEVEL_BY_DEPTH.get(len(parts), "village")


# --------------------------------------------------------------------------
# Small random helpers
# --------------------------------------------------------------------------

_SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许"
    "傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊"
    "金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
_GIVEN = "秀英华明国军芳丽红伟强磊洋勇艳杰娟涛超霞平刚桂兰玉梅凤春海志永德学文金宝长忠新福林山宏振建庆喜根荣"
_VILLAGE_STEMS = (
    "黎元", "东街", "西街", "南关", "北郊", "马家庄", "王家庄", "李家", "前进", "红旗",
    "柳园", "杨庄", "南张", "西官庄", "东辛店", "北流寺", "大正集", "小营", "郭村", "崔家桥",
)
_TOWN_STEMS = ("莲蓬寺", "宝莲寺", "高庄", "永和", "柏庄", "水冶", "白璧", "吕村", "辛店")
_CN_DIGITS = "〇一二三四五六七八九"


def random_name(rng: random.Random) -> str:
    """A plausible Chinese personal name (2 or 3 characters)."""
    given = rng.choice(_GIVEN) + (rng.choice(_GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(_SURNAMES) + given


def _cn_number(n: int) -> str:
    """1..31 as used in dates: 十, 十一, 二十, 二十一, 三十一."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return _CN_DIGITS[ones]
    head = "" if tens == 1 else _CN_DIGITS[tens]
    return head + "十" + (_CN_DIGITS[ones] if ones else "")


def chinese_date(d: dt.date) -> str:
    """Signature-block date in Chinese numerals: 二〇二〇年六月五日."""
    year = "".join(_CN_DIGITS[int(c)] for c in str(d.year))
    return f"{year}年{_cn_number(d.month)}月{_cn_number(d.day)}日"


def _random_date(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, rng.randint(1, 12), rng.randint(1, 28))


def _masked_id(rng: random.Random, prefix: str = "410502") -> str:
    """身份证号 masked the way published lists do: 410502********1234."""
    tail = f"{rng.randint(0, 999):03d}" + rng.choice("0123456789X")
    return f"{prefix}********{tail}"


def _masked_phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}****{rng.randint(0, 9999):04d}"


def _stem(unit_name: str) -> str:
    """莲蓬寺镇 → 莲蓬寺, 黎元村 → 黎元, 文峰区 → 文峰."""
    return re.sub(r"(村|社区|镇|乡|街道|区|县|市)$", "", unit_name) or unit_name


class _Filler(dict):
    """format_map() mapping that invents a fresh value for each placeholder.

    Lazily generated so a sentence only pays for the placeholders it uses,
    and each use of {name} in different sentences is a different person.
    """

    def __init__(self, rng: random.Random, fixed: dict[str, str]):
        super().__init__(fixed)
        self.rng = rng

    def __missing__(self, key: str) -> str:
        rng = self.rng
        if key.startswith("name"):
            return random_name(rng)
        if key.startswith("village"):
            return rng.choice(_VILLAGE_STEMS) + "村"
        if key == "town":
            return rng.choice(_TOWN_STEMS) + "镇"
        if key == "n":                      # households / items
            return str(rng.randint(3, 120))
        if key == "m":                      # people / smaller counts
            return str(rng.randint(2, 60))
        if key == "hh":                     # "35户112人": people >= households
            households = rng.randint(3, 120)
            return f"{households}户{households * rng.randint(20, 45) // 10}人"
        if key == "amount":                 # project funds, 万元
            return f"{rng.randint(15, 3000) / 10:.1f}"
        if key == "money":                  # per-household, 元
            return str(rng.randrange(500, 20000, 100))
        if key == "pct":
            return f"{rng.randint(850, 1000) / 10:.1f}"
        if key == "month":
            return str(rng.randint(1, 12))
        if key == "day":
            return str(rng.randint(1, 28))
        if key == "phone":
            return f"0372-{rng.randint(2000000, 5999999)}"
        raise KeyError(key)


# --------------------------------------------------------------------------
# Phrase pools
# --------------------------------------------------------------------------

# topic key -> (phrase used in titles, sentences about it).
_TOPICS: dict[str, tuple[str, list[str]]] = {
    "精准识别": ("贫困户精准识别", [
        "严格按照“两公示一公告”程序，对{village}申请农户逐户开展入户核查，共核查{hh}。",
        "坚持“四看”工作法，重点核实农户住房、收入、劳动力和子女就学情况，确保识别精准、不漏一户。",
        "对{name}等{m}户存在财产性收入的农户，经村民代表大会评议后不予纳入。",
    ]),
    "建档立卡": ("建档立卡信息采集", [
        "全面核对建档立卡贫困户基础信息，更新家庭人口、收入、帮扶措施等指标，确保系统数据与纸质档案一致。",
        "截至{month}月底，全{scope}共有建档立卡贫困户{hh}，已全部录入全国扶贫开发信息系统。",
        "对信息采集中发现的身份证号错误、人口变动未更新等问题，由村级信息员在{day}日内完成修正。",
    ]),
    "动态调整": ("贫困户动态调整", [
        "按照“应进则进、应退则退”原则，开展贫困人口动态调整，新识别{m}户、返贫{hh}已全部纳入帮扶。",
        "动态调整须经农户申请、村民代表大会民主评议、乡镇审核、{scope}级复核公告等程序。",
        "{village}{name}户因病致贫，经评议同意纳入，享受相关帮扶政策。",
    ]),
    "危房改造": ("农村危房改造", [
        "对{village}{n}户C级、D级危房实施改造，每户补助资金{money}元，已全部完成竣工验收。",
        "住建部门会同乡镇对改造户逐户进行安全鉴定，建立“一户一档”危房改造档案。",
        "{name}户D级危房已于{month}月拆除重建，新建砖混结构住房{m}平方米，实现住房安全有保障。",
    ]),
    "两不愁三保障": ("“两不愁三保障”突出问题排查", [
        "对照“两不愁三保障”标准，逐户排查吃穿、义务教育、基本医疗、住房安全和饮水安全情况。",
        "排查发现饮水不稳定问题{m}户，已通过管网延伸全部解决，饮水安全达标率{pct}%。",
        "建立问题清单、任务清单、责任清单，实行销号管理，确保问题动态清零。",
    ]),
    "产业扶贫": ("产业扶贫", [
        "依托{village}蔬菜大棚、小杂粮种植基地，带动{n}户贫困户稳定增收，户均增收{money}元。",
        "投入产业扶贫资金{amount}万元，发展食用菌、中药材等特色产业，签订带贫协议{m}份。",
        "推行“合作社+基地+贫困户”模式，{name}牵头成立的种植合作社吸纳贫困户{m}户入社分红。",
    ]),
    "易地扶贫搬迁": ("易地扶贫搬迁", [
        "完成易地扶贫搬迁{hh}，安置点配套建设幼儿园、卫生室和扶贫车间。",
        "搬迁户旧房拆除复垦率达到{pct}%，后续扶持措施落实到户到人。",
        "安置点设立就业服务站，帮助{name}等{m}名搬迁群众实现就近就业。",
    ]),
    "教育扶贫": ("教育扶贫资助", [
        "落实“雨露计划”及各学段资助政策，发放教育资助资金{amount}万元，惠及建档立卡学生{n}人。",
        "控辍保学工作实行“一生一案”，{village}适龄儿童义务教育阶段无因贫失学辍学现象。",
        "{name}之子就读职业院校，已享受雨露计划补助{money}元。",
    ]),
    "健康扶贫": ("健康扶贫", [
        "建档立卡贫困人口基本医疗保险参保率100%，家庭医生签约服务覆盖率{pct}%。",
        "落实“先诊疗后付费”和“一站式”结算，全年报销医疗费用{amount}万元。",
        "对{name}等{m}名慢性病患者发放慢病卡，定期开展入户随访。",
    ]),
    "防返贫动态监测": ("防返贫动态监测和帮扶", [
        "健全防止返贫动态监测和帮扶机制，将{m}户脱贫不稳定户、边缘易致贫户纳入监测范围。",
        "村级每月开展一次排查，对因病、因灾、因意外事故导致收入骤减的农户及时预警。",
        "监测户{name}家因突发疾病支出较大，已落实临时救助{money}元并纳入监测帮扶。",
    ]),
    "驻村帮扶": ("驻村帮扶", [
        "驻村工作队严格落实每月驻村不少于20天的要求，实行考勤登记和工作日志制度。",
        "第一书记{name}带领工作队走访农户{n}户次，协调解决实际困难{m}件。",
        "驻村工作队与村“两委”联合召开脱贫攻坚推进会，研究解决产业发展、基础设施等问题。",
    ]),
    "帮扶责任人": ("帮扶责任人走访", [
        "帮扶责任人每月至少入户走访一次，填写帮扶手册，宣讲扶贫政策，做到“八清楚”。",
        "{name}同志作为{village}{name2}户帮扶责任人，帮助其申请小额信贷{money}元发展养殖。",
        "对走访不到位、帮扶手册填写不规范的帮扶责任人予以通报，限期整改。",
    ]),
    "扶贫资金项目": ("扶贫资金项目管理", [
        "{year}年共安排财政专项扶贫资金{amount}万元，实施扶贫项目{m}个，资金拨付率{pct}%。",
        "扶贫项目严格执行公告公示制度，项目名称、资金规模、实施单位等在村务公开栏公示不少于10天。",
        "{village}道路硬化项目总投资{amount}万元，已完成竣工验收并移交村集体管护。",
    ]),
    "督查反馈问题整改": ("督查反馈问题整改", [
        "针对省市督查反馈的{m}个问题，逐条制定整改措施，明确责任单位、责任人和完成时限。",
        "截至{month}月{day}日，已完成整改{n}项，其余问题正在按时序推进。",
        "对整改不力的{name}等同志进行约谈，并在全{scope}范围内通报批评。",
    ]),
    "贫困户退出": ("贫困户退出", [
        "严格执行贫困户退出标准和程序，经民主评议、入户核实，拟退出贫困户{hh}。",
        "退出户人均纯收入均超过当年国家扶贫标准，“两不愁三保障”全部实现。",
        "{name}户通过务工和种植增收，经本人认可后同意退出，退出后帮扶政策保持不变。",
    ]),
    "一户一档": ("扶贫档案“一户一档”规范整理", [
        "按照“一户一档”要求，对贫困户申请书、评议记录、帮扶手册、收入核算表等资料统一装盒归档。",
        "档案整理做到分类清晰、要素齐全、签字规范，全{scope}已完成{n}户档案整理。",
        "对{village}档案中缺少评议记录、签字不全的{m}户，责成村级在{day}日内补齐。",
    ]),
}

_GENERIC = [
    "各级各部门要切实提高政治站位，把思想和行动统一到上级决策部署上来。",
    "要压实工作责任，实行主要领导亲自抓、分管领导具体抓、责任到人的工作机制。",
    "要强化督导检查，对工作滞后、弄虚作假的单位和个人严肃追责问责。",
    "要注重资料收集和档案管理，做到工作有部署、过程有记录、结果有台账。",
    "要加强政策宣传，通过村村通广播、宣传栏、入户走访等方式提高群众知晓率和满意度。",
]

_SECTION_HEADINGS = {
    "notice": ["一、提高思想认识", "二、明确工作任务", "三、严格工作程序", "四、强化工作保障", "五、有关要求"],
    "plan": ["一、指导思想", "二、目标任务", "三、主要措施", "四、实施步骤", "五、保障措施"],
    "report": ["一、基本情况", "二、主要做法", "三、取得成效", "四、存在问题", "五、下步打算"],
    "minutes": ["会议内容："],
    "publicity": [],
    "ledger": [],
}

# Kinds each level writes, with weights (villages keep minutes and 公示,
# counties issue notices).
_KIND_WEIGHTS = {
    "county": {"notice": 5, "plan": 3, "report": 3},
    "township": {"notice": 4, "plan": 3, "report": 3, "minutes": 2},
    "village": {"minutes": 4, "publicity": 3, "report": 2, "ledger": 2, "plan": 1},
}

_CHARS_PER_PAGE = 560   # ≈ GB/T 9704: 22 lines × 28 chars, less headings/gaps


# --------------------------------------------------------------------------
# Document generation
# --------------------------------------------------------------------------

def _author_and_number(rng, unit_name, level, kind, year) -> tuple[str, str | None]:
    """Issuing body and 文号 such as 文政办〔2020〕12号."""
    abbr = _stem(unit_name)[0]
    if level == "county":
        author, prefix = rng.choice([
            (f"{unit_name}人民政府办公室", f"{abbr}政办"),
            (f"{unit_name}扶贫开发领导小组", f"{abbr}扶组"),
            (f"{unit_name}扶贫开发办公室", f"{abbr}扶办"),
            (f"{unit_name}脱贫攻坚指挥部办公室", f"{abbr}脱指办"),
        ])
    elif level == "township":
        author, prefix = rng.choice([
            (f"{unit_name}人民政府", f"{abbr}政"),
            (f"中共{unit_name}委员会", f"{abbr}发"),
            (f"{unit_name}扶贫工作站", f"{abbr}扶"),
        ])
    else:
        author, prefix = rng.choice([
            (f"{unit_name}村民委员会" if not unit_name.endswith("社区") else f"{unit_name}居民委员会", None),
            (f"中共{unit_name}支部委员会", None),
            (f"{unit_name}脱贫攻坚工作队", None),
        ])
    # Minutes, 公示 and ledgers are not numbered documents.
    if prefix is None or kind in ("minutes", "publicity", "ledger"):
        return author, None
    return author, f"{prefix}〔{year}〕{rng.randint(1, 180)}号"


def _title(rng, kind, unit_name, year, topic_label, seq) -> str:
    if kind == "notice":
        return rng.choice([
            f"关于做好{year}年度{topic_label}工作的通知",
            f"关于开展{year}年{topic_label}专项排查的通知",
            f"关于进一步加强{topic_label}工作的通知",
            f"关于印发《{unit_name}{year}年{topic_label}工作方案》的通知",
        ])
    if kind == "plan":
        return rng.choice([
            f"{unit_name}{year}年{topic_label}实施方案",
            f"{unit_name}{year}年{topic_label}工作方案",
        ])
    if kind == "report":
        return rng.choice([
            f"关于{year}年{topic_label}工作情况的报告",
            f"{unit_name}{year}年脱贫攻坚工作总结",
            f"关于{topic_label}督查反馈问题整改情况的报告"
            if "整改" not in topic_label else f"关于{year}年督查反馈问题整改情况的报告",
        ])
    if kind == "minutes":
        meeting = rng.choice(
            ["村民代表大会评议记录", "村“两委”会议记录", "党员大会会议记录"]
            if unit_name.endswith(("村", "社区"))
            else ["脱贫攻坚工作推进会会议纪要", "扶贫开发领导小组会议纪要"]
        )
        return f"{unit_name}{year}年第{seq}次{meeting}"
    if kind == "publicity":
        return rng.choice([
            "关于拟退出贫困户名单的公示",
            f"关于{year}年新识别贫困户名单的公示",
            f"关于{year}年度扶贫项目资金使用情况的公示",
            "关于防返贫监测对象名单的公示",
            f"关于{year}年度到户产业扶贫资金发放情况的公示",
        ])
    return rng.choice([
        f"{unit_name}{year}年帮扶台账",
        f"{unit_name}{year}年建档立卡贫困户花名册",
        f"{unit_name}{year}年危房改造台账",
    ])


def _addressee(level: str, kind: str) -> str | None:
    if kind not in ("notice", "report"):
        return None
    if kind == "report":     # reports go upwards
        return {"county": "市扶贫开发领导小组：", "township": "区扶贫开发领导小组：",
                "village": "镇人民政府："}[level]
    return {"county": "各乡镇人民政府、街道办事处，区直有关单位：",
            "township": "各行政村、镇直有关单位：",
            "village": "各村民小组："}[level]


def _household_table(rng, n_rows: int, kind: str) -> list[list[str]]:
    """Rows of a 公示 / ledger table: who, masked ID, family size, measure."""
    measures = ["产业帮扶", "就业帮扶", "危房改造", "教育资助", "健康扶贫", "小额信贷", "公益岗位", "兜底保障"]
    if kind == "publicity":
        rows = [["序号", "户主姓名", "身份证号", "家庭人口", "致贫原因", "备注"]]
        reasons = ["因病", "因残", "因学", "缺技术", "缺劳力", "缺资金"]
        for i in range(1, n_rows + 1):
            rows.append([str(i), random_name(rng), _masked_id(rng), str(rng.randint(1, 7)),
                         rng.choice(reasons), ""])
    else:
        rows = [["序号", "户主姓名", "身份证号", "家庭人口", "帮扶措施", "帮扶责任人"]]
        for i in range(1, n_rows + 1):
            rows.append([str(i), random_name(rng), _masked_id(rng), str(rng.randint(1, 7)),
                         rng.choice(measures), random_name(rng)])
    return rows


def _minutes_head(rng, fill: _Filler, unit_name: str, date: dt.date) -> list[str]:
    place = "村委会会议室" if unit_name.endswith(("村", "社区")) else "镇政府三楼会议室"
    return [
        f"时间：{date.year}年{date.month}月{date.day}日上午{rng.choice(['8时30分', '9时', '9时30分'])}",
        f"地点：{unit_name}{place}",
        "主持人：{name}".format_map(fill),
        "参会人员：{name1}、{name2}、{name3}、{name4}、{name5}等{m}人".format_map(fill),
        "记录人：{name}".format_map(fill),
    ]


def random_document(
    rng: random.Random,
    *,
    unit_name: str,
    level: str,
    year: int,
    pages: int = 1,
    kind: str | None = None,
) -> SampleDoc:
    """A random 扶贫 document written by ``unit_name`` (a county/township/village).

    ``pages`` sizes the body so a PDF of that many pages is reasonably full;
    ``kind`` forces the document kind (default: weighted by level).
    """
    if level not in _KIND_WEIGHTS:
        raise ValueError(f"level must be county/township/village, not {level!r}")
    if kind is None:
        weights = _KIND_WEIGHTS[level]
        kind = rng.choices(list(weights), weights=list(weights.values()))[0]
    topic = rng.choice(list(_TOPICS))
    topic_label, sentences = _TOPICS[topic]
    date = _random_date(rng, year)
    author, doc_number = _author_and_number(rng, unit_name, level, kind, year)
    title = _title(rng, kind, unit_name, year, topic_label, seq=rng.randint(1, 12))
    scope = {"county": "区", "township": "镇", "village": "村"}[level]
    fixed = {"unit": unit_name, "year": str(year), "scope": scope}
    if level == "village":
        fixed["village"] = unit_name
    fill = _Filler(rng, fixed)

    paragraphs: list[str] = []
    table: list[list[str]] = []
    if kind == "minutes":
        paragraphs += _minutes_head(rng, fill, unit_name, date)
        paragraphs.append(f"会议议题：研究{topic_label}有关事项。")
    elif kind == "publicity":
        n_rows = rng.randint(3, 12)
        end = date + dt.timedelta(days=6)
        table = _household_table(rng, n_rows, kind)
        paragraphs.append(
            f"根据{topic_label}工作有关要求，经农户申请、村民代表大会民主评议、村“两委”审核，"
            f"现将{title.removeprefix('关于').removesuffix('的公示')}予以公示，共{n_rows}户。"
        )
        paragraphs.append(
            f"公示期为{date.year}年{date.month}月{date.day}日至{end.month}月{end.day}日，共7天。"
            "如有异议，请在公示期内以书面或电话形式向村委会或镇人民政府反映。"
            f"监督电话：{fill['phone']}。"
        )
    elif kind == "ledger":
        table = _household_table(rng, rng.randint(5, 15), kind)
        paragraphs.append(f"填报单位：{author}　　填报人：{random_name(rng)}　　填报时间：{date:%Y年%m月%d日}")
    else:
        paragraphs.append(
            f"为深入贯彻落实上级关于{topic_label}工作的决策部署，进一步巩固脱贫攻坚成果，"
            f"结合{unit_name}实际，" + {"notice": "现就有关事项通知如下：",
                                       "plan": "特制定本方案。",
                                       "report": "现将有关情况报告如下："}[kind]
        )

    # Body: section headings interleaved with sentences until the page
    # budget is used.  Sentences come from the main topic, one related topic
    # and generic 公文 phrases, drawn without replacement per paragraph so a
    # paragraph never repeats itself.  Publicity and ledgers stay short.
    second = _TOPICS[rng.choice(list(_TOPICS))][1]
    pool = sentences * 2 + second + ([] if kind == "minutes" else _GENERIC)
    headings = list(_SECTION_HEADINGS[kind])
    budget = pages * _CHARS_PER_PAGE if headings else 0
    used = sum(len(p) for p in paragraphs)
    while used < budget:
        if headings and (rng.random() < 0.35 or len(paragraphs) < 3 or kind == "minutes"):
            paragraphs.append(headings.pop(0))
        picked = dict.fromkeys(rng.sample(pool, rng.randint(2, 4)))   # dedupe, keep order
        text = "".join(sentence.format_map(fill) for sentence in picked)
        if kind == "minutes":
            text = f"{random_name(rng)}发言：" + text
        paragraphs.append(text)
        used += len(text)

    if kind == "minutes":
        present = rng.randint(15, 45)
        agree = present - rng.randint(0, 3)
        paragraphs.append(
            f"表决结果：应到{present + rng.randint(0, 5)}人，实到{present}人，"
            f"同意{agree}票，反对{present - agree}票，弃权0票，议题通过。"
        )
    elif kind == "notice":
        deadline = date + dt.timedelta(days=rng.randint(7, 30))
        paragraphs.append(
            f"请各单位于{deadline.year}年{deadline.month}月{deadline.day}日前将工作开展情况"
            f"报送{author}，联系人：{random_name(rng)}，联系电话：" + fill["phone"] + "。"
        )

    return SampleDoc(title=title, doc_number=doc_number, author=author, date=date,
                     paragraphs=paragraphs, kind=kind, addressee=_addressee(level, kind),
                     table=table)


def _has_red_header(doc: SampleDoc) -> bool:
    """红头 '{author}文件' only on numbered notices/plans (as in real 公文)."""
    return doc.doc_number is not None and doc.kind in ("notice", "plan")


# --------------------------------------------------------------------------
# Writers
# --------------------------------------------------------------------------

def _docx_font(run, east_asia: str, size_pt: float | None = None, bold=False, red=False):
    """Set the East Asian font (python-docx only sets the Latin one by default)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    run.font.name = east_asia
    run._element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), east_asia)
    if size_pt:
        run.font.size = Pt(size_pt)
    run.bold = bold or None
    if red:
        run.font.color.rgb = RGBColor(0xFF, 0x00, 0x00)


def _docx_border(paragraph, side: str, color: str = "FF0000", size: int = 12):
    """A horizontal rule under/over a paragraph (红线 / 印发 lines)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    p_pr = paragraph._p.get_or_add_pPr()
    borders = p_pr.find(qn("w:pBdr"))
    if borders is None:
        borders = OxmlElement("w:pBdr")
        p_pr.append(borders)
    edge = OxmlElement(f"w:{side}")
    for key, value in (("val", "single"), ("sz", str(size)), ("space", "1"), ("color", color)):
        edge.set(qn(f"w:{key}"), value)
    borders.append(edge)


def _docx_page_field(paragraph):
    """Footer '— PAGE —' with a real PAGE field (Word fills in the number)."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    paragraph.add_run("— ")
    fld = OxmlElement("w:fldSimple")
    fld.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    fld.append(run)
    paragraph._p.append(fld)
    paragraph.add_run(" —")


def write_docx(doc: SampleDoc, path: Path | str) -> Path:
    """DOCX laid out roughly per GB/T 9704 (党政机关公文格式)."""
    from docx import Document
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml.ns import qn
    from docx.shared import Mm, Pt

    path = Path(path)
    d = Document()
    section = d.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)

    props = d.core_properties
    props.title, props.author = doc.title, doc.author
    props.created = props.modified = dt.datetime.combine(doc.date, dt.time(9, 0))
    props.last_modified_by = doc.author

    # Body font once on the Normal style: per-run fonts would dominate the
    # time spent generating thousands of documents.
    normal = d.styles["Normal"]
    normal.font.name = "仿宋_GB2312"
    normal.font.size = Pt(16)
    normal.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), "仿宋_GB2312")

    center = WD_ALIGN_PARAGRAPH.CENTER
    if _has_red_header(doc):
        p = d.add_paragraph()
        p.alignment = center
        _docx_font(p.add_run(f"{doc.author}文件"), "方正小标宋简体", 36, red=True)
    if doc.doc_number:
        p = d.add_paragraph()
        p.alignment = center
        p.add_run(doc.doc_number)
        if _has_red_header(doc):
            _docx_border(p, "bottom")

    # Style "Title" so extractors looking for the Title paragraph find it.
    title = d.add_paragraph(style="Title")
    title.alignment = center
    _docx_font(title.add_run(doc.title), "方正小标宋简体", 22)

    if doc.addressee:
        d.add_paragraph(doc.addressee)

    headings = set(_SECTION_HEADINGS[doc.kind])
    for text in doc.paragraphs:
        p = d.add_paragraph()
        p.paragraph_format.first_line_indent = Pt(32)     # two characters
        p.paragraph_format.line_spacing = Pt(28)
        run = p.add_run(text)
        if text in headings:
            _docx_font(run, "黑体")

    if doc.table:
        table = d.add_table(rows=len(doc.table), cols=len(doc.table[0]))
        table.style = "Table Grid"
        for row, values in zip(table.rows, doc.table):
            for cell, value in zip(row.cells, values):
                cell.text = value

    d.add_paragraph()
    for line in (doc.author, chinese_date(doc.date)):
        p = d.add_paragraph(line)
        p.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    if doc.doc_number:
        # 版记: 印发机关和印发日期 between two rules.
        p = d.add_paragraph()
        _docx_border(p, "top", color="000000", size=6)
        _docx_border(p, "bottom", color="000000", size=6)
        _docx_font(p.add_run(f"{doc.author}　　　　{doc.date.year}年{doc.date.month}月{doc.date.day}日印发"),
                   "仿宋_GB2312", 14)

    footer = section.footer.paragraphs[0]
    footer.alignment = center
    _docx_page_field(footer)

    path.parent.mkdir(parents=True, exist_ok=True)
    d.save(str(path))
    return path


def _text_lines(doc: SampleDoc) -> list[str]:
    """The document as plain lines (shared by the TXT and PDF writers)."""
    lines: list[str] = []
    if _has_red_header(doc):
        lines.append(f"{doc.author}文件")
    if doc.doc_number:
        lines.append(doc.doc_number)
    lines += ["", doc.title, ""]
    if doc.addressee:
        lines.append(doc.addressee)
    lines += ["　　" + p for p in doc.paragraphs]
    lines += ["　".join(row) for row in doc.table]
    lines += ["", doc.author, chinese_date(doc.date)]
    return lines


def write_txt(doc: SampleDoc, path: Path | str, encoding: str = "gb18030") -> Path:
    """Plain text as saved by Notepad on a Chinese Windows: GBK/GB18030, CRLF."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes("\r\n".join(_text_lines(doc)).encode(encoding) + b"\r\n")
    return path


# PDF geometry: A4 with GB/T 9704 margins, 3号 (16 pt) body, 22 lines × 28 chars.
_PDF_FONT = "STSong-Light"
_PDF_BODY_PT = 16
_PDF_LINE_PT = 28.9
_PDF_LINES_PER_PAGE = 22
_PDF_CHARS_PER_LINE = 28
_pdf_font_registered = False


def _register_pdf_font() -> None:
    # STSong-Light is a built-in Adobe CID font: no font file needed, and
    # pypdf can map its glyphs back to Unicode, so the text is extractable.
    global _pdf_font_registered
    if not _pdf_font_registered:
        from reportlab.pdfbase import pdfmetrics
        from reportlab.pdfbase.cidfonts import UnicodeCIDFont

        pdfmetrics.registerFont(UnicodeCIDFont(_PDF_FONT))
        _pdf_font_registered = True


_NO_LINE_START = set("，。、；：？！）》」”’")


def _wrap(text: str, width: int) -> list[str]:
    """Char-count wrapping; CJK glyphs are one em so this never overflows.

    A line may run one char long so it does not start with a closing
    punctuation mark (the 避头点 rule of Chinese typesetting).
    """
    lines: list[str] = []
    start = 0
    while start < len(text):
        end = start + width
        if end < len(text) and text[end] in _NO_LINE_START:
            end += 1
        lines.append(text[start:end])
        start = end
    return lines or [""]


def write_pdf(doc: SampleDoc, path: Path | str, pages: int = 1) -> Path:
    """A text PDF of exactly ``pages`` A4 pages.

    Body lines are spread over the pages (each later page keeps at least one
    line when there is enough text); text that does not fit is cut.  The
    signature and date close the last page, and every page has a page number.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.pdfgen import canvas

    if pages < 1:
        raise ValueError("pages must be >= 1")
    _register_pdf_font()
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    width, height = A4
    left, top = 28 * mm, height - 37 * mm
    body_width = _PDF_CHARS_PER_LINE * _PDF_BODY_PT

    # invariant=1: no creation timestamp/random ID, so output depends on content only.
    c = canvas.Canvas(str(path), pagesize=A4, invariant=1)
    c.setTitle(doc.title)
    c.setAuthor(doc.author)
    c.setSubject(doc.doc_number or KINDS[doc.kind])

    # ---- page-1 header block; returns how many body lines it used.
    y = top
    header_lines = 0
    if _has_red_header(doc):
        c.setFillColorRGB(0.85, 0, 0)
        c.setFont(_PDF_FONT, 30)
        c.drawCentredString(width / 2, y - 10, f"{doc.author}文件")
        c.setFillColorRGB(0, 0, 0)
        y -= 3 * _PDF_LINE_PT
        header_lines += 3
    if doc.doc_number:
        c.setFont(_PDF_FONT, _PDF_BODY_PT)
        c.drawCentredString(width / 2, y, doc.doc_number)
        if _has_red_header(doc):
            c.setStrokeColorRGB(0.85, 0, 0)
            c.setLineWidth(1.5)
            c.line(left, y - 10, left + body_width, y - 10)
            c.setStrokeColorRGB(0, 0, 0)
        y -= 2 * _PDF_LINE_PT
        header_lines += 2
    c.setFont(_PDF_FONT, 20)
    title_lines = _wrap(doc.title, 22)
    for line in title_lines:
        c.drawCentredString(width / 2, y, line)
        y -= _PDF_LINE_PT
    y -= _PDF_LINE_PT / 2
    header_lines += len(title_lines) + 1

    body: list[str] = []
    if doc.addressee:
        body.append(doc.addressee)
    for para in doc.paragraphs:
        body += _wrap("　　" + para, _PDF_CHARS_PER_LINE)
    for row in doc.table:
        body += _wrap("　".join(row), _PDF_CHARS_PER_LINE + 8)  # ASCII digits are half width
    signature = ["", doc.author, chinese_date(doc.date)]

    capacities = [_PDF_LINES_PER_PAGE - header_lines] + [_PDF_LINES_PER_PAGE] * (pages - 1)
    capacities[-1] -= len(signature)
    remaining = body
    for page in range(pages):
        later_pages = pages - page - 1
        take = min(max(capacities[page], 0), max(len(remaining) - later_pages, 1))
        chunk, remaining = remaining[:take], remaining[take:]
        if page == pages - 1 and remaining:
            # Overflow is cut; end at the last full sentence that fits.
            for i in range(len(chunk) - 1, 0, -1):
                if "。" in chunk[i]:
                    chunk = chunk[:i] + [chunk[i][:chunk[i].rindex("。") + 1]]
                    break
        c.setFont(_PDF_FONT, _PDF_BODY_PT)
        line_y = y if page == 0 else top
        for line in chunk:
            c.drawString(left, line_y, line)
            line_y -= _PDF_LINE_PT
        if page == pages - 1:
            for line in signature:
                c.drawRightString(left + body_width - 4 * _PDF_BODY_PT, line_y, line)
                line_y -= _PDF_LINE_PT
        c.setFont(_PDF_FONT, 14)
        c.drawCentredString(width / 2, 20 * mm, f"— {page + 1} —")
        c.showPage()
    c.save()
    return path


def write_xlsx_ledger(path: Path | str, rng: random.Random, unit_name: str, year: int,
                      rows: int) -> Path:
    """A 帮扶台账 workbook: merged title row, header row, ``rows`` households."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    header = ["序号", "户主姓名", "身份证号", "家庭人口", "帮扶措施", "帮扶责任人", "联系电话", "备注"]
    measures = ["产业帮扶", "就业帮扶", "危房改造", "教育资助", "健康扶贫", "小额信贷",
                "公益岗位", "兜底保障", "光伏收益", "易地搬迁"]
    path = Path(path)
    wb = Workbook()
    ws = wb.active
    ws.title = f"{year}年帮扶台账"
    ws.append([f"{unit_name}{year}年建档立卡贫困户帮扶台账"])
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=len(header))
    ws["A1"].font = Font(size=16, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center")
    ws.append(header)
    for cell in ws[2]:
        cell.font = Font(bold=True)
    for i in range(1, rows + 1):
        ws.append([i, random_name(rng), _masked_id(rng), rng.randint(1, 7),
                   "、".join(rng.sample(measures, rng.randint(1, 3))),
                   random_name(rng), _masked_phone(rng),
                   rng.choice(["", "", "", "监测户", "已脱贫", "兜底户"])])
    for col, width in zip("ABCDEFGH", (6, 10, 22, 9, 26, 11, 15, 10)):
        ws.column_dimensions[col].width = width
    wb.properties.title = f"{unit_name}{year}年帮扶台账"
    wb.properties.creator = unit_name
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(str(path))
    return path


def write_jpeg(path: Path | str, rng: random.Random, size: tuple[int, int] = (800, 600)) -> Path:
    """A photo-like JPEG: blurred random colour field over a gradient.

    Upscaling a tiny random image is cheap and looks like an out-of-focus
    photo; fresh random bytes per call make every file different.
    """
    from PIL import Image

    path = Path(path)
    small = Image.frombytes("RGB", (16, 12), rng.randbytes(16 * 12 * 3))
    photo = small.resize(size, Image.Resampling.BICUBIC)
    grain = Image.frombytes("L", (size[0] // 4, size[1] // 4),
                            rng.randbytes((size[0] // 4) * (size[1] // 4)))
    grain = grain.resize(size).convert("RGB")
    photo = Image.blend(photo, grain, 0.12)
    path.parent.mkdir(parents=True, exist_ok=True)
    photo.save(str(path), "JPEG", quality=rng.randint(70, 90))
    return path


# --------------------------------------------------------------------------
# Folder trees
# --------------------------------------------------------------------------

# Default share of each format in a unit folder.
_FORMAT_WEIGHTS = {"docx": 35, "pdf": 30, "txt": 10, "xlsx": 10, "jpg": 15}

# Plain sub-folders offices keep under a year (never unit names).
_SUBFOLDERS = {
    "notice": "文件通知", "plan": "工作方案", "report": "总结报告", "minutes": "会议记录",
    "publicity": "公示公告", "ledger": "帮扶台账", "xlsx": "帮扶台账", "jpg": "照片资料",
}

_UNSAFE = re.compile(r'[\\/:*?"<>|]')


class WrittenFile(NamedTuple):
    path: Path
    pages: int | None          # PDF page count; None for other formats
    doc: SampleDoc | None      # the document behind a docx/pdf/txt file


def _unique(path: Path) -> Path:
    """Avoid clobbering: 标题.docx → 标题（2）.docx."""
    if not path.exists():
        return path
    n = 2
    while (candidate := path.with_name(f"{path.stem}（{n}）{path.suffix}")).exists():
        n += 1
    return candidate


def _doc_filename(rng, doc: SampleDoc, ext: str) -> str:
    name = _UNSAFE.sub("_", doc.title)
    style = rng.random()
    if doc.doc_number and style < 0.4:
        name = f"{doc.doc_number}{name}"                # 文号 prefix, common in 收文
    elif style < 0.6:
        name = f"{doc.date:%Y%m%d}{name}"
    return f"{name}.{ext}"


def write_random_file(
    folder: Path,
    rng: random.Random,
    *,
    unit_name: str,
    level: str,
    year: int,
    fmt: str,
    pages: int | None = None,
) -> WrittenFile:
    """Write one random file of format ``fmt`` (docx/pdf/txt/xlsx/jpg) in ``folder``.

    Sub-folders such as ``2020年/会议记录/`` are chosen here too.  Returns the
    path, the page count (PDF only) and the generated document (text formats),
    so callers can check what an ingest extracted.
    """
    if fmt not in _FORMAT_WEIGHTS:
        raise ValueError(f"unknown format {fmt!r}")
    if fmt == "pdf" and pages is None:
        pages = rng.randint(1, 10)
    doc = None
    if fmt in ("docx", "pdf", "txt"):
        doc = random_document(rng, unit_name=unit_name, level=level, year=year,
                              pages=pages or rng.randint(1, 3))
        kind_key = doc.kind
    else:
        kind_key = fmt

    # ~45 % in the unit folder itself, the rest under year / category folders.
    where = rng.random()
    if where < 0.45:
        target_dir = folder
    elif where < 0.6:
        target_dir = folder / f"{year}年"
    else:
        target_dir = folder / f"{year}年" / _SUBFOLDERS[kind_key]

    if fmt == "xlsx":
        name = rng.choice([f"{unit_name}{year}年帮扶台账", f"{year}年帮扶责任人台账", f"{unit_name}贫困户花名册{year}"])
        path = write_xlsx_ledger(_unique(target_dir / f"{name}.xlsx"), rng, unit_name, year, rng.randint(8, 40))
        return WrittenFile(path, None, None)
    if fmt == "jpg":
        date = _random_date(rng, year)
        name = rng.choice([
            f"IMG_{date:%Y%m%d}_{rng.randint(70000, 180000):06d}",
            f"{random_name(rng)}户入户走访照片",
            f"{date.month}月{date.day}日帮扶活动",
        ])
        return WrittenFile(write_jpeg(_unique(target_dir / f"{name}.jpg"), rng), None, None)

    path = _unique(target_dir / _doc_filename(rng, doc, fmt))
    if fmt == "docx":
        return WrittenFile(write_docx(doc, path), None, doc)
    if fmt == "pdf":
        return WrittenFile(write_pdf(doc, path, pages), pages, doc)
    encoding = "gb18030" if rng.random() < 0.8 else "utf-8"
    return WrittenFile(write_txt(doc, path, encoding=encoding), None, doc)


def build_tree(
    root: Path,
    rng: random.Random,
    *,
    org_paths: list[str],
    per_unit: int,
    years: tuple[int, ...] = (2019, 2020, 2021),
    formats: dict[str, float] | None = None,
) -> list[tuple[str, str]]:
    """Write ``per_unit`` files into a folder per county/township/village.

    Folders mirror ``org_paths`` (``root/河南省/安阳市/文峰区/莲蓬寺镇/黎元村/…``);
    province and city entries only become folders, they get no files.
    ``formats`` overrides the format mix, e.g. ``{"docx": 1, "pdf": 1}``.

    Returns ``(relative_path, expected_unit_path)`` pairs, relative paths with
    "/" separators, in the order written.
    """
    root = Path(root)
    weights = formats or _FORMAT_WEIGHTS
    fmts, fmt_weights = list(weights), list(weights.values())
    written: list[tuple[str, str]] = []
    for org_path in org_paths:
        level = unit_level(org_path)
        if level not in _KIND_WEIGHTS:
            continue
        unit_dir = root.joinpath(*PurePosixPath(org_path).parts)
        unit_name = PurePosixPath(org_path).name
        for _ in range(per_unit):
            fmt = rng.choices(fmts, weights=fmt_weights)[0]
            path, _, _ = write_random_file(unit_dir, rng, unit_name=unit_name, level=level,
                                             year=rng.choice(years), fmt=fmt)
            written.append((path.relative_to(root).as_posix(), org_path))
    return written
