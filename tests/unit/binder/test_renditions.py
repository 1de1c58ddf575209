"""PDF renditions (archive/binder/renditions/) from real files made here.

LibreOffice costs seconds per call, so the office documents go through in one module-wide run: one
batch (good DOCX in 仿宋_GB2312, XLSX, corrupt DOCX), then the corrupt one retried alone. Only the
concurrency test starts LibreOffice again (two calls at once)."""
from __future__ import annotations

import io
import os
import pickle
import re
import subprocess
import tempfile
import threading
import zipfile
from pathlib import Path

import pikepdf
import pytest
from PIL import Image
from pypdf import PdfReader

from archive.binder.pdffonts import unembedded_fonts
from archive.binder.renditions import (
    RENDITION_VERSION,
    Failure,
    RenditionFailed,
    Renditions,
    Source,
    page_count,
)
from archive.binder.renditions import process as rprocess
from archive.storage import FileStore

DEJAVU = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"
BODY = "关于开展二〇二三年度扶贫档案整理工作的通知"
A4_W, A4_H = 595.2756, 841.8898


# ---- helpers


def put(store: FileStore, data: bytes) -> str:
    staged = store.stage(io.BytesIO(data))
    store.commit(staged)
    return staged.sha256


def source(store: FileStore, data: bytes, kind: str, name: str) -> Source:
    return Source(sha256=put(store, data), file_kind=kind, name=name)


def docx_bytes(text: str, font: str = "仿宋_GB2312") -> bytes:
    from docx import Document
    from docx.oxml.ns import qn
    from docx.shared import Pt

    document = Document()
    run = document.add_paragraph().add_run(text)
    run.font.name = font
    run.font.size = Pt(16)
    run._element.get_or_add_rPr().rFonts.set(qn("w:eastAsia"), font)   # the face for Chinese characters
    buf = io.BytesIO()
    document.save(buf)
    return buf.getvalue()


def xlsx_bytes() -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["扶贫对象", "帮扶措施", "金额"])
    sheet.append(["张三", "产业扶贫", 1200])
    buf = io.BytesIO()
    book.save(buf)
    return buf.getvalue()


def corrupt_docx_bytes() -> bytes:
    """A zip (so it passes for a DOCX by its container) whose members are random bytes."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        zf.writestr("[Content_Types].xml", os.urandom(600))
        zf.writestr("word/document.xml", os.urandom(3000))
    return buf.getvalue()


def reportlab_pdf(text: str, font: str = "Helvetica", pages: int = 2) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.pdfgen import canvas

    if font == "DejaVuSans":
        pdfmetrics.registerFont(TTFont("DejaVuSans", DEJAVU))   # a TrueType font: embedded
    buf = io.BytesIO()
    # reportlab puts its initial font on every page: the TrueType one, or a Helvetica stays unembedded.
    c = canvas.Canvas(buf, pagesize=A4, initialFontName=font)
    for n in range(1, pages + 1):
        c.setFont(font, 14)
        c.drawString(100, 700, f"{text} {n}")
        c.showPage()
    c.save()
    return buf.getvalue()


def rotated_cropped(data: bytes) -> bytes:
    """Page 1 turned 90° with a CropBox; page 2's MediaBox does not start at the origin."""
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.pages[0].Rotate = 90
        pdf.pages[0].CropBox = [50, 60, 500, 800]
        pdf.pages[1].MediaBox = [-20, 10, 575.2756, 851.8898]
        out = io.BytesIO()
        pdf.save(out)
        return out.getvalue()


def text_of(path: Path) -> str:
    return "".join(page.extract_text() or "" for page in PdfReader(path).pages)


def font_names(path: Path) -> list[str]:
    names = []
    with pikepdf.open(path) as pdf:
        for page in pdf.pages:
            fonts = page.obj.get("/Resources", {}).get("/Font", {})
            for _, font in fonts.items():
                names.append(str(font.get("/BaseFont")))
                for descendant in font.get("/DescendantFonts", []):
                    names.append(str(descendant.get("/BaseFont")))
    return names


def assert_clean(cache_dir: Path) -> None:
    """Only finished renditions in the cache: no temp files, no stray directories' contents."""
    name = re.compile(rf"^[0-9a-f]{{64}}\.v{RENDITION_VERSION}\.pdf$")
    for path in cache_dir.rglob("*"):
        if path.is_dir():
            assert re.fullmatch(r"[0-9a-f]{2}", path.name), path
        else:
            assert name.match(path.name) and path.parent.name == path.name[:2], path


@pytest.fixture
def store(tmp_path) -> FileStore:
    s = FileStore(tmp_path / "files")
    s.ensure()
    return s


@pytest.fixture
def private_tmp(tmp_path, monkeypatch) -> Path:
    """Work directories (LibreOffice profiles, inputs) go here, so the test can see they are removed."""
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(work))
    return work


@pytest.fixture
def renditions(store, tmp_path, private_tmp) -> Renditions:
    return Renditions(store, tmp_path / "renditions")


# ---- office documents: one module-wide LibreOffice run


class OfficeRun:
    pass


@pytest.fixture(scope="module")
def office(tmp_path_factory) -> OfficeRun:
    root = tmp_path_factory.mktemp("office")
    run = OfficeRun()
    run.store = FileStore(root / "files")
    run.work = root / "work"
    run.work.mkdir()
    run.cache = root / "renditions"
    run.docx = source(run.store, docx_bytes(BODY + "。各乡镇人民政府：现将有关事项通知如下。"), "docx", "通知.docx")
    run.xlsx = source(run.store, xlsx_bytes(), "xlsx", "帮扶台账.xlsx")
    run.bad = source(run.store, corrupt_docx_bytes(), "docx", "损坏的文件.docx")
    run.calls, run.progress = [], []
    real_run = rprocess.run

    def counting_run(command, timeout, cwd):
        run.calls.append([Path(arg).name for arg in command if arg.endswith((".docx", ".xlsx"))])
        return real_run(command, timeout, cwd)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(rprocess, "run", counting_run)
        mp.setattr(tempfile, "tempdir", str(run.work))
        run.renditions = Renditions(run.store, run.cache)
        with pytest.raises(RenditionFailed) as caught:
            run.renditions.ensure([run.docx, run.xlsx, run.bad], progress=run.progress.append)
    run.error = caught.value
    return run


def test_office_batch_one_call_then_the_bad_one_alone(office):
    # DOCX, XLSX and the corrupt DOCX went to LibreOffice together; only the corrupt one was retried.
    assert len(office.calls) == 2
    assert sorted(office.calls[0]) == sorted(f"{s.sha256}.{s.file_kind}" for s in (office.docx, office.xlsx, office.bad))
    assert office.calls[1] == [f"{office.bad.sha256}.docx"]
    assert office.progress[-1] == 3 and office.progress == sorted(office.progress)


def test_office_failure_names_only_the_bad_document(office):
    failures = office.error.failures
    assert failures == [Failure(name="损坏的文件.docx", sha256=office.bad.sha256,
                                reason="无法转换为 PDF：LibreOffice 未生成文件（文件可能已损坏）")]
    message = str(office.error)
    assert "《损坏的文件.docx》" in message and "通知.docx" not in message and "帮扶台账" not in message
    assert office.renditions.cached(office.bad.sha256) is None
    assert office.renditions.cached(office.docx.sha256) and office.renditions.cached(office.xlsx.sha256)
    assert_clean(office.cache)
    assert list(office.work.iterdir()) == []   # profiles and inputs removed


def test_docx_in_fangsong_renders_with_noto_serif(office):
    path = office.renditions.cached(office.docx.sha256)
    assert path == office.cache / office.docx.sha256[:2] / f"{office.docx.sha256}.v{RENDITION_VERSION}.pdf"
    assert BODY in text_of(path).replace("\n", "")
    with pikepdf.open(path) as pdf:
        assert unembedded_fonts(pdf) == {}
    names = font_names(path)
    # 仿宋_GB2312 is aliased to Noto Serif CJK SC by fonts.conf; without it LibreOffice picks a sans face.
    assert any("NotoSerifCJK" in n for n in names), names
    assert not any("DejaVu" in n for n in names), names


def test_xlsx_renders_with_embedded_cjk_font(office):
    path = office.renditions.cached(office.xlsx.sha256)
    text = text_of(path)
    assert "扶贫对象" in text and "产业扶贫" in text and "1200" in text
    with pikepdf.open(path) as pdf:
        assert unembedded_fonts(pdf) == {}
    assert any("CJK" in n for n in font_names(path))
    assert page_count(path) == 1


def test_second_ensure_is_a_cache_hit(office, monkeypatch):
    paths = [office.renditions.cached(s.sha256) for s in (office.docx, office.xlsx)]
    before = [(p.stat().st_ino, p.stat().st_mtime_ns) for p in paths]

    def no_rendering(*args, **kwargs):
        raise AssertionError("a cached rendition was rendered again")

    monkeypatch.setattr(rprocess, "run", no_rendering)
    monkeypatch.setattr(Renditions, "install", no_rendering)
    progress = []
    again = Renditions(office.store, office.cache).ensure([office.docx, office.xlsx, office.docx], progress.append)
    assert again == {office.docx.sha256: paths[0], office.xlsx.sha256: paths[1]}
    assert [(p.stat().st_ino, p.stat().st_mtime_ns) for p in paths] == before
    assert progress == [3]


# ---- PDF


def test_pdf_keeps_rotate_and_boxes(store, renditions):
    data = rotated_cropped(reportlab_pdf("Embedded DejaVu", font="DejaVuSans"))
    src = source(store, data, "pdf", "旋转.pdf")
    path = renditions.ensure_one(src)
    with pikepdf.open(path) as pdf:
        assert unembedded_fonts(pdf) == {}
        first, second = pdf.pages
        assert int(first.obj.Rotate) == 90
        assert [float(v) for v in first.obj.CropBox] == [50, 60, 500, 800]
        assert [float(v) for v in second.obj.MediaBox] == pytest.approx([-20, 10, 575.2756, 851.8898])
    assert "Embedded DejaVu 1" in text_of(path)
    assert_clean(renditions.cache_dir)


def test_pdf_with_a_broken_xref_is_repaired(store, renditions):
    data = reportlab_pdf("Broken xref", font="DejaVuSans")
    offset = data.rindex(b"startxref")
    broken = data[:offset] + b"startxref\n999999\n%%EOF\n"   # points nowhere: qpdf rebuilds the table
    path = renditions.ensure_one(source(store, broken, "pdf", "损坏的索引.pdf"))
    check = subprocess.run(["qpdf", "--check", str(path)], capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    assert page_count(path) == 2 and "Broken xref 2" in text_of(path)


def test_unembedded_font_is_embedded_by_redrawing(store, renditions):
    data = rotated_cropped(reportlab_pdf("Hello Helvetica"))
    with pikepdf.open(io.BytesIO(data)) as original:
        assert sorted(unembedded_fonts(original)) == ["Helvetica"]
    path = renditions.ensure_one(source(store, data, "pdf", "无嵌入字体.pdf"))
    with pikepdf.open(path) as pdf:
        assert unembedded_fonts(pdf) == {}
        assert len(pdf.pages) == 2
        first, second = pdf.pages
        # The geometry survives the redraw: same turn, same visible area (boxes moved with the origin).
        assert int(first.obj.Rotate) == 90
        assert [float(v) for v in first.obj.CropBox] == pytest.approx([50, 60, 500, 800])
        assert [float(v) for v in second.obj.MediaBox] == pytest.approx([0, 0, 595.2756, 841.8898])
    text = text_of(path)
    assert "Hello Helvetica 1" in text and "Hello Helvetica 2" in text
    assert_clean(renditions.cache_dir)
    assert list((renditions.cache_dir.parent / "work").iterdir()) == []


def test_unembedded_fonts_walks_forms_type0_and_type3():
    pdf = pikepdf.new()
    embedded_descriptor = pdf.make_indirect(pikepdf.Dictionary(
        Type=pikepdf.Name.FontDescriptor, FontName=pikepdf.Name("/Emb"),
        FontFile2=pdf.make_stream(b"\0")))
    bare = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type1, BaseFont=pikepdf.Name("/Inner"))
    cid_bare = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0, BaseFont=pikepdf.Name("/SimSun"),
                                  DescendantFonts=[pikepdf.Dictionary(
                                      Subtype=pikepdf.Name.CIDFontType2, BaseFont=pikepdf.Name("/SimSun"),
                                      FontDescriptor=pikepdf.Dictionary(FontName=pikepdf.Name("/SimSun")))])
    cid_embedded = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type0,
                                      BaseFont=pikepdf.Name("/ABCDEF+Noto"),
                                      DescendantFonts=[pikepdf.Dictionary(Subtype=pikepdf.Name.CIDFontType0,
                                                                          FontDescriptor=embedded_descriptor)])
    type3 = pikepdf.Dictionary(Type=pikepdf.Name.Font, Subtype=pikepdf.Name.Type3, Resources=pikepdf.Dictionary(
        Font=pikepdf.Dictionary(F9=pikepdf.Dictionary(Subtype=pikepdf.Name.TrueType,
                                                      BaseFont=pikepdf.Name("/InsideType3")))))
    inner = pdf.make_stream(b"BT /F1 9 Tf (x) Tj ET", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form,
                            BBox=[0, 0, 10, 10], Resources=pikepdf.Dictionary(Font=pikepdf.Dictionary(F1=bare)))
    outer = pdf.make_stream(b"/Inner Do", Type=pikepdf.Name.XObject, Subtype=pikepdf.Name.Form, BBox=[0, 0, 10, 10],
                            Resources=pikepdf.Dictionary(XObject=pikepdf.Dictionary(Inner=inner)))
    page = pikepdf.Dictionary(Type=pikepdf.Name.Page, MediaBox=[0, 0, 100, 100], Contents=pdf.make_stream(b""),
                              Resources=pikepdf.Dictionary(
                                  XObject=pikepdf.Dictionary(Outer=outer, Again=outer),
                                  Font=pikepdf.Dictionary(C1=cid_bare, C2=cid_embedded, T3=type3)))
    pdf.pages.append(pikepdf.Page(page))
    assert sorted(unembedded_fonts(pdf)) == ["Inner", "InsideType3", "SimSun"]


def test_permission_only_encrypted_pdf_is_saved_decrypted(store, renditions, tmp_path):
    data = reportlab_pdf("Locked for printing", font="DejaVuSans")
    out = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.save(out, encryption=pikepdf.Encryption(owner="owner-secret", user="",
                                                    allow=pikepdf.Permissions(extract=False, print_highres=False)))
    assert PdfReader(io.BytesIO(out.getvalue())).is_encrypted
    path = renditions.ensure_one(source(store, out.getvalue(), "pdf", "限制打印.pdf"))
    with pikepdf.open(path) as pdf:
        assert not pdf.is_encrypted and len(pdf.pages) == 2
    assert "Locked for printing 1" in text_of(path)


def test_password_protected_and_broken_files_fail_by_name_after_trying_all(store, renditions):
    data = reportlab_pdf("secret", font="DejaVuSans")
    locked = io.BytesIO()
    with pikepdf.open(io.BytesIO(data)) as pdf:
        pdf.save(locked, encryption=pikepdf.Encryption(owner="o", user="open-sesame"))
    good_pdf = source(store, reportlab_pdf("fine", font="DejaVuSans"), "pdf", "正常.pdf")
    sources = [
        source(store, locked.getvalue(), "pdf", "加密.pdf"),
        source(store, b"%PDF-1.4\n" + os.urandom(2000), "pdf", "乱码.pdf"),
        source(store, b"GIF89a......", "gif", "动图.gif"),
        Source(sha256="0" * 64, file_kind="pdf", name="丢失.pdf"),
        Source(sha256="../../etc/passwd", file_kind="pdf", name="标识无效.pdf"),
        source(store, b"\x89PNG\r\n\x1a\n" + os.urandom(100), "png", "坏图.png"),
        source(store, os.urandom(4000), "doc", "随机.doc"),   # refused before LibreOffice: it would print the bytes
        good_pdf,
    ]
    progress = []
    with pytest.raises(RenditionFailed) as caught:
        renditions.ensure(sources, progress=progress.append)
    reasons = {f.name: f.reason for f in caught.value.failures}
    assert set(reasons) == {"加密.pdf", "乱码.pdf", "动图.gif", "丢失.pdf", "标识无效.pdf", "坏图.png", "随机.doc"}
    assert "密码" in reasons["加密.pdf"]
    assert "损坏" in reasons["乱码.pdf"]
    assert "不支持" in reasons["动图.gif"]
    assert "缺失" in reasons["丢失.pdf"]
    assert "损坏" in reasons["坏图.png"]
    assert "无法识别" in reasons["随机.doc"]
    assert all(r.startswith("无法转换为 PDF：") for r in reasons.values())
    for name in reasons:
        assert f"《{name}》" in str(caught.value)
    assert progress[-1] == len(sources)
    copy = pickle.loads(pickle.dumps(caught.value))   # jobs may run in worker processes
    assert copy.failures == caught.value.failures and str(copy) == str(caught.value)
    assert renditions.cached(good_pdf.sha256) is not None
    assert [p.name for p in renditions.cache_dir.rglob("*.pdf")] == [renditions.path_for(good_pdf.sha256).name]
    assert_clean(renditions.cache_dir)


# ---- images


def image_bytes(image: Image.Image, fmt: str, **options) -> bytes:
    buf = io.BytesIO()
    image.save(buf, format=fmt, **options)
    return buf.getvalue()


def page_size(path: Path, index: int = 0) -> tuple[float, float]:
    with pikepdf.open(path) as pdf:
        box = [float(v) for v in pdf.pages[index].obj.MediaBox]
    return box[2] - box[0], box[3] - box[1]


def images_of(path: Path):
    with pikepdf.open(path) as pdf:
        return [(name, pikepdf.PdfImage(image).as_pil_image(), image.get("/SMask"), image.get("/Filter"))
                for page in pdf.pages for name, image in page.get_images().items()]


def test_jpeg_at_300_dpi_is_a4_and_keeps_the_jpeg(store, renditions):
    data = image_bytes(Image.new("RGB", (2480, 3508), (250, 250, 245)), "JPEG", dpi=(300, 300), quality=60)
    path = renditions.ensure_one(source(store, data, "jpeg", "扫描件.jpg"))
    width, height = page_size(path)
    assert width == pytest.approx(2480 / 300 * 72, abs=0.01) and height == pytest.approx(3508 / 300 * 72, abs=0.01)
    assert width == pytest.approx(A4_W, abs=0.5) and height == pytest.approx(A4_H, abs=0.5)
    [(_, _, _, filters)] = images_of(path)
    assert filters == pikepdf.Name.DCTDecode   # the JPEG bytes as they were, not re-encoded


def test_image_without_dpi_is_96_dpi_and_large_ones_fit_a4(store, renditions):
    small = image_bytes(Image.new("L", (480, 300), 200), "PNG")
    large = image_bytes(Image.new("RGB", (4000, 3000), "white"), "PNG")   # landscape, no pHYs chunk
    paths = renditions.ensure([source(store, small, "png", "小图.png"), source(store, large, "png", "大图.png")])
    small_path, large_path = paths.values()
    assert page_size(small_path) == pytest.approx((480 * 0.75, 300 * 0.75), abs=0.01)
    width, height = page_size(large_path)
    # 3000 × 2250 pt at 96 dpi, fitted into landscape A4: the height is the limit, the aspect is kept.
    assert height == pytest.approx(A4_W, abs=0.5) and width == pytest.approx(A4_W * 4000 / 3000, abs=0.5)


def test_exif_orientation_is_respected(store, renditions):
    image = Image.new("RGB", (400, 200), "white")
    exif = Image.Exif()
    exif[0x0112] = 6                       # rotate 90° clockwise to view
    turned = image_bytes(image, "JPEG", dpi=(100, 100), exif=exif.tobytes())
    exif[0x0112] = 5                       # mirrored and turned: img2pdf cannot, Pillow does it first
    mirrored = image_bytes(image, "JPEG", dpi=(100, 100), exif=exif.tobytes())
    paths = renditions.ensure([source(store, turned, "jpeg", "竖拍.jpg"), source(store, mirrored, "jpeg", "镜像.jpg")])
    for path in paths.values():
        with pikepdf.open(path) as pdf:
            page = pdf.pages[0]
            box = [float(v) for v in page.obj.MediaBox]
            rotate = int(page.obj.get("/Rotate", 0))
        width, height = box[2] - box[0], box[3] - box[1]
        if rotate in (90, 270):
            width, height = height, width
        assert (width, height) == pytest.approx((200 * 0.72, 400 * 0.72), abs=0.1)   # seen upright


def test_png_with_alpha_palette_transparency_and_16_bit(store, renditions):
    rgba = Image.new("RGBA", (200, 100), (255, 0, 0, 0))
    rgba.paste((0, 0, 255, 255), (0, 0, 100, 100))           # left half opaque blue, right half transparent
    palette = Image.new("P", (50, 50), 1)
    palette.putpalette([0, 0, 0, 0, 255, 0] + [0] * 762)
    grey16 = Image.new("I;16", (64, 64), 32768)                 # mid-grey in 16 bits
    sources = [
        source(store, image_bytes(rgba, "PNG", dpi=(150, 150)), "png", "透明.png"),
        source(store, image_bytes(palette, "PNG", transparency=1), "png", "调色板.png"),
        source(store, image_bytes(grey16, "PNG"), "png", "十六位.png"),
    ]
    paths = renditions.ensure(sources)
    alpha_path, palette_path, grey_path = (paths[s.sha256] for s in sources)
    assert page_size(alpha_path) == pytest.approx((200 / 150 * 72, 100 / 150 * 72), abs=0.01)
    [(_, pixels, smask, _)] = images_of(alpha_path)
    assert smask is None                                       # flattened: no transparency in the PDF
    assert pixels.convert("RGB").getpixel((50, 50)) == (0, 0, 255)
    assert pixels.convert("RGB").getpixel((150, 50)) == (255, 255, 255)   # transparent became white paper
    [(_, pixels, smask, _)] = images_of(palette_path)
    assert smask is None and pixels.convert("RGB").getpixel((10, 10)) == (255, 255, 255)
    [(_, pixels, _, _)] = images_of(grey_path)
    assert abs(pixels.convert("L").getpixel((5, 5)) - 128) <= 1   # scaled to 8 bits, not clipped to white


def test_multipage_tiff_gives_one_page_per_frame(store, renditions):
    frames = [Image.new("L", (850, 1100), shade) for shade in (255, 128, 0)]
    buf = io.BytesIO()
    frames[0].save(buf, format="TIFF", save_all=True, append_images=frames[1:], dpi=(100, 100), compression="tiff_lzw")
    path = renditions.ensure_one(source(store, buf.getvalue(), "tiff", "多页.tif"))
    assert page_count(path) == 3
    assert page_size(path, 2) == pytest.approx((612, 792), abs=0.01)


# ---- text


def test_gb18030_text_on_a4_with_noto_serif(store, renditions):
    long_line = "扶贫" * 400                                     # no break opportunity but between characters
    text = f"{BODY}\n  缩进保留\t制表符\n<script>alert(1)</script> & 不是标记\n{long_line}\n\f第二页"
    path = renditions.ensure_one(source(store, text.encode("gb18030"), "txt", "说明.txt"))
    assert page_size(path) == pytest.approx((A4_W, A4_H), abs=0.5)
    extracted = text_of(path)
    assert BODY in extracted and "<script>alert(1)</script> & 不是标记" in extracted
    assert extracted.replace("\n", "").count("扶贫") >= 400
    with pikepdf.open(path) as pdf:
        assert unembedded_fonts(pdf) == {}
        assert len(pdf.pages) == 2                               # the form feed starts a new page
    assert any("Noto-Serif-CJK-SC" in n or "NotoSerifCJKsc" in n for n in font_names(path)), font_names(path)
    # Wrapped, and inside the margins: 25 mm on the left (binding), 20 mm on the right.
    reader = PdfReader(path)
    xs = []
    reader.pages[0].extract_text(visitor_text=lambda t, cm, tm, *_: t.strip() and xs.append(tm[4] * cm[0] + cm[4]))
    assert min(xs) == pytest.approx(25 / 25.4 * 72, abs=1.5)
    lines = [line for line in extracted.splitlines() if "扶贫扶贫" in line]
    assert len(lines) >= 10                                      # 800 characters over ~38 a line


# ---- concurrency


def test_two_threads_render_the_same_sources_at_once(store, renditions, private_tmp):
    sources = [
        source(store, docx_bytes("并发转换测试文件"), "docx", "并发.docx"),
        source(store, reportlab_pdf("concurrent"), "pdf", "并发.pdf"),
        source(store, image_bytes(Image.new("RGB", (300, 200), "red"), "JPEG", dpi=(150, 150)), "jpeg", "并发.jpg"),
        source(store, "并发文本".encode(), "txt", "并发.txt"),
    ]
    results, errors = [], []
    barrier = threading.Barrier(2)

    def work():
        try:
            barrier.wait()
            results.append(Renditions(store, renditions.cache_dir).ensure(sources))
        except BaseException as error:   # noqa: BLE001 - reported below
            errors.append(error)

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == [] and len(results) == 2 and results[0] == results[1]
    for s in sources:
        assert page_count(results[0][s.sha256]) >= 1
    assert "并发转换测试文件" in text_of(results[0][sources[0].sha256])
    assert_clean(renditions.cache_dir)
    assert list(private_tmp.iterdir()) == []
