"""The 页号 column of the 卷内文件目录, read back with `pdftotext -bbox` from the TOC pages (the column
under the header cell whose text is exactly "页号", found again on every TOC page since the header
repeats), and its check: equal to the layout's labels.
"""
from __future__ import annotations

import html
import re
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pikepdf

from archive.binder.verify.layout import Layout, normalise, pages_text

_LABEL_TOKEN = re.compile(r"[\d\-–—－~～‐−]+")
_WORD = re.compile(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>')


@dataclass
class _Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str

    @property
    def cx(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def cy(self) -> float:
        return (self.y0 + self.y1) / 2


def _toc_words(path: Path, first: int, last: int) -> list[list[_Word]]:
    """Words per page (pdftotext -bbox, points from the top-left), for 0-based pages first..last."""
    exe = shutil.which("pdftotext")
    if exe is None:
        raise RuntimeError("缺少 pdftotext（Debian 软件包 poppler-utils），无法读取目录")
    run = subprocess.run([exe, "-bbox", "-f", str(first + 1), "-l", str(last + 1), str(path), "-"],
                         capture_output=True, timeout=300)
    if run.returncode != 0:
        raise RuntimeError(f"pdftotext 读取目录失败：{run.stderr.decode('utf-8', 'replace').strip()[:200]}")
    text = run.stdout.decode("utf-8", "replace")
    pages: list[list[_Word]] = []
    for chunk in re.split(r"(?=<page )", text)[1:]:
        words = [_Word(float(a), float(b), float(c), float(d), html.unescape(t))
                 for a, b, c, d, t in _WORD.findall(chunk)]
        pages.append(words)
    return pages


_PAINT = {"S", "s", "f", "F", "f*", "B", "B*", "b", "b*"}


def _mul(m, n):
    """m × n for PDF matrices [a b c d e f] (m applied first)."""
    a, b, c, d, e, f = m
    A, B, C, D, E, F = n
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _vertical_rules(page: pikepdf.Page) -> list[tuple[float, float, float]]:
    """Vertical lines drawn on the page (table borders, cell edges) as (x, top, bottom) in the same
    coordinates as pdftotext -bbox (points from the MediaBox's top-left corner)."""
    media = [float(v) for v in page.mediabox]
    x_origin, top_y = min(media[0], media[2]), max(media[1], media[3])
    rules = []
    ctm = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)
    stack = []
    path: list[tuple[tuple[float, float], tuple[float, float]]] = []
    point = None

    def at(x, y):
        a, b, c, d, e, f = ctm
        return a * x + c * y + e, b * x + d * y + f

    try:
        ops = pikepdf.parse_content_stream(page)
    except pikepdf.PdfError:
        return []
    for operands, operator in ops:
        op = str(operator)
        try:
            if op == "q":
                stack.append(ctm)
            elif op == "Q":
                ctm = stack.pop() if stack else ctm
            elif op == "cm":
                ctm = _mul(tuple(float(v) for v in operands), ctm)
            elif op == "m":
                point = at(float(operands[0]), float(operands[1]))
            elif op == "l" and point is not None:
                new = at(float(operands[0]), float(operands[1]))
                path.append((point, new))
                point = new
            elif op == "re":
                x, y, w, h = (float(v) for v in operands)
                corners = [at(x, y), at(x + w, y), at(x + w, y + h), at(x, y + h)]
                path.extend(zip(corners, corners[1:] + corners[:1]))
            elif op in _PAINT or op == "n":
                if op != "n":
                    for (x0, y0), (x1, y1) in path:
                        if abs(x1 - x0) < 0.5 and abs(y1 - y0) > 4:
                            rules.append(((x0 + x1) / 2 - x_origin, top_y - max(y0, y1), top_y - min(y0, y1)))
                path, point = [], None
        except (ValueError, TypeError, IndexError):
            continue
    return rules


def read_toc_labels(path: Path, toc_pages: list[int]) -> tuple[list[str], list[str]]:
    """The 页号 column of the table of contents, row by row over the TOC pages: (labels, problems).

    On each page the column is the one whose header cell reads exactly "页号" (the header repeats on
    every page); its edges are the vertical rules drawn left and right of that header, or, in a table
    without rules, half-way to the neighbouring header cells."""
    if not toc_pages:
        return [], []
    first, last = min(toc_pages), max(toc_pages)
    pages = _toc_words(path, first, last)
    labels: list[str] = []
    problems: list[str] = []
    with pikepdf.open(path) as pdf:
        for index in sorted(toc_pages):
            k = index - first
            words = pages[k] if k < len(pages) else []
            headers = [w for w in words if w.text == "页号"]
            if not headers:
                problems.append(f"目录页（PDF 第 {index + 1} 页）找不到“页号”列")
                continue
            header = min(headers, key=lambda w: w.y0)
            left, right = _column_edges(header, words, _vertical_rules(pdf.pages[index]))
            column = sorted((w for w in words if w.y0 > header.y1 and left < w.cx < right
                             and _LABEL_TOKEN.fullmatch(w.text)), key=lambda w: (w.cy, w.x0))
            lines: list[list[_Word]] = []
            for w in column:
                if lines and abs(w.cy - lines[-1][0].cy) < (w.y1 - w.y0) / 2:
                    lines[-1].append(w)
                else:
                    lines.append([w])
            labels.extend(normalise("".join(w.text for w in sorted(line, key=lambda w: w.x0))) for line in lines)
    return labels, problems


def _column_edges(header: _Word, words: list[_Word], rules: list[tuple[float, float, float]]) -> tuple[float, float]:
    crossing = [x for x, top, bottom in rules if top - 1 <= header.cy <= bottom + 1]
    left = max((x for x in crossing if x <= header.x0 + 0.5), default=None)
    right = min((x for x in crossing if x >= header.x1 - 0.5), default=None)
    if left is not None and right is not None:
        return left, right
    row = [w for w in words if w is not header and abs(w.cy - header.cy) < (header.y1 - header.y0)]
    before = max((w.cx for w in row if w.cx < header.cx), default=None)
    after = min((w.cx for w in row if w.cx > header.cx), default=None)
    if left is None:
        left = (before + header.cx) / 2 if before is not None else 0.0
    if right is None:
        right = (after + header.cx) / 2 if after is not None else float("inf")
    return left, right


def check_toc(path: Path, layout: Layout, count: int, problems: list[str]) -> None:
    if not layout.toc_pages:
        if layout.toc_labels:
            problems.append("布局没有目录页，却给出了目录页号")
        return
    bad = [i for i in layout.toc_pages if not 0 <= i < count]
    if bad:
        problems.append(f"目录页 {pages_text(bad)} 超出 PDF 页数 {count}")
        return
    try:
        printed, toc_problems = read_toc_labels(path, layout.toc_pages)
    except (RuntimeError, subprocess.TimeoutExpired) as exc:
        problems.append(str(exc))
        return
    problems.extend(toc_problems)
    wanted = [normalise(label) for label in layout.toc_labels]
    titles = [d.title for d in layout.documents]
    for i, (got, want) in enumerate(zip(printed, wanted)):
        if got != want:
            title = f"（{titles[i]}）" if i < len(titles) else ""
            problems.append(f"目录第 {i + 1} 行{title}的页号印为 {got}，应为 {want}")
    if len(printed) != len(wanted):
        problems.append(f"目录“页号”列读出 {len(printed)} 个页号，应为 {len(wanted)} 个")
