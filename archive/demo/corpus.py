"""A labelled test set for classification: generated documents for every leaf class of jf-default,
plus documents that are not poverty-alleviation records at all.

Each class has its own title forms and sentences, written the way such documents are written:
paraphrases and synonyms of the class's vocabulary rather than its keyword list verbatim. Bodies mix
in a sentence or two from another class and the usual 公文 phrases; some titles say little
(“情况说明”, “会议记录”); some documents carry misleading words (a poverty record that mentions
a 运动会, a festival that claims to help 乡村振兴). So the rules alone are imperfect, as in life.

    build(n=400, seed=1, halves=False) -> list[Example]   # (title, text, label, level); label NOT_POVERTY or a class code

Deterministic by seed. Used by benchmarks/classify.py and tests/test_classify.py; the classifier itself
never reads it. The class pools are data, in corpus_classes_01_03.py and corpus_classes_04_10.py.
"""
from __future__ import annotations

import random
from typing import NamedTuple

from archive.classify.model import NOT_POVERTY
from archive.demo.corpus_classes_01_03 import CLASSES_01_03
from archive.demo.corpus_classes_04_10 import CLASSES_04_10
from archive.demo.samples_words import COMMON_MAKERS, Filler

_TOWNS = ("莲蓬寺镇", "宝莲寺镇", "高庄镇", "永和镇", "柏庄乡", "水冶镇", "白璧镇", "吕村乡", "辛店镇")
_VILLAGES = ("黎元村", "东街村", "马家庄村", "南张村", "柳园村", "红旗村", "西官庄村", "前进村", "杨庄村",
             "郭村", "崔家桥村", "小营村", "大正集村", "北流寺村")
_COUNTIES = ("文峰区", "安阳县", "汤阴县", "内黄县", "滑县", "林州市")


class Example(NamedTuple):
    title: str
    text: str
    label: str          # a leaf class code of jf-default, or NOT_POVERTY
    level: str          # county / township / village


# code -> (levels, title forms, sentences), in code order.
CLASSES = {**CLASSES_01_03, **CLASSES_04_10}

# Not poverty-alleviation records: the other paper that reaches the archive office.
NOT_POVERTY_TITLES = [
    "{u}庆祝建党{n}周年文艺演出活动方案", "关于举办{y}年全民健身运动会的通知", "{u}中心城区控制性详细规划批前公示",
    "关于春节期间道路交通管制的通告", "{u}{y}年征兵工作实施方案", "{u}森林防火期野外用火管理通告",
    "{u}{y}年招商项目签约仪式新闻稿", "关于开展文明城市创建迎检工作的通知", "{u}秋季开学校园安全检查通知",
    "{u}{y}年人大代表选举工作安排", "{u}老旧小区改造工程招标公告", "关于做好汛期安全生产工作的通知",
    "{u}第{n}届桃花旅游节开幕式主持词", "关于公布{y}年中考招生计划的通知", "{u}城区停车管理暂行办法",
    "{u}图书馆读书月活动总结", "关于{y}年度机关食堂承包经营的公告", "{u}燃气管道安全隐患排查通报",
]
NOT_POVERTY_SENTENCES = [
    "本次活动由县文化馆承办，共有{m}个节目参加演出，吸引观众{n}余人。",
    "运动会设田径、篮球、拔河等{m}个项目，各单位踊跃报名。",
    "规划范围东至人民路、西至文昌大道，总用地面积{n}公顷。",
    "管制期间，除执行任务的车辆外，其他车辆禁止通行，请广大驾驶人提前规划路线。",
    "应征青年须年满18周岁，身体和政治条件合格，报名截止时间为{month}月{day}日。",
    "森林防火期内严禁野外吸烟、烧荒、上坟烧纸，违者依法处罚。",
    "此次集中签约项目{m}个，总投资{a}亿元，涵盖新能源、装备制造等领域。",
    "请各单位对照测评体系逐项自查，确保环境卫生、公共秩序达标。",
    "学校要全面排查校舍、食堂、消防设施，消除安全隐患。",
    "选民登记工作于{month}月{day}日开始，凡年满十八周岁的公民均可参加。",
    "项目采用公开招标方式，投标人须具备建筑工程施工总承包三级以上资质。",
    "主汛期要严格落实24小时值班制度，加强对重点部位的巡查。",
    "旅游节期间将举办民俗展演、美食品鉴、摄影大赛等系列活动。",
    "城区主干道两侧禁止占道停车，违者将由交警部门依法处理。",
    "读书月期间共举办讲座{m}场，新增读者证{n}张。",
    "经营者须具备餐饮服务许可证，报名截止后统一组织竞价。",
    "排查发现管道老化、私拉乱接等隐患{m}处，已责令限期整改。",
    "招生计划按学校分别下达，考生须在规定时间内完成志愿填报。",
]
# Loose poverty words in documents that are not records of the work (the misleading part).
NOT_POVERTY_LURES = [
    "活动旨在展示乡村振兴新风貌，丰富群众文化生活。",
    "各驻村单位也组织了代表队参加比赛。",
    "项目建成后将带动周边群众就业，助力乡村振兴。",
    "请各乡镇、村组做好宣传，确保家喻户晓。",
    "晚会还穿插了脱贫攻坚主题的情景剧表演。",
]
# Loose non-poverty words in poverty records.
POVERTY_LURES = [
    "会议还对近期森林防火和安全生产工作作了安排。",
    "村里利用农闲时节举办了小型运动会，群众参与热情高。",
    "同时做好汛期安全防范，确保群众生命财产安全。",
    "镇文化站近期将组织文艺演出，丰富群众精神文化生活。",
]
GENERIC = [
    "各单位要高度重视，加强组织领导，确保各项工作落到实处。",
    "要严格工作纪律，对弄虚作假、敷衍应付的严肃追责。",
    "工作中遇到的问题请及时与办公室联系。",
    "现将有关情况报告如下。",
    "特此通知。",
    "以上情况，特此报告。",
    "请认真抓好贯彻落实。",
]
VAGUE_TITLES = ["关于有关工作情况的说明", "{u}{y}年第{n}次会议记录", "{u}情况汇报", "{u}工作材料（{y}）",
                "关于近期工作的报告", "{u}{y}年{n}月工作安排"]


# How a document's placeholders are invented: {n}/{m} numbers, {a} an amount in 万元, {p}/{p2} percentages.
_MAKERS = {
    **COMMON_MAKERS,
    "n": lambda rng: str(rng.randint(3, 150)),
    "m": lambda rng: str(rng.randint(2, 40)),
    "money": lambda rng: str(rng.randrange(500, 30000, 100)),
    "a": lambda rng: f"{rng.randint(10, 5000) / 10:.1f}",
    "p": lambda rng: f"{rng.randint(600, 1000) / 10:.1f}",
    "p2": lambda rng: f"{rng.randint(1, 30) / 10:.1f}",
}


def _unit(rng: random.Random, level: str) -> tuple[str, str]:
    village = rng.choice(_VILLAGES)
    unit = {"county": rng.choice(_COUNTIES), "township": rng.choice(_TOWNS), "village": village}[level]
    return unit, village


def _half(items: list, part: int | None) -> list:
    return items if part is None else items[part::2]


def example(rng: random.Random, label: str, part: int | None = None) -> Example:
    if label == NOT_POVERTY:
        level = rng.choice(("county", "township", "village"))
        title_forms, sentences = NOT_POVERTY_TITLES, NOT_POVERTY_SENTENCES
    else:
        levels, title_forms, sentences = CLASSES[label]
        level = rng.choice(levels)
    title_forms, sentences = _half(title_forms, part), _half(sentences, part)
    unit, village = _unit(rng, level)
    year = rng.randint(2016, 2024)
    fill = Filler(rng, {"u": unit, "v": village, "y": str(year), "y2": str(year + rng.randint(2, 4)),
                        "s": {"county": "县", "township": "镇", "village": "村"}[level]}, _MAKERS)
    title = rng.choice(_half(VAGUE_TITLES, part) if rng.random() < 0.12 else title_forms).format_map(fill)
    own = rng.sample(sentences, rng.randint(2, min(5, len(sentences))))
    # Another subject mentioned in passing: a class (or, for news, another news item).
    other = rng.choice([c for c in CLASSES if c != label])
    mixed = rng.sample(_half(CLASSES[other][2], part), 1) if rng.random() < 0.6 else []
    if label == NOT_POVERTY:
        mixed = rng.sample(_half(NOT_POVERTY_LURES, part), 1) if rng.random() < 0.35 else []
    elif rng.random() < 0.12:
        mixed.append(rng.choice(_half(POVERTY_LURES, part)))
    body = own + mixed + rng.sample(GENERIC, rng.randint(1, 2))
    rng.shuffle(body)
    text = "\n".join([title, *(s.format_map(fill) for s in body), f"{unit}", f"{year}年{fill['month']}月{fill['day']}日"])
    return Example(title, text, label, level)


def labels() -> list[str]:
    return [*CLASSES, NOT_POVERTY]


def build(n: int = 400, seed: int = 1, not_poverty_share: float = 0.12, *, halves: bool = False) -> list[Example]:
    """`n` examples: every class in turn (so all leaf classes are covered from n >= 44), with about
    `not_poverty_share` of them not poverty records. Deterministic by seed.

    halves=True: the first n // 2 examples are written only from the even-numbered title forms and
    sentences of each pool, the rest only from the odd-numbered ones. Training on one half and
    testing on the other then asks a model to recognise a class from phrasing it has not seen,
    rather than from sentences it has memorised."""
    rng = random.Random(seed)
    codes = list(CLASSES)
    out = []
    for part, size in ((0, n // 2), (1, n - n // 2)) if halves else ((None, n),):
        n_not = max(1, round(size * not_poverty_share))
        order = [codes[(i + len(out)) % len(codes)] for i in range(size - n_not)] + [NOT_POVERTY] * n_not
        rng.shuffle(order)
        out += [example(rng, label, part) for label in order]
    return out
