#!/usr/bin/env python3
"""Volume benchmark: building bound volumes (案卷) of about 500 and 2,000 pages from mixed documents.

    .venv/bin/python benchmarks/volume.py [--pages 500,2000] [--repeat 1] [--keep DIR] [--seed 1]
    .venv/bin/python benchmarks/volume.py --data-dir DIR            # reuse a work dir kept with --keep
    .venv/bin/python benchmarks/volume.py --data-dir DIR --profile  # and one cProfiled build per volume

Steps:
1. generate a corpus of mixed documents sized for the largest volume (not timed): text PDFs of 1–10
   pages (WeasyPrint with Noto Serif CJK SC, fonts embedded: a few 10-page "pool" documents are
   rendered once and each PDF is a different page range of one of them, with its own metadata),
   DOCX (archive.demo.samples.write_docx: red-header official documents, Windows font names), XLSX
   ledgers (archive.demo.samples.write_xlsx_ledger), JPEG scans of a typed page at 200 or 300 dpi
   (A4, real DPI in the file) and GB18030 TXT files;
2. a fresh data dir (SQLite): `archive init`, `archive org import` (one village and its parents),
   `archive ingest TREE --org VILLAGE --json` as a subprocess, as benchmarks/ingest.py does;
3. warm the rendition cache (Renditions.ensure, in this process), timed per kind: the LibreOffice
   figure is the DOCX/XLSX line;
4. pick the documents of each volume by hand (a seeded shuffle of the whole corpus, so every volume
   mixes the kinds, cut where the rendered pages reach the target) and read every rendition once so
   it is in the page cache;
5. for each volume, each in a FRESH subprocess (so peaks do not mix): `service.create` + `build()`
   as the product runs it (check_qpdf=None: qpdf's checks in-process; the external `qpdf --check` only
   up to build.FULL_QPDF_CHECK_MAX_PAGES pages), the same with check_qpdf=True, and the floor: a plain
   pikepdf merge of the same renditions (read into memory, pages appended, `save`), plus the same
   merge saved with the build's options (PDF 1.7, object streams, compressed). Each child reports its
   own time, its peak RSS (VmHWM: see child_main for why not ru_maxrss), the peak RSS of qpdf and
   pdftotext (run under GNU time), and the build's phases (timed by wrapping archive.binder functions
   in the child; archive code is not changed). The parent also samples the summed RSS of the child's
   whole process tree every 50 ms (the build process and qpdf at the same time). A "checks" child then
   times alternatives to `qpdf --check` on the volume the qpdf-on build wrote (pikepdf's
   check_pdf_syntax, and the same without decoding JPEG data): not what build() runs, figures for
   deciding what it should run;
6. print a table, the targets (issue 6: with renditions cached, 500 pages ≤ 5 s, 2,000 pages ≤ 15 s,
   peak memory ≤ 700 MB) and the command line, ready for docs/benchmarks.md.

With --profile, one more child per volume runs build(check_qpdf=True) under cProfile and prints the
top functions by own time and by cumulative time.
"""
from __future__ import annotations

import argparse
import datetime as dt
import html
import json
import math
import os
import platform
import random
import shlex
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))          # run as a script from anywhere

UNIT = "河南省/安阳市/文峰区/莲蓬寺镇/黎元村"
UNIT_NAME = UNIT.rsplit("/", 1)[-1]
CATEGORY, YEAR = "0305", 2020          # any class of the unit's scheme: the documents are picked by hand
KINDS = ("pdf", "docx", "xlsx", "jpeg", "txt")
# Share of each kind in the corpus (documents), and the pages a document of the kind is expected to
# render to (only used to size the corpus; volumes are cut by the real rendered page counts).
SHARE = {"pdf": 0.34, "docx": 0.30, "xlsx": 0.08, "jpeg": 0.20, "txt": 0.08}
EXPECTED_PAGES = {"pdf": 5.5, "docx": 2.0, "xlsx": 1.5, "jpeg": 1.0, "txt": 1.2}
CORPUS_MARGIN = 1.15
POOL_PAGES = 10                        # pages of each WeasyPrint-rendered pool document
PDFS_PER_POOL = 12
NOTO_SERIF = Path("/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc")
NOTO_SERIF_SC_INDEX = 2                # JP, KR, SC, TC, HK in Debian's fonts-noto-cjk
TARGETS_S = {500: 5.0, 2000: 15.0}
TARGET_RSS_MB = 700
MARKER = "corpus.json"
PHASES = ("renditions (cache lookup)", "page counts", "front matter (WeasyPrint)", "assemble",
          "assemble: filing stamps", "assemble: page-number overlays", "assemble: place overlays", "assemble: save",
          "verify", "verify: page numbers", "verify: TOC (pdftotext)", "verify: first pages", "verify: fonts",
          "qpdf --check", "sha256")


# --------------------------------------------------------------------------
# Corpus (not timed)
# --------------------------------------------------------------------------

def corpus_plan(max_pages: int, docs: int | None) -> dict[str, int]:
    per_doc = sum(SHARE[k] * EXPECTED_PAGES[k] for k in KINDS)
    total = docs or math.ceil(max_pages * CORPUS_MARGIN / per_doc)
    plan = {k: max(1, round(total * SHARE[k])) for k in KINDS}
    return plan


def _pool_html(rng: random.Random) -> str:
    """POOL_PAGES pages of an official document, each page its own section (so a page range of the
    rendered PDF is a document of that many pages)."""
    from archive.demo import samples

    doc = samples.random_document(rng, unit_name=UNIT_NAME, level="village", year=YEAR, pages=POOL_PAGES)
    text = "".join(doc.paragraphs)
    while len(text) < POOL_PAGES * 480:
        more = samples.random_document(rng, unit_name=UNIT_NAME, level="village", year=YEAR, pages=3)
        text += "".join(more.paragraphs)
    sections, pos = [], 0
    for n in range(POOL_PAGES):
        size = 300 if n == 0 else 440               # page 1 also carries the title and the 文号
        chunk, pos = text[pos:pos + size], pos + size
        head = f"<h1>{html.escape(doc.title)}</h1><p class=no>{html.escape(doc.doc_number or '')}</p>" if n == 0 else ""
        paras = "".join(f"<p>{html.escape(chunk[i:i + 150])}</p>" for i in range(0, len(chunk), 150))
        sections.append(f"<section>{head}{paras}<p class=pn>— {n + 1} —</p></section>")
    css = ("@page { size: A4; margin: 37mm 26mm 35mm 28mm; }"
           'body { font-family: "Noto Serif CJK SC"; font-size: 16pt; line-height: 28pt; }'
           "h1 { font-size: 20pt; text-align: center; margin: 0 0 14pt; } .no { text-align: center; }"
           "p { margin: 0; text-indent: 2em; } .pn { text-align: center; font-size: 14pt; }"
           "section { break-after: page; }")
    return (f'<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>{html.escape(doc.title)}</title>'
            f"<style>{css}</style></head><body>{''.join(sections)}</body></html>")


def _render_pool(args: tuple[int, str]) -> int:
    seed, out = args
    from weasyprint import HTML

    document = HTML(string=_pool_html(random.Random(seed))).render()
    document.write_pdf(out)
    return len(document.pages)


def _scan(path: Path, rng: random.Random, dpi: int) -> None:
    """A JPEG 'scan' of a typed A4 page: off-white paper, dark grey text, slightly blurred."""
    from PIL import Image, ImageDraw, ImageFilter, ImageFont, ImageOps

    from archive.demo import samples

    width, height = round(210 / 25.4 * dpi), round(297 / 25.4 * dpi)
    page = Image.new("L", (width, height), 250)
    draw = ImageDraw.Draw(page)
    font = ImageFont.truetype(str(NOTO_SERIF), round(16 / 72 * dpi), index=NOTO_SERIF_SC_INDEX)
    big = ImageFont.truetype(str(NOTO_SERIF), round(20 / 72 * dpi), index=NOTO_SERIF_SC_INDEX)
    doc = samples.random_document(rng, unit_name=UNIT_NAME, level="village", year=YEAR, pages=1)
    text = "".join(doc.paragraphs) * 2
    x, y, step = round(28 / 25.4 * dpi), round(37 / 25.4 * dpi), round(28.9 / 72 * dpi)
    draw.text((width // 2, y), doc.title[:22], fill=25, font=big, anchor="mt")
    y += 2 * step
    for i in range(rng.randint(12, 21)):
        draw.text((x, y), text[i * 27:(i + 1) * 27], fill=rng.randint(20, 60), font=font)
        y += step
    for _ in range(rng.randint(20, 80)):                       # specks of dust on the glass
        cx, cy, r = rng.randrange(width), rng.randrange(height), rng.randint(1, 4)
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), fill=rng.randint(80, 200))
    page = page.filter(ImageFilter.GaussianBlur(0.7))
    colour = ImageOps.colorize(page, black=(30, 30, 38), white=(251, 249, 241))
    colour.save(path, "JPEG", quality=rng.randint(75, 90), dpi=(dpi, dpi))


@dataclass
class Generated:
    counts: Counter = field(default_factory=Counter)
    bytes: int = 0
    pdf_pages: int = 0
    seconds: float = 0.0


def generate(tree: Path, plan: dict[str, int], seed: int, workdir: Path) -> Generated:
    import pikepdf

    from archive.demo import samples

    rng = random.Random(seed)
    started = time.perf_counter()
    stats = Generated()
    folders = {k: tree / k for k in KINDS}
    for folder in folders.values():
        folder.mkdir(parents=True, exist_ok=True)

    def note(path: Path, kind: str) -> None:
        stats.counts[kind] += 1
        stats.bytes += path.stat().st_size

    # PDFs: render the pools (two processes), then cut page ranges.
    pools_dir = workdir / "pools"
    pools_dir.mkdir(exist_ok=True)
    n_pools = max(1, math.ceil(plan["pdf"] / PDFS_PER_POOL))
    jobs = [(seed * 1000 + n, str(pools_dir / f"pool{n:03d}.pdf")) for n in range(n_pools)]
    with ProcessPoolExecutor(2) as pool:
        pool_pages = list(pool.map(_render_pool, jobs))
    pools = [pikepdf.open(path) for _, path in jobs]
    used: set[tuple[int, int, int]] = set()
    for i in range(plan["pdf"]):
        while True:
            p = rng.randrange(n_pools)
            length = min(rng.randint(1, 10), pool_pages[p])
            start = rng.randint(0, pool_pages[p] - length)
            if (p, start, length) not in used or len(used) >= sum(n * (n + 1) // 2 for n in pool_pages):
                break
        used.add((p, start, length))
        out = pikepdf.new()
        out.pages.extend(pools[p].pages[start:start + length])
        title = samples.random_document(rng, unit_name=UNIT_NAME, level="village", year=YEAR, pages=1).title
        out.docinfo["/Title"] = title
        path = folders["pdf"] / f"{i + 1:04d}-{_safe(title)}.pdf"
        out.save(path, min_version="1.7")
        note(path, "pdf")
        stats.pdf_pages += length
    for pdf in pools:
        pdf.close()

    for i in range(plan["docx"]):
        doc = samples.random_document(rng, unit_name=UNIT_NAME, level="village", year=YEAR, pages=rng.randint(1, 3))
        path = samples.write_docx(doc, folders["docx"] / f"{i + 1:04d}-{_safe(doc.title)}.docx")
        note(path, "docx")
    for i in range(plan["xlsx"]):
        path = samples.write_xlsx_ledger(folders["xlsx"] / f"{i + 1:04d}-{UNIT_NAME}{YEAR}年帮扶台账.xlsx", rng,
                                         UNIT_NAME, YEAR, rng.randint(8, 60))
        note(path, "xlsx")
    for i in range(plan["jpeg"]):
        path = folders["jpeg"] / f"{i + 1:04d}-扫描件.jpg"
        _scan(path, rng, rng.choice((200, 300)))
        note(path, "jpeg")
    for i in range(plan["txt"]):
        doc = samples.random_document(rng, unit_name=UNIT_NAME, level="village", year=YEAR, pages=rng.randint(1, 3))
        path = samples.write_txt(doc, folders["txt"] / f"{i + 1:04d}-{_safe(doc.title)}.txt")
        note(path, "txt")
    shutil.rmtree(pools_dir, ignore_errors=True)
    stats.seconds = time.perf_counter() - started
    return stats


def _safe(name: str) -> str:
    return "".join("_" if c in '\\/:*?"<>|' else c for c in name)[:60]


# --------------------------------------------------------------------------
# The CLI (init, org import, ingest)
# --------------------------------------------------------------------------

def archive_command() -> list[str]:
    script = Path(sys.executable).parent / "archive"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from archive.cli import main; sys.argv[0] = 'archive'; main()"]


def cli_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["ARCHIVE_DATA_DIR"] = str(data_dir)
    for name in ("ARCHIVE_DATABASE_URL", "ARCHIVE_REDIS_URL"):
        env.pop(name, None)            # a fresh SQLite database in the data dir, no queue
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def run_checked(cmd: list[str], env: dict[str, str], stdout=None) -> None:
    result = subprocess.run(cmd, env=env, cwd=REPO, stdout=stdout or subprocess.PIPE, stderr=subprocess.PIPE)
    if result.returncode not in (0, 1) or (result.returncode == 1 and stdout is None):
        out = result.stdout.decode("utf-8", "replace") if result.stdout else ""
        sys.exit(f"failed ({result.returncode}): {shlex.join(cmd)}\n{out}{result.stderr.decode('utf-8', 'replace')}")


def prepare(workdir: Path, args) -> dict:
    tree, data_dir = workdir / "tree", workdir / "data"
    plan = corpus_plan(max(args.pages), args.docs)
    print(f"corpus      {sum(plan.values())} documents planned: "
          + ", ".join(f"{plan[k]} {k.upper()}" for k in KINDS), flush=True)
    gen = generate(tree, plan, args.seed, workdir)
    print(f"generated   {sum(gen.counts.values())} files, {gen.bytes / 1e6:.0f} MB "
          f"({gen.pdf_pages} PDF pages) in {gen.seconds:.0f} s (not timed) -> {tree}", flush=True)
    env = cli_env(data_dir)
    archive = archive_command()
    run_checked([*archive, "init"], env)
    orgs = workdir / "orgs.csv"
    from archive.demo import samples

    rows = [(p, c) for p, c in samples.DEMO_ORGS if UNIT.startswith(p)]
    orgs.write_text("路径,区划代码\n" + "".join(f"{p},{c}\n" for p, c in rows), encoding="utf-8-sig")
    run_checked([*archive, "org", "import", str(orgs)], env)
    started = time.perf_counter()
    with open(workdir / "ingest.jsonl", "wb") as out:
        run_checked([*archive, "ingest", str(tree), "--org", UNIT, "--json"], env, stdout=out)
    ingest_s = time.perf_counter() - started
    statuses = Counter()
    for line in (workdir / "ingest.jsonl").read_text(encoding="utf-8", errors="replace").splitlines():
        if line.startswith("{"):
            statuses[json.loads(line).get("status", "?")] += 1
    info = {"plan": plan, "generated": dict(gen.counts), "bytes": gen.bytes, "generate_s": gen.seconds,
            "ingest_s": ingest_s, "statuses": dict(statuses), "seed": args.seed}
    print(f"ingested    {sum(statuses.values())} files in {ingest_s:.1f} s: "
          + ", ".join(f"{k} {v}" for k, v in sorted(statuses.items())), flush=True)
    (workdir / MARKER).write_text(json.dumps(info, ensure_ascii=False, indent=1), encoding="utf-8")
    return info


# --------------------------------------------------------------------------
# In this process: the documents, the rendition cache, the picks
# --------------------------------------------------------------------------

@dataclass
class Doc:
    id: int
    kind: str
    sha256: str
    name: str
    filed: bool
    rendition: str = ""
    pages: int = 0
    size: int = 0


def open_services(data_dir: Path):
    os.environ.update(cli_env(data_dir))
    for name in ("ARCHIVE_DATABASE_URL", "ARCHIVE_REDIS_URL"):
        os.environ.pop(name, None)
    from archive import create_app
    from archive.config import load_settings

    return create_app(load_settings()).extensions["archive"]


def load_documents(services) -> list[Doc]:
    from sqlalchemy import select

    from archive.models import Document, OrgUnit

    with services.db.session() as session:
        unit = session.scalars(select(OrgUnit).where(OrgUnit.name == UNIT_NAME)).one()
        rows = session.scalars(select(Document).where(Document.org_id == unit.id, Document.deleted_at.is_(None))
                               .order_by(Document.id))
        return [Doc(id=d.id, kind={"jpg": "jpeg"}.get(d.file_kind, d.file_kind), sha256=d.sha256,
                    name=d.original_name, filed=bool(d.archive_code)) for d in rows]


def warm(services, docs: list[Doc]) -> tuple[list[dict], set[int]]:
    """Render what is not cached yet, kind by kind; returns per-kind figures and the failed ids."""
    from archive.binder.renditions import RenditionFailed, Renditions, Source, page_count

    renditions = Renditions(services.store, services.settings.renditions_dir)
    rows, failed = [], set()
    groups = [("PDF", ("pdf",)), ("DOCX+XLSX (LibreOffice)", ("docx", "xlsx")), ("JPEG (img2pdf)", ("jpeg",)),
              ("TXT (WeasyPrint)", ("txt",))]
    for label, kinds in groups:
        group = [d for d in docs if d.kind in kinds]
        if not group:
            continue
        already = sum(1 for d in group if renditions.cached(d.sha256))
        started = time.perf_counter()
        try:
            renditions.ensure([Source(d.sha256, d.kind, d.name) for d in group])
        except RenditionFailed as exc:
            bad = {f.sha256 for f in exc.failures}
            failed |= {d.id for d in group if d.sha256 in bad}
            for f in exc.failures[:5]:
                print(f"  rendition failed: {f.message}")
        seconds = time.perf_counter() - started
        rendered = len(group) - already
        rows.append({"label": label, "docs": len(group), "rendered": rendered, "seconds": seconds})
        print(f"renditions  {label}: {len(group)} documents ({rendered} rendered, {already} cached) "
              f"in {seconds:.1f} s" + (f", {rendered / seconds:.2f} documents/s" if rendered and seconds else ""),
              flush=True)
        rows[-1]["cached"] = already
    for d in docs:
        path = renditions.cached(d.sha256)
        if path is not None and d.id not in failed:
            d.rendition, d.pages, d.size = str(path), page_count(path), path.stat().st_size
    return rows, failed


def pick(docs: list[Doc], target: int, seed: int) -> list[Doc]:
    """A seeded shuffle of the whole corpus (so the kinds mix as in the corpus), cut where the pages
    reach the target."""
    order = [d for d in docs if d.rendition]
    random.Random(seed).shuffle(order)
    chosen, pages = [], 0
    for d in order:
        if pages >= target:
            break
        chosen.append(d)
        pages += d.pages
    return chosen


# --------------------------------------------------------------------------
# Children: one build or one floor merge per fresh process
# --------------------------------------------------------------------------

_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


def _descendants(root: int) -> list[int]:
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if entry.name.isdigit():
            try:
                with open(f"/proc/{entry.name}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    pids, todo = [], [root]
    while todo:
        pid = todo.pop()
        pids.append(pid)
        todo.extend(children.get(pid, ()))
    return pids


def run_child(spec: dict, workdir: Path, env: dict[str, str]) -> dict:
    """Run this script as `--child SPEC` in a fresh process; sample its tree's RSS meanwhile."""
    spec_path = workdir / "child-spec.json"
    result_path = workdir / "child-result.json"
    result_path.unlink(missing_ok=True)
    spec_path.write_text(json.dumps({**spec, "result": str(result_path)}, ensure_ascii=False), encoding="utf-8")
    log_path = workdir / "child.log"
    peak_tree = [0]
    stop = threading.Event()
    with open(log_path, "wb") as log:
        proc = subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--child", str(spec_path)],
                                env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)

        def sample():
            while not stop.is_set():
                peak_tree[0] = max(peak_tree[0], sum(_rss_kb(p) for p in _descendants(proc.pid)))
                stop.wait(0.05)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        code = proc.wait()
        stop.set()
        sampler.join()
    if code != 0 or not result_path.exists():
        sys.exit(f"child failed ({code}) for {spec.get('mode')}:\n" + log_path.read_text(errors="replace")[-4000:])
    result = json.loads(result_path.read_text(encoding="utf-8"))
    result["tree_peak_kb"] = peak_tree[0]
    result["log"] = log_path.read_text(encoding="utf-8", errors="replace")
    return result


def _vm(field_name: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field_name + ":"):
                return int(line.split()[1])
    return 0


def child_main(spec_path: str) -> int:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    result: dict = {"mode": spec["mode"]}
    if spec["mode"].startswith("floor"):
        result.update(_floor(spec))
    elif spec["mode"] == "checks":
        result.update(_checks(spec))
    else:
        result.update(_build(spec))
    # VmHWM, not getrusage: a child's ru_maxrss counts the RSS of the process it was spawned from
    # (Linux records the old address space's high-water mark at exec), so a 20 MB child of a 500 MB
    # parent reports 500 MB. VmHWM is the peak of this process's own address space.
    result["maxrss_kb"] = _vm("VmHWM")
    Path(spec["result"]).write_text(json.dumps(result, ensure_ascii=False), encoding="utf-8")
    return 0


class _MeasuredSubprocess:
    """Stands in for the `subprocess` module inside archive.binder.verify.toc and .structure: runs
    qpdf and pdftotext under GNU time, which reports their own peak RSS exactly (getrusage in this
    process could not tell them from this process, see child_main). Output, exit status and time
    limit are unchanged."""

    TIME = "/usr/bin/time"

    def __init__(self):
        self.peaks_kb: dict[str, int] = {}

    def __getattr__(self, name):
        return getattr(subprocess, name)

    def run(self, command, *args, **kwargs):
        fd, out = tempfile.mkstemp(prefix="volume-bench-time-")
        os.close(fd)
        try:
            return subprocess.run([self.TIME, "-f", "%M", "-o", out, *command], *args, **kwargs)
        finally:
            try:
                kb = int(Path(out).read_text().split()[-1])
            except (OSError, ValueError, IndexError):
                kb = 0
            Path(out).unlink(missing_ok=True)
            name = Path(str(command[0])).name
            self.peaks_kb[name] = max(self.peaks_kb.get(name, 0), kb)


def _floor(spec: dict) -> dict:
    from io import BytesIO

    import pikepdf

    base = _vm("VmRSS")
    out = Path(spec["out"])
    started = time.perf_counter()
    pdf = pikepdf.new()
    sources = []
    for path in spec["renditions"]:
        source = pikepdf.open(BytesIO(Path(path).read_bytes()))
        sources.append(source)
        pdf.pages.extend(source.pages)
    merged = time.perf_counter()
    if spec["mode"] == "floor":
        pdf.save(out)
    else:   # the build's save options (pdfops.save)
        pdf.save(out, min_version="1.7", deterministic_id=True, compress_streams=True,
                 object_stream_mode=pikepdf.ObjectStreamMode.generate)
    seconds = time.perf_counter() - started
    pages = len(pdf.pages)
    size = out.stat().st_size
    out.unlink()
    return {"seconds": seconds, "merge_s": merged - started, "save_s": seconds - (merged - started),
            "pages": pages, "size": size, "base_rss_kb": base}


def _checks(spec: dict) -> dict:
    """Alternatives to `qpdf --check`, timed on the volume just built (not what build() runs):
    pikepdf's check_pdf_syntax (qpdf's own checks in-process: every stream decoded and discarded,
    every page's content stream parsed) and the same without decoding JPEG/JPEG 2000 image data."""
    import pikepdf

    class DiscardingParser(pikepdf.StreamParser):
        def handle_object(self, *args):
            pass

        def handle_eof(self):
            pass

    path = Path(spec["pdf"])
    try:
        started = time.perf_counter()
        with pikepdf.open(path) as pdf:
            problems = pdf.check_pdf_syntax()
        syntax_s = time.perf_counter() - started
        started = time.perf_counter()
        with pikepdf.open(path) as pdf:
            for obj in pdf.objects:
                if not isinstance(obj, pikepdf.Stream):
                    continue
                filters = obj.get("/Filter")
                filters = list(filters) if isinstance(filters, pikepdf.Array) else [filters]
                if any(f in (pikepdf.Name.DCTDecode, pikepdf.Name.JPXDecode) for f in filters):
                    continue
                obj.read_bytes(pikepdf.StreamDecodeLevel.generalized)
            parser = DiscardingParser()
            for page in pdf.pages:
                page.parse_contents(parser)
            problems_no_images = [str(w) for w in pdf.get_warnings()]
        no_images_s = time.perf_counter() - started
    finally:
        path.unlink(missing_ok=True)
    return {"seconds": syntax_s, "syntax_s": syntax_s, "no_images_s": no_images_s,
            "problems": len(problems) + len(problems_no_images)}


def _build(spec: dict) -> dict:
    from archive import create_app
    from archive.auth.actor import CLI
    from archive.binder import build as B
    from archive.binder import compose, frontmatter, pdfops, renditions, service, stamp, verify
    from archive.config import load_settings
    from archive.models import Volume
    from archive.orgs import service as orgs

    services = create_app(load_settings()).extensions["archive"]
    phases: Counter = Counter()

    def timed(owner, name: str, label: str) -> None:
        original = getattr(owner, name)

        def wrapper(*a, **k):
            t0 = time.perf_counter()
            try:
                return original(*a, **k)
            finally:
                phases[label] += time.perf_counter() - t0

        setattr(owner, name, wrapper)

    if not spec.get("profile"):
        timed(renditions.Renditions, "ensure", "renditions (cache lookup)")
        timed(B, "page_count", "page counts")
        timed(frontmatter, "render", "front matter (WeasyPrint)")
        timed(compose, "assemble", "assemble")
        timed(pdfops, "number_overlays", "assemble: page-number overlays")
        timed(pdfops, "place", "assemble: place overlays")
        timed(stamp, "stamp_first_pages", "assemble: filing stamps")
        timed(pdfops, "save", "assemble: save")
        timed(verify, "verify", "verify")
        timed(verify, "read_numbers", "verify: page numbers")
        timed(verify, "check_toc", "verify: TOC (pdftotext)")
        timed(verify, "check_first_pages", "verify: first pages")
        timed(verify, "check_fonts", "verify: fonts")
        timed(verify, "check_qpdf", "qpdf --check")
        timed(B, "_sha256", "sha256")
    measured = None
    if Path(_MeasuredSubprocess.TIME).exists():
        measured = _MeasuredSubprocess()
        verify.toc.subprocess = verify.structure.subprocess = measured   # pdftotext; qpdf
    # Import WeasyPrint before timing (a job worker has it loaded after its first volume); its first
    # render in the process (fontconfig, Pango) stays in the figure.
    t0 = time.perf_counter()
    import weasyprint  # noqa: F401
    import_s = time.perf_counter() - t0

    with services.db.session() as session:
        org = orgs.resolve(session, UNIT)
        category, retention = service.class_and_retention(services.standards, org, CATEGORY, None)
        volume = service.create(session, services.standards, CLI, service.Spec(
            org=org, category=category, year=YEAR, retention=retention, documents=spec["documents"],
            title=spec["title"], made_by="基准测试"))
        volume_id = volume.id
    base = _vm("VmRSS")
    started = time.perf_counter()
    if spec.get("profile"):
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        outcome = profiler.runcall(B.build, services, volume_id, check_qpdf=spec["check_qpdf"])
        seconds = time.perf_counter() - started
        text = io.StringIO()
        stats = pstats.Stats(profiler, stream=text)
        stats.sort_stats("tottime").print_stats(25)
        stats.sort_stats("cumulative").print_stats(35)
        profile = text.getvalue()
    else:
        outcome = B.build(services, volume_id, check_qpdf=spec["check_qpdf"])
        seconds = time.perf_counter() - started
        profile = ""
    hwm = _vm("VmHWM")
    with services.db.session() as session:
        volume = session.get(Volume, volume_id)
        info = {"status": outcome.status, "errors": outcome.errors, "pages": volume.page_count,
                "total_pages": volume.total_pages, "size": volume.pdf_size, "items": len(volume.items)}
    pdf = B.pdf_path(services.settings.volumes_dir, volume_id)
    if spec.get("keep_pdf") and outcome.status == "done":
        info["pdf"] = str(pdf)
    else:
        pdf.unlink(missing_ok=True)   # keep the disk tidy
    return {"seconds": seconds, "phases": dict(phases), "base_rss_kb": base, "profile": profile,
            "import_s": import_s, "hwm_after_build_kb": hwm,
            "subprocess_peaks_kb": measured.peaks_kb if measured else {}, **info}


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def _mb_kb(kb: float) -> str:
    return f"{kb / 1024:,.0f}"


def _span(values: list[float], fmt: str = "{:.2f}") -> str:
    """median, with min–max when repeated."""
    if len(values) == 1:
        return fmt.format(values[0])
    return f"{fmt.format(statistics.median(values))} ({fmt.format(min(values))}–{fmt.format(max(values))})"


def report(volumes: list[dict], warm_rows: list[dict], info: dict, bench_cmd: str, repeat: int) -> bool:
    print()
    print("== volume benchmark ==")
    print(f"machine     {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"load average {', '.join(f'{x:.1f}' for x in os.getloadavg())} (at the end)")
    print(f"date        {dt.date.today().isoformat()}")
    print(f"benchmark   {bench_cmd}")
    print(f"corpus      {sum(info['generated'].values())} documents: "
          + ", ".join(f"{info['generated'].get(k, 0)} {k.upper()}" for k in KINDS)
          + f"; ingest {info['ingest_s']:.1f} s (" + ", ".join(f"{k} {v}" for k, v in sorted(info['statuses'].items()))
          + ")")
    for row in warm_rows:
        if not row["rendered"]:
            print(f"renditions  {row['label']:<24} {row['docs']:>4} documents, all cached (looked up in "
                  f"{row['seconds']:.2f} s)")
            continue
        print(f"renditions  {row['label']:<24} {row['docs']:>4} documents, {row['rendered']:>4} rendered "
              f"in {row['seconds']:6.1f} s, {row['rendered'] / row['seconds']:.2f} documents/s")
    ok = True
    print()
    print(f"times in seconds (median, min–max over {repeat} runs when repeated); RSS in MB")
    header = ("| volume | documents | pages (documents / PDF) | PDF MB | build + external qpdf --check | build (default) "
              "| of which qpdf --check | floor: pikepdf merge | floor, build's save options | build peak RSS "
              "| qpdf / pdftotext peak RSS | process tree peak (sampled) | floor peak RSS |")
    print(header)
    print("|" + "---|" * header.count(" | ") + "---|")
    for v in volumes:
        on, off, floor, floor2 = v["qpdf_on"], v["qpdf_off"], v["floor"], v["floor_save"]
        kinds = Counter(d.kind for d in v["docs"])
        qpdf = [r["phases"].get("qpdf --check", 0.0) for r in on]
        peak = max(r["maxrss_kb"] for r in on + off)
        kids = " / ".join(_mb_kb(max(r["subprocess_peaks_kb"].get(name, 0) for r in on + off))
                          for name in ("qpdf", "pdftotext"))
        tree = max(r["tree_peak_kb"] for r in on + off)
        print(f"| {v['target']} | {len(v['docs'])} ({', '.join(f'{kinds[k]} {k.upper()}' for k in KINDS)}) "
              f"| {on[0]['pages']} / {on[0]['total_pages']} | {on[0]['size'] / 1e6:.0f} "
              f"| {_span([r['seconds'] for r in on])} | {_span([r['seconds'] for r in off])} | {_span(qpdf)} "
              f"| {_span([r['seconds'] for r in floor])} | {_span([r['seconds'] for r in floor2])} "
              f"| {_mb_kb(peak)} | {kids} | {_mb_kb(tree)} | {_mb_kb(max(r['maxrss_kb'] for r in floor))} |")
    print()
    for v in volumes:
        off = v["qpdf_off"]
        seen = {k for r in off for k in r["phases"]}
        names = [k for k in PHASES if k in seen] + sorted(seen - set(PHASES))
        parts = ", ".join(f"{k} {statistics.median([r['phases'].get(k, 0.0) for r in off]):.2f}" for k in names)
        print(f"{v['target']} pages, build (default), phases (s): {parts}; "
              f"RSS before build() {_mb_kb(off[0]['base_rss_kb'])} MB; importing WeasyPrint before build() "
              f"{statistics.median([r['import_s'] for r in off]):.2f} s (not in the figures)")
        if v["checks"]:
            c = v["checks"]
            print(f"{v['target']} pages, alternatives to qpdf --check on the same volume (not run by build()): "
                  f"pikepdf check_pdf_syntax {statistics.median([r['syntax_s'] for r in c]):.2f} s, "
                  f"the same without decoding JPEG data {statistics.median([r['no_images_s'] for r in c]):.2f} s, "
                  f"problems found {max(r['problems'] for r in c)}; qpdf --check "
                  f"{statistics.median([r['phases'].get('qpdf --check', 0.0) for r in v['qpdf_on']]):.2f} s")
        floor = v["floor"]
        print(f"{v['target']} pages, floor: read + append {statistics.median([r['merge_s'] for r in floor]):.2f} s, "
              f"save {statistics.median([r['save_s'] for r in floor]):.2f} s, "
              f"{floor[0]['size'] / 1e6:.0f} MB written; with the build's save options: save "
              f"{statistics.median([r['save_s'] for r in v['floor_save']]):.2f} s, "
              f"{v['floor_save'][0]['size'] / 1e6:.0f} MB")
    print()
    for v in volumes:
        limit = TARGETS_S.get(v["target"])
        on = statistics.median([r["seconds"] for r in v["qpdf_on"]])
        off = statistics.median([r["seconds"] for r in v["qpdf_off"]])
        peak = max(max(r["maxrss_kb"], r["tree_peak_kb"]) for r in v["qpdf_on"] + v["qpdf_off"]) / 1024
        verdict = []
        if limit is not None:
            verdict.append(f"time ≤ {limit:g} s: build (default) {'met' if off <= limit else 'MISSED'} ({off:.1f} s); "
                           f"with the external qpdf --check {on:.1f} s")
            ok &= off <= limit
        verdict.append(f"peak RSS ≤ {TARGET_RSS_MB} MB (build process or its tree, the larger): "
                       f"{'met' if peak <= TARGET_RSS_MB else 'MISSED'} ({peak:.0f} MB)")
        ok &= peak <= TARGET_RSS_MB
        print(f"target      {v['target']} pages: " + "; ".join(verdict))
    for v in volumes:
        for r in v["qpdf_on"] + v["qpdf_off"]:
            if r["status"] != "done":
                ok = False
                print(f"BUILD FAILED ({v['target']} pages): " + "；".join(r["errors"])[:2000])
    return ok


# --------------------------------------------------------------------------

def _short(path: str) -> str:
    try:
        return str(Path(path).relative_to(REPO))
    except ValueError:
        return path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--pages", default="500,2000",
                   help="volume sizes in rendered document pages, comma-separated (default 500,2000)")
    p.add_argument("--docs", type=int, help="documents in the corpus (default: enough for the largest volume)")
    p.add_argument("--repeat", type=int, default=1, help="builds of each kind per volume (default 1)")
    p.add_argument("--seed", type=int, default=1, help="random seed (default 1)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--keep", metavar="DIR", type=Path,
                       help="work in DIR (tree/, data/) and keep it; default: a temp dir, removed")
    where.add_argument("--data-dir", metavar="DIR", type=Path,
                       help="reuse a work dir kept with --keep: no generation or ingest, renditions cached")
    p.add_argument("--profile", action="store_true",
                   help="also run one build (qpdf on) per volume under cProfile and print the top costs")
    p.add_argument("--child", metavar="SPEC", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    try:
        args.pages = sorted({int(x) for x in args.pages.split(",") if x.strip()})
    except ValueError:
        p.error("--pages takes numbers, e.g. 500,2000")
    if not args.pages or min(args.pages) < 1 or args.repeat < 1:
        p.error("--pages and --repeat must be positive")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.child:
        return child_main(args.child)
    bench_cmd = shlex.join([_short(sys.executable), *sys.argv] if argv is None
                           else [".venv/bin/python", "benchmarks/volume.py", *argv])
    if args.data_dir:
        workdir = args.data_dir.resolve()
        if not (workdir / MARKER).is_file():
            sys.exit(f"{workdir} holds no prepared corpus ({MARKER}); make one with --keep DIR")
    elif args.keep:
        workdir = args.keep.resolve()
        if (workdir / "tree").exists() or (workdir / "data").exists():
            sys.exit(f"{workdir} already holds tree/ or data/; reuse it with --data-dir or pick a new directory")
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="archive-volume-bench-"))
    data_dir = workdir / "data"
    try:
        if args.data_dir:
            info = json.loads((workdir / MARKER).read_text(encoding="utf-8"))
            print(f"reusing     {workdir} ({sum(info['generated'].values())} documents)")
        else:
            info = prepare(workdir, args)
        services = open_services(data_dir)
        docs = load_documents(services)
        warm_rows, failed = warm(services, docs)
        if failed:
            print(f"WARNING: {len(failed)} documents could not be rendered and are left out")
        services.db.dispose()
        env = cli_env(data_dir)
        volumes = []
        for target in args.pages:
            chosen = pick(docs, target, args.seed + target)
            pages = sum(d.pages for d in chosen)
            if pages < target:
                print(f"WARNING: the corpus renders to {pages} pages only, less than {target}")
            for d in chosen:                       # into the page cache, as a warm cache would be
                Path(d.rendition).read_bytes()
            print(f"volume      {target}: {len(chosen)} documents ({sum(d.filed for d in chosen)} filed: 归档章 on "
                  f"their first page), {pages} pages; building …", flush=True)
            v = {"target": target, "docs": chosen, "qpdf_off": [], "qpdf_on": [], "checks": [], "floor": [],
                 "floor_save": []}
            build_spec = {"mode": "build", "documents": [d.id for d in chosen],
                          "title": f"{UNIT_NAME}{YEAR}年度扶贫档案基准测试卷（约{target}页）"}
            floor_spec = {"renditions": [d.rendition for d in chosen], "out": str(workdir / "floor.pdf")}
            for _ in range(args.repeat):
                for key, spec in (("qpdf_off", {**build_spec, "check_qpdf": None}),
                                  ("qpdf_on", {**build_spec, "check_qpdf": True, "keep_pdf": True}),
                                  ("checks", {"mode": "checks"}),
                                  ("floor", {**floor_spec, "mode": "floor"}),
                                  ("floor_save", {**floor_spec, "mode": "floor-save-options"})):
                    if key == "checks":
                        if "pdf" not in v["qpdf_on"][-1]:
                            continue
                        spec = {**spec, "pdf": v["qpdf_on"][-1]["pdf"]}
                    result = run_child(spec, workdir, env)
                    v[key].append(result)
                    print(f"  {key:<10} {result['seconds']:6.2f} s, peak RSS {_mb_kb(result['maxrss_kb'])} MB"
                          + (f", status {result['status']}" if "status" in result else ""), flush=True)
            if args.profile:
                result = run_child({**build_spec, "check_qpdf": True, "profile": True}, workdir, env)
                print(f"\n== cProfile, {target} pages, build with qpdf on: {result['seconds']:.2f} s under the "
                      f"profiler ==")
                print(result["profile"])
            volumes.append(v)
        ok = report(volumes, warm_rows, info, bench_cmd, args.repeat)
        return 0 if ok else 1
    finally:
        if args.keep or args.data_dir:
            print(f"kept        {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
