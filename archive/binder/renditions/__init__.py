"""PDF renditions of documents, for binding and preview, cached by the original's sha256.

    PDF            opened (and repaired) by pikepdf and saved decrypted; a PDF with a font that is not
                   embedded is redrawn by poppler (`pdftocairo -pdf`)                   pdf.py
    DOCX XLSX      LibreOffice headless, many documents per call, each call with its
    DOC WPS ET     own profile, in its own process group, under a time limit            office.py
    JPEG PNG TIFF  img2pdf at the image's real size (Pillow first when needed)          image.py
    TXT            decoded like ingest does, drawn by WeasyPrint on A4                  text.py

cache.py holds the cache and `Renditions.ensure`; process.py runs LibreOffice and pdftocairo;
types.py the sources and failures. The names below are the package's interface.
"""
from archive.binder.renditions.cache import RENDITION_VERSION, Renditions, page_count
from archive.binder.renditions.types import KINDS, Failure, RenditionFailed, Source

__all__ = ["KINDS", "RENDITION_VERSION", "Failure", "RenditionFailed", "Renditions", "Source", "page_count"]
