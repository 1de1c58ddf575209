"""The standards as typed objects: retention periods, classes and schemes (with the 档号 format), the
collection scope, fonds rules, ledger types and household-file items, and `Standards`, which holds
them all and answers which scheme and fonds a unit has."""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from archive.standards.units import CODE_LENGTHS, split_path, unit_code

LEVELS = ("county", "township", "village", "household")
# Fields a 档号 pattern may use, with sample values to check format specs against.
PATTERN_FIELDS = {"fonds": "Z109", "door": "WS", "year": 2011, "retention": "Y", "class": "BGS", "item": 1}
# A bound volume's 档号 when the scheme names none: the document pattern's fields with the 案卷号 as
# AJ + 3 digits, so a volume's code never reads like one of its documents' codes.
DEFAULT_VOLUME_CODE_PATTERN = "{fonds}-{door}·{year}-{retention}-{class}-AJ{item:03}"
LEDGER_KINDS = ("text", "id_number", "phone", "number", "date", "integer")
HOUSEHOLD_STAGES = ("identification", "assistance", "exit")


class StandardsError(Exception):
    """Bad standards data: `file` as shown (standards/…), 1-based `line` where known."""

    def __init__(self, file: str, line: int | None, message: str):
        super().__init__(f"{file}:{line}: {message}" if line else f"{file}: {message}")
        self.file, self.line, self.message = file, line, message


@dataclass(frozen=True)
class Retention:
    code: str
    name: str
    years: int | None  # None = 永久


@dataclass(frozen=True)
class DocClass:
    code: str
    name: str
    parent: str | None
    retention: str
    levels: tuple[str, ...]
    keywords: tuple[str, ...]
    patterns: tuple[re.Pattern, ...]


@dataclass(frozen=True)
class ScopeItem:
    key: str
    name: str
    level: str
    class_codes: tuple[str, ...]
    keywords: tuple[str, ...]
    per_household: bool
    required: bool


@dataclass(frozen=True)
class Scheme:
    id: str
    name: str
    door_code: str
    code_pattern: str
    classes: dict[str, DocClass]  # by code, every level of the tree, in file order
    poverty_keywords: tuple[str, ...]
    not_poverty_keywords: tuple[str, ...]
    not_poverty_patterns: tuple[re.Pattern, ...]
    volume_code_pattern: str = DEFAULT_VOLUME_CODE_PATTERN

    def children(self, code: str | None) -> list[DocClass]:
        """Direct sub-classes of `code`; None gives the top classes."""
        return [c for c in self.classes.values() if c.parent == code]

    def leaves(self, level: str | None = None) -> list[DocClass]:
        parents = {c.parent for c in self.classes.values()}
        return [c for c in self.classes.values() if c.code not in parents and (level is None or level in c.levels)]

    def format_code(self, *, fonds: str, year: int, retention: str, class_code: str, item: int,
                    volume: bool = False) -> str:
        """The 档号 of a document (件号 `item`) or, with volume=True, of a bound volume (案卷号 `item`).
        An empty class_code drops the {class} field with the separator before it, as DA/T 22-2015
        omits the 机构(问题) code when that level is not used."""
        if len(fonds) != 4:
            raise ValueError(f"全宗号“{fonds}”应为 4 个字符 / fonds code must be 4 characters")
        if not (1000 <= year <= 9999 and 1 <= item <= 9999 and retention):
            raise ValueError(f"年度 {year}、件号 {item} 或保管期限“{retention}”无效 / invalid year, item or retention")
        pattern = self.volume_code_pattern if volume else self.code_pattern
        if not class_code:
            pattern = re.sub(r"[-·.]?\{class(:[^}]*)?\}", "", pattern)
        return pattern.format(fonds=fonds, door=self.door_code, year=year, retention=retention, item=item,
                              **{"class": class_code})


@dataclass(frozen=True)
class LedgerField:
    """One column of a ledger type. `synonyms` are header texts that name it (besides `name`);
    `kind` is one of LEDGER_KINDS. Optional: `choices` (the values expected in a text column, others
    are a warning) and `minimum`/`maximum` (for number and integer columns)."""
    key: str
    name: str
    synonyms: tuple[str, ...]
    kind: str
    required: bool
    choices: tuple[str, ...] = ()
    minimum: float | None = None
    maximum: float | None = None


@dataclass(frozen=True)
class LedgerType:
    """A kind of ledger (台账). `unique`: fields whose values together must not repeat in one ledger
    (e.g. 证件号码 + 年度); `keywords`: words of a sheet's title or name that suggest this type."""
    key: str
    name: str
    fields: tuple[LedgerField, ...]
    unique: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()

    def field(self, key: str) -> LedgerField:
        for f in self.fields:
            if f.key == key:
                return f
        raise KeyError(key)


@dataclass(frozen=True)
class HouseholdItem:
    """One item of the household file (一户一档). `keywords` recognise a document by its title or
    text; a keyword "A+B" needs both parts. `classes`: codes of the default scheme that hold it."""
    key: str
    name: str
    keywords: tuple[str, ...]
    required: bool
    stage: str  # one of HOUSEHOLD_STAGES
    classes: tuple[str, ...] = ()

    def score(self, text: str) -> int:
        """How strongly `text` names this item: the length of its best keyword found (an "A+B"
        keyword counts both parts), 0 when none is found."""
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text or ""))
        best = 0
        for keyword in self.keywords:
            parts = [unicodedata.normalize("NFKC", p) for p in keyword.split("+")]
            if all(p in text for p in parts):
                best = max(best, sum(len(p) for p in parts))
        return best


@dataclass(frozen=True)
class FondsRule:
    """One entry of fonds.yaml; matches a unit by division-code prefix or by display-path prefix."""
    code: str | None
    path: tuple[str, ...] | None
    scheme: str | None
    fonds: str | None

    def depth(self, parts: list[str], code: str | None) -> int:
        """How specific the match is (0 province … 4 village), -1 when it does not match."""
        found = -1
        if self.code and code and code.startswith(self.code):
            found = CODE_LENGTHS.index(len(self.code))
        if self.path and tuple(parts[: len(self.path)]) == self.path:
            found = max(found, len(self.path) - 1)
        return found


@dataclass(frozen=True)
class Standards:
    schemes: dict[str, Scheme]
    default_scheme: str
    retention: dict[str, Retention]
    legacy_retention: dict[str, str]
    scope: dict[str, tuple[ScopeItem, ...]]  # by level; every level of LEVELS is present
    fonds_rules: tuple[FondsRule, ...] = field(default=(), repr=False)
    fallback_prefix: str = field(default="F", repr=False)
    fallback_fonds: str = field(default="F000", repr=False)
    # standards/ledgers.yaml and standards/household_files.yaml; empty when the folder has none.
    ledger_types: dict[str, LedgerType] = field(default_factory=dict, repr=False)
    household_items: tuple[HouseholdItem, ...] = field(default=(), repr=False)
    household_date_order: tuple[str, ...] = field(default=(), repr=False)       # 申请 ≤ 评议 ≤ 公示 ≤ 确认
    household_exit_date_order: tuple[str, ...] = field(default=(), repr=False)  # the same at exit

    def household_item_for(self, text: str) -> HouseholdItem | None:
        """The household-file item a document title (or text) names: the best-scoring item
        (HouseholdItem.score), the first in file order on a tie; None when no keyword is found."""
        best, best_score = None, 0
        for item in self.household_items:
            found = item.score(text)
            if found > best_score:
                best, best_score = item, found
        return best

    def _rule(self, attr: str, path: str, code: str | None) -> FondsRule | None:
        parts, code, best, best_depth = split_path(path), unit_code(code), None, -1
        for rule in self.fonds_rules:
            depth = rule.depth(parts, code) if getattr(rule, attr) else -1
            if depth > best_depth:  # strictly deeper: on a tie the earlier entry stays
                best, best_depth = rule, depth
        return best

    def scheme_for(self, *, path: str, code: str | None) -> Scheme:
        rule = self._rule("scheme", path, code)
        return self.schemes[rule.scheme if rule else self.default_scheme]

    def fonds_for(self, *, path: str, code: str | None) -> str:
        rule = self._rule("fonds", path, code)
        if rule:
            return rule.fonds
        code = unit_code(code)
        if code and code[4:6] != "00":  # county level or below: prefix + last 3 digits of the county code
            return self.fallback_prefix + code[3:6]
        return self.fallback_fonds

    def normalise_retention(self, value: str) -> str:
        """'Y', 'd30', '永久', '定期 30 年', '长期' … → a code of `retention`; ValueError otherwise."""
        text = re.sub(r"\s+", "", unicodedata.normalize("NFKC", str(value)))
        if text.upper() in self.retention:
            return text.upper()
        for period in self.retention.values():
            if text == period.name:
                return period.code
        if text in self.legacy_retention:
            return self.legacy_retention[text]
        raise ValueError(f"未知的保管期限“{value}” / unknown retention period")

