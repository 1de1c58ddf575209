"""The standards folder: shipped data loads and is sound; the API answers; broken data fails with
file and line."""
from __future__ import annotations

import re
import textwrap
from pathlib import Path

import pytest

from archive import standards
from archive.standards import LEVELS, StandardsError, level_of, load


@pytest.fixture()
def shipped(monkeypatch):
    monkeypatch.delenv("ARCHIVE_STANDARDS_DIR", raising=False)
    return load(fresh=True)


# ------------------------------------------------------------------ the shipped data

def test_shipped_data_loads(shipped):
    assert standards.STANDARDS_DIR.name == "standards"
    assert set(shipped.schemes) >= {"jf-default", "jiangxi-example"}
    assert shipped.default_scheme == "jf-default"
    assert {r.code: r.years for r in shipped.retention.values()} == {"Y": None, "D30": 30, "D10": 10}
    assert set(shipped.scope) == set(LEVELS)
    assert load() is load()  # cached


def test_every_class_is_sound(shipped):
    for scheme in shipped.schemes.values():
        assert scheme.classes, scheme.id
        for code, c in scheme.classes.items():
            assert c.code == code
            assert c.retention in shipped.retention
            assert c.levels and set(c.levels) <= set(LEVELS)
            if c.parent:
                parent = scheme.classes[c.parent]
                assert code.startswith(parent.code) and len(code) > len(parent.code)
                assert set(c.levels) <= set(parent.levels)
    default = shipped.schemes["jf-default"]
    for c in default.classes.values():
        assert re.fullmatch(r"\d{2}" if c.parent is None else r"\d{4}", c.code), c.code
        assert 5 <= len(c.keywords) <= 15, (c.code, len(c.keywords))
        assert len(set(c.keywords)) == len(c.keywords), c.code


def test_default_scheme_has_the_required_classes(shipped):
    scheme = shipped.schemes["jf-default"]
    names = {c.name: c for c in scheme.classes.values()}
    tops = {c.name for c in scheme.children(None)}
    assert tops >= {"综合类", "精准识别类", "精准施策类", "精准脱贫类", "防返贫动态监测", "驻村帮扶", "项目资金与资产",
                    "督查考核与问题整改", "宣传", "一户一档"}
    for top, subs in {
        "综合类": {"决策部署", "政策法规", "规划计划", "监督管理", "组织保障"},
        "精准识别类": {"贫困村识别", "贫困户识别", "建档立卡信息"},
        "精准施策类": {"产业帮扶", "就业帮扶", "教育帮扶", "健康帮扶", "住房安全", "饮水安全", "易地扶贫搬迁",
                      "兜底保障", "金融帮扶", "消费帮扶", "社会帮扶"},
        "精准脱贫类": {"贫困村退出", "贫困户退出", "贫困县退出"},
    }.items():
        assert {c.name for c in scheme.children(names[top].code)} >= subs, top
    assert {"第一书记", "驻村工作队"} <= {c.name for c in scheme.children(names["驻村帮扶"].code)}
    # retention choices the brief asks for
    for name in ("决策部署", "规划计划", "贫困户识别", "贫困户退出", "贫困县退出", "一户一档"):
        assert names[name].retention == "Y", name
    assert names["宣传报道"].retention == "D10"
    assert names["贫困县退出"].levels == ("county",)
    assert scheme.leaves("household") == [c for c in scheme.children(names["一户一档"].code)]


def test_keywords_point_to_the_right_class(shipped):
    scheme = shipped.schemes["jf-default"]

    def subtree_keywords(name):
        top = next(c for c in scheme.classes.values() if c.name == name)
        return {k for c in scheme.classes.values() if c.code.startswith(top.code) for k in c.keywords}

    assert "危房改造" in subtree_keywords("住房安全")
    assert "第一书记" in subtree_keywords("驻村帮扶")
    assert {"监测户", "三类户", "边缘易致贫"} <= subtree_keywords("防返贫动态监测")
    assert {"整改", "督查反馈"} <= subtree_keywords("督查考核与问题整改")
    household_exit = scheme.classes["0402"]
    assert any(p.search("关于2019年拟退出贫困户名单的公示") for p in household_exit.patterns)
    assert {"扶贫", "脱贫", "贫困", "帮扶", "防返贫", "建档立卡", "两不愁三保障"} <= set(scheme.poverty_keywords)
    assert {"城市规划", "文艺汇演", "运动会", "招商引资"} <= set(scheme.not_poverty_keywords)
    assert any(p.search("中心城区总体规划（2020—2035年）") for p in scheme.not_poverty_patterns)


def test_scope(shipped):
    classes = shipped.schemes["jf-default"].classes
    for level, items in shipped.scope.items():
        assert items, level
        assert len({i.key for i in items}) == len(items)
        for item in items:
            assert item.level == level and item.name
            assert item.class_codes or item.keywords
            assert set(item.class_codes) <= set(classes)
    assert all(i.per_household for i in shipped.scope["household"])
    village = {i.key: i for i in shipped.scope["village"]}
    assert village["household_files"].per_household and village["household_files"].required
    assert village["work_log"].required and not village["exit_notice"].required
    household = {i.name for i in shipped.scope["household"]}
    assert {"申请书", "民主评议记录", "收入核算表", "脱贫验收表", "退出确认书"} <= household


# ------------------------------------------------------------------ the API

def test_format_code_of_the_shipped_schemes(shipped):
    default, jiangxi = shipped.schemes["jf-default"], shipped.schemes["jiangxi-example"]
    args = dict(fonds="Z109", year=2020, retention="Y", class_code="0402", item=7)
    assert default.format_code(**args) == "Z109-JF·2020-Y-0402-0007"
    assert jiangxi.format_code(**{**args, "class_code": "04"}) == "Z109-JF·2020·Y·04-0007"
    with pytest.raises(ValueError):
        default.format_code(**{**args, "fonds": "Z10"})
    with pytest.raises(ValueError):
        default.format_code(**{**args, "item": 10000})


def test_format_code_matches_the_standards_examples(tmp_path):
    # DA/T 22-2015 and DA/T 13-2022 examples: fonds Z109, door WS, 2011, Y, BGS, item 1.
    for n, (pattern, expected, without_class) in enumerate([
        ("{fonds}-{door}·{year}-{retention}-{class}-{item:04}", "Z109-WS·2011-Y-BGS-0001", "Z109-WS·2011-Y-0001"),
        ("{fonds}-{door}·{year}·{retention}·{class}-{item:04}", "Z109-WS·2011·Y·BGS-0001", "Z109-WS·2011·Y-0001"),
    ]):
        directory = _minimal(tmp_path / str(n) / "standards")
        _write(directory, "schemes/s.yaml", SCHEME.replace("{fonds}-{door}·{year}-{retention}-{class}-{item:04}", pattern))
        scheme = load(directory, fresh=True).schemes["s"]
        assert scheme.format_code(fonds="Z109", year=2011, retention="Y", class_code="BGS", item=1) == expected
        assert scheme.format_code(fonds="Z109", year=2011, retention="Y", class_code="", item=1) == without_class


def test_scheme_and_fonds_by_code_and_path(shipped):
    demo = "河南省/安阳市/文峰区/高庄镇/红旗村"
    assert shipped.fonds_for(path=demo, code="410502103201") == "Z109"
    assert shipped.fonds_for(path="别处/某村", code="410502103201") == "Z109"  # by code prefix
    assert shipped.fonds_for(path=demo, code=None) == "Z109"  # by path prefix
    assert shipped.fonds_for(path="河南省/安阳市/文峰区外", code=None) == "F000"  # names, not characters
    assert shipped.scheme_for(path=demo, code=None).id == "jf-default"
    assert shipped.scheme_for(path="江西省/赣州市/于都县", code=None).id == "jiangxi-example"
    assert shipped.scheme_for(path="某地", code="360731101201").id == "jiangxi-example"
    assert shipped.scheme_for(path="湖南省/某县", code="4331").id == "jf-default"
    # fallback: F + last 3 digits of the county code; F000 without a code or above county level
    assert shipped.fonds_for(path="江西省/赣州市/于都县", code="360731000000") == "F731"
    assert shipped.fonds_for(path="江西省/赣州市/于都县", code="３６０７３１") == "F731"  # full-width, 6 digits
    assert shipped.fonds_for(path="江西省/赣州市", code="360700000000") == "F000"
    assert shipped.fonds_for(path="江西省/赣州市/于都县", code=None) == "F000"


def test_most_specific_fonds_entry_wins(tmp_path):
    directory = _minimal(tmp_path / "standards")
    _write(directory, "fonds.yaml", """\
        default_scheme: s
        fallback: {prefix: F, fonds: F000}
        units:
          - {code: "41", fonds: A001}
          - {path: 河南省/安阳市/文峰区, fonds: B002}
          - {code: "410502", fonds: C003}
        """)
    found = load(directory, fresh=True)
    assert found.fonds_for(path="河南省/安阳市/文峰区/高庄镇", code="410502103000") == "B002"  # tie: first entry
    assert found.fonds_for(path="河南省/安阳市/文峰区/高庄镇", code=None) == "B002"
    assert found.fonds_for(path="河南省/郑州市/中原区", code="410102000000") == "A001"
    assert found.fonds_for(path="x", code="410502103000") == "C003"


def test_legacy_retention(shipped):
    assert shipped.legacy_retention["长期"] == "D30"
    assert shipped.legacy_retention["短期"] == "D10"
    for value, code in [("Y", "Y"), ("y", "Y"), ("永久", "Y"), ("长期", "D30"), ("短期", "D10"), ("d30", "D30"),
                        ("定期30年", "D30"), ("定期 30 年", "D30"), ("30年", "D30"), ("３０年", "D30"),
                        ("10年", "D10"), ("定期10年", "D10"), (" D10 ", "D10")]:
        assert shipped.normalise_retention(value) == code, value
    with pytest.raises(ValueError) as raised:
        shipped.normalise_retention("20年")
    assert not isinstance(raised.value, StandardsError)


@pytest.mark.parametrize("path, depth, level", [
    ("河南省/安阳市/文峰区/莲蓬寺镇/黎元村", None, "village"),
    ("河南省/安阳市/文峰区/莲蓬寺镇", None, "township"),
    ("河南省/安阳市/文峰区", None, "county"),
    ("河南省/安阳市", None, "city"),
    ("河南省", None, "province"),
    ("某市/某区/某街道/幸福社区", None, "village"),  # 社区, not 区
    ("某市/某区/城关街道办事处", None, "township"),
    ("内蒙古自治区", None, "province"),
    ("内蒙古自治区/某盟/某旗", None, "county"),
    ("河南省/安阳市/林州市", None, "county"),  # 县级市 at depth 2
    ("北京市", None, "province"),  # 直辖市
    ("黎元", 4, "village"),  # no suffix: depth decides
    ("文峰", 2, "county"),
    ("甲/乙/丙/丁", None, "township"),
    ("黎元村", 0, "village"),  # suffix beats depth
])
def test_level_of(path, depth, level):
    assert level_of(path, depth) == level


# ------------------------------------------------------------------ validation errors

RETENTION = """\
    periods:
      - code: Y
        name: 永久
        years: null
      - code: D30
        name: 定期30年
        years: 30
    legacy:
      长期: D30
    """
SCHEME = """\
    name: 测试方案
    door: WS
    code_pattern: "{fonds}-{door}·{year}-{retention}-{class}-{item:04}"
    classes:
      - code: BGS
        name: 办公室
        levels: [county, township]
        retention: Y
        children:
          - code: BGS1
            name: 子类
            retention: D30
    """
FONDS = """\
    default_scheme: s
    fallback:
      prefix: F
      fonds: F000
    units:
      - code: "41"
        fonds: A001
    """
SCOPE = """\
    levels:
      county:
        - key: plan
          name: 计划
          classes: [BGS]
          required: true
    """


def _write(directory: Path, relative: str, text: str) -> None:
    (directory / relative).parent.mkdir(parents=True, exist_ok=True)
    (directory / relative).write_text(textwrap.dedent(text), encoding="utf-8")


def _minimal(directory: Path) -> Path:
    for relative, text in [("retention.yaml", RETENTION), ("schemes/s.yaml", SCHEME), ("fonds.yaml", FONDS),
                           ("scope.yaml", SCOPE)]:
        _write(directory, relative, text)
    return directory


def test_minimal_set_loads(tmp_path):
    found = load(_minimal(tmp_path / "standards"), fresh=True)
    assert found.schemes["s"].classes["BGS1"].levels == ("county", "township")  # inherited
    assert found.legacy_retention == {"长期": "D30"}


def test_environment_variable_overrides_the_folder(tmp_path, monkeypatch):
    directory = _minimal(tmp_path / "standards")
    monkeypatch.setenv("ARCHIVE_STANDARDS_DIR", str(directory))
    assert set(load(fresh=True).schemes) == {"s"}


@pytest.mark.parametrize("file, old, new, line, fragment", [
    # duplicate class code: the second one is reported, with the first one's line
    ("schemes/s.yaml", "code: BGS1", "code: BGS", 10, "类目代码 BGS 重复（第 5 行已有）"),
    ("schemes/s.yaml", "retention: D30", "retention: D20", 12, "类目 BGS1 的保管期限“D20”无效 / invalid retention"),
    ("schemes/s.yaml", "{door}·{year}", "{dor}·{year}", 3, "unknown field"),
    ("schemes/s.yaml", "-{item:04}", "", 3, "lacks {item}"),
    ("schemes/s.yaml", "{item:04}", "{item:Q}", 3, "invalid code pattern"),
    ("schemes/s.yaml", "{item:04}", "{item!r}", 3, "unknown field"),
    ("schemes/s.yaml", "code: BGS1", "code: XX1", 10, "must extend its parent"),
    ("schemes/s.yaml", "[county, township]", "[county, town]", 7, "invalid level"),
    ("schemes/s.yaml", "name: 子类", "name: 子类\n        levels: [village]", 12, "invalid level"),
    ("schemes/s.yaml", "name: 子类", "name: 子类\n        patterns: ['退出(公示']", 12, "invalid pattern"),
    ("schemes/s.yaml", "retention: Y", "retension: Y", 8, "unknown key"),
    ("schemes/s.yaml", "    name: 办公室\n", "", 5, "missing required key"),
    ("schemes/s.yaml", "door: WS", "door: ws", 2, "door code"),
    ("scope.yaml", "classes: [BGS]", "classes: [BGS, XYZ]", 5, "类目“XYZ”不存在 / unknown class code"),
    ("scope.yaml", "county:", "city:", 2, "unknown key"),
    ("fonds.yaml", "fonds: A001", "fonds: A01", 7, "fonds code must be 4 characters"),
    ("fonds.yaml", "fonds: F000", "fonds: F0000", 4, "fonds code must be 4 characters"),
    ("fonds.yaml", "code: \"41\"", "code: \"411\"", 6, "2/4/6/9/12 digits"),
    ("fonds.yaml", "default_scheme: s", "default_scheme: t", 1, "unknown scheme"),
    ("fonds.yaml", "default_scheme: s\n", "default_scheme: s\ndefault_scheme: s\n", 2, "duplicate key"),
    ("retention.yaml", "长期: D30", "长期: D20", 9, "unknown retention code"),
    ("retention.yaml", "years: 30", "years: 三十", 7, "positive integer"),
    ("schemes/s.yaml", "door: WS", "door: WS\n  broken: [", 3, "YAML syntax error"),
    ("fonds.yaml", "units:", "units: [", 6, "YAML syntax error"),
])
def test_validation_errors_name_file_and_line(tmp_path, file, old, new, line, fragment):
    directory = _minimal(tmp_path / "standards")
    text = (directory / file).read_text(encoding="utf-8")
    assert old in text
    (directory / file).write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(StandardsError) as raised:
        load(directory, fresh=True)
    error = raised.value
    assert (error.file, error.line) == (f"standards/{file}", line), str(error)
    assert fragment in error.message
    assert str(error).startswith(f"standards/{file}:{line}: ")


def test_missing_file(tmp_path):
    directory = _minimal(tmp_path / "standards")
    (directory / "scope.yaml").unlink()
    with pytest.raises(StandardsError) as raised:
        load(directory, fresh=True)
    assert (raised.value.file, raised.value.line) == ("standards/scope.yaml", None)
    assert "missing file" in str(raised.value)
