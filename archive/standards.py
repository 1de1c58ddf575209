"""Archive standards as data: retention periods, classification schemes, fonds assignment, the
collection scope, ledger (台账) types and the household-file (一户一档) items, read from YAML under
standards/ and validated when loaded.

The rules live in data so that a county whose scheme differs edits YAML, not code (see
docs in standards/*.yaml and STANDARDS.md). Everything is read from yaml's *composed* nodes rather
than from yaml.safe_load: the nodes keep line numbers for error messages, and raw scalar text keeps
codes such as 0301 from turning into octal integers.
"""
from __future__ import annotations

import os
import re
import string
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

STANDARDS_DIR = Path(os.environ.get("ARCHIVE_STANDARDS_DIR") or Path(__file__).resolve().parent.parent / "standards")
LEVELS = ("county", "township", "village", "household")
CODE_LENGTHS = (2, 4, 6, 9, 12)  # province … village prefixes of the 12-digit 统计用区划代码
# Fields a 档号 pattern may use, with sample values to check format specs against.
PATTERN_FIELDS = {"fonds": "Z109", "door": "WS", "year": 2011, "retention": "Y", "class": "BGS", "item": 1}
# A bound volume's 档号 when the scheme names none: the document pattern's fields with the 案卷号 as
# AJ + 3 digits, so a volume's code never reads like one of its documents' codes.
DEFAULT_VOLUME_CODE_PATTERN = "{fonds}-{door}·{year}-{retention}-{class}-AJ{item:03}"
_PATH_SEPARATORS = re.compile(r"\s*[/／\\]\s*")
LEDGER_KINDS = ("text", "id_number", "phone", "number", "date", "integer")
HOUSEHOLD_STAGES = ("identification", "assistance", "exit")
_KEY = re.compile(r"[a-z][a-z0-9_]*")


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
class _FondsRule:
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
    fonds_rules: tuple[_FondsRule, ...] = field(default=(), repr=False)
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

    def _rule(self, attr: str, path: str, code: str | None) -> _FondsRule | None:
        parts, code, best, best_depth = split_path(path), _unit_code(code), None, -1
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
        code = _unit_code(code)
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


def split_path(path: str) -> list[str]:
    return [p for p in _PATH_SEPARATORS.split(path.strip()) if p]


def _unit_code(code: str | None) -> str | None:
    """A division code as a 12-digit string (shorter prefixes right-padded), or None."""
    code = unicodedata.normalize("NFKC", code or "").strip()
    return code.ljust(12, "0") if code.isdigit() and len(code) in CODE_LENGTHS else None


# Name suffixes by level, longest first so 社区 wins over 区 and 自治区 over 区.
_SUFFIXES = sorted(
    [(s, "village") for s in ("村", "社区", "村委会", "村民委员会", "居委会", "居民委员会", "嘎查")]
    + [(s, "township") for s in ("镇", "乡", "街道", "办事处", "苏木")]
    + [(s, "county") for s in ("区", "县", "旗", "县级市", "特区", "林区")]
    + [(s, "city") for s in ("地区", "自治州", "盟")]
    + [(s, "province") for s in ("省", "自治区", "特别行政区")],
    key=lambda pair: -len(pair[0]))
_BY_DEPTH = ("province", "city", "county", "township")


def level_of(path: str, depth: int | None = None) -> str:
    """The level of the unit at display path `path`: "province", "city", "county", "township" or
    "village". Decided by the name's suffix first, because trees are not always five deep; then by
    `depth` (0 province … 4 village; deeper is village), which defaults to the path's depth.
    A name ending in 市 is a 直辖市 at depth 0, a city at depth 1 and a 县级市 at depth 2.
    Province and city are returned as such: they are not in LEVELS, no class or scope item
    applies to them, and the caller decides what they mean for its purpose."""
    parts = split_path(path)
    if not parts:
        raise ValueError("单位路径为空 / empty path")
    depth = len(parts) - 1 if depth is None else depth
    name = parts[-1]
    for suffix, level in _SUFFIXES:
        if name.endswith(suffix):
            return level
    if name.endswith("市"):
        return {0: "province", 2: "county"}.get(depth, "city")
    return _BY_DEPTH[depth] if 0 <= depth < len(_BY_DEPTH) else "village"


# ---------------------------------------------------------------- reading YAML nodes

class _File:
    """One YAML file as composed nodes, with readers that fail with file and line."""

    def __init__(self, path: Path, shown: str):
        self.shown = shown
        try:
            self.root = yaml.compose(path.read_text(encoding="utf-8"), Loader=yaml.SafeLoader)
        except FileNotFoundError:
            raise StandardsError(shown, None, "缺少文件 / missing file") from None
        except UnicodeDecodeError:
            raise StandardsError(shown, None, "不是 UTF-8 编码 / not UTF-8") from None
        except yaml.MarkedYAMLError as e:
            mark = e.problem_mark or e.context_mark
            raise StandardsError(shown, mark.line + 1 if mark else None,
                                 f"YAML 语法错误 / YAML syntax error: {e.problem or e.context}") from None
        if self.root is None:
            raise StandardsError(shown, None, "文件为空 / empty file")

    def fail(self, node: Node, message: str):
        raise StandardsError(self.shown, node.start_mark.line + 1, message)

    def mapping(self, node: Node, allowed: set[str] | None, required: set[str] = frozenset()) -> dict[str, Node]:
        """Keys to value nodes; `allowed` None accepts any key (typos elsewhere should not pass quietly)."""
        if not isinstance(node, MappingNode):
            self.fail(node, "此处应为键值映射 / a mapping is expected here")
        out: dict[str, Node] = {}
        for key_node, value in node.value:
            key = self.text(key_node)
            if key in out:
                self.fail(key_node, f"键“{key}”重复 / duplicate key")
            if allowed is not None and key not in allowed:
                self.fail(key_node, f"未知的键“{key}” / unknown key (allowed: {', '.join(sorted(allowed))})")
            out[key] = value
        for key in sorted(required - out.keys()):
            self.fail(node, f"缺少必需的键“{key}” / missing required key")
        return out

    def text(self, node: Node) -> str:
        value = node.value.strip() if isinstance(node, ScalarNode) else ""
        if not value or value in ("~", "null") and node.style is None:
            self.fail(node, "此处应为非空文字 / a non-empty text is expected here")
        return value

    def sequence(self, node: Node) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.fail(node, "此处应为列表 / a list is expected here")
        return node.value

    def texts(self, node: Node | None) -> tuple[str, ...]:
        return () if node is None else tuple(self.text(n) for n in self.sequence(node))

    def boolean(self, node: Node | None, default: bool) -> bool:
        if node is None:
            return default
        value = self.text(node).lower()
        if value not in ("true", "false", "yes", "no"):
            self.fail(node, f"“{value}”应为 true 或 false / must be true or false")
        return value in ("true", "yes")

    def regexes(self, node: Node | None) -> tuple[re.Pattern, ...]:
        out = []
        for item in () if node is None else self.sequence(node):
            try:
                out.append(re.compile(self.text(item)))
            except re.error as e:
                self.fail(item, f"正则表达式“{item.value}”无效 / invalid pattern: {e}")
        return tuple(out)


# ---------------------------------------------------------------- the files

def _read_retention(f: _File) -> tuple[dict[str, Retention], dict[str, str]]:
    top = f.mapping(f.root, {"periods", "legacy"}, {"periods"})
    periods: dict[str, Retention] = {}
    for node in f.sequence(top["periods"]):
        m = f.mapping(node, {"code", "name", "years"}, {"code", "name", "years"})
        code, years = f.text(m["code"]), m["years"].value.strip() if isinstance(m["years"], ScalarNode) else "?"
        if code in periods:
            f.fail(m["code"], f"保管期限代码 {code} 重复 / duplicate retention code")
        if years not in ("", "~", "null") and not (years.isdigit() and int(years) > 0):
            f.fail(m["years"], f"年限“{years}”应为正整数或 null（永久）/ years must be a positive integer or null")
        periods[code] = Retention(code, f.text(m["name"]), int(years) if years.isdigit() else None)
    legacy: dict[str, str] = {}
    for key, value in (f.mapping(top["legacy"], None) if "legacy" in top else {}).items():
        if f.text(value) not in periods:
            f.fail(value, f"旧保管期限“{key}”对应的代码“{value.value}”不存在 / unknown retention code")
        legacy[key] = f.text(value)
    return periods, legacy


def _check_pattern(f: _File, node: Node) -> str:
    pattern, fields = f.text(node), set()
    try:
        for _, name, spec, conversion in string.Formatter().parse(pattern):
            if name is None:
                continue
            if name not in PATTERN_FIELDS or conversion or "{" in (spec or ""):
                f.fail(node, f"档号格式含未知字段“{{{name}}}” / unknown field in code pattern "
                             f"(known: {', '.join('{%s}' % k for k in PATTERN_FIELDS)})")
            format(PATTERN_FIELDS[name], spec)
            fields.add(name)
    except ValueError as e:
        f.fail(node, f"档号格式“{pattern}”无效 / invalid code pattern: {e}")
    if "item" not in fields:
        f.fail(node, "档号格式缺少件号字段 {item} / code pattern lacks {item}")
    return pattern


def _read_scheme(f: _File, scheme_id: str, retention: dict[str, Retention]) -> Scheme:
    top = f.mapping(f.root, {"name", "door", "code_pattern", "volume_code_pattern", "classes", "poverty_keywords", "not_poverty_keywords",
                             "not_poverty_patterns"}, {"name", "door", "code_pattern", "classes"})
    door = f.text(top["door"])
    if not re.fullmatch(r"[A-Z]{2,4}", door):
        f.fail(top["door"], f"门类代码“{door}”应为 2–4 个大写字母 / door code must be 2–4 capital letters")
    classes: dict[str, DocClass] = {}
    lines: dict[str, int] = {}

    def read(node: Node, parent: DocClass | None) -> None:
        m = f.mapping(node, {"code", "name", "levels", "retention", "keywords", "patterns", "children"},
                      {"code", "name"} | ({"levels", "retention"} if parent is None else set()))
        code = f.text(m["code"])
        if not re.fullmatch(r"[0-9A-Za-z]+", code):
            f.fail(m["code"], f"类目代码“{code}”只能含字母和数字 / class code must be letters and digits")
        if code in classes:
            f.fail(m["code"], f"类目代码 {code} 重复（第 {lines[code]} 行已有）/ duplicate class code")
        if parent and not (code.startswith(parent.code) and len(code) > len(parent.code)):
            f.fail(m["code"], f"子类目 {code} 的代码应以上级 {parent.code} 开头 / sub-class code must extend its parent's")
        period = f.text(m["retention"]) if "retention" in m else parent.retention
        if period not in retention:
            f.fail(m["retention"], f"类目 {code} 的保管期限“{period}”无效 / invalid retention")
        levels = f.texts(m["levels"]) if "levels" in m else parent.levels
        bad = [lv for lv in levels if lv not in LEVELS or parent and lv not in parent.levels]
        if bad or not levels:
            f.fail(m.get("levels", node), f"类目 {code} 的层级“{'、'.join(bad)}”无效 / invalid level "
                                          f"(one or more of {', '.join(LEVELS)}, within the parent's)")
        doc_class = DocClass(code, f.text(m["name"]), parent.code if parent else None, period, levels,
                             f.texts(m.get("keywords")), f.regexes(m.get("patterns")))
        classes[code], lines[code] = doc_class, m["code"].start_mark.line + 1
        for child in f.sequence(m["children"]) if "children" in m else []:
            read(child, doc_class)

    for node in f.sequence(top["classes"]):
        read(node, None)
    return Scheme(scheme_id, f.text(top["name"]), door, _check_pattern(f, top["code_pattern"]), classes,
                  f.texts(top.get("poverty_keywords")), f.texts(top.get("not_poverty_keywords")),
                  f.regexes(top.get("not_poverty_patterns")),
                  _check_pattern(f, top["volume_code_pattern"]) if "volume_code_pattern" in top
                  else DEFAULT_VOLUME_CODE_PATTERN)


def _scheme_id(f: _File, node: Node, schemes: dict[str, Scheme]) -> str:
    if f.text(node) not in schemes:
        f.fail(node, f"分类方案“{node.value}”不存在 / unknown scheme (have: {', '.join(schemes)})")
    return f.text(node)


def _read_fonds(f: _File, schemes: dict[str, Scheme]) -> tuple[str, tuple[_FondsRule, ...], str, str]:
    top = f.mapping(f.root, {"default_scheme", "fallback", "units"}, {"default_scheme", "fallback"})
    # A mapping key appears once (duplicates are rejected), so there is exactly one default scheme.
    default = _scheme_id(f, top["default_scheme"], schemes)

    def fonds(node: Node, length: int = 4) -> str:
        if len(f.text(node)) != length or not f.text(node).isalnum():
            f.fail(node, f"全宗号“{node.value}”应为 {length} 个字母或数字 / fonds code must be {length} characters")
        return f.text(node)

    fallback = f.mapping(top["fallback"], {"prefix", "fonds"}, {"prefix", "fonds"})
    rules = []
    for node in f.sequence(top["units"]) if "units" in top else []:
        m = f.mapping(node, {"code", "path", "scheme", "fonds"})
        if not m.keys() & {"code", "path"} or not m.keys() & {"scheme", "fonds"}:
            f.fail(node, "每项需要 code 或 path，以及 scheme 或 fonds / an entry needs code or path, and scheme or fonds")
        code = f.text(m["code"]) if "code" in m else None
        if code is not None and not (code.isdigit() and len(code) in CODE_LENGTHS):
            f.fail(m["code"], f"区划代码前缀“{code}”应为 2/4/6/9/12 位数字 / division code prefix must be 2/4/6/9/12 digits")
        rules.append(_FondsRule(code, tuple(split_path(f.text(m["path"]))) if "path" in m else None,
                                _scheme_id(f, m["scheme"], schemes) if "scheme" in m else None,
                                fonds(m["fonds"]) if "fonds" in m else None))
    return default, tuple(rules), fonds(fallback["prefix"], 1), fonds(fallback["fonds"])


def _read_scope(f: _File, schemes: dict[str, Scheme], default: str) -> dict[str, tuple[ScopeItem, ...]]:
    top = f.mapping(f.root, {"scheme", "levels"}, {"levels"})
    # Class codes refer to one scheme, named in the file (the default scheme when not).
    classes = schemes[_scheme_id(f, top["scheme"], schemes) if "scheme" in top else default].classes
    scope: dict[str, tuple[ScopeItem, ...]] = {level: () for level in LEVELS}
    for level, items in f.mapping(top["levels"], set(LEVELS)).items():
        seen: set[str] = set()
        for node in f.sequence(items):
            m = f.mapping(node, {"key", "name", "classes", "keywords", "per_household", "required"},
                          {"key", "name", "required"})
            key, codes = f.text(m["key"]), f.texts(m.get("classes"))
            if key in seen:
                f.fail(m["key"], f"{level} 的归档项“{key}”重复 / duplicate scope key")
            for code_node in m["classes"].value if codes else ():
                if code_node.value.strip() not in classes:
                    f.fail(code_node, f"归档项 {key} 引用的类目“{code_node.value}”不存在 / unknown class code")
            if not codes and "keywords" not in m:
                f.fail(node, f"归档项 {key} 需要 classes 或 keywords / a scope item needs classes or keywords")
            seen.add(key)
            scope[level] += (ScopeItem(key, f.text(m["name"]), level, codes, f.texts(m.get("keywords")),
                                       f.boolean(m.get("per_household"), False), f.boolean(m["required"], True)),)
    return scope


def _number(f: _File, node: Node | None) -> float | None:
    if node is None:
        return None
    text = f.text(node)
    try:
        value = float(text)
    except ValueError:
        f.fail(node, f"“{text}”应为数字 / must be a number")
    return int(value) if value.is_integer() else value


def _read_ledgers(f: _File) -> dict[str, LedgerType]:
    top = f.mapping(f.root, {"types"}, {"types"})
    types: dict[str, LedgerType] = {}
    for type_node in f.sequence(top["types"]):
        t = f.mapping(type_node, {"key", "name", "keywords", "unique", "fields"}, {"key", "name", "fields"})
        type_key = f.text(t["key"])
        if not _KEY.fullmatch(type_key):
            f.fail(t["key"], f"台账类型键“{type_key}”只能含小写字母、数字和下划线 / key must be lower-case letters, digits, _")
        if type_key in types:
            f.fail(t["key"], f"台账类型“{type_key}”重复 / duplicate ledger type")
        fields: dict[str, LedgerField] = {}
        names: dict[str, str] = {}   # normalised synonym -> field key, within this type
        for field_node in f.sequence(t["fields"]):
            m = f.mapping(field_node, {"key", "name", "synonyms", "kind", "required", "choices", "minimum",
                                       "maximum"}, {"key", "name", "kind"})
            key = f.text(m["key"])
            if not _KEY.fullmatch(key):
                f.fail(m["key"], f"字段键“{key}”只能含小写字母、数字和下划线 / key must be lower-case letters, digits, _")
            if key in fields:
                f.fail(m["key"], f"台账类型 {type_key} 的字段“{key}”重复 / duplicate field")
            kind = f.text(m["kind"])
            if kind not in LEDGER_KINDS:
                f.fail(m["kind"], f"字段类型“{kind}”无效 / invalid kind (one of {', '.join(LEDGER_KINDS)})")
            name, synonyms = f.text(m["name"]), f.texts(m.get("synonyms"))
            for text, node in [(name, m["name"])] + list(zip(synonyms, m["synonyms"].value if synonyms else ())):
                normal = re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).upper()
                if names.get(normal, key) != key:
                    f.fail(node, f"列名“{text}”已用于字段 {names[normal]} / header name already names field {names[normal]}")
                names[normal] = key
            choices = f.texts(m.get("choices"))
            if choices and kind != "text":
                f.fail(m["choices"], "choices 只用于 text 字段 / choices are for text fields only")
            low, high = _number(f, m.get("minimum")), _number(f, m.get("maximum"))
            for bound in ("minimum", "maximum"):
                if bound in m and kind not in ("number", "integer"):
                    f.fail(m[bound], f"{bound} 只用于 number 和 integer 字段 / {bound} is for number and integer fields only")
            if low is not None and high is not None and low > high:
                f.fail(m["maximum"], "maximum 小于 minimum / maximum is below minimum")
            fields[key] = LedgerField(key, name, synonyms, kind, f.boolean(m.get("required"), False), choices,
                                      low, high)
        if not fields:
            f.fail(t["fields"], f"台账类型 {type_key} 没有字段 / a ledger type needs fields")
        unique = f.texts(t.get("unique"))
        for node in t["unique"].value if unique else ():
            if node.value.strip() not in fields:
                f.fail(node, f"unique 引用的字段“{node.value}”不存在 / unknown field")
        types[type_key] = LedgerType(type_key, f.text(t["name"]), tuple(fields.values()), unique,
                                     f.texts(t.get("keywords")))
    return types


def _read_household_files(f: _File, classes: dict[str, DocClass]) -> tuple[
        tuple[HouseholdItem, ...], tuple[str, ...], tuple[str, ...]]:
    top = f.mapping(f.root, {"items", "order", "exit_order"}, {"items", "order"})
    items: dict[str, HouseholdItem] = {}
    for node in f.sequence(top["items"]):
        m = f.mapping(node, {"key", "name", "keywords", "required", "stage", "classes"},
                      {"key", "name", "keywords", "required", "stage"})
        key = f.text(m["key"])
        if not _KEY.fullmatch(key):
            f.fail(m["key"], f"一户一档项键“{key}”只能含小写字母、数字和下划线 / key must be lower-case letters, digits, _")
        if key in items:
            f.fail(m["key"], f"一户一档项“{key}”重复 / duplicate item")
        stage = f.text(m["stage"])
        if stage not in HOUSEHOLD_STAGES:
            f.fail(m["stage"], f"阶段“{stage}”无效 / invalid stage (one of {', '.join(HOUSEHOLD_STAGES)})")
        keywords = f.texts(m["keywords"])
        if not keywords:
            f.fail(m["keywords"], f"一户一档项 {key} 需要关键词 / an item needs keywords")
        for keyword_node in m["keywords"].value:
            if any(not part.strip() for part in keyword_node.value.split("+")):
                f.fail(keyword_node, f"关键词“{keyword_node.value}”无效 / empty part in a keyword")
        codes = f.texts(m.get("classes"))
        for code_node in m["classes"].value if codes else ():
            if code_node.value.strip() not in classes:
                f.fail(code_node, f"一户一档项 {key} 引用的类目“{code_node.value}”不存在 / unknown class code")
        items[key] = HouseholdItem(key, f.text(m["name"]), keywords, f.boolean(m["required"], True), stage, codes)

    def order(name: str) -> tuple[str, ...]:
        if name not in top:
            return ()
        keys = f.texts(top[name])
        for key_node in top[name].value:
            if key_node.value.strip() not in items:
                f.fail(key_node, f"{name} 引用的一户一档项“{key_node.value}”不存在 / unknown item")
        if len(set(keys)) != len(keys) or len(keys) < 2:
            f.fail(top[name], f"{name} 应列出至少两个不重复的项 / {name} needs two or more distinct items")
        return keys

    return tuple(items.values()), order("order"), order("exit_order")


_cache: dict[Path, Standards] = {}


def load(directory: Path | None = None, *, fresh: bool = False) -> Standards:
    """Read and validate the standards folder (default: ARCHIVE_STANDARDS_DIR or STANDARDS_DIR).
    Cached per directory; fresh=True re-reads. Raises StandardsError on the first problem."""
    directory = Path(directory or os.environ.get("ARCHIVE_STANDARDS_DIR") or STANDARDS_DIR).resolve()
    if fresh or directory not in _cache:
        def open_(relative: str) -> _File:
            return _File(directory / relative, f"{directory.name}/{relative}")

        retention, legacy = _read_retention(open_("retention.yaml"))
        files = sorted((directory / "schemes").glob("*.yaml"))
        if not files:
            raise StandardsError(f"{directory.name}/schemes", None, "没有分类方案文件 / no scheme files (*.yaml)")
        schemes = {p.stem: _read_scheme(open_(f"schemes/{p.name}"), p.stem, retention) for p in files}
        default, rules, prefix, fallback = _read_fonds(open_("fonds.yaml"), schemes)
        scope = _read_scope(open_("scope.yaml"), schemes, default)
        # Optional files: a folder without them has no ledger types and no household-file items.
        ledger_types = _read_ledgers(open_("ledgers.yaml")) if (directory / "ledgers.yaml").exists() else {}
        household = ((), (), ())
        if (directory / "household_files.yaml").exists():
            household = _read_household_files(open_("household_files.yaml"), schemes[default].classes)
        _cache[directory] = Standards(schemes, default, retention, legacy, scope, rules, prefix, fallback,
                                      ledger_types, *household)
    return _cache[directory]
