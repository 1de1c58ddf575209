"""Hostile and broken uploads: each is refused with a code and a Chinese message."""
from __future__ import annotations

import io
import random
import re
import struct
import zipfile
import zlib

import docx
import pytest
from PIL import Image
from pypdf import PdfReader, PdfWriter
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from archive.ingest.analyse import analyse, analyse_many, shutdown_pool
from archive.ingest.sniff import sniff
from archive.ingest.types import Extracted, IngestError
from archive.config import Limits

pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module", autouse=True)
def _pool():
    yield
    shutdown_pool()


def refused(path, limits=Limits(), *, in_process=False) -> IngestError:
    with pytest.raises(IngestError) as info:
        analyse(str(path), limits, in_process=in_process)
    error = info.value
    assert CHINESE.search(error.message), error.message
    return error


# ---------------------------------------------------------------- builders

def small_docx(path):
    d = docx.Document()
    d.add_paragraph("扶贫档案正文")
    d.save(path)
    return path


def docx_with(path, replace=None, extra=(), compress=zipfile.ZIP_DEFLATED):
    """A python-docx document with members replaced/added (name -> bytes)."""
    buf = io.BytesIO()
    small_docx(buf)
    replace = replace or {}
    with zipfile.ZipFile(buf) as src, zipfile.ZipFile(path, "w", compress) as dst:
        for info in src.infolist():
            dst.writestr(info.filename, replace.get(info.filename, src.read(info)))
        for name, data in extra:
            dst.writestr(name, data)
    return path


def text_pdf(path, text="县扶贫办关于资金拨付的批复"):
    c = canvas.Canvas(str(path))
    c.setFont("STSong-Light", 14)
    c.drawString(72, 760, text)
    c.showPage()
    c.save()
    return path


def png_header_only(width, height):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
            + chunk(b"IDAT", zlib.compress(b"\0" * 64)) + chunk(b"IEND", b""))


def ole_file(*streams: str) -> bytes:
    # Enough of a compound file for sniffing: the magic plus directory names.
    body = b"".join(s.encode("utf-16-le").ljust(64, b"\0") for s in streams)
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + body.ljust(4096, b"\0")


# ---------------------------------------------------------------- size and type

def test_oversize_refused_before_parsing(tmp_path):
    path = small_docx(tmp_path / "a.docx")
    error = refused(path, Limits(max_bytes=1024))
    assert (error.code, error.kind) == ("file_too_large", "too_large")
    assert "1 KB" in error.message


def test_empty_file(tmp_path):
    (tmp_path / "x.docx").write_bytes(b"")
    error = refused(tmp_path / "x.docx")
    assert (error.code, error.message) == ("empty_file", "文件为空")


def test_random_bytes(tmp_path):
    (tmp_path / "r.bin").write_bytes(random.Random(1).randbytes(8192))
    error = refused(tmp_path / "r.bin")
    assert (error.code, error.kind) == ("unsupported_type", "unsupported")


@pytest.mark.parametrize("name, head, what", [
    ("x.pdf", b"MZ\x90\x00\x03\x00\x00\x00\x04\x00", "可执行程序"),    # renamed .exe
    ("tool", b"\x7fELF\x02\x01\x01\x00", "ELF"),
])
def test_executables(tmp_path, name, head, what):
    (tmp_path / name).write_bytes(head + b"\x00" * 2000)
    error = refused(tmp_path / name)
    assert error.code == "unsupported_type" and what in error.message


def test_png_named_txt_is_sniffed_as_png(tmp_path):
    Image.new("RGB", (10, 10), "red").save(tmp_path / "img.png")
    (tmp_path / "notes.txt").write_bytes((tmp_path / "img.png").read_bytes())
    assert sniff(str(tmp_path / "notes.txt")) == "png"
    assert analyse(str(tmp_path / "notes.txt"), Limits()).kind == "png"


def test_old_office_ole(tmp_path):
    (tmp_path / "old.doc").write_bytes(ole_file("Root Entry", "WordDocument"))
    error = refused(tmp_path / "old.doc")
    assert error.code == "unsupported_type" and "DOC/XLS/WPS" in error.message


def test_encrypted_office_ole(tmp_path):
    (tmp_path / "secret.docx").write_bytes(ole_file("Root Entry", "EncryptionInfo", "EncryptedPackage"))
    error = refused(tmp_path / "secret.docx")
    assert error.code == "encrypted" and error.message == "文件已加密，请去除密码后再上传"


def test_ofd_and_other_zips(tmp_path):
    with zipfile.ZipFile(tmp_path / "a.ofd", "w") as zf:
        zf.writestr("OFD.xml", "<ofd:OFD/>")
    assert refused(tmp_path / "a.ofd").message == "OFD 暂不支持"
    with zipfile.ZipFile(tmp_path / "b.zip", "w") as zf:
        zf.writestr("readme.txt", "hello")
    error = refused(tmp_path / "b.zip")
    assert (error.code, error.message) == ("unsupported_type", "不支持的压缩文件")


def test_broken_zip(tmp_path):
    (tmp_path / "b.docx").write_bytes(b"PK\x03\x04" + b"\x00" * 200)
    assert refused(tmp_path / "b.docx").code == "malformed"


def test_docx_with_broken_xml(tmp_path):
    docx_with(tmp_path / "b.docx", {"word/document.xml": b"<w:document><unclosed"})
    error = refused(tmp_path / "b.docx")
    assert error.code == "malformed" and "DOCX" in error.message


# ---------------------------------------------------------------- zip bombs and XML

def test_zip_bomb_member_ratio(tmp_path):
    path = docx_with(tmp_path / "bomb.docx", extra=[("word/media/zeros.bin", b"\0" * (50 * 1024 * 1024))])
    assert path.stat().st_size < 200_000
    error = refused(path)
    assert error.code == "zip_bomb"
    assert error.message == "压缩包解压后过大，疑似压缩炸弹"


def test_zip_total_unzipped_size(tmp_path):
    path = docx_with(tmp_path / "big.docx", extra=[("word/media/a.bin", random.Random(2).randbytes(300_000))])
    assert refused(path, Limits(max_unzipped_bytes=200_000)).code == "zip_bomb"


def test_too_many_members(tmp_path):
    path = docx_with(tmp_path / "many.docx", extra=[(f"customXml/x{i}.bin", b"x") for i in range(60)])
    error = refused(path, Limits(max_zip_members=50))
    assert error.code == "zip_bomb" and "文件过多" in error.message


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">
<w:body><w:p><w:r><w:t>&lol9;</w:t></w:r></w:p></w:body></w:document>"""


def test_billion_laughs(tmp_path):
    path = docx_with(tmp_path / "lol.docx", {"word/document.xml": BILLION_LAUGHS})
    error = refused(path)
    assert error.code == "xml_entity"
    assert error.message == "文件含有 XML 实体声明，已拒绝（可能是实体扩展攻击）"


def test_doctype_hidden_behind_long_comment(tmp_path):
    hidden = b'<?xml version="1.0"?>\n<!--' + b"x" * 70_000 + b"-->" + BILLION_LAUGHS.split(b"?>", 1)[1]
    path = docx_with(tmp_path / "hidden.docx", {"word/document.xml": hidden})
    assert refused(path).code == "xml_entity"


def test_doctype_in_utf16_xml(tmp_path):
    xml = BILLION_LAUGHS.replace(b'<?xml version="1.0"?>', b'<?xml version="1.0" encoding="UTF-16"?>')
    path = docx_with(tmp_path / "u16.docx", {"word/_rels/document.xml.rels": b"\xff\xfe" + xml.decode().encode("utf-16-le")})
    assert refused(path).code == "xml_entity"


def test_xlsx_external_entity(tmp_path):
    import openpyxl
    wb = openpyxl.Workbook()
    wb.active["A1"] = "户主"
    wb.save(tmp_path / "a.xlsx")
    with zipfile.ZipFile(tmp_path / "a.xlsx") as src, zipfile.ZipFile(tmp_path / "b.xlsx", "w") as dst:
        for info in src.infolist():
            data = src.read(info)
            if info.filename == "xl/workbook.xml":
                assert data.startswith(b"<workbook")
                data = b'<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>' + data
            dst.writestr(info, data)
    assert refused(tmp_path / "b.xlsx").code == "xml_entity"


# ---------------------------------------------------------------- PDFs

def test_pdf_with_user_password(tmp_path):
    writer = PdfWriter(clone_from=PdfReader(text_pdf(tmp_path / "src.pdf")))
    writer.encrypt(user_password="secret", owner_password="owner")
    writer.write(tmp_path / "locked.pdf")
    error = refused(tmp_path / "locked.pdf")
    assert (error.code, error.message) == ("encrypted", "文件已加密，请去除密码后再上传")


@pytest.mark.parametrize("algorithm", ["RC4-128", "AES-128", "AES-256"])
def test_permissions_only_pdf_accepted(tmp_path, algorithm):
    # Acrobat and WPS write AES by default; government PDFs often only forbid editing.
    writer = PdfWriter(clone_from=PdfReader(text_pdf(tmp_path / "src.pdf")))
    writer.encrypt(user_password="", owner_password="owner", algorithm=algorithm)
    writer.write(tmp_path / "perm.pdf")
    assert "资金拨付" in analyse(str(tmp_path / "perm.pdf"), Limits()).text


def test_aes_pdf_with_user_password(tmp_path):
    writer = PdfWriter(clone_from=PdfReader(text_pdf(tmp_path / "src.pdf")))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="AES-256")
    writer.write(tmp_path / "locked.pdf")
    assert refused(tmp_path / "locked.pdf").code == "encrypted"


@pytest.mark.parametrize("make", [
    lambda good: good[: len(good) // 2],                      # truncated upload
    lambda good: b"%PDF-1.4\n" + random.Random(3).randbytes(4000),
    lambda good: b"%PDF-1.4\n%%EOF\n",
    lambda good: good.replace(b"/Type /Pages", b"/Type /Junk"),  # page tree unreadable
])
def test_broken_pdfs(tmp_path, make):
    good = text_pdf(tmp_path / "good.pdf").read_bytes()
    (tmp_path / "bad.pdf").write_bytes(make(good))
    error = refused(tmp_path / "bad.pdf")
    assert (error.code, error.message) == ("malformed", "PDF 文件损坏，无法读取")


def test_scan_only_pdf_awaits_ocr(tmp_path):
    Image.new("L", (600, 800), 255).save(tmp_path / "scan.png")
    c = canvas.Canvas(str(tmp_path / "scan.pdf"))
    for _ in range(2):
        c.drawImage(str(tmp_path / "scan.png"), 0, 0, 595, 842)
        c.showPage()
    c.save()
    got = analyse(str(tmp_path / "scan.pdf"), Limits())
    assert (got.kind, got.page_count, got.status) == ("pdf", 2, "awaiting_ocr")


# ---------------------------------------------------------------- images

def test_png_decompression_bomb(tmp_path):
    (tmp_path / "bomb.png").write_bytes(png_header_only(100_000, 100_000))
    assert (tmp_path / "bomb.png").stat().st_size < 200
    assert refused(tmp_path / "bomb.png").code == "image_too_large"


def test_image_pixel_limit_is_ours(tmp_path):
    Image.new("RGB", (200, 100)).save(tmp_path / "a.png")
    error = refused(tmp_path / "a.png", Limits(max_image_pixels=10_000))
    assert error.code == "image_too_large" and "200×100" in error.message


def test_truncated_png(tmp_path):
    Image.effect_noise((300, 300), 50).save(tmp_path / "a.png")
    data = (tmp_path / "a.png").read_bytes()
    (tmp_path / "cut.png").write_bytes(data[: len(data) // 2])
    assert refused(tmp_path / "cut.png").code == "malformed"


# ---------------------------------------------------------------- time limit

def slow_docx(path, paragraphs=60_000):
    para = "<w:p><w:r><w:t>第%d段：扶贫档案内容</w:t></w:r></w:p>"
    body = "".join(para % i for i in range(paragraphs))
    xml = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           '<w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main">'
           f"<w:body>{body}</w:body></w:document>").encode()
    return docx_with(path, {"word/document.xml": xml})


def test_timeout_kills_worker_and_pool_recovers(tmp_path):
    # Parsing this takes over 1 s; the pool checks deadlines every 0.1 s.
    path = slow_docx(tmp_path / "slow.docx")
    small = small_docx(tmp_path / "ok.docx")
    assert analyse(str(small), Limits()).text.strip() == "扶贫档案正文"   # workers up
    error = refused(path, Limits(timeout_seconds=0.01))
    assert (error.code, error.message) == ("timeout", "文件解析超时")
    # The killed worker is replaced; later files are unaffected.
    assert analyse(str(small), Limits()).text.strip() == "扶贫档案正文"


def test_analyse_many_mixes_refusals_and_results(tmp_path):
    good = small_docx(tmp_path / "ok.docx")
    (tmp_path / "empty").write_bytes(b"")
    slow = slow_docx(tmp_path / "slow.docx")
    results = list(analyse_many([str(good), str(tmp_path / "empty"), str(slow), str(good)],
                                Limits(timeout_seconds=0.3)))
    assert isinstance(results[0], Extracted) and isinstance(results[3], Extracted)
    assert [getattr(r, "code", None) for r in results] == [None, "empty_file", "timeout", None]


def test_dead_worker_is_reported_as_too_complex():
    # What a worker killed by the address-space cap (or the OOM killer) looks like.
    import os
    from archive.ingest import analyse as analyse_mod

    future = analyse_mod._get_pool().schedule(os._exit, args=(1,))
    result = analyse_mod._outcome(future)
    assert isinstance(result, IngestError) and result.code == "too_complex"
    assert CHINESE.search(result.message)


@pytest.mark.parametrize("data, expected", [
    (b"Subject: scan\r\n\r\n%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nstream\n\x00\x01\x02\x9f\nendstream", "pdf"),
    ("说明：本目录的文件格式为 %PDF-1.7，请用阅读器打开。\n".encode("gbk"), "txt"),
    (b"BMP and MZ are just words at the start of this note.\n", "txt"),
])
def test_sniff_edge_cases(tmp_path, data, expected):
    (tmp_path / "f").write_bytes(data)
    assert sniff(str(tmp_path / "f")) == expected


def test_text_in_unknown_encoding(tmp_path):
    (tmp_path / "latin1.txt").write_bytes("Café résumé naïve ÿ".encode("latin-1") * 20)
    assert refused(tmp_path / "latin1.txt").code == "undecodable_text"
