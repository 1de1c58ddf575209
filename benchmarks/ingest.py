#!/usr/bin/env python3
"""Ingest benchmark: how fast does `archive ingest` take in a realistic folder tree?

    .venv/bin/python benchmarks/ingest.py --docs 1000 [--keep DIR] [--seed 1]
    .venv/bin/python benchmarks/ingest.py --docs 200 --generate-only --keep /tmp/tree

Steps:
1. generate N documents (half DOCX, half text PDFs of 1–10 pages) into a folder
   tree mirroring the demo org tree (archive.demo.samples); not timed;
2. create a fresh data dir (ARCHIVE_DATA_DIR, default SQLite), run `archive init`
   and `archive org import` so the folders map onto units;
3. time `archive ingest TREE --json` as a subprocess, sampling the RSS of the
   process and all its children (extraction pool workers) from /proc every 0.1 s;
4. print rate, pages, megabytes, peak memory, counts per status, and the exact
   command lines, ready to paste into docs/benchmarks.md.

The CLI runs as a subprocess on purpose: that is what users run, and it keeps
the benchmark's own memory (the generator) out of the figures.
"""
from __future__ import annotations

import argparse
import csv
import datetime as dt
import json
import os
import platform
import random
import shlex
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))          # run as a script from anywhere

from archive.demo import samples  # noqa: E402

YEARS = (2019, 2020, 2021)
# Most archive volume is produced at village and township level; the county
# issues fewer, longer documents.
LEVEL_WEIGHTS = {"county": 1, "township": 2, "village": 3}


# --------------------------------------------------------------------------
# Generation (not timed)
# --------------------------------------------------------------------------

@dataclass
class Generated:
    files: int = 0
    docx: int = 0
    pdf: int = 0
    pdf_pages: int = 0
    docx_pages: int = 0        # nominal: the body was sized for this many pages
    bytes: int = 0
    seconds: float = 0.0
    # absolute path -> (expected org display path, generated title): lets the
    # report say whether ingest filed and titled the documents correctly.
    expected: dict[str, tuple[str, str]] = field(default_factory=dict)


def generate(tree: Path, n_docs: int, seed: int) -> Generated:
    """Alternate DOCX and PDF over the demo units, weighted towards villages."""
    rng = random.Random(seed)
    units = [p for p in samples.DEMO_ORG_PATHS if samples.unit_level(p) in LEVEL_WEIGHTS]
    weights = [LEVEL_WEIGHTS[samples.unit_level(p)] for p in units]
    stats = Generated()
    started = time.perf_counter()
    for i in range(n_docs):
        unit = rng.choices(units, weights=weights)[0]
        fmt = "docx" if i % 2 == 0 else "pdf"
        pages = rng.randint(1, 10) if fmt == "pdf" else rng.randint(1, 3)
        path, _, doc = samples.write_random_file(
            tree.joinpath(*unit.split("/")), rng, unit_name=unit.rsplit("/", 1)[-1],
            level=samples.unit_level(unit), year=rng.choice(YEARS), fmt=fmt, pages=pages)
        stats.expected[str(path)] = (unit, doc.title)
        stats.files += 1
        stats.bytes += path.stat().st_size
        if fmt == "pdf":
            stats.pdf += 1
            stats.pdf_pages += pages
        else:
            stats.docx += 1
            stats.docx_pages += pages
    stats.seconds = time.perf_counter() - started
    return stats


def write_org_csv(path: Path) -> None:
    # UTF-8 with BOM: what Excel writes, and what a clerk would hand over.
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["路径", "区划代码"])
        writer.writerows(samples.DEMO_ORGS)


# --------------------------------------------------------------------------
# Running the CLI
# --------------------------------------------------------------------------

def archive_command() -> list[str]:
    """The installed `archive` script next to this Python, else the module.

    `archive.cli` has no `if __name__ == "__main__"` guard, so `-m archive.cli`
    would do nothing; call its entry point explicitly instead.
    """
    script = Path(sys.executable).parent / "archive"
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from archive.cli import main; sys.argv[0] = 'archive'; main()"]


def cli_env(data_dir: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["ARCHIVE_DATA_DIR"] = str(data_dir)
    # A fresh SQLite database in the data dir, no queue: drop inherited settings.
    for name in ("ARCHIVE_DATABASE_URL", "ARCHIVE_REDIS_URL"):
        env.pop(name, None)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH")]))
    return env


def run_checked(cmd: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(cmd, env=env, cwd=REPO, capture_output=True, text=True)
    if result.returncode != 0:
        sys.exit(f"failed ({result.returncode}): {shlex.join(cmd)}\n{result.stdout}{result.stderr}")


# --------------------------------------------------------------------------
# Memory sampling
# --------------------------------------------------------------------------

_PAGE_KB = os.sysconf("SC_PAGE_SIZE") // 1024


def _children_map() -> dict[int, list[int]]:
    """ppid -> pids, from /proc/*/stat (cheap: a few ms for a few hundred processes)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as f:
                stat = f.read()
        except OSError:
            continue                       # exited meanwhile
        # The command name may contain spaces and ')': fields start after the last ')'.
        ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    return children


def _rss_kb(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/statm", "rb") as f:
            return int(f.read().split()[1]) * _PAGE_KB
    except (OSError, IndexError, ValueError):
        return 0


@dataclass
class MemorySampler:
    """Polls RSS of a process tree until stopped; keeps the peaks."""

    root_pid: int
    interval: float = 0.1
    peak_tree_kb: int = 0          # max over samples of the sum over the tree
    peak_single_kb: int = 0        # largest single process seen
    max_processes: int = 0
    samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)

    def start(self) -> threading.Thread:
        thread = threading.Thread(target=self._run, daemon=True)
        thread.start()
        return thread

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.sample()
            self._stop.wait(self.interval)

    def sample(self) -> None:
        children = _children_map()
        pids, todo = [], [self.root_pid]
        while todo:
            pid = todo.pop()
            pids.append(pid)
            todo.extend(children.get(pid, ()))
        rss = [_rss_kb(pid) for pid in pids]
        self.peak_tree_kb = max(self.peak_tree_kb, sum(rss))
        self.peak_single_kb = max(self.peak_single_kb, max(rss, default=0))
        self.max_processes = max(self.max_processes, sum(1 for r in rss if r))
        self.samples += 1


@dataclass
class IngestRun:
    seconds: float
    exit_code: int
    maxrss_kb: int                 # getrusage of the reaped ingest process (largest of it and its children)
    memory: MemorySampler
    results: list[dict]
    stderr: str


def timed_ingest(cmd: list[str], env: dict[str, str], workdir: Path) -> IngestRun:
    """Run the ingest, waiting with wait4() so we get exact time and its own rusage."""
    out_path, err_path = workdir / "ingest.stdout.jsonl", workdir / "ingest.stderr.txt"
    # Output goes to files, not pipes: thousands of JSON lines must never block the child.
    with out_path.open("wb") as out, err_path.open("wb") as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, env=env, cwd=REPO, stdout=out, stderr=err)
        sampler = MemorySampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - started
        sampler.stop()
    proc.returncode = os.waitstatus_to_exitcode(status)   # reaped by wait4, tell Popen
    results = []
    for line in out_path.read_text(encoding="utf-8", errors="replace").splitlines():
        line = line.strip()
        if line.startswith("{"):
            try:
                results.append(json.loads(line))
            except json.JSONDecodeError:
                pass
    return IngestRun(seconds=seconds, exit_code=proc.returncode, maxrss_kb=usage.ru_maxrss,
                     memory=sampler, results=results,
                     stderr=err_path.read_text(encoding="utf-8", errors="replace"))


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def _mb(n_bytes: float) -> str:
    return f"{n_bytes / 1024 / 1024:.1f} MB"


def _accuracy(gen: Generated, results: list[dict]) -> str:
    """How many accepted files landed in the right unit with the generated title."""
    accepted = [r for r in results if r.get("status") in ("stored", "duplicate")]
    known = [(r, gen.expected[str(Path(r["path"]).resolve())]) for r in accepted
             if str(Path(r.get("path", "")).resolve()) in gen.expected]
    org_ok = sum(r.get("org") == unit for r, (unit, _) in known)
    title_ok = sum(r.get("title") == title for r, (_, title) in known)
    return f"org {org_ok}/{len(known)}, title {title_ok}/{len(known)} (of accepted files)"


def print_generation(gen: Generated, tree: Path) -> None:
    print(f"generated   {gen.files} files ({gen.docx} DOCX, {gen.pdf} PDF) in {gen.seconds:.1f} s -> {tree}")
    print(f"            {_mb(gen.bytes)}; PDF pages {gen.pdf_pages}, DOCX pages (nominal) {gen.docx_pages}")


def print_report(gen: Generated, run: IngestRun, bench_cmd: str, ingest_cmd: str) -> None:
    counts = Counter(r.get("status", "?") for r in run.results)
    processed = len(run.results)
    pages = gen.pdf_pages + gen.docx_pages
    rate = processed / run.seconds if run.seconds else 0.0
    mem = run.memory
    print()
    print("== ingest benchmark ==")
    print(f"machine     {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}, "
          f"SQLite {sqlite3.sqlite_version}")
    print(f"date        {dt.date.today().isoformat()}")
    print(f"benchmark   {bench_cmd}")
    print(f"ingest      {ingest_cmd}")
    print(f"exit code   {run.exit_code} (1 means something was rejected)")
    print(f"documents   {processed} reported of {gen.files} generated "
          f"({gen.docx} DOCX, {gen.pdf} PDF)")
    print("statuses    " + (", ".join(f"{k} {v}" for k, v in sorted(counts.items())) or "none"))
    print(f"accuracy    {_accuracy(gen, run.results)}")
    print(f"pages       {pages} ({gen.pdf_pages} PDF exact + {gen.docx_pages} DOCX nominal)")
    print(f"data        {_mb(gen.bytes)}")
    print(f"wall time   {run.seconds:.2f} s")
    print(f"rate        {rate:.1f} documents/s, {pages / run.seconds:.1f} pages/s, "
          f"{gen.bytes / 1024 / 1024 / run.seconds:.2f} MB/s")
    print(f"peak RSS    {mem.peak_tree_kb / 1024:.0f} MB process tree (sum, sampled every "
          f"{mem.interval:g} s, up to {mem.max_processes} processes; shared pages count per process); "
          f"largest single process {max(mem.peak_single_kb, run.maxrss_kb) / 1024:.0f} MB (getrusage)")
    rejected = [r for r in run.results if r.get("status") == "rejected"][:5]
    for r in rejected:
        print(f"  rejected: {r.get('path')}: {r.get('error')}")
    if processed == 0 and run.stderr.strip():
        print("stderr:\n" + run.stderr[-2000:])
    print()
    print("docs/benchmarks.md row:")
    print("| documents | pages | MB | seconds | docs/s | pages/s | peak RSS (tree) | stored / duplicate / rejected |")
    print(f"| {processed} | {pages} | {gen.bytes / 1024 / 1024:.1f} | {run.seconds:.1f} | {rate:.1f} | "
          f"{pages / run.seconds:.1f} | {mem.peak_tree_kb / 1024:.0f} MB | "
          f"{counts.get('stored', 0)} / {counts.get('duplicate', 0)} / {counts.get('rejected', 0)} |")


# --------------------------------------------------------------------------

def _short(path: str) -> str:
    """.venv/bin/python rather than /home/.../.venv/bin/python when inside the repo."""
    try:
        return str(Path(path).relative_to(REPO))
    except ValueError:
        return path


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--docs", type=int, default=1000, help="documents to generate (default 1000)")
    p.add_argument("--seed", type=int, default=1, help="random seed for the generator (default 1)")
    p.add_argument("--keep", metavar="DIR", type=Path,
                   help="work in DIR (tree/, data/, ingest output) and keep it; default: a temp dir, removed")
    p.add_argument("--generate-only", action="store_true", help="only generate the tree, do not ingest")
    p.add_argument("--ingest-arg", action="append", default=[], metavar="ARG",
                   help="extra argument passed to `archive ingest` (repeatable)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.docs < 1:
        sys.exit("--docs must be at least 1")
    bench_cmd = shlex.join([_short(sys.executable), *sys.argv] if argv is None
                           else ["benchmarks/ingest.py", *argv])

    if args.keep:
        workdir = args.keep.resolve()
        if (workdir / "tree").exists() or (workdir / "data").exists():
            sys.exit(f"{workdir} already holds tree/ or data/; use an empty or new directory")
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tempfile.mkdtemp(prefix="archive-bench-"))
    tree, data_dir = workdir / "tree", workdir / "data"

    try:
        gen = generate(tree, args.docs, args.seed)
        print_generation(gen, tree)
        if args.generate_only:
            return 0

        env = cli_env(data_dir)
        archive = archive_command()
        run_checked([*archive, "init"], env)
        org_csv = workdir / "orgs.csv"
        write_org_csv(org_csv)
        run_checked([*archive, "org", "import", str(org_csv)], env)

        ingest = [*archive, "ingest", str(tree), "--json", *args.ingest_arg]
        run = timed_ingest(ingest, env, workdir)
        ingest_cmd = f"ARCHIVE_DATA_DIR={shlex.quote(str(data_dir))} {shlex.join(ingest)}"
        print_report(gen, run, bench_cmd, ingest_cmd)
        # Exit 1 from the CLI only means "something was rejected"; anything else is a failure.
        return 0 if run.exit_code in (0, 1) and run.results else 2
    finally:
        if args.keep:
            print(f"kept        {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
