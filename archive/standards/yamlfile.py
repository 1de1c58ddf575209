"""One standards YAML file read as yaml's composed nodes, with readers that fail with the file and line
(StandardsError). Nodes keep line numbers for the messages, and raw scalar text keeps codes such as
0301 from turning into octal integers, which yaml.safe_load would not."""
from __future__ import annotations

import re
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from archive.standards.model import StandardsError

KEY = re.compile(r"[a-z][a-z0-9_]*")


class YamlFile:
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

    def key(self, node: Node, seen, what: str, duplicate: str) -> str:
        """A key (lower-case letters, digits, _) not among `seen`; `what` names it in the message,
        `duplicate` is the message when it repeats ({} is the key)."""
        key = self.text(node)
        if not KEY.fullmatch(key):
            self.fail(node, f"{what}键“{key}”只能含小写字母、数字和下划线 / key must be lower-case letters, digits, _")
        if key in seen:
            self.fail(node, duplicate.format(key))
        return key

    def one_of(self, node: Node, allowed: tuple[str, ...], what: str, english: str) -> str:
        value = self.text(node)
        if value not in allowed:
            self.fail(node, f"{what}“{value}”无效 / invalid {english} (one of {', '.join(allowed)})")
        return value

    def references(self, node: Node | None, known, who: str, what: str, english: str) -> tuple[str, ...]:
        """The texts of list `node` (none when absent), each one of `known`: "{who} 引用的{what}…不存在"."""
        values = self.texts(node)
        for item, value in zip(node.value if values else (), values):
            if value not in known:
                self.fail(item, f"{who} 引用的{what}“{item.value}”不存在 / unknown {english}")
        return values
