"""Reading the optional ledger side of the standards folder: ledgers.yaml (ledger types and their
columns) and household_files.yaml (the items of a household file and the order of their dates)."""
from __future__ import annotations

import re
import unicodedata

from yaml.nodes import Node

from archive.standards.model import HOUSEHOLD_STAGES, LEDGER_KINDS, DocClass, HouseholdItem, LedgerField, LedgerType
from archive.standards.yamlfile import YamlFile


def _number(f: YamlFile, node: Node | None) -> float | None:
    if node is None:
        return None
    text = f.text(node)
    try:
        value = float(text)
    except ValueError:
        f.fail(node, f"“{text}”应为数字 / must be a number")
    return int(value) if value.is_integer() else value


def read_ledgers(f: YamlFile) -> dict[str, LedgerType]:
    top = f.mapping(f.root, {"types"}, {"types"})
    types: dict[str, LedgerType] = {}
    for type_node in f.sequence(top["types"]):
        t = f.mapping(type_node, {"key", "name", "keywords", "unique", "fields"}, {"key", "name", "fields"})
        type_key = f.key(t["key"], types, "台账类型", "台账类型“{}”重复 / duplicate ledger type")
        fields: dict[str, LedgerField] = {}
        names: dict[str, str] = {}   # normalised synonym -> field key, within this type
        for field_node in f.sequence(t["fields"]):
            m = f.mapping(field_node, {"key", "name", "synonyms", "kind", "required", "choices", "minimum",
                                       "maximum"}, {"key", "name", "kind"})
            key = f.key(m["key"], fields, "字段", f"台账类型 {type_key} 的字段“{{}}”重复 / duplicate field")
            kind = f.one_of(m["kind"], LEDGER_KINDS, "字段类型", "kind")
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
        unique = f.references(t.get("unique"), fields, "unique", "字段", "field")
        types[type_key] = LedgerType(type_key, f.text(t["name"]), tuple(fields.values()), unique,
                                     f.texts(t.get("keywords")))
    return types


def read_household_files(f: YamlFile, classes: dict[str, DocClass]) -> tuple[
        tuple[HouseholdItem, ...], tuple[str, ...], tuple[str, ...]]:
    top = f.mapping(f.root, {"items", "order", "exit_order"}, {"items", "order"})
    items: dict[str, HouseholdItem] = {}
    for node in f.sequence(top["items"]):
        m = f.mapping(node, {"key", "name", "keywords", "required", "stage", "classes"},
                      {"key", "name", "keywords", "required", "stage"})
        key = f.key(m["key"], items, "一户一档项", "一户一档项“{}”重复 / duplicate item")
        stage = f.one_of(m["stage"], HOUSEHOLD_STAGES, "阶段", "stage")
        keywords = f.texts(m["keywords"])
        if not keywords:
            f.fail(m["keywords"], f"一户一档项 {key} 需要关键词 / an item needs keywords")
        for keyword_node in m["keywords"].value:
            if any(not part.strip() for part in keyword_node.value.split("+")):
                f.fail(keyword_node, f"关键词“{keyword_node.value}”无效 / empty part in a keyword")
        codes = f.references(m.get("classes"), classes, f"一户一档项 {key}", "类目", "class code")
        items[key] = HouseholdItem(key, f.text(m["name"]), keywords, f.boolean(m["required"], True), stage, codes)

    def order(name: str) -> tuple[str, ...]:
        if name not in top:
            return ()
        keys = f.references(top[name], items, name, "一户一档项", "item")
        if len(set(keys)) != len(keys) or len(keys) < 2:
            f.fail(top[name], f"{name} 应列出至少两个不重复的项 / {name} needs two or more distinct items")
        return keys

    return tuple(items.values()), order("order"), order("exit_order")
