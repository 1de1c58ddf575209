"""Small random values for generated documents: Chinese names, dates in Chinese numerals, masked ID and
phone numbers, village and town names, and `Filler`, the mapping that fills a sentence's placeholders.

Shared by the sample generators (samples_*.py) and the classifier corpus (corpus.py).
"""
from __future__ import annotations

import datetime as dt
import random
from typing import Callable

SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董程曹袁邓许"
    "傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊"
    "金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
)
GIVEN_NAMES = "秀英华明国军芳丽红伟强磊洋勇艳杰娟涛超霞平刚桂兰玉梅凤春海志永德学文金宝长忠新福林山宏振建庆喜根荣"
VILLAGE_STEMS = (
    "黎元", "东街", "西街", "南关", "北郊", "马家庄", "王家庄", "李家", "前进", "红旗",
    "柳园", "杨庄", "南张", "西官庄", "东辛店", "北流寺", "大正集", "小营", "郭村", "崔家桥",
)
TOWN_STEMS = ("莲蓬寺", "宝莲寺", "高庄", "永和", "柏庄", "水冶", "白璧", "吕村", "辛店")
_CN_DIGITS = "〇一二三四五六七八九"


def random_name(rng: random.Random) -> str:
    """A plausible Chinese personal name (2 or 3 characters)."""
    given = rng.choice(GIVEN_NAMES) + (rng.choice(GIVEN_NAMES) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


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


def random_date(rng: random.Random, year: int) -> dt.date:
    return dt.date(year, rng.randint(1, 12), rng.randint(1, 28))


def masked_id(rng: random.Random, prefix: str = "410502") -> str:
    """身份证号 masked the way published lists do: 410502********1234."""
    tail = f"{rng.randint(0, 999):03d}" + rng.choice("0123456789X")
    return f"{prefix}********{tail}"


def masked_phone(rng: random.Random) -> str:
    return f"1{rng.choice('3578')}{rng.randint(0, 9)}****{rng.randint(0, 9999):04d}"


Maker = Callable[[random.Random], str]

# Placeholders every generator fills the same way: a person, a month, a day, an office phone.
COMMON_MAKERS: dict[str, Maker] = {
    "name": random_name,
    "month": lambda rng: str(rng.randint(1, 12)),
    "day": lambda rng: str(rng.randint(1, 28)),
    "phone": lambda rng: f"0372-{rng.randint(2000000, 5999999)}",
}


class Filler(dict):
    """format_map() mapping that invents a fresh value for each placeholder it was not given.

    Lazily generated so a sentence only pays for the placeholders it uses, and each use of {name} in
    different sentences is a different person. `makers` maps a placeholder to a function of the rng;
    a numbered placeholder ({name2}, {money3}) uses its unnumbered one's maker unless it has its own.
    """

    def __init__(self, rng: random.Random, fixed: dict[str, str], makers: dict[str, Maker]):
        super().__init__(fixed)
        self.rng = rng
        self.makers = makers

    def __missing__(self, key: str) -> str:
        maker = self.makers.get(key) or self.makers.get(key.rstrip("0123456789"))
        if maker is None:
            raise KeyError(key)
        return maker(self.rng)
