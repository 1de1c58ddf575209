"""A document's printable PDF: its rendition with the 归档章 (DA/T 22-2015) top-centre on page 1
when filed; the original untouched. Read back with pdftotext -bbox for where the stamp sits."""
import hashlib
import io
import re
import subprocess

from pypdf import PdfReader

from archive.models import AuditEvent, Document
from tests.support.api import bearer
from tests.support.pages import login

MM = 72 / 25.4


def _words(pdf_bytes: bytes, tmp_path) -> list[tuple[str, float, float, float, float]]:
    path = tmp_path / "r.pdf"
    path.write_bytes(pdf_bytes)
    html = subprocess.run(["pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-"], capture_output=True,
                          text=True, check=True).stdout
    return [(w, float(a), float(b), float(c), float(d)) for a, b, c, d, w in
            re.findall(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>', html)]


def test_filed_document_rendition_carries_the_filing_stamp_top_centre(services, client, make_user, bindable, tmp_path):
    _, token = make_user("clerk", "黎元村")
    with services.db.session() as session:
        doc = session.get(Document, bindable["notice.docx"])
        fonds, item, code, sha = doc.archive_code.split("-")[0], doc.item_no, doc.category_code, doc.sha256
    response = client.get(f"/api/v1/documents/{bindable['notice.docx']}/rendition", headers=bearer(token))
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "inline" in response.headers["Content-Disposition"]
    words = _words(response.data, tmp_path)
    width = float(PdfReader(io.BytesIO(response.data)).pages[0].mediabox.width)
    cells = {}  # each value's topmost occurrence (the document's own text repeats some, e.g. 2020)
    for w, x0, y0, x1, y1 in sorted(words, key=lambda w: -w[2]):
        cells[w] = (x0, y0, x1, y1)
    for value in (fonds, "2020", f"{item:04d}", code, "定期30年"):
        assert value in cells, (value, [w for w, *_ in words][:12])
        x0, y0, x1, y1 = cells[value]
        assert y1 < 22 * MM, value  # inside the 5–21 mm band at the top
    left = min(cells[fonds][0], cells[code][0])
    right = max(cells[f"{item:04d}"][2], cells["定期30年"][2])
    assert abs((left + right) / 2 - width / 2) < 8 * MM  # centred
    assert "危房改造" in " ".join(w for w, *_ in words)  # the document itself is there, below
    # The original is never modified.
    assert hashlib.sha256(services.store.path_for(sha).read_bytes()).hexdigest() == sha
    with services.db.session() as session:
        assert session.query(AuditEvent).filter_by(action="download", object_id=str(bindable["notice.docx"])).count() == 1


def test_unfiled_document_rendition_has_no_stamp(services, client, make_user, bindable, tmp_path):
    _, token = make_user("clerk", "黎元村")
    response = client.get(f"/api/v1/documents/{bindable['scan.png']}/rendition", headers=bearer(token))
    assert response.status_code == 200
    assert _words(response.data, tmp_path) == []  # a blank scan, and no stamp drawn on it
    page = PdfReader(io.BytesIO(response.data)).pages[0]
    assert round(float(page.mediabox.width) / 72 * 150) == 1240  # the scan at its real size (150 dpi)


def test_refiling_gives_a_new_stamp(services, client, make_user, bindable, tmp_path):
    _, token = make_user("clerk", "黎元村")
    url = f"/api/v1/documents/{bindable['notice.txt']}"
    before = {w for w, *_ in _words(client.get(url + "/rendition", headers=bearer(token)).data, tmp_path)}
    changed = client.patch(url, headers=bearer(token), json={"year": 2021, "refile": True})
    assert changed.status_code == 200, changed.json
    after = {w for w, *_ in _words(client.get(url + "/rendition", headers=bearer(token)).data, tmp_path)}
    assert "2020" in before and "2021" in after and "0001" in after


def test_page_link_and_unrenderable_file(services, client, make_user, bindable):
    make_user("clerk", "黎元村")
    login(client, "clerk")
    detail = client.get(f"/documents/{bindable['notice.pdf']}")
    assert "打印版 PDF（含归档章）" in detail.get_data(as_text=True)
    ok = client.get(f"/documents/{bindable['notice.pdf']}/rendition.pdf")
    assert ok.status_code == 200 and ok.data.startswith(b"%PDF")
    with services.db.session() as session:
        doc = session.get(Document, bindable["notice.docx"])
        stored = services.store.path_for(doc.sha256)
    stored.chmod(0o644)
    stored.write_bytes(b"PK\x03\x04 damaged on disk")
    bad = client.get(f"/documents/{bindable['notice.docx']}/rendition.pdf")
    assert bad.status_code == 422 and "无法转换为 PDF" in bad.get_data(as_text=True)
