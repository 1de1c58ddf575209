"""Front matter of a bound volume (GB/T 9705-2008): 封面, 卷内文件目录, 卷内备考表, 卷脊, rendered in one
WeasyPrint pass and read back from the PDF (pypdf for text and fonts, poppler's pdftotext for word
positions): the page ranges, every field on its page, the header on every page of the table, the 页号
column in order, no row split, fonts embedded, no page number anywhere, escaping, determinism.

`python -m tests.unit.binder.test_frontmatter [DIR]` redraws the screenshots in docs/images/ from the sample sheet.
"""
from __future__ import annotations

import dataclasses
import html
import io
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from pypdf import PdfReader

import archive
from archive.binder.frontmatter import FrontMatter, TocRow, VolumeSheet, cn_date, render, render_html

HEADER = ("顺序号", "文号", "责任者", "题名", "日期", "页号", "备注")
MM = 72 / 25.4

# ---------------------------------------------------------------- a realistic sheet

HOUSEHOLDS = ["张建国", "李秀英", "王德明", "赵春花", "刘长福", "陈玉兰", "杨树林", "黄桂芳"]
# (文号, 责任者, 题名, pages): the identification papers of one household (一户一档), in order
PAPERS = [
    ("", "{name}", "{name}贫困户申请书", 1),
    ("", "黎元村村民委员会", "{name}家庭入户调查核查表", 4),
    ("黎村委〔2020〕{n}号", "黎元村村民委员会",
     "关于{name}户纳入建档立卡贫困户的民主评议会议记录（附村民代表签到表、评议票统计表和现场照片说明）", 2),
    ("", "黎元村村民委员会", "黎元村2020年拟纳入建档立卡贫困户名单第一次公示（含{name}户）", 1),
    ("城政〔2020〕{n}号", "城关镇人民政府", "城关镇人民政府关于黎元村{name}户识别结果的审核意见", 3),
]


def sample_sheet(n: int = 25, **changes) -> VolumeSheet:
    """黎元村's 2020 贫困户识别 volume with n documents; 页号 computed as the composer does."""
    rows, page = [], 1
    for i in range(n):
        number, author, title, pages = PAPERS[i % len(PAPERS)]
        name = HOUSEHOLDS[i // len(PAPERS) % len(HOUSEHOLDS)]
        last = i == n - 1
        rows.append(TocRow(seq=i + 1, doc_number=number.format(n=i + 3), author=author.format(name=name),
                           title=title.format(name=name),
                           date=f"2020{3 + i // 5 % 9:02d}{5 + i % 5 * 4:02d}",
                           pages=f"{page}-{page + pages - 1}" if last else str(page),
                           remarks="复印件" if i % 7 == 3 else ""))
        page += pages
    copies = sum(1 for r in rows if r.remarks)
    sheet = VolumeSheet(
        fonds="0031", fonds_name="黎元村村民委员会", class_name="0201 贫困户识别",
        title="黎元村2020年建档立卡贫困户识别申请、入户核查、民主评议、公示公告及审核材料",
        start_date=rows[0].date if rows else "", end_date=rows[-1].date if rows else "",
        retention_name="永久", item_count=n, page_count=page - 1, filing_no="2020-0201-01",
        archive_code="0031-JF·2020-Y-0201-0001", rows=tuple(rows),
        notes=f"本卷共 {n} 件，{page - 1} 页，其中复印件 {copies} 件。\n"
              "王德明户民主评议会议记录缺村民代表签名，已附村委会情况说明。",
        made_by="黎小红", checked_by="", made_on="2026年11月22日")
    return dataclasses.replace(sheet, **changes)


# ---------------------------------------------------------------- reading the PDF back

@dataclasses.dataclass(frozen=True)
class Word:
    page: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float

    @property
    def xc(self) -> float:
        return (self.x0 + self.x1) / 2

    @property
    def yc(self) -> float:
        return (self.y0 + self.y1) / 2


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _texts(pdf: bytes) -> list[str]:
    return [page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages]


def _words(pdf: bytes) -> list[Word]:
    """Every word with its box (points, from the top-left), by poppler's pdftotext -bbox."""
    if not shutil.which("pdftotext"):
        pytest.skip("poppler's pdftotext is not installed")
    out = subprocess.run(["pdftotext", "-bbox", "-", "-"], input=pdf, capture_output=True, check=True,
                         timeout=60).stdout.decode("utf-8")
    words, page = [], -1
    for line in out.splitlines():
        if "<page " in line:
            page += 1
        m = re.search(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*)</word>', line)
        if m:
            words.append(Word(page, html.unescape(m[5]), *map(float, m.groups()[:4])))
    return words


def _fonts(page) -> list:
    fonts = page["/Resources"].get_object().get("/Font")
    return [f.get_object() for f in fonts.get_object().values()] if fonts else []


def _embedded(font) -> bool:
    descriptors = [c.get_object()["/FontDescriptor"].get_object() for c in font.get("/DescendantFonts") or []]
    if "/FontDescriptor" in font:
        descriptors.append(font["/FontDescriptor"].get_object())
    return bool(descriptors) and all("/FontFile2" in d or "/FontFile3" in d for d in descriptors)


@pytest.fixture(scope="module")
def forty() -> tuple[VolumeSheet, FrontMatter]:
    sheet = sample_sheet(40, spine=True)
    return sheet, render(sheet)


# ---------------------------------------------------------------- tests

def test_ranges_come_from_the_anchors(forty):
    sheet, fm = forty
    reader = PdfReader(io.BytesIO(fm.pdf))
    assert fm.cover == range(0, 1)
    assert fm.toc.start == 1 and len(fm.toc) >= 2  # 40 rows: the table takes more than one page
    assert fm.record == range(fm.toc.stop, fm.toc.stop + 1)
    assert fm.spine == range(fm.record.stop, fm.record.stop + 1)
    assert len(reader.pages) == fm.spine.stop
    texts = [_flat(t) for t in _texts(fm.pdf)]
    assert all("卷内文件目录" in texts[i] for i in fm.toc)
    assert "卷内备考表" in texts[fm.record.start] and "卷内文件目录" not in texts[fm.record.start]
    for page in reader.pages:  # A4 portrait
        assert abs(float(page.mediabox.width) - 210 * MM) < 1 and abs(float(page.mediabox.height) - 297 * MM) < 1


def test_every_field_on_its_page(forty):
    sheet, fm = forty
    texts = [_flat(t) for t in _texts(fm.pdf)]
    cover, record, spine = texts[fm.cover.start], texts[fm.record.start], texts[fm.spine.start]
    toc = "".join(texts[i] for i in fm.toc)
    for value in (sheet.fonds_name, sheet.class_name, sheet.title, cn_date(sheet.start_date),
                  cn_date(sheet.end_date), sheet.retention_name, f"{sheet.item_count}件", f"{sheet.page_count}页",
                  sheet.filing_no, sheet.archive_code, "档号", "全宗名称", "类目名称", "案卷题名", "保管期限"):
        assert _flat(value) in cover, value
    assert cn_date("20200305") == "2020年3月5日" and sheet.start_date not in cover
    for i in fm.toc:  # 档号 above the table on every page
        assert f"档号：{sheet.archive_code}" in texts[i]
    for row in sheet.rows:
        for value in (row.doc_number, row.author, row.title, row.date, row.remarks):
            assert _flat(value) in toc, value
    assert sheet.rows[0].title not in cover and _flat(sheet.notes)[:12] not in toc
    for value in (sheet.notes, sheet.made_by, sheet.made_on, sheet.archive_code, "本卷情况说明", "立卷人", "检查人",
                  "立卷时间"):
        assert _flat(value) in record, value
    for value in (sheet.fonds, sheet.archive_code, sheet.title, "全宗号"):
        assert _flat(value) in spine, value


def test_table_header_on_every_page_and_page_numbers_in_order(forty):
    sheet, fm = forty
    words = _words(fm.pdf)
    seen_seq, seen_pages = [], []
    for index in fm.toc:
        page = [w for w in words if w.page == index]
        header = {w.text: w for w in page if w.text in HEADER}
        assert set(header) == set(HEADER), (index, sorted(header))  # the header row again, each cell exact
        assert len({round(w.yc) for w in header.values()}) == 1
        below = [w for w in page if w.y0 > header["页号"].y1]
        # cells are contiguous and each header is centred in its cell: the left edges from the margin on
        lefts = [28 * MM]
        for name in HEADER[:-1]:
            lefts.append(2 * header[name].xc - lefts[-1])

        def column(w):
            return HEADER[max(k for k, left in enumerate(lefts) if left <= w.x0 + 0.5)]

        seqs = [w for w in below if column(w) == "顺序号"]
        pages = [w for w in below if column(w) == "页号"]
        assert seqs and len(seqs) == len(pages)
        for seq, pg in zip(sorted(seqs, key=lambda w: w.y0), sorted(pages, key=lambda w: w.y0)):
            assert abs(seq.yc - pg.yc) < 2  # the same row
            row = sheet.rows[int(seq.text) - 1]
            assert pg.text == row.pages  # the 页号 cell is exactly the given string
            # rows are never split: the whole row (its wrapped title too) is on this page
            title = [w.text for w in below if column(w) == "题名" and abs(w.yc - seq.yc) < 25]
            assert _flat(row.title) in _flat("".join(title))
            seen_seq.append(int(seq.text))
            seen_pages.append(pg.text)
    assert seen_seq == list(range(1, len(sheet.rows) + 1))
    assert seen_pages == [r.pages for r in sheet.rows]
    assert seen_pages[-1] == f"{seen_pages[-1].split('-')[0]}-{sheet.page_count}"


def test_fonts_embedded_and_simplified_chinese(forty):
    _, fm = forty
    for page in PdfReader(io.BytesIO(fm.pdf)).pages:
        fonts = _fonts(page)
        assert fonts and all(_embedded(f) for f in fonts), [f["/BaseFont"] for f in fonts]
        assert all(re.search(r"CJK[-\s]*SC\b", str(f["/BaseFont"])) for f in fonts), [f["/BaseFont"] for f in fonts]
        assert len(fonts) <= 3  # Serif, Serif Bold, Sans Bold: every face more is another ~100 KB subset
    assert "\ufffd" not in "".join(_texts(fm.pdf))


PAGE_NUMBER = re.compile(r"第\s*\d+\s*页|[Pp]age\s*\d+|^\s*-\s*\d+\s*-\s*$|^\s*\d+\s*/\s*\d+\s*$", re.M)


def test_no_page_number_and_text_inside_the_margins(forty):
    _, fm = forty
    for text in _texts(fm.pdf):
        assert not PAGE_NUMBER.search(text), PAGE_NUMBER.search(text)
    # nothing in the margins (where a page number would go); the binding margin on the left is 28 mm
    for w in _words(fm.pdf):
        if w.page in fm.spine:
            continue
        assert w.x0 > 28 * MM - 3 and w.x1 < (210 - 20) * MM + 3, w
        assert w.y0 > 20 * MM - 3 and w.y1 < (297 - 20) * MM + 3, w
    meta = PdfReader(io.BytesIO(fm.pdf)).metadata
    assert "/CreationDate" not in meta and "/ModDate" not in meta  # no time in the file: the caller sets it


def test_markup_in_the_data_is_printed_literally():
    evil = '<script>alert("档案")</script> & <b>加粗</b>'
    sheet = sample_sheet(3, title=f"关于{evil}的材料", notes=f"说明{evil}", made_by="<img src=x>")
    page = render_html(sheet)
    assert "<script>" not in page and "<b>" not in page and "<img" not in page
    assert "&lt;script&gt;" in page
    assert not re.search(r"""<[^>]*\b(?:src|href)\s*=|url\(|@import""", page)  # the template loads nothing
    fm = render(sheet)
    texts = [_flat(t) for t in _texts(fm.pdf)]
    assert '<script>alert("档案")</script>' in texts[fm.cover.start]
    assert "<b>加粗</b>" in texts[fm.record.start] and "<imgsrc=x>" in texts[fm.record.start]


def test_spine_only_when_asked_and_its_width():
    plain = render(sample_sheet(3))
    assert len(plain.spine) == 0 and plain.spine.start == plain.record.stop
    assert len(PdfReader(io.BytesIO(plain.pdf)).pages) == plain.record.stop
    assert "全宗号" not in "".join(_texts(plain.pdf))
    long_title = "黎元村2020年建档立卡贫困户识别、帮扶、退出及动态监测全过程档案材料" * 4
    for width in (20, 50):
        fm = render(sample_sheet(3, spine=True, spine_width_mm=width, title=long_title))
        assert len(fm.spine) == 1 and fm.spine.stop == len(PdfReader(io.BytesIO(fm.pdf)).pages)
        assert fm.cover == range(0, 1)  # a long title still leaves the cover on one page
        assert f"宽{width}mm" in _flat(_texts(fm.pdf)[fm.spine.start])
        # every word inside the strip, or right of it (the cutting hint): nothing crosses its edges
        left, right = (210 - width) / 2 * MM, (210 + width) / 2 * MM
        words = [w for w in _words(fm.pdf) if w.page == fm.spine.start]
        strip = [w for w in words if w.x1 < right + 0.5]
        assert all(left - 0.5 < w.x0 for w in strip) and all(w.x0 > right + 5 * MM for w in words if w not in strip)
        # top to bottom: 全宗号, the title (not running into the 档号 block), 档号
        labels = {w.text: w for w in strip if w.text in ("全宗号", "档号")}
        fonds = [w for w in strip if labels["全宗号"].y1 < w.y0 < labels["全宗号"].y1 + 15 * MM]
        title = [w for w in strip if labels["全宗号"].y1 + 15 * MM < w.y0 and w.y1 < labels["档号"].y0]
        code = [w for w in strip if w.y0 > labels["档号"].y1]
        assert "".join(w.text for w in fonds) == "0031"
        assert "".join(w.text for w in sorted(code, key=lambda w: w.y0)) == "0031-JF·2020-Y-0201-0001"
        assert sorted(_flat("".join(w.text for w in title))) == sorted(_flat(long_title))
    with pytest.raises(ValueError):
        render_html(sample_sheet(3, spine=True, spine_width_mm=35))


def test_empty_table_and_blank_fields_still_render():
    sheet = sample_sheet(0, checked_by="", filing_no="", start_date="", end_date="")
    fm = render(sheet)
    assert (len(fm.cover), len(fm.toc), len(fm.record)) == (1, 1, 1)
    assert "".join(HEADER) in _flat(_texts(fm.pdf)[fm.toc.start])


def test_same_input_same_layout(forty):
    sheet, fm = forty
    again = render(sheet)
    assert (again.cover, again.toc, again.record, again.spine) == (fm.cover, fm.toc, fm.record, fm.spine)
    assert _texts(again.pdf) == _texts(fm.pdf)
    first, second = PdfReader(io.BytesIO(fm.pdf)), PdfReader(io.BytesIO(again.pdf))
    for a, b in zip(first.pages, second.pages, strict=True):
        assert a.get_contents().get_data() == b.get_contents().get_data()


def test_render_time_of_forty_rows(forty):
    sheet, _ = forty
    started = time.perf_counter()
    render(sheet)
    elapsed = time.perf_counter() - started
    print(f"front matter, 40 rows: {elapsed:.2f} s")
    assert elapsed < 10  # ~1 s here; 7 s+ means libharfbuzz-subset0 is missing (FINDINGS.md)


# ---------------------------------------------------------------- screenshots for docs/images/

def screenshots(out: Path, dpi: int = 100) -> list[Path]:
    """volume-cover.png, volume-toc.png (both pages of a 25-row table, side by side), volume-record.png."""
    import tempfile

    from PIL import Image

    fm = render(sample_sheet(25))
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        pdf = Path(tmp) / "v.pdf"
        pdf.write_bytes(fm.pdf)

        def page(index: int) -> Image.Image:
            prefix = Path(tmp) / f"p{index}"
            subprocess.run(["pdftoppm", "-png", "-r", str(dpi), "-singlefile", "-f", str(index + 1), "-l",
                            str(index + 1), str(pdf), str(prefix)], check=True, timeout=60)
            with Image.open(f"{prefix}.png") as image:
                return image.convert("L")

        cover, record = page(fm.cover.start), page(fm.record.start)
        tocs = [page(i) for i in fm.toc]
        gap = 16
        toc = Image.new("L", (sum(p.width for p in tocs) + gap * (len(tocs) - 1), tocs[0].height), 150)
        for n, p in enumerate(tocs):
            toc.paste(p, (n * (p.width + gap), 0))
        written = []
        for name, image in (("volume-cover", cover), ("volume-toc", toc), ("volume-record", record)):
            path = out / f"{name}.png"
            image.save(path, optimize=True)
            written.append(path)
    return written


if __name__ == "__main__":
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else Path(archive.__file__).resolve().parents[1] / "docs" / "images"
    for path in screenshots(target):
        print(path)
