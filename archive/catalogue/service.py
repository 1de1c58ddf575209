"""归档文件目录 (DA/T 22-2015): which filed documents a catalogue lists, and its rows.

A catalogue covers one unit's subtree, one 年度 and one 保管期限 (optionally one 机构(问题) class):
the documents that have a 档号 and are not in the trash, in 档号 order (class code, then 件号).
It belongs to one 全宗: documents of a sub-unit that the standards give a fonds of its own are
left out (they go into that fonds' catalogue).

题名 in square brackets: DA/T 22-2015 writes a title the archivist made up (the document had none)
as [题名]. The system does not yet record whether a title was taken from the document or made up,
so nothing is bracketed automatically; `Row.title_made_up` and `display_title` carry the rule for
when that flag exists (a title already written in brackets is left as it is).
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from archive.auth.scope import require_in_scope
from archive.models import Document, OrgUnit, User
from archive.standards import Standards
from archive.values import parse_year
from archive.errors import NOT_FOUND, DomainError

HEADERS = ("序号", "档号", "文号", "责任者", "题名", "日期", "密级", "页数", "备注")
FORMATS = {"xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
           "pdf": "application/pdf"}


class CatalogueError(DomainError):
    """A request the catalogue cannot answer: `code` for machines, `message` in Chinese."""


class NothingFiled(CatalogueError):
    kind = NOT_FOUND

    def __init__(self, message: str):
        super().__init__("nothing_filed", message)


@dataclass(frozen=True)
class Row:
    seq: int            # 序号, 1..n
    archive_code: str   # 档号
    doc_number: str     # 文号
    author: str         # 责任者
    title: str          # 题名 as stored
    date: str           # 日期 YYYYMMDD, "" when unknown
    secrecy: str        # 密级 (not recorded yet: blank)
    pages: int | None   # 页数
    remarks: str        # 备注
    document_id: int
    title_made_up: bool = False

    @property
    def shown_title(self) -> str:
        return display_title(self.title, self.title_made_up)

    def cells(self) -> tuple:
        """The row as printed, column by column in HEADERS order."""
        return (self.seq, self.archive_code, self.doc_number, self.author, self.shown_title, self.date,
                self.secrecy, self.pages if self.pages is not None else "", self.remarks)


@dataclass
class Catalogue:
    fonds: str            # 全宗号
    fonds_name: str       # 全宗名称: the unit's name
    org_name: str
    org_path: str
    year: int             # 年度
    retention: str        # 保管期限 code: Y, D30, D10
    retention_name: str   # 永久, 定期30年, …
    class_code: str | None = None   # 机构(问题) when the catalogue is for one class
    class_name: str | None = None
    rows: list[Row] = field(default_factory=list)

    @property
    def title(self) -> str:
        return f"{self.fonds_name} {self.year}年 {self.retention_name} 归档文件目录"

    @property
    def class_label(self) -> str:
        """机构(问题) as shown on the cover: blank unless the catalogue is for one class."""
        if not self.class_code:
            return ""
        return f"{self.class_code} {self.class_name}" if self.class_name else self.class_code

    def file_name(self, extension: str) -> str:
        """归档文件目录-黎元村-2020-Y.xlsx (-0305 before the extension for one class)."""
        parts = ["归档文件目录", self.org_name, str(self.year), self.retention]
        return "-".join(parts + ([self.class_code] if self.class_code else [])) + "." + extension


def display_title(title: str, made_up: bool) -> str:
    """题名 as the catalogue prints it: [题名] when the archivist made it up (DA/T 22-2015)."""
    title = (title or "").strip()
    if made_up and not re.fullmatch(r"[\[［].*[\]］]", title):
        return f"[{title}]"
    return title


def parse_retention(standards: Standards, value) -> str:
    text = str(value if value is not None else "").strip()
    if not text:
        raise CatalogueError("missing_retention", "缺少保管期限（retention：Y、D30 或 D10）")
    try:
        return standards.normalise_retention(text)
    except ValueError:
        codes = "、".join(standards.retention)
        raise CatalogueError("invalid_retention", f"保管期限“{text[:20]}”无效，应为 {codes} 之一") from None


def build(session: Session, standards: Standards, *, org: OrgUnit, year, retention, class_code: str | None = None,
          user: User | None = None, allow_empty: bool = False) -> Catalogue:
    """The catalogue of `org`'s subtree for `year` and `retention` (codes or names, validated here),
    optionally one class (a leaf or a parent class code: its sub-classes are included).
    `user` None is the command-line operator; otherwise the unit must be in the user's scope.
    Raises CatalogueError for bad parameters and NothingFiled when no filed document matches."""
    if user is not None:
        require_in_scope(user, org)
    year = parse_year(year)
    retention = parse_retention(standards, retention)
    fonds = standards.fonds_for(path=org.path, code=org.code)
    scheme = standards.scheme_for(path=org.path, code=org.code)
    class_code = (class_code or "").strip() or None
    class_name = None
    if class_code:
        doc_class = scheme.classes.get(class_code)
        if doc_class is None:
            raise CatalogueError("invalid_class", f"类目“{class_code[:20]}”在分类方案“{scheme.name}”中不存在")
        class_name = doc_class.name

    subtree = select(OrgUnit.id).where(OrgUnit.lineage.startswith(org.lineage))
    stmt = (select(Document).options(joinedload(Document.org))
            .where(Document.org_id.in_(subtree), Document.archive_code.is_not(None), Document.deleted_at.is_(None),
                   Document.year == year, Document.retention == retention)
            .order_by(Document.category_code, Document.item_no, Document.archive_code))
    if class_code:
        stmt = stmt.where(Document.category_code.startswith(class_code, autoescape=True))
    docs = list(session.scalars(stmt))

    fonds_of: dict[int, str] = {}

    def same_fonds(doc: Document) -> bool:
        if doc.org_id not in fonds_of:
            fonds_of[doc.org_id] = standards.fonds_for(path=doc.org.path, code=doc.org.code)
        return fonds_of[doc.org_id] == fonds

    rows = [Row(seq=n, archive_code=doc.archive_code, doc_number=doc.doc_number or "", author=doc.author or "",
                title=doc.title or "", date=doc.doc_date.strftime("%Y%m%d") if doc.doc_date else "", secrecy="",
                pages=doc.page_count, remarks="", document_id=doc.id)
            for n, doc in enumerate((d for d in docs if same_fonds(d)), start=1)]
    catalogue = Catalogue(fonds=fonds, fonds_name=org.name, org_name=org.name, org_path=org.path, year=year,
                          retention=retention, retention_name=standards.retention[retention].name,
                          class_code=class_code, class_name=class_name, rows=rows)
    if not rows and not allow_empty:
        what = f"{year}年、保管期限“{catalogue.retention_name}”" + (f"、类目“{catalogue.class_label}”" if class_code else "")
        raise NothingFiled(f"{org.name}（含下级单位）没有{what}的已归档文件，无法生成归档文件目录")
    return catalogue
