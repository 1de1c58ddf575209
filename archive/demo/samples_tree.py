"""Folder trees of generated files: the demo organisation tree (文峰区 and its towns and villages),
`write_random_file` (one DOCX/PDF/TXT/XLSX/JPEG under a unit's folder, in year and category sub-folders
the way offices keep them) and `build_tree` (files for every unit of a tree).
"""
from __future__ import annotations

import random
import re
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from archive.demo.samples_docs import write_docx, write_pdf, write_txt
from archive.demo.samples_images import write_jpeg
from archive.demo.samples_sheets import write_xlsx_ledger
from archive.demo.samples_text import LEVEL_KINDS, SampleDoc, random_document
from archive.demo.samples_words import random_date, random_name

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
        date = random_date(rng, year)
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
        if level not in LEVEL_KINDS:
            continue
        unit_dir = root.joinpath(*PurePosixPath(org_path).parts)
        unit_name = PurePosixPath(org_path).name
        for _ in range(per_unit):
            fmt = rng.choices(fmts, weights=fmt_weights)[0]
            path, _, _ = write_random_file(unit_dir, rng, unit_name=unit_name, level=level,
                                             year=rng.choice(years), fmt=fmt)
            written.append((path.relative_to(root).as_posix(), org_path))
    return written
