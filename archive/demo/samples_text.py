"""Generated 扶贫 documents as values: `random_document` writes a notice, plan, report, minutes, 公示
or ledger of a county, township or village as a `SampleDoc` (title, 文号, author, date, paragraphs,
table). Bodies are built from phrase pools with ``str.format_map``, fast enough for thousands of files;
the writers in samples_docs.py turn a SampleDoc into DOCX, PDF or TXT.
"""
from __future__ import annotations

import datetime as dt
import random
import re
from dataclasses import dataclass, field

from archive.demo.samples_sheets import household_table
from archive.demo.samples_words import (
    COMMON_MAKERS, TOWN_STEMS, VILLAGE_STEMS, Filler, random_date, random_name,
)

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


def _stem(unit_name: str) -> str:
    """莲蓬寺镇 → 莲蓬寺, 黎元村 → 黎元, 文峰区 → 文峰."""
    return re.sub(r"(村|社区|镇|乡|街道|区|县|市)$", "", unit_name) or unit_name


def _households(rng: random.Random) -> str:
    """"35户112人": people >= households."""
    households = rng.randint(3, 120)
    return f"{households}户{households * rng.randint(20, 45) // 10}人"


# How a document's placeholders are invented: {n} households or items, {m} people or smaller counts,
# {amount} project funds in 万元, {money} per household in 元.
_MAKERS = {
    **COMMON_MAKERS,
    "village": lambda rng: rng.choice(VILLAGE_STEMS) + "村",
    "town": lambda rng: rng.choice(TOWN_STEMS) + "镇",
    "n": lambda rng: str(rng.randint(3, 120)),
    "m": lambda rng: str(rng.randint(2, 60)),
    "hh": _households,
    "amount": lambda rng: f"{rng.randint(15, 3000) / 10:.1f}",
    "money": lambda rng: str(rng.randrange(500, 20000, 100)),
    "pct": lambda rng: f"{rng.randint(850, 1000) / 10:.1f}",
}

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

SECTION_HEADINGS = {
    "notice": ["一、提高思想认识", "二、明确工作任务", "三、严格工作程序", "四、强化工作保障", "五、有关要求"],
    "plan": ["一、指导思想", "二、目标任务", "三、主要措施", "四、实施步骤", "五、保障措施"],
    "report": ["一、基本情况", "二、主要做法", "三、取得成效", "四、存在问题", "五、下步打算"],
    "minutes": ["会议内容："],
    "publicity": [],
    "ledger": [],
}

# Kinds each level writes, with weights (villages keep minutes and 公示,
# counties issue notices).
LEVEL_KINDS = {
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


def _minutes_head(rng, fill: Filler, unit_name: str, date: dt.date) -> list[str]:
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
    if level not in LEVEL_KINDS:
        raise ValueError(f"level must be county/township/village, not {level!r}")
    if kind is None:
        weights = LEVEL_KINDS[level]
        kind = rng.choices(list(weights), weights=list(weights.values()))[0]
    topic = rng.choice(list(_TOPICS))
    topic_label, sentences = _TOPICS[topic]
    date = random_date(rng, year)
    author, doc_number = _author_and_number(rng, unit_name, level, kind, year)
    title = _title(rng, kind, unit_name, year, topic_label, seq=rng.randint(1, 12))
    scope = {"county": "区", "township": "镇", "village": "村"}[level]
    fixed = {"unit": unit_name, "year": str(year), "scope": scope}
    if level == "village":
        fixed["village"] = unit_name
    fill = Filler(rng, fixed, _MAKERS)

    paragraphs: list[str] = []
    table: list[list[str]] = []
    if kind == "minutes":
        paragraphs += _minutes_head(rng, fill, unit_name, date)
        paragraphs.append(f"会议议题：研究{topic_label}有关事项。")
    elif kind == "publicity":
        n_rows = rng.randint(3, 12)
        end = date + dt.timedelta(days=6)
        table = household_table(rng, n_rows, kind)
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
        table = household_table(rng, rng.randint(5, 15), kind)
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
    headings = list(SECTION_HEADINGS[kind])
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


def has_red_header(doc: SampleDoc) -> bool:
    """红头 '{author}文件' only on numbered notices/plans (as in real 公文)."""
    return doc.doc_number is not None and doc.kind in ("notice", "plan")
