"""归档文件目录 (archive catalogue, DA/T 22-2015): rows from the database, as XLSX or PDF."""
from __future__ import annotations

from typing import BinaryIO

from archive.catalogue.service import (FORMATS, HEADERS, Catalogue, CatalogueError, NothingFiled, Row, build,
                                       display_title)

__all__ = ["FORMATS", "HEADERS", "Catalogue", "CatalogueError", "NothingFiled", "Row", "build", "display_title",
           "write"]


def write(catalogue: Catalogue, fmt: str, out: BinaryIO) -> None:
    """Write the catalogue as `fmt` ("xlsx" or "pdf") to a binary stream."""
    if fmt == "xlsx":
        from archive.catalogue.xlsx import write_xlsx

        write_xlsx(catalogue, out)
    elif fmt == "pdf":
        from archive.catalogue.pdf import write_pdf

        write_pdf(catalogue, out)
    else:
        raise CatalogueError("invalid_format", f"格式“{fmt[:20]}”无效，应为 xlsx 或 pdf")
