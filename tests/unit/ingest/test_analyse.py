"""Well-formed files of every supported kind: type sniffing and text extraction."""
from __future__ import annotations

import datetime as dt
import pickle
import re
import resource
import zipfile

import docx
import openpyxl
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from archive.ingest import analyse as analyse_mod
from archive.ingest.analyse import analyse, analyse_many, shutdown_pool
from archive.ingest.extract.txt import decode_text
from archive.text.normalize import normalize_for_index
from archive.ingest.sniff import sniff
from archive.ingest.types import Extracted, IngestError
from archive.config import Limits

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))


@pytest.fixture(scope="module", autouse=True)
def _pool():
    yield
    shutdown_pool()


# ---------------------------------------------------------------- builders

def make_docx(path, *, pages_in_app_xml: int | None = None):
    d = docx.Document()
    d.add_paragraph("前言段落，不是标题")
    d.add_heading("关于开展2019年精准扶贫档案整理工作的通知", level=1)
    d.add_paragraph("各乡镇：为做好扶贫档案管理工作，现通知如下。")
    table = d.add_table(rows=3, cols=3)
    table.cell(0, 0).merge(table.cell(0, 2)).text = "贫困户基本情况"      # horizontal merge
    table.cell(1, 0).merge(table.cell(2, 0)).text = "张三"                # vertical merge
    table.cell(1, 1).text = "人口3"
    table.cell(1, 2).text = "年收入4500元"
    table.cell(2, 1).text = "人口2"
    table.cell(2, 2).text = "已脱贫"
    d.add_paragraph("表后正文：请于12月31日前报送。")
    d.sections[0].header.paragraphs[0].text = "某某县扶贫开发办公室"
    d.sections[0].footer.paragraphs[0].text = "第 1 页"
    # A second section linked to the first must not repeat its header.
    d.add_section()
    d.add_paragraph("第二节正文")
    d.save(path)
    if pages_in_app_xml is not None:
        _rewrite_member(path, "docProps/app.xml",
                        lambda xml: re.sub(rb"<Pages>\d+</Pages>", b"<Pages>%d</Pages>" % pages_in_app_xml, xml))
    return path


def _rewrite_member(path, name, change):
    with zipfile.ZipFile(path) as zf:
        members = [(info, zf.read(info)) for info in zf.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in members:
            if info.filename == name:
                data = change(data)
                if data is None:
                    continue
            zf.writestr(info, data)


def make_pdf(path, pages, title=None):
    c = canvas.Canvas(str(path))
    if title is not None:
        c.setTitle(title)
    for lines in pages:
        c.setFont("STSong-Light", 14)
        for i, line in enumerate(lines):
            c.drawString(72, 760 - 20 * i, line)
        c.showPage()
    c.save()
    return path


# ---------------------------------------------------------------- DOCX

def test_docx_body_table_headers_title_pages(tmp_path):
    path = make_docx(tmp_path / "notice.docx", pages_in_app_xml=7)
    got = analyse(str(path), Limits())
    assert got.kind == "docx" and got.status == "ready"
    assert got.title_hint == "关于开展2019年精准扶贫档案整理工作的通知"
    assert got.page_count == 7
    text = got.text
    # Body order: paragraph, heading, paragraph, table, paragraph.
    order = ["前言段落", "关于开展2019年", "各乡镇", "贫困户基本情况", "表后正文", "第二节正文"]
    positions = [text.index(s) for s in order]
    assert positions == sorted(positions)
    # Merged cells appear once; row cells tab-joined.
    assert text.count("贫困户基本情况") == 1
    assert text.count("张三") == 1
    assert "张三\t人口3\t年收入4500元" in text
    assert "人口2\t已脱贫" in text
    # Header/footer present exactly once despite two sections.
    assert text.count("某某县扶贫开发办公室") == 1
    assert text.count("第 1 页") == 1


def test_docx_title_style_and_no_app_xml(tmp_path):
    d = docx.Document()
    d.add_paragraph("")
    d.add_paragraph("扶贫档案管理办法", style="Title")
    d.add_heading("第一章 总则", level=1)
    path = tmp_path / "t.docx"
    d.save(path)
    _rewrite_member(path, "docProps/app.xml", lambda _: None)
    _rewrite_member(path, "_rels/.rels",
                    lambda xml: re.sub(rb'<Relationship [^>]*Target="docProps/app.xml"/>', b"", xml))
    got = analyse(str(path), in_process=True)
    assert got.title_hint == "扶贫档案管理办法"
    assert got.page_count is None


def test_docx_without_heading_has_no_title(tmp_path):
    d = docx.Document()
    d.add_paragraph("只有正文，没有标题样式。")
    d.save(tmp_path / "plain.docx")
    got = analyse(str(tmp_path / "plain.docx"), in_process=True)
    assert got.title_hint is None
    assert got.text.strip() == "只有正文，没有标题样式。"


NS = ('xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
      'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
      'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
      'xmlns:v="urn:schemas-microsoft-com:vml"')
TEXT_BOX = "<w:txbxContent><w:p><w:r><w:t>文本框中的发文机关</w:t></w:r></w:p></w:txbxContent>"
EXTRA_BODY = [
    # Content control (form templates): python-docx's own iterator skips it.
    f"<w:sdt {NS}><w:sdtContent><w:p><w:r><w:t>控件中的文号：某扶发〔2019〕3号</w:t></w:r></w:p>"
    "</w:sdtContent></w:sdt>",
    # Tracked changes: the insertion counts, the deletion does not.
    f'<w:p {NS}><w:r><w:t xml:space="preserve">原有文字</w:t></w:r><w:ins w:id="1" w:author="a">'
    '<w:r><w:t>新增文字</w:t></w:r></w:ins><w:del w:id="2" w:author="a"><w:r><w:delText>删除文字</w:delText>'
    "</w:r></w:del></w:p>",
    # A text box, stored twice (DrawingML choice + VML fallback) as Word does.
    f"<w:p {NS}><w:r><w:t>正文带文本框</w:t></w:r><w:r><mc:AlternateContent><mc:Choice Requires=\"wps\">"
    f"<w:drawing><wps:txbx>{TEXT_BOX}</wps:txbx></w:drawing></mc:Choice><mc:Fallback><w:pict><v:textbox>"
    f"{TEXT_BOX}</v:textbox></w:pict></mc:Fallback></mc:AlternateContent></w:r></w:p>",
]


def test_docx_content_controls_tracked_changes_text_boxes(tmp_path):
    from docx.oxml import parse_xml

    d = docx.Document()
    d.add_paragraph("第一段")
    for xml in EXTRA_BODY:
        d.element.body.sectPr.addprevious(parse_xml(xml))
    d.save(tmp_path / "rich.docx")
    text = analyse(str(tmp_path / "rich.docx"), in_process=True).text
    assert text.split("\n") == [
        "第一段",
        "控件中的文号：某扶发〔2019〕3号",
        "原有文字新增文字",
        "正文带文本框",
        "文本框中的发文机关",
    ]


# ---------------------------------------------------------------- XLSX

def test_xlsx_every_sheet_dates_and_integers(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "贫困户名单"
    ws.append(["姓名", "人口", "年收入", "识别日期", "备注"])
    ws.append(["李四", 3.0, 4500.5, dt.date(2019, 3, 15), None])
    ws.append([None, None, None, None, None])
    ws.append(["王五", 2, 0.1 + 0.2, dt.datetime(2020, 1, 2, 0, 0), "多行\n备注"])
    ws2 = wb.create_sheet("帮扶措施")
    ws2["B2"] = "产业扶贫"
    path = tmp_path / "list.xlsx"
    wb.save(path)

    got = analyse(str(path), Limits())
    assert got.kind == "xlsx" and got.page_count is None and got.status == "ready"
    lines = got.text.split("\n")
    assert lines[0] == "贫困户名单"
    assert lines[1] == "姓名\t人口\t年收入\t识别日期\t备注"
    assert lines[2] == "李四\t3\t4500.5\t2019-03-15"
    assert lines[3] == "王五\t2\t0.3\t2020-01-02\t多行 备注"
    assert lines[-2:] == ["帮扶措施", "产业扶贫"]


# ---------------------------------------------------------------- TXT

@pytest.mark.parametrize("encoding, prefix", [
    ("gbk", b""),
    ("gb18030", b""),
    ("utf-8", b""),
    ("utf-8", b"\xef\xbb\xbf"),
    ("utf-16-le", b"\xff\xfe"),
    ("utf-16-be", b"\xfe\xff"),
])
def test_txt_encodings(tmp_path, encoding, prefix):
    original = "扶贫档案\r\n户主：张三，家庭人口 3 人。\r\n"
    path = tmp_path / f"note-{encoding}.txt"
    path.write_bytes(prefix + original.encode(encoding))
    got = analyse(str(path), in_process=True)
    assert got.kind == "txt"
    assert got.text == "扶贫档案\n户主：张三，家庭人口 3 人。\n"


def test_txt_utf16_without_bom_is_guessed():
    data = "Village report 2019\nhouseholds: 42\n".encode("utf-16-le")
    assert decode_text(data) == "Village report 2019\nhouseholds: 42\n"
    assert decode_text("Report\n".encode("utf-16-be") * 5).startswith("Report\n")


def test_txt_undecodable():
    # 0x80 and 0xFF are invalid in both UTF-8 and GB18030.
    with pytest.raises(IngestError) as info:
        decode_text(b"abc\x80\xff\x80def")
    assert info.value.code == "undecodable_text"


def test_name_is_ignored(tmp_path):
    path = make_docx(tmp_path / "really-a-docx.pdf")
    assert sniff(str(path)) == "docx"
    no_ext = tmp_path / "upload-7f3a"
    no_ext.write_bytes(path.read_bytes())
    assert analyse(str(no_ext), in_process=True).kind == "docx"


# ---------------------------------------------------------------- PDF

def test_pdf_chinese_text_pages_and_title(tmp_path):
    path = make_pdf(tmp_path / "p.pdf", [
        ["关于做好2019年精准扶贫工作的通知", "各村委会：现将有关事项通知如下。"],
        ["第二页：贫困户名单", "张三 李四 王五 赵六"],
        ["第三页：附件说明和联系方式"],
    ], title="Microsoft Word - 关于做好精准扶贫工作的通知.doc")
    got = analyse(str(path), Limits())
    assert got.kind == "pdf" and got.status == "ready"
    assert got.page_count == 3
    assert got.title_hint == "关于做好精准扶贫工作的通知"
    pages = got.text.split("\f")
    assert len(pages) == 3
    assert "关于做好2019年精准扶贫工作的通知" in pages[0]
    assert "贫困户名单" in pages[1]


@pytest.mark.parametrize("title", [None, "untitled", "Microsoft Word - 文档1.docx", "  "])
def test_pdf_junk_titles_dropped(tmp_path, title):
    path = make_pdf(tmp_path / "p.pdf", [["扶贫资金使用情况公示，共计十二万元整。"]], title=title)
    assert analyse(str(path), in_process=True).title_hint is None


def test_pdf_permissions_only_encryption_is_read(tmp_path):
    src = make_pdf(tmp_path / "src.pdf", [["县扶贫办关于资金拨付的批复文件正文内容"]])
    writer = PdfWriter(clone_from=PdfReader(src))
    writer.encrypt(user_password="", owner_password="owner-secret")   # may open, may not edit
    writer.write(tmp_path / "locked.pdf")
    assert PdfReader(tmp_path / "locked.pdf").is_encrypted
    got = analyse(str(tmp_path / "locked.pdf"), Limits())
    assert "资金拨付的批复" in got.text
    assert got.status == "ready"


# ---------------------------------------------------------------- images

def test_images_await_ocr_with_frame_count(tmp_path):
    Image.new("RGB", (64, 48), "white").save(tmp_path / "a.png")
    Image.new("RGB", (64, 48), "white").save(tmp_path / "b.jpg", quality=80)
    frames = [Image.new("L", (40, 30), v) for v in (0, 128, 255)]
    frames[0].save(tmp_path / "c.tif", save_all=True, append_images=frames[1:])
    results = list(analyse_many([str(tmp_path / n) for n in ("a.png", "b.jpg", "c.tif")], Limits()))
    assert [(r.kind, r.page_count, r.status, r.text) for r in results] == [
        ("png", 1, "awaiting_ocr", ""),
        ("jpeg", 1, "awaiting_ocr", ""),
        ("tiff", 3, "awaiting_ocr", ""),
    ]


# ---------------------------------------------------------------- normalisation

def test_normalize_for_index():
    raw = "　关于ＡＢＣ村　２０１９年（第１批）扶贫资金的通知\r\n\r\n\r\n\r\n 县政府〔２０１９〕１２号　　文件，“精准扶贫”。\t\t下一句！\n\f\n"
    got = normalize_for_index(raw)
    assert got == "关于ABC村 2019年(第1批)扶贫资金的通知\n\n县政府〔2019〕12号 文件，“精准扶贫”。 下一句！"


def test_normalize_keeps_meaningful_chinese_symbols():
    assert normalize_for_index("①项目：面积５０㎡；是否？") == "①项目：面积50㎡；是否？"
    assert normalize_for_index("a\u200bb\u00a0c") == "ab c"


# ---------------------------------------------------------------- process pool

def test_ingest_error_survives_pickling():
    error = IngestError("encrypted", "文件已加密，请去除密码后再上传")
    back = pickle.loads(pickle.dumps(error))
    assert (back.code, back.message, back.kind) == (error.code, error.message, "unprocessable")
    assert str(back) == str(error)


def test_worker_errors_come_back_as_ingest_errors(tmp_path):
    (tmp_path / "bad.pdf").write_bytes(b"%PDF-1.4\n garbage")
    with pytest.raises(IngestError) as info:
        analyse(str(tmp_path / "bad.pdf"), Limits())
    assert info.value.code == "malformed" and info.value.kind == "unprocessable"


def test_worker_has_address_space_limit():
    future = analyse_mod._get_pool().schedule(resource.getrlimit, args=(resource.RLIMIT_AS,))
    soft, _hard = future.result(timeout=30)
    assert soft == analyse_mod.MEMORY_LIMIT


def test_analyse_many_keeps_order_and_is_fast(tmp_path):
    kinds = []
    paths = []
    for i in range(40):
        d = docx.Document()
        d.add_paragraph(f"第{i}号文件：扶贫工作情况汇报")
        d.save(tmp_path / f"{i}.docx")
        (tmp_path / f"{i}.txt").write_bytes(f"第{i}号记录".encode("gbk"))
        paths += [str(tmp_path / f"{i}.docx"), str(tmp_path / f"{i}.txt")]
        kinds += ["docx", "txt"]
    (tmp_path / "empty.txt").write_bytes(b"")
    paths.insert(3, str(tmp_path / "empty.txt"))
    kinds.insert(3, "empty_file")

    list(analyse_many(paths[:4], Limits()))   # warm the workers up
    results = list(analyse_many(paths, Limits()))

    assert [r.code if isinstance(r, IngestError) else r.kind for r in results] == kinds
    numbers = [re.search(r"第(\d+)号", r.text).group(1) for r in results if isinstance(r, Extracted)]
    assert numbers == [str(i // 2) for i in range(80)]
