#!/usr/bin/env python3
"""Ledger benchmark: read and validate a 50,000-row household ledger (脱贫户/监测对象台账).

    .venv/bin/python benchmarks/ledger.py [--rows 50000] [--seed 1] [--style excel|openpyxl]
                                          [--keep FILE] [--highlight] [--profile]

Steps:
1. generate the XLSX (not timed). `--style excel` (the default) writes it the way Excel and WPS do:
   text in xl/sharedStrings.xml, dates as serial numbers with a date style, a title row, a two-row
   merged header (户主基本情况 over 姓名 | 证件号码), one row per person with the 户主 name merged down
   over the household's members (~40 % of the rows are covered by such merges). `--style openpyxl`
   writes the same table with openpyxl's write-only mode (inline strings, no merged cells in the data).
   About 0.5 % of the rows carry a planted defect (an ID typed as a number, full-width digits, a
   space, a lower-case x, a wrong check digit, 约3000, a bad phone number, a formula, a duplicate ID);
2. in a fresh child process (so the generator's memory is not counted): `read_table` (type guessed),
   then `validate`, each timed on its own; the process's peak RSS (VmHWM) is read after each step;
3. print rows/s for the read, the validation and both together, peak memory, problems found by code
   (and whether each planted defect was found at its row), and a line ready for docs/benchmarks.md.

Targets (issue 8): at least 5,000 rows/s, less than 500 MB.
"""
from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import os
import platform
import random
import subprocess
import sys
import tempfile
import time
import zipfile
from collections import Counter
from pathlib import Path
from xml.sax.saxutils import escape

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))          # run as a script from anywhere

WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
PREFIXES = ("410502", "410503", "410505", "410506", "410522", "410523", "410526", "410527", "410581")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "建国秀英玉兰志强海燕春梅德华桂芳明亮丽娟文杰红霞永福金凤长江小军国庆爱民淑珍振华学文"
CATEGORIES = ("脱贫户", "脱贫户", "脱贫户", "脱贫户", "监测户", "边缘户", "突发严重困难户")
RELATIONS = ("配偶", "之子", "之女", "之孙子", "之孙女", "之儿媳", "之父", "之母")
HEADER_TOP = ["序号", "户主基本情况", None, "与户主关系", "家庭人口", "户类型", "所在乡镇", "所在村", "联系电话",
              "年人均纯收入（元）", "识别时间", "年度", "致贫原因", "备注"]
HEADER_SUB = [None, "姓名", "证件号码"] + [None] * 11
RISKS = ("因病", "因残", "因学", "缺劳力", "缺技术", "缺资金", "因灾", "交通条件落后")
DEFECTS = ("id_as_number", "id_fullwidth", "id_spaces", "id_lowercase_x", "id_checksum", "not_a_number",
           "phone_invalid", "formula", "id_duplicate")


def check_char(first17: str) -> str:
    return "10X98765432"[sum(int(d) * w for d, w in zip(first17, WEIGHTS)) % 11]


def letter(c: int) -> str:
    from archive.tables.read import column_letter   # after sys.path: the checkout's own archive

    return column_letter(c)


# --------------------------------------------------------------------------
# Generation (not timed)
# --------------------------------------------------------------------------

def generate_rows(n: int, seed: int):
    """[(row values A..N, merge of B over the household or None, planted defect or None)], from row 5."""
    rng = random.Random(seed)
    used: set[str] = set()
    rows, planted = [], {}
    seq = 0
    towns = ["东风镇", "红旗镇", "新华乡", "城关镇"]
    villages = [f"{s}村" for s in ("王庄", "李营", "张屯", "刘寨", "陈岗", "杨庄", "黄营", "赵屯", "吴寨", "周岗")]
    first_data = 5
    while len(rows) < n:
        size = min(rng.choice((1, 2, 3, 3, 4, 4, 5, 6)), n - len(rows))
        head = rng.choice(SURNAMES) + rng.choice(GIVEN) + rng.choice(GIVEN)
        town, village = rng.choice(towns), rng.choice(villages)
        category, risk = rng.choice(CATEGORIES), rng.choice(RISKS)
        phone = f"1{rng.choice('3456789')}{rng.randrange(10 ** 9):09d}"
        income = round(rng.uniform(6000, 30000), 2)
        identified = dt.datetime(2014, 1, 1) + dt.timedelta(days=rng.randrange(3000))
        start = first_data + len(rows)
        for member in range(size):
            while True:
                born = dt.date(1935, 1, 1) + dt.timedelta(days=rng.randrange(80 * 365))
                first17 = rng.choice(PREFIXES) + born.strftime("%Y%m%d") + f"{rng.randrange(1000):03d}"
                value = first17 + check_char(first17)
                if value not in used:
                    used.add(value)
                    break
            seq += 1
            row = [seq, head if member == 0 else None, value, "户主" if member == 0 else rng.choice(RELATIONS),
                   size, category, town, village, phone if member == 0 else None, income, identified, 2024, risk, None]
            rows.append(row)
        if size > 1:
            planted.setdefault("_merges", []).append((start, start + size - 1))
    # defects: ~0.5 % of the rows, each kind in turn
    number = first_data
    defects = {}
    for i in range(0, n, 200):
        index = i + rng.randrange(min(200, n - i))
        kind = DEFECTS[(i // 200) % len(DEFECTS)]
        row = rows[index]
        value = row[2]
        if kind == "id_as_number":
            row[2] = float(value[:17] + "0")   # as Excel keeps it: 15 significant digits
        elif kind == "id_fullwidth":
            row[2] = "".join(chr(ord(ch) + 0xFEE0) for ch in value)
        elif kind == "id_spaces":
            row[2] = f"{value[:6]} {value[6:]}"
        elif kind == "id_lowercase_x":
            first17 = value[:17]
            while check_char(first17) != "X":
                first17 = first17[:14] + f"{rng.randrange(1000):03d}"
            row[2] = (first17 + "x")
            used.add(first17 + "X")
        elif kind == "id_checksum":
            row[2] = value[:17] + ("0" if value[17] != "0" else "1")
        elif kind == "not_a_number":
            row[9] = "约3000"
        elif kind == "phone_invalid":
            row[8] = "1381234567"
        elif kind == "formula":
            row[9] = ("=", row[9])       # a formula with its cached value
        elif kind == "id_duplicate":
            other = index - 1 if index else index + 1
            row[2] = rows[other][2]
            defects[(number + other, "id_duplicate")] = True
        defects[(number + index, kind)] = True
    return rows, planted.get("_merges", []), defects


def xlsx_excel_style(rows, merges) -> bytes:
    """The ledger written the way Excel writes it (shared strings, a date style, merged cells)."""
    strings: dict[str, int] = {}

    def s(text: str) -> int:
        return strings.setdefault(text, len(strings))

    out = []
    ncols = len(HEADER_TOP)

    def cell(r: int, c: int, value) -> str:
        ref = f"{letter(c)}{r}"
        if value is None:
            return ""
        if isinstance(value, tuple):        # ("=", cached): a formula
            return f'<c r="{ref}"><f>E{r}*1000</f><v>{value[1]}</v></c>'
        if isinstance(value, dt.datetime):
            serial = (value - dt.datetime(1899, 12, 30)).days
            return f'<c r="{ref}" s="1"><v>{serial}</v></c>'
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return f'<c r="{ref}"><v>{value!r}</v></c>'
        return f'<c r="{ref}" t="s"><v>{s(str(value))}</v></c>'

    out.append(f'<row r="1">{cell(1, 1, "XX县2024年脱贫户和监测对象信息台账")}</row>')
    out.append(f'<row r="2">{cell(2, 1, "填报单位：XX县乡村振兴局　　填报日期：2024年5月10日")}</row>')
    out.append('<row r="3">' + "".join(cell(3, c, v) for c, v in enumerate(HEADER_TOP, 1)) + "</row>")
    out.append('<row r="4">' + "".join(cell(4, c, v) for c, v in enumerate(HEADER_SUB, 1)) + "</row>")
    for i, row in enumerate(rows):
        r = 5 + i
        out.append(f'<row r="{r}">' + "".join(cell(r, c, v) for c, v in enumerate(row, 1)) + "</row>")
    merge_refs = [f"A1:{letter(ncols)}1", f"A2:{letter(ncols)}2", "B3:C3"]
    merge_refs += [f"{letter(c)}3:{letter(c)}4" for c in [1] + list(range(4, ncols + 1))]
    merge_refs += [f"B{top}:B{bottom}" for top, bottom in merges]
    sheet = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
             'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
             f'<dimension ref="A1:{letter(ncols)}{4 + len(rows)}"/><sheetData>' + "".join(out) + "</sheetData>"
             f'<mergeCells count="{len(merge_refs)}">' + "".join(f'<mergeCell ref="{m}"/>' for m in merge_refs)
             + "</mergeCells></worksheet>")
    sst = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
           f'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" uniqueCount="{len(strings)}">'
           + "".join(f"<si><t>{escape(t)}</t></si>" for t in strings) + "</sst>")
    styles = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
              '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
              '<numFmts count="1"><numFmt numFmtId="176" formatCode="yyyy&quot;年&quot;m&quot;月&quot;d&quot;日&quot;"/></numFmts>'
              '<fonts count="1"><font><sz val="11"/><name val="宋体"/></font></fonts>'
              '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill></fills>'
              '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
              '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
              '<cellXfs count="2"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
              '<xf numFmtId="176" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/></cellXfs>'
              '</styleSheet>')
    parts = {
        "[Content_Types].xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
            '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
            '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            '</Types>'),
        "_rels/.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>'
            '</Relationships>'),
        "xl/workbook.xml": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
            'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            '<bookViews><workbookView activeTab="0"/></bookViews>'
            '<sheets><sheet name="脱贫户台账" sheetId="1" r:id="rId1"/></sheets></workbook>'),
        "xl/_rels/workbook.xml.rels": (
            '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
            '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
            '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>'
            '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>'
            '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>'
            '</Relationships>'),
        "xl/worksheets/sheet1.xml": sheet,
        "xl/sharedStrings.xml": sst,
        "xl/styles.xml": styles,
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, text in parts.items():
            zf.writestr(name, text.encode("utf-8"))
    return buffer.getvalue()


def xlsx_openpyxl_style(rows) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("脱贫户台账")
    ws.append(["XX县2024年脱贫户和监测对象信息台账"])
    ws.append(["填报单位：XX县乡村振兴局　　填报日期：2024年5月10日"])
    ws.append([v if v else None for v in HEADER_TOP[:1]] + ["户主姓名", "证件号码"] + HEADER_TOP[3:])
    ws.append([])
    head = None
    for i, row in enumerate(rows):
        head = row[1] or head   # no merged cells here: the 户主 name is written on every member's row
        ws.append([f"=E{5 + i}*1000" if isinstance(v, tuple) else v for v in row[:1] + [head] + row[2:]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------
# Measurement (child process)
# --------------------------------------------------------------------------

def vm_hwm_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return 0.0


def measure(path: str, highlight_too: bool, profile: bool) -> dict:
    from archive.ledgers.reader import read_table
    from archive.ledgers.validate import validate
    from archive.standards import load

    standards = load()
    data = Path(path).read_bytes()
    baseline = vm_hwm_mb()
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile()
        profiler.enable()
    t0 = time.perf_counter()
    table = read_table(data, Path(path).name, None, standards.ledger_types)
    t1 = time.perf_counter()
    after_read = vm_hwm_mb()
    report = validate(table, standards.ledger_types[table.type_key])
    t2 = time.perf_counter()
    after_validate = vm_hwm_mb()
    if profiler:
        import pstats

        profiler.disable()
        pstats.Stats(profiler, stream=sys.stderr).sort_stats("tottime").print_stats(15)
    result = {
        "type": table.type_key, "rows": len(table.rows), "read_s": t1 - t0, "validate_s": t2 - t1,
        "baseline_mb": baseline, "peak_read_mb": after_read, "peak_mb": after_validate,
        "problems": Counter(p.code for p in report.problems),
        "found": sorted({(p.row, p.code) for p in report.problems}),
    }
    if highlight_too:
        from archive.ledgers.highlight import highlight

        t3 = time.perf_counter()
        out = highlight(data, table, report)
        result["highlight_s"] = time.perf_counter() - t3
        result["highlight_mb"] = vm_hwm_mb()
        result["highlight_bytes"] = len(out)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--style", choices=("excel", "openpyxl"), default="excel")
    parser.add_argument("--keep", help="also write the generated XLSX here")
    parser.add_argument("--highlight", action="store_true", help="also time the highlighted copy (slow: openpyxl)")
    parser.add_argument("--profile", action="store_true", help="cProfile the read and validation (stderr)")
    parser.add_argument("--measure", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        result = measure(args.measure, args.highlight, args.profile)
        result["found"] = [list(x) for x in result["found"]]
        print(json.dumps(result))
        return

    t = time.perf_counter()
    rows, merges, planted = generate_rows(args.rows, args.seed)
    if args.style == "excel":
        data = xlsx_excel_style(rows, merges)
    else:
        data, merges = xlsx_openpyxl_style(rows), []
    generated = time.perf_counter() - t
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(args.keep or Path(tmp) / "ledger.xlsx")
        path.write_bytes(data)
        cmd = [sys.executable, __file__, "--measure", str(path)] + (["--highlight"] if args.highlight else []) + (
            ["--profile"] if args.profile else [])
        done = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True)
        if done.returncode:
            sys.exit(done.stderr)
        if args.profile:
            print(done.stderr, file=sys.stderr)
        result = json.loads(done.stdout)
    n = result["rows"]
    total = result["read_s"] + result["validate_s"]
    found = {tuple(x) for x in result["found"]}
    missed = [key for key in planted if key not in found]
    print(f"machine: {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"load average {os.getloadavg()[0]:.2f}")
    print(f"generated {args.rows:,} rows ({args.style} style, {len(merges):,} merged 户主 ranges) "
          f"in {generated:.1f}s: {len(data) / 1e6:.1f} MB")
    print(f"read:      {result['read_s']:.2f} s  {n / result['read_s']:>9,.0f} rows/s  (type {result['type']})")
    print(f"validate:  {result['validate_s']:.2f} s  {n / result['validate_s']:>9,.0f} rows/s")
    print(f"together:  {total:.2f} s  {n / total:>9,.0f} rows/s")
    print(f"peak RSS:  {result['peak_mb']:.0f} MB (after imports and loading the file: {result['baseline_mb']:.0f} MB; "
          f"after the read: {result['peak_read_mb']:.0f} MB)")
    if "highlight_s" in result:
        print(f"highlight: {result['highlight_s']:.1f} s, peak RSS {result['highlight_mb']:.0f} MB, "
              f"{result['highlight_bytes'] / 1e6:.1f} MB")
    print(f"problems:  {dict(sorted(result['problems'].items()))}")
    print(f"planted defects found at their rows: {len(planted) - len(missed)}/{len(planted)}"
          + (f" (missed: {missed[:5]})" if missed else ""))
    print(f"| {dt.date.today()} | `.venv/bin/python benchmarks/ledger.py --rows {args.rows} --style {args.style}` "
          f"| {n:,} | {len(data) / 1e6:.1f} MB | {result['read_s']:.2f} s · {n / result['read_s']:,.0f} | "
          f"{result['validate_s']:.2f} s · {n / result['validate_s']:,.0f} | **{n / total:,.0f}** | "
          f"{result['peak_mb']:.0f} MB |")


if __name__ == "__main__":
    main()
