"""What the rendition step takes and reports: a Source (one document's original), a Failure (one
document that could not be rendered), RenditionFailed (all of them) and ConversionFailed (raised by a
converter for one document), and the document kinds the converters handle.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

OFFICE_KINDS = ("docx", "xlsx", "doc", "wps", "et")
IMAGE_KINDS = ("jpeg", "png", "tiff")
KINDS = ("pdf", *OFFICE_KINDS, *IMAGE_KINDS, "txt")
ALIASES = {"jpg": "jpeg", "tif": "tiff"}

# Page sizes in points, portrait.
A4 = (595.2756, 841.8898)
A3 = (841.8898, 1190.5512)


@dataclass(frozen=True)
class Source:
    sha256: str
    file_kind: str   # Document.file_kind: pdf docx xlsx txt jpeg png tiff (doc, wps, et accepted too)
    name: str        # the original file name, for messages


def kind_of(source: Source) -> str:
    kind = (source.file_kind or "").lower()
    return ALIASES.get(kind, kind)


@dataclass(frozen=True)
class Failure:
    name: str
    sha256: str
    reason: str      # Chinese, without the file name: "无法转换为 PDF：……"

    @property
    def message(self) -> str:
        """The whole sentence, naming the file: 《名称.docx》无法转换为 PDF：……"""
        return f"《{self.name}》{self.reason}"


class RenditionFailed(Exception):
    """Some documents could not be rendered; `failures` lists every one of them."""

    def __init__(self, failures: Sequence[Failure]):
        self.failures = list(failures)
        super().__init__(f"{len(self.failures)} 份文件无法转换为 PDF：" + "；".join(f.message for f in self.failures))

    def __reduce__(self):
        # Pickled across worker processes: rebuild from the failures, not from the formatted text.
        return (type(self), (self.failures,))


class ConversionFailed(Exception):
    """One document failed; `detail` completes "无法转换为 PDF：…"."""

    def __init__(self, detail: str):
        super().__init__(detail)
        self.detail = detail
