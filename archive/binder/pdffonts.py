"""Which fonts a PDF uses without embedding them: the one walk behind the rendition step (a PDF with
such a font is redrawn) and the volume check (a volume with one fails).

The walk covers each page's resources (inherited too), Form XObjects (nested), tiling patterns, soft
masks, annotation appearances (every state) and Type 3 fonts' own resources. A Type 0 font is embedded
when its descendant has a FontFile/FontFile2/FontFile3; a Type 3 font is its own glyph program:
embedded.
"""
from __future__ import annotations

import pikepdf
from pikepdf import Name

from archive.binder.pdfbox import inherited, is_dict

FONT_FILES = ("/FontFile", "/FontFile2", "/FontFile3")
UNNAMED = "(未命名字体)"
MAX_DEPTH = 32   # nested resources; direct objects cannot loop, indirect ones are visited once


def font_embedded(font: pikepdf.Object) -> bool:
    subtype = font.get("/Subtype")
    if subtype == Name.Type3:
        return True
    if subtype == Name.Type0:
        descendants = font.get("/DescendantFonts")
        if not isinstance(descendants, pikepdf.Array) or not len(descendants) or not is_dict(descendants[0]):
            return False
        font = descendants[0]
    descriptor = font.get("/FontDescriptor")
    return is_dict(descriptor) and any(key in descriptor for key in FONT_FILES)


def font_name(font: pikepdf.Object) -> str:
    base = font.get("/BaseFont")
    return str(base)[1:] if isinstance(base, Name) else UNNAMED


def unembedded_fonts(pdf: pikepdf.Pdf) -> dict[str, list[int]]:
    """{font name (BaseFont): 0-based indexes of the pages using it} of the fonts not embedded, in
    the order they are first met; sorted(...) gives the names alone."""
    walk = _Walk()
    for index, page in enumerate(pdf.pages):
        walk.page(index, page)
    return walk.missing


class _Walk:
    def __init__(self):
        self.missing: dict[str, list[int]] = {}
        self.verdicts: dict[tuple[int, int], bool] = {}   # indirect fonts, judged once per document
        self.index = 0
        self.seen: set[tuple[int, int]] = set()

    def page(self, index: int, page: pikepdf.Page) -> None:
        # `seen` is per page: a font used on many pages is reported with each of them.
        self.index, self.seen = index, set()
        self.resources(inherited(page.obj, "/Resources"), 0)
        annots = page.obj.get("/Annots")
        if not isinstance(annots, pikepdf.Array):
            return
        for annot in annots:
            appearances = annot.get("/AP") if is_dict(annot) else None
            if not is_dict(appearances):
                continue
            for _, appearance in appearances.items():   # /N, /R, /D: a stream, or one per state
                if isinstance(appearance, pikepdf.Stream):
                    self.form(appearance, 0)
                elif is_dict(appearance):
                    for _, state in appearance.items():
                        self.form(state, 0)

    def once(self, obj) -> bool:
        key = obj.objgen
        if key == (0, 0):
            return True
        if key in self.seen:
            return False
        self.seen.add(key)
        return True

    def resources(self, res, depth: int) -> None:
        if not is_dict(res) or depth > MAX_DEPTH or not self.once(res):
            return
        fonts = res.get("/Font")
        if is_dict(fonts):
            for _, font in fonts.items():
                if is_dict(font):
                    self.font(font, depth)
        xobjects = res.get("/XObject")
        if is_dict(xobjects):
            for _, xobject in xobjects.items():
                if isinstance(xobject, pikepdf.Stream) and xobject.get("/Subtype") == Name.Form:
                    self.form(xobject, depth)
        patterns = res.get("/Pattern")
        if is_dict(patterns):
            for _, pattern in patterns.items():   # tiling patterns are streams; shadings have no fonts
                self.form(pattern, depth)
        states = res.get("/ExtGState")
        if is_dict(states):
            for _, state in states.items():
                mask = state.get("/SMask") if is_dict(state) else None
                if is_dict(mask):
                    self.form(mask.get("/G"), depth)

    def form(self, obj, depth: int) -> None:
        if isinstance(obj, pikepdf.Stream) and self.once(obj):
            self.resources(obj.get("/Resources"), depth + 1)

    def font(self, font: pikepdf.Object, depth: int) -> None:
        key = font.objgen
        embedded = self.verdicts.get(key) if key != (0, 0) else None
        if embedded is None:
            embedded = font_embedded(font)
            if key != (0, 0):
                self.verdicts[key] = embedded
        if not embedded:
            pages = self.missing.setdefault(font_name(font), [])
            if not pages or pages[-1] != self.index:
                pages.append(self.index)
        if font.get("/Subtype") == Name.Type3:
            self.resources(font.get("/Resources"), depth + 1)
