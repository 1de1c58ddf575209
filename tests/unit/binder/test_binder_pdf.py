"""Page geometry, stamped page numbers, the 归档章 and the read-back checks of a bound volume
(archive/binder/pdfops.py, stamp.py, verify.py), on small PDFs made here with reportlab and WeasyPrint."""
from __future__ import annotations

import datetime as dt
import hashlib
import io
import re
import shutil
import subprocess
from pathlib import Path

import pikepdf
import pytest
from PIL import Image, ImageChops

from archive.binder import pdfops, stamp, verify
from archive.binder.pdfops import MM, Bookmark
from archive.binder.stamp import FilingStamp
from archive.binder.verify import DocumentSpan, Layout, VerificationFailed

pytestmark = pytest.mark.skipif(not (shutil.which("pdftoppm") and shutil.which("pdftotext") and shutil.which("qpdf")),
                                reason="poppler-utils and qpdf are needed")

A4 = (595.28, 841.89)
DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


# ------------------------------------------------------------------------------------ helpers

def _reportlab(pages: list[str], *, size=A4, font: str = "DejaVu") -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if font == "DejaVu" and "DejaVu" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("DejaVu", DEJAVU))
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=size, invariant=1, initialFontName=font)
    for text in pages:
        c.setFont(font, 14)
        c.drawString(72, size[1] / 2, text)   # mid-page: the corners stay empty for the overlays
        c.showPage()
    c.save()
    return buf.getvalue()


def _blank_pdf(boxes: list[dict]) -> pikepdf.Pdf:
    """Pages with the given /MediaBox, /CropBox, /Rotate and content."""
    pdf = pikepdf.Pdf.new()
    for spec in boxes:
        page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=spec.get("media", [0, 0, *A4]),
                                  Resources=pikepdf.Dictionary())
        if "crop" in spec:
            page.CropBox = spec["crop"]
        if "rotate" in spec:
            page.Rotate = spec["rotate"]
        page.Contents = pdf.make_stream(spec.get("content", b""))
        pdf.pages.append(pikepdf.Page(page))
    return pdf


def _render(path: Path, page: int, dpi: int = 72) -> Image.Image:
    """Page `page` (1-based) as displayed (CropBox, /Rotate), one pixel per point at 72 dpi."""
    out = subprocess.run(["pdftoppm", "-cropbox", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", str(path)],
                         capture_output=True, check=True).stdout
    return Image.open(io.BytesIO(out)).convert("RGB")


def _ink_box(img: Image.Image, *, red: bool = False) -> tuple[int, int, int, int] | None:
    """Bounding box (left, top, right, bottom) of the dark (or red) pixels."""
    if red:
        r, g, b = img.split()
        mask = ImageChops.multiply(ImageChops.multiply(r.point(lambda v: 255 if v > 150 else 0),
                                                       g.point(lambda v: 255 if v < 110 else 0)),
                                   b.point(lambda v: 255 if v < 110 else 0))
    else:
        mask = img.convert("L").point(lambda v: 255 if v < 128 else 0)
    return mask.getbbox()


def _words(path: Path, page: int) -> list[tuple[float, float, float, float, str]]:
    out = subprocess.run(["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
                         capture_output=True, text=True, check=True).stdout
    return [(float(a), float(b), float(c), float(d), t) for a, b, c, d, t in
            re.findall(r'<word xMin="([-\d.]+)" yMin="([-\d.]+)" xMax="([-\d.]+)" yMax="([-\d.]+)">(.*?)</word>', out)]


# ------------------------------------------------------------------------------------ geometry

@pytest.mark.parametrize("rotate, expected", [(0, (400, 700)), (90, (700, 400)), (180, (400, 700)),
                                              (270, (700, 400)), (-90, (700, 400)), (450, (700, 400)),
                                              (45, (400, 700))])
def test_visible_size_follows_rotate_and_cropbox(rotate, expected):
    pdf = _blank_pdf([{"media": [0, 0, 600, 900], "crop": [150, 100, 550, 800], "rotate": rotate}])
    assert pdfops.visible_size(pdf.pages[0]) == pytest.approx(expected)


def test_visible_size_inherits_and_clips():
    pdf = _blank_pdf([{"media": [0, 0, 500, 700], "crop": [-50, -50, 300, 800]}])
    assert pdfops.visible_size(pdf.pages[0]) == pytest.approx((300, 700))
    # /Rotate and /MediaBox inherited from the page tree
    pdf = _blank_pdf([{}])
    del pdf.pages[0].obj["/MediaBox"]
    pdf.Root.Pages.MediaBox = [0, 0, 300, 500]
    pdf.Root.Pages.Rotate = 90
    assert pdfops.visible_size(pdf.pages[0]) == pytest.approx((500, 300))


@pytest.mark.parametrize("rotate", [0, 90, 180, 270])
def test_number_lands_top_right_as_displayed(tmp_path, rotate):
    # an offset CropBox, and content that leaves a scaling cm, a red fill and an open q behind it
    messy = b"q 1 0 0 rg 3 0 0 3 0 0 cm 0 0 m"
    pdf = _blank_pdf([{"media": [0, 0, 700, 900], "crop": [60, 40, 560, 840], "rotate": rotate, "content": messy}])
    w, h = pdfops.visible_size(pdf.pages[0])
    overlays = pdfops.number_overlays([(w, h)], [7], double_sided=False)
    assert pdfops.place(pdf, pdf.pages[0], overlays.pages[0], name=pdfops.NUMBER_NAME) == pdfops.NUMBER_NAME
    out = tmp_path / "n.pdf"
    pdfops.save(pdf, out)

    img = _render(out, 1)
    assert img.size == (round(w), round(h))
    left, top, right, bottom = _ink_box(img)
    assert right == pytest.approx(w - 10 * MM, abs=2)      # 10 mm from the right edge
    assert top == pytest.approx(10 * MM, abs=2)            # 10 mm from the top edge
    assert 6 <= bottom - top <= 12                         # upright digits of a 12 pt face, not scaled
    assert right - left < 12
    assert max(img.getpixel(((left + right) // 2, y))[0] - img.getpixel(((left + right) // 2, y))[1]
               for y in range(top, bottom)) < 60           # black, not the document's leftover red
    assert verify.read_numbers(pikepdf.open(out)) == {0: 7}


def test_double_sided_even_numbers_go_top_left(tmp_path):
    pdf = _blank_pdf([{}, {}, {}])
    pdfops.number_pages(pdf, [0, 1, 2], double_sided=True)
    out = tmp_path / "d.pdf"
    pdfops.save(pdf, out)
    w, _ = A4
    boxes = [_ink_box(_render(out, i)) for i in (1, 2, 3)]
    assert boxes[0][2] == pytest.approx(w - 10 * MM, abs=2)   # 1: recto, top-right
    assert boxes[1][0] == pytest.approx(10 * MM, abs=2)       # 2: verso, top-left
    assert boxes[2][2] == pytest.approx(w - 10 * MM, abs=2)   # 3: recto
    assert verify.read_numbers(pikepdf.open(out)) == {0: 1, 1: 2, 2: 3}


def test_place_keeps_shared_resources_apart(tmp_path):
    # many producers share one /Resources dictionary between pages: each page must show its own number
    pdf = pikepdf.open(io.BytesIO(_reportlab(["a", "b", "c"])))
    shared = pdf.make_indirect(pikepdf.Dictionary(pdf.pages[0].Resources))
    for page in pdf.pages:
        page.obj.Resources = shared
    pdfops.number_pages(pdf, [0, 1, 2], start=5)
    out = tmp_path / "s.pdf"
    pdfops.save(pdf, out)
    assert verify.read_numbers(pikepdf.open(out)) == {0: 5, 1: 6, 2: 7}
    # the documents' own text is intact, each page shows its own number
    assert [sorted(w[4] for w in _words(out, i)) for i in (1, 2, 3)] == [["5", "a"], ["6", "b"], ["7", "c"]]


def test_number_font_is_embedded_and_small():
    overlays = pdfops.number_overlays([A4] * 3, [1, 22, 333], double_sided=False)
    assert verify.unembedded_fonts(overlays) == {}
    font = overlays.pages[0].Resources.Font.N
    assert str(font.BaseFont) == "/" + pdfops.NUMBER_FONT_NAME
    assert len(font.FontDescriptor.FontFile2.read_bytes()) < 20_000


def test_outline_metadata_and_deterministic_save(tmp_path):
    def build(out: Path) -> None:
        pdf = pikepdf.open(io.BytesIO(_reportlab(["cover", "toc", "doc 1", "doc 1 p2", "doc 2"])))
        pdfops.number_pages(pdf, [2, 3, 4])
        pdfops.add_outline(pdf, [Bookmark("封面", 0), Bookmark("卷内文件目录", 1),
                                 Bookmark("文件", 2, [Bookmark("关于印发扶贫档案管理办法的通知", 2), Bookmark("会议纪要", 4)])])
        pdfops.set_metadata(pdf, title="2024 年度精准扶贫文件", author="某某县扶贫开发办公室", subject="案卷",
                            created=dt.datetime(2024, 5, 6, 7, 8, 9, tzinfo=dt.timezone(dt.timedelta(hours=8))))
        pdfops.save(pdf, out)

    build(tmp_path / "a.pdf")
    build(tmp_path / "b.pdf")
    data = (tmp_path / "a.pdf").read_bytes()
    assert data == (tmp_path / "b.pdf").read_bytes()
    assert data.startswith(b"%PDF-1.7")
    assert not list(tmp_path.glob(".tmp-*"))
    assert (tmp_path / "a.pdf").stat().st_mode & 0o777 == 0o644
    pdf = pikepdf.open(tmp_path / "a.pdf")
    assert str(pdf.docinfo.Title) == "2024 年度精准扶贫文件"
    assert str(pdf.docinfo.Author) == "某某县扶贫开发办公室"
    assert str(pdf.docinfo.CreationDate).startswith("D:20240506070809+08")
    meta = pdf.open_metadata()
    assert meta["dc:title"] == "2024 年度精准扶贫文件"
    assert meta["dc:creator"] == ["某某县扶贫开发办公室"]
    assert meta["xmp:CreateDate"].startswith("2024-05-06T07:08:09")
    with pdf.open_outline() as outline:
        top = [(o.title, pdf.pages.index(pikepdf.Page(o.destination[0]))) for o in outline.root]
        kids = [(o.title, pdf.pages.index(pikepdf.Page(o.destination[0]))) for o in outline.root[2].children]
    assert top == [("封面", 0), ("卷内文件目录", 1), ("文件", 2)]
    assert kids == [("关于印发扶贫档案管理办法的通知", 2), ("会议纪要", 4)]
    assert pdf.Root.PageMode == pikepdf.Name.UseOutlines


# ------------------------------------------------------------------------------------ the 归档章

STAMP = FilingStamp(fonds="Z109", year=2024, item_no=12, class_code="0201", retention="定期30年", pages=15)


def test_stamp_sits_top_centre_and_reads_back(tmp_path):
    source = tmp_path / "rendition.pdf"
    source.write_bytes(_reportlab(["关于做好扶贫档案工作的通知", "page two"]))
    before = hashlib.sha256(source.read_bytes()).hexdigest()
    out = tmp_path / "stamped.pdf"
    stamp.stamped_copy(source, STAMP, out)
    assert hashlib.sha256(source.read_bytes()).hexdigest() == before   # the input is never modified

    words = {t: (x0, y0, x1, y1) for x0, y0, x1, y1, t in _words(out, 1)}
    for value in ("Z109", "2024", "0012", "0201", "定期30年", "15"):
        assert value in words, value
    w, _ = A4
    # first row left to right, second row below it
    assert words["Z109"][0] < words["2024"][0] < words["0012"][0]
    assert words["0201"][1] > words["Z109"][3] - 1
    assert (words["Z109"][0] + words["0012"][2]) / 2 == pytest.approx(w / 2, abs=3)
    # the red ink: 45 × 16 mm, centred, its top edge 5 mm below the page's top edge
    left, top, right, bottom = _ink_box(_render(out, 1, dpi=144), red=True)
    assert (right - left) / 2 == pytest.approx(45 * MM, abs=2)
    assert (bottom - top) / 2 == pytest.approx(16 * MM, abs=2)
    assert top / 2 == pytest.approx(5 * MM, abs=1.5)
    assert (left + right) / 4 == pytest.approx(w / 2, abs=1.5)
    assert _words(out, 2)[0][4] == "page"                  # page 2 untouched
    assert verify.unembedded_fonts(pikepdf.open(out)) == {}


def test_stamp_on_a_rotated_landscape_page(tmp_path):
    source = tmp_path / "landscape.pdf"
    _blank_pdf([{"media": [0, 0, *A4], "rotate": 90}]).save(source)
    out = tmp_path / "stamped.pdf"
    stamp.stamped_copy(source, STAMP, out)
    img = _render(out, 1)
    assert img.size[0] == pytest.approx(A4[1], abs=1) and img.size[1] == pytest.approx(A4[0], abs=1)
    left, top, right, bottom = _ink_box(img, red=True)
    assert (left + right) / 2 == pytest.approx(A4[1] / 2, abs=2)
    assert top == pytest.approx(5 * MM, abs=2)
    assert right - left == pytest.approx(45 * MM, abs=2)


def test_stamped_copy_refuses_to_overwrite_its_input(tmp_path):
    source = tmp_path / "r.pdf"
    source.write_bytes(_reportlab(["x"]))
    with pytest.raises(ValueError):
        stamp.stamped_copy(source, STAMP, source)


def test_stamp_overlays_share_one_font_and_fit_long_values(tmp_path):
    sizes = [A4, (A4[1], A4[0]), A4, (500, 700)]
    long_name = FilingStamp("J001", 2023, 3, "精准识别类贫困户识别", "永久", 120)
    overlays = stamp.stamp_overlays([STAMP, STAMP, long_name, STAMP], sizes)
    assert [pdfops.visible_size(p) for p in overlays.pages] == [pytest.approx(s, abs=0.01) for s in sizes]
    fonts = {p.Resources.Font.S.objgen for p in overlays.pages}
    assert len(fonts) == 1                                   # one font for every stamp of a volume
    font = overlays.pages[0].Resources.Font.S
    assert font.Subtype == pikepdf.Name.Type3 and "/ToUnicode" in font
    out = tmp_path / "overlays.pdf"
    pdfops.save(overlays, out)
    words = {t: (x0, y0, x1, y1) for x0, y0, x1, y1, t in _words(out, 3)}
    # a long 机构(问题) goes on two lines inside its 15 × 8 mm cell rather than overflowing it
    first, second = words["精准识别类"], words["贫困户识别"]
    assert second[1] > first[1]
    cell_left = (A4[0] - 45 * MM) / 2
    for x0, y0, x1, y1 in (first, second):
        assert cell_left < x0 and x1 < cell_left + 15 * MM
        assert 13 * MM - 1 < y0 and y1 < 21 * MM + 1          # the second row
    assert {"J001", "2023", "0003", "永久", "120"} <= set(words)


def test_stamping_a_volume_is_fast():
    import time

    stamps = [FilingStamp("Z109", 2024, k + 1, "0201", "永久", k % 9 + 1) for k in range(600)]
    started = time.process_time()
    overlays = stamp.stamp_overlays(stamps, [A4] * 600)
    assert len(overlays.pages) == 600
    assert time.process_time() - started < 3    # ~0.1 s here; a WeasyPrint render took ~12 s


# ------------------------------------------------------------------------------- verification

TOC_HTML = """<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><style>
@page {{ size: A4; margin: 20mm 15mm 20mm 25mm; }}
html {{ font-family: "Noto Serif CJK SC", serif; font-size: 10pt; }}
h1 {{ text-align: center; font-size: 16pt; }}
table {{ width: 100%; border-collapse: collapse; table-layout: fixed; }}
thead {{ display: table-header-group; }}
th, td {{ border: 0.6pt solid #000; padding: 1mm; }}
td.c {{ text-align: center; }}
tr {{ break-inside: avoid; height: {row_height}mm; }}
</style></head><body><h1>卷内文件目录</h1><table>
<colgroup><col style="width:12mm"><col style="width:28mm"><col style="width:26mm"><col><col style="width:20mm">
<col style="width:14mm"><col style="width:12mm"></colgroup>
<thead><tr><th>顺序号</th><th>文号</th><th>责任者</th><th>题名</th><th>日期</th><th>页号</th><th>备注</th></tr></thead>
<tbody>{rows}</tbody></table></body></html>"""


def _toc(titles: list[str], labels: list[str], row_height: int, borders: bool = True) -> bytes:
    from weasyprint import HTML

    rows = "".join(f'<tr><td class="c">{i + 1}</td><td>某扶办〔2024〕{i + 1}号</td><td>某某县扶贫办</td>'
                   f'<td>{t}</td><td class="c">2024010{i % 9 + 1}</td><td class="c">{lab}</td><td></td></tr>'
                   for i, (t, lab) in enumerate(zip(titles, labels)))
    html = TOC_HTML.format(rows=rows, row_height=row_height)
    if not borders:
        html = html.replace("border: 0.6pt solid #000;", "border: none;")
    return HTML(string=html).write_pdf()


def _build_volume(tmp_path: Path, doc_pages: list[int], *, row_height: int = 9, printed_labels=None,
                  numbers=None, fonts=None) -> tuple[Path, Layout]:
    """A volume: TOC (WeasyPrint) + documents (reportlab renditions), numbered, stamped, bookmarked."""
    titles = [f"关于第{i + 1}批扶贫项目的通知" for i in range(len(doc_pages))]
    starts, n = [], 1
    for p in doc_pages:
        starts.append(n)
        n += p
    labels = [str(s) for s in starts]
    labels[-1] = f"{starts[-1]}-{n - 1}" if doc_pages[-1] > 1 else str(starts[-1])
    toc = pikepdf.open(io.BytesIO(_toc(titles, printed_labels or labels, row_height)))
    renditions = []
    for i, p in enumerate(doc_pages):
        r = tmp_path / f"doc{i + 1}.pdf"
        r.write_bytes(_reportlab([f"document {i + 1} page {k + 1}" for k in range(p)],
                                 font=(fonts or {}).get(i, "DejaVu")))
        renditions.append(r)

    volume = pikepdf.Pdf.new()
    volume.pages.extend(toc.pages)
    toc_pages = list(range(len(volume.pages)))
    first_indexes = []
    for r in renditions:
        first_indexes.append(pdfops.append_pdf(volume, r)[0])
    numbered = list(range(len(toc_pages), len(volume.pages)))
    overlays = pdfops.number_overlays([pdfops.visible_size(volume.pages[i]) for i in numbered],
                                      numbers or list(range(1, len(numbered) + 1)), double_sided=False)
    for i, overlay in zip(numbered, overlays.pages):
        pdfops.place(volume, volume.pages[i], overlay, name=pdfops.NUMBER_NAME)
    stamp.stamp_first_pages(volume, first_indexes, [FilingStamp("Z109", 2024, k + 1, "", "永久", p)
                                                    for k, p in enumerate(doc_pages)])
    pdfops.add_outline(volume, [Bookmark("卷内文件目录", 0)] + [Bookmark(t, i) for t, i in zip(titles, first_indexes)])
    pdfops.set_metadata(volume, title="测试案卷", author="某某县扶贫办", created=dt.datetime(2024, 1, 2, 3, 4, 5))
    out = tmp_path / "volume.pdf"
    pdfops.save(volume, out)
    docs = [DocumentSpan(t, s, s + p - 1, i, r)
            for t, s, p, i, r in zip(titles, starts, doc_pages, first_indexes, renditions)]
    return out, Layout(page_count=len(volume.pages), toc_pages=toc_pages, numbered_pages=numbered,
                       documents=docs, toc_labels=labels)


def _problems(path: Path, layout: Layout, **kw) -> list[str]:
    with pytest.raises(VerificationFailed) as info:
        verify.verify(path, layout, **kw)
    assert str(info.value) == "\n".join(info.value.problems)
    return info.value.problems


def test_verify_passes_on_a_good_volume(tmp_path):
    path, layout = _build_volume(tmp_path, [2, 1, 3])
    assert verify.verify(path, layout) == []


def test_verify_reads_a_toc_whose_header_repeats_on_every_page(tmp_path):
    doc_pages = [1] * 25 + [2]
    path, layout = _build_volume(tmp_path, doc_pages, row_height=14)
    assert len(layout.toc_pages) >= 2
    labels, problems = verify.read_toc_labels(path, layout.toc_pages)
    assert problems == []
    assert labels == layout.toc_labels and labels[-1] == "26-27"
    verify.verify(path, layout, run_qpdf=False)


def test_toc_column_without_rules_is_found_between_its_neighbours(tmp_path):
    # dates written right up against the 页号 column, in a table drawn without lines
    titles = ["关于印发扶贫档案管理办法的通知", "会议纪要", "脱贫户退出验收表"]
    labels = ["1", "12", "15-40"]
    path = tmp_path / "toc.pdf"
    for borders in (True, False):
        path.write_bytes(_toc(titles, labels, row_height=9, borders=borders))
        assert verify.read_toc_labels(path, [0]) == (labels, [])


def test_verify_returns_qpdf_warnings_without_failing(tmp_path):
    pdf = pikepdf.Pdf.new()
    pdf.add_blank_page()
    pdf.pages[0].obj.Contents = pdf.make_stream(b"0 0 m 10 10 l S (unterminated")
    path = tmp_path / "warn.pdf"
    pdf.save(path)
    warnings = verify.verify(path, Layout(page_count=1, toc_pages=[], numbered_pages=[], documents=[], toc_labels=[]))
    assert any(w.startswith("qpdf --check 警告：") for w in warnings)  # the external check's
    assert any(w.startswith("PDF 结构检查警告：") for w in warnings)   # and the in-process one's


def test_verify_reports_a_wrong_toc_label(tmp_path):
    path, layout = _build_volume(tmp_path, [2, 1, 3], printed_labels=["1", "4", "4-6"])
    problems = _problems(path, layout, run_qpdf=False)
    assert problems == ["目录第 2 行（关于第2批扶贫项目的通知）的页号印为 4，应为 3"]


def test_verify_reports_missing_and_duplicated_numbers(tmp_path):
    path, layout = _build_volume(tmp_path, [2, 1, 3], numbers=[1, 2, 2, 4, 5, 6])
    problems = _problems(path, layout, run_qpdf=False)
    # one TOC page, then document 1 on PDF pages 2-3, document 2 on page 4, document 3 on pages 5-7
    assert "PDF 第 4 页的页号为 2，应为 3" in problems
    assert "页号 2 重复出现在 PDF 第 3、4 页" in problems
    assert any("关于第2批扶贫项目的通知" in p and "印着 2" in p for p in problems)

    # a page left without a number
    pdf = pikepdf.open(path)
    page = pdf.pages[6]
    page.obj.Contents = pikepdf.Array(list(page.obj.Contents)[:-1])
    pdf.save(tmp_path / "missing.pdf")
    problems = _problems(tmp_path / "missing.pdf", layout, run_qpdf=False)
    assert "PDF 第 7 页缺少页号（应为 6）" in problems


def test_verify_reports_a_number_on_an_unnumbered_page(tmp_path):
    path, layout = _build_volume(tmp_path, [1, 1])
    pdf = pikepdf.open(path)
    pdfops.number_pages(pdf, [0], start=9)
    pdf.save(tmp_path / "extra.pdf")
    problems = _problems(tmp_path / "extra.pdf", layout, run_qpdf=False)
    assert problems == ["PDF 第 1 页不应有页号，却印有 9"]


def test_verify_reports_a_wrong_first_page(tmp_path):
    path, layout = _build_volume(tmp_path, [2, 1, 3])
    docs = list(layout.documents)
    docs[1], docs[2] = (DocumentSpan(docs[1].title, docs[1].start, docs[1].end, docs[1].first_page_index, docs[2].rendition),
                        DocumentSpan(docs[2].title, docs[2].start, docs[2].end, docs[2].first_page_index, docs[1].rendition))
    swapped = Layout(layout.page_count, layout.toc_pages, layout.numbered_pages, docs, layout.toc_labels)
    problems = _problems(path, swapped, run_qpdf=False)
    assert problems == ["PDF 第 4 页不是文件“关于第2批扶贫项目的通知”的首页",
                        "PDF 第 5 页不是文件“关于第3批扶贫项目的通知”的首页"]


def test_verify_reports_an_unembedded_font(tmp_path):
    path, layout = _build_volume(tmp_path, [1, 2], fonts={1: "Helvetica"})
    problems = _problems(path, layout, run_qpdf=False)
    assert problems == ["字体 Helvetica 未嵌入（PDF 第 3、4 页）"]


def test_verify_reports_a_damaged_file(tmp_path):
    path, layout = _build_volume(tmp_path, [1, 1])
    data = bytearray(path.read_bytes())
    at = data.rfind(b"startxref")
    data[at + 10:at + 14] = b"9999"   # a broken cross-reference offset: readers recover, qpdf --check fails
    damaged = tmp_path / "damaged.pdf"
    damaged.write_bytes(bytes(data))
    problems = _problems(damaged, layout)
    assert any(p.startswith("qpdf --check 未通过：") and "damaged" in p for p in problems)


def test_verify_reports_a_wrong_page_count_and_layout_sums(tmp_path):
    path, layout = _build_volume(tmp_path, [1, 1])
    bad = Layout(layout.page_count + 1, layout.toc_pages, layout.numbered_pages, layout.documents, ["1", "2-3"])
    problems = _problems(path, bad, run_qpdf=False)
    assert f"页数为 {layout.page_count}，应为 {layout.page_count + 1}" in problems
    assert "目录第 2 行（关于第2批扶贫项目的通知）页号应为 2，布局给出 2-3" in problems
