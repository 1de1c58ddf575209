"""Reading the scheme side of the standards folder: retention.yaml (periods and legacy names),
schemes/*.yaml (the class tree and the 档号 format), fonds.yaml (scheme and fonds by unit) and
scope.yaml (the collection scope by level)."""
from __future__ import annotations

import re
import string

from yaml.nodes import Node, ScalarNode

from archive.standards.model import (DEFAULT_VOLUME_CODE_PATTERN, LEVELS, PATTERN_FIELDS, DocClass, FondsRule,
                                     Retention, Scheme, ScopeItem)
from archive.standards.units import CODE_LENGTHS, split_path
from archive.standards.yamlfile import YamlFile


def read_retention(f: YamlFile) -> tuple[dict[str, Retention], dict[str, str]]:
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


def _check_pattern(f: YamlFile, node: Node) -> str:
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


def read_scheme(f: YamlFile, scheme_id: str, retention: dict[str, Retention]) -> Scheme:
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


def _scheme_id(f: YamlFile, node: Node, schemes: dict[str, Scheme]) -> str:
    if f.text(node) not in schemes:
        f.fail(node, f"分类方案“{node.value}”不存在 / unknown scheme (have: {', '.join(schemes)})")
    return f.text(node)


def read_fonds(f: YamlFile, schemes: dict[str, Scheme]) -> tuple[str, tuple[FondsRule, ...], str, str]:
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
        rules.append(FondsRule(code, tuple(split_path(f.text(m["path"]))) if "path" in m else None,
                                _scheme_id(f, m["scheme"], schemes) if "scheme" in m else None,
                                fonds(m["fonds"]) if "fonds" in m else None))
    return default, tuple(rules), fonds(fallback["prefix"], 1), fonds(fallback["fonds"])


def read_scope(f: YamlFile, schemes: dict[str, Scheme], default: str) -> dict[str, tuple[ScopeItem, ...]]:
    top = f.mapping(f.root, {"scheme", "levels"}, {"levels"})
    # Class codes refer to one scheme, named in the file (the default scheme when not).
    classes = schemes[_scheme_id(f, top["scheme"], schemes) if "scheme" in top else default].classes
    scope: dict[str, tuple[ScopeItem, ...]] = {level: () for level in LEVELS}
    for level, items in f.mapping(top["levels"], set(LEVELS)).items():
        seen: set[str] = set()
        for node in f.sequence(items):
            m = f.mapping(node, {"key", "name", "classes", "keywords", "per_household", "required"},
                          {"key", "name", "required"})
            key = f.text(m["key"])
            if key in seen:
                f.fail(m["key"], f"{level} 的归档项“{key}”重复 / duplicate scope key")
            codes = f.references(m.get("classes"), classes, f"归档项 {key}", "类目", "class code")
            if not codes and "keywords" not in m:
                f.fail(node, f"归档项 {key} 需要 classes 或 keywords / a scope item needs classes or keywords")
            seen.add(key)
            scope[level] += (ScopeItem(key, f.text(m["name"]), level, codes, f.texts(m.get("keywords")),
                                       f.boolean(m.get("per_household"), False), f.boolean(m["required"], True)),)
    return scope

