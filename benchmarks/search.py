#!/usr/bin/env python3
"""Search benchmark: the project's real search code (archive.search) on a generated Chinese corpus.

    .venv/bin/python benchmarks/search.py --docs 10000 --engine both [--queries 240] [--keep DIR] [--seed 1]
    .venv/bin/python benchmarks/search.py --docs 100000 --engine tantivy

Steps:
1. generate N documents of 500–3,000 characters from archive.demo.samples.random_document (title, 文号
   for most kinds, author, body, table rows), spread over an org tree of 1 county, 10 towns and
   100 villages (org_ids = [county, town, village]), years 2016–2023; not timed. The corpus goes
   to a JSON-lines file and stays in memory for snippets and the recall check;
2. index it in a fresh child process (spawn) with `open_engine(name, dir)` and `engine.upsert` in
   batches of 1,000 — the path `archive reindex` takes — timing the upserts; the child reports its
   own peak RSS (ru_maxrss: the maximum over the process's life, which is the indexing process only:
   the corpus held by this parent is not in it). Index size is measured after the engine's own
   `wait_merging_threads` and, for Tantivy, after `engine.garbage_collect()`;
3. queries of 2–6 characters drawn from the corpus (substrings of real documents, names, village and
   town names, policy terms, 文号 fragments), three variants each: plain, within a town, year range;
   each a top-20 page with facets, timed as engine search + snippets for the 20 hits from the text
   kept in memory (service.py's per-hit work without the database fetch). 20 warm-up queries first;
4. recall: for 30 queries, the engine's total against a plain substring count over the match form
   of every indexed text field (title, body, 文号, author), for all three variants, and the year facet
   of the plain variant against the true per-year counts;
5. print a summary, a markdown row and the command line.
"""
from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import os
import platform
import random
import re
import resource
import shlex
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))          # run as a script from anywhere

BATCH = 1000
MIN_CHARS, MAX_CHARS = 500, 3000
YEARS = range(2016, 2024)
LEVEL_WEIGHTS = {"county": 1, "township": 2, "village": 3}
FILE_KINDS = {"pdf": 40, "docx": 35, "txt": 10, "xlsx": 10, "jpeg": 5}
CATEGORIES = ("A01", "A02", "B01", "B02", "C01")
RETENTIONS = ("永久", "30年", "10年")
POLICY_TERMS = (
    "脱贫", "返贫", "致贫", "危房改造", "易地扶贫搬迁", "建档立卡", "小额信贷", "饮水安全", "产业扶贫",
    "健康扶贫", "教育扶贫", "公益岗位", "两不愁三保障", "低保", "五保", "残疾人", "光伏", "驻村工作队",
    "第一书记", "结对帮扶", "防返贫监测", "雨露计划", "慢性病", "先诊疗后付费", "扶贫车间", "贫困户",
    "脱贫攻坚", "乡村振兴", "到户到人", "动态管理", "兜底保障", "住房安全", "义务教育", "医疗保险",
)
WARMUP = 20
RECALL_SAMPLE = 30
TOP = 20
CJK = re.compile(r"^[\u4e00-\u9fff]+$")


# --------------------------------------------------------------------------
# Corpus (not timed)
# --------------------------------------------------------------------------

def org_tree(rng: random.Random):
    """1 county, 10 towns, 100 villages: [(id, name, level, org_ids)]."""
    from archive.demo import samples

    towns = list(samples.TOWN_STEMS)[:9] + ["东风"]
    stems = list(samples.VILLAGE_STEMS)
    for surname in "王李张刘陈杨赵黄周吴徐孙胡朱高何郭罗梁宋":
        for suffix in ("庄", "营", "屯", "寨", "岗"):
            if surname + suffix not in stems:
                stems.append(surname + suffix)
    rng.shuffle(stems)
    units = [(1, "文峰区", "county", [1])]
    for t, stem in enumerate(towns):
        town_id = 10 + t
        units.append((town_id, stem + "镇", "township", [1, town_id]))
        for v in range(10):
            village_id = 100 + t * 10 + v
            units.append((village_id, stems[t * 10 + v] + "村", "village", [1, town_id, village_id]))
    return units


def _fit(text: str, target: int) -> str:
    """Cut at a sentence end near the target length (never outside 500–3,000 characters)."""
    if len(text) <= target:
        return text
    cut = text.rfind("。", 0, target)
    if cut + 1 >= max(MIN_CHARS, target - 200):
        return text[:cut + 1]
    return text[:target]


def make_document(rng: random.Random, doc_id: int, unit) -> dict:
    from archive.demo import samples

    _, unit_name, level, org_ids = unit
    year = rng.choice(YEARS)
    target = rng.randint(MIN_CHARS, MAX_CHARS)
    pages = max(1, round(target / 560))
    sample = samples.random_document(rng, unit_name=unit_name, level=level, year=year, pages=pages)
    head = [sample.author]
    if sample.doc_number:
        head.append(sample.doc_number)
    head.append(sample.title)
    if sample.addressee:
        head.append(sample.addressee)
    body = list(sample.paragraphs)
    body += ["  ".join(row) for row in sample.table]
    text = "\n".join(head + body)
    while len(text) < target:                       # publicity and ledgers are short: add more
        more = samples.random_document(rng, unit_name=unit_name, level=level, year=year, pages=pages)
        text += "\n" + "\n".join(more.paragraphs)
    text = _fit(text, target) + "\n" + f"{sample.author}\n{samples.chinese_date(sample.date)}"
    return {
        "id": doc_id, "title": sample.title, "text": text, "doc_number": sample.doc_number,
        "author": sample.author, "org_ids": org_ids, "year": year, "date": sample.date.isoformat(),
        "file_kind": rng.choices(list(FILE_KINDS), weights=list(FILE_KINDS.values()))[0],
        "category": rng.choice(CATEGORIES), "retention": rng.choice(RETENTIONS),
    }


def generate(n: int, seed: int, path: Path) -> tuple[list[dict], list]:
    rng = random.Random(seed)
    units = org_tree(rng)
    weights = [LEVEL_WEIGHTS[u[2]] for u in units]
    docs = []
    with open(path, "w", encoding="utf-8") as out:
        for i in range(1, n + 1):
            doc = make_document(rng, i, rng.choices(units, weights=weights)[0])
            out.write(json.dumps(doc, ensure_ascii=False) + "\n")
            docs.append(doc)
    return docs, units


def to_index_doc(d: dict):
    from archive.search.engine import IndexDoc

    return IndexDoc(id=d["id"], stamp=d["id"] * 1000, title=d["title"], text=d["text"],
                    doc_number=d["doc_number"], author=d["author"], archive_code=None,
                    org_ids=d["org_ids"], category=d["category"], year=d["year"],
                    retention=d["retention"], file_kind=d["file_kind"], date=dt.date.fromisoformat(d["date"]))


# --------------------------------------------------------------------------
# Indexing: in a child process, so its peak RSS is the indexer's alone
# --------------------------------------------------------------------------

def dir_size(path: Path) -> int:
    """Bytes on disk (allocated blocks), like du."""
    total = 0
    for root, _, files in os.walk(path):
        for name in files:
            total += os.lstat(os.path.join(root, name)).st_blocks * 512
    return total


def index_corpus(engine_name: str, corpus: str, index_dir: str, batch: int) -> dict:
    from archive.search.indexer import open_engine

    started = time.perf_counter()
    engine = open_engine(engine_name, Path(index_dir))
    upsert_s, done, pending = 0.0, 0, []

    def flush():
        nonlocal upsert_s, done, pending
        docs = [to_index_doc(d) for d in pending]
        t0 = time.perf_counter()
        engine.upsert(docs)
        upsert_s += time.perf_counter() - t0
        done += len(pending)
        pending = []

    with open(corpus, encoding="utf-8") as handle:
        for line in handle:
            pending.append(json.loads(line))
            if len(pending) == batch:
                flush()
    if pending:
        flush()
    t0 = time.perf_counter()
    if hasattr(engine, "garbage_collect"):
        engine.garbage_collect()
    gc_s = time.perf_counter() - t0
    count = engine.count()
    engine.close()
    return {"docs": done, "count": count, "upsert_s": upsert_s, "gc_s": gc_s,
            "wall_s": time.perf_counter() - started, "size": dir_size(Path(index_dir)),
            "files": sum(len(f) for _, _, f in os.walk(index_dir)),
            "maxrss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}


# --------------------------------------------------------------------------
# Queries
# --------------------------------------------------------------------------

def make_queries(rng: random.Random, docs: list[dict], units, n: int) -> list[str]:
    from archive.demo import samples

    towns = [u[1] for u in units if u[2] == "township"]
    villages = [u[1] for u in units if u[2] == "village"]
    doc_numbers = [d["doc_number"] for d in docs[:5000] if d["doc_number"]]
    kinds = (["substring"] * 50 + ["name"] * 15 + ["place"] * 10 + ["policy"] * 15 + ["number"] * 10)
    seen, queries = set(), []
    while len(queries) < n:
        kind = rng.choice(kinds)
        if kind == "substring":
            text = rng.choice(docs)["text"]
            length = rng.randint(2, 6)
            start = rng.randrange(0, len(text) - length)
            q = text[start:start + length]
            if not CJK.match(q):
                continue
        elif kind == "name":
            q = samples.random_name(rng)
        elif kind == "place":
            q = rng.choice(villages + towns)
            if rng.random() < 0.4:
                q = q[:-1]                       # 黎元 as well as 黎元村
        elif kind == "policy":
            q = rng.choice(POLICY_TERMS)
        else:
            number = rng.choice(doc_numbers)     # e.g. 高发〔2020〕144号
            length = rng.randint(3, min(6, len(number)))
            start = rng.randrange(0, len(number) - length + 1)
            q = number[start:start + length]
        if q in seen or not (2 <= len(q) <= 6):
            continue
        seen.add(q)
        queries.append(q)
    return queries


def variants(rng: random.Random, q: str, towns: list[int]):
    from archive.search.engine import SearchRequest
    from archive.search.query import parse

    parsed = parse(q)
    first = rng.choice(list(YEARS)[:-2])
    return {
        "plain": SearchRequest(query=parsed, limit=TOP),
        "org": SearchRequest(query=parsed, within=[rng.choice(towns)], limit=TOP),
        "year": SearchRequest(query=parsed, year_from=first, year_to=first + rng.randint(1, 2), limit=TOP),
    }


def results_page(engine, request, texts: dict[int, tuple[str, str]]):
    """What a results page costs without the database: engine search, then per hit the snippet
    (body if it matches, else the title) and the highlighted title, as archive.search.service does."""
    from archive.search.service import highlights

    t0 = time.perf_counter()
    result = engine.search(request)
    t1 = time.perf_counter()
    terms = [t.form for t in request.query.positive_terms]
    for doc_id, _ in result.hits:
        title, body = texts[doc_id]
        highlights(title, body, terms)
    t2 = time.perf_counter()
    return result, (t1 - t0) * 1000, (t2 - t0) * 1000


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def run_queries(engine, queries, docs, units, seed):
    texts = {d["id"]: (d["title"], d["text"]) for d in docs}
    towns = [u[0] for u in units if u[2] == "township"]
    rng = random.Random(seed + 7)
    warm_rng = random.Random(seed + 99)
    for q in make_queries(warm_rng, docs, units, WARMUP):
        for request in variants(warm_rng, q, towns).values():
            results_page(engine, request, texts)
    timings = {v: {"engine": [], "page": [], "totals": [], "returned": []} for v in ("plain", "org", "year")}
    requests = {}
    for q in queries:
        requests[q] = variants(rng, q, towns)
        for name, request in requests[q].items():
            result, engine_ms, page_ms = results_page(engine, request, texts)
            timings[name]["engine"].append(engine_ms)
            timings[name]["page"].append(page_ms)
            timings[name]["totals"].append(result.total)
            timings[name]["returned"].append(len(result.hits))
    return timings, requests


def check_recall(engine, docs, requests, seed):
    """Engine totals (and the plain variant's year facet) against plain substring counts."""
    from archive.text.analysis import match_form

    rng = random.Random(seed + 13)
    sample = rng.sample(list(requests), min(RECALL_SAMPLE, len(requests)))
    forms = {q: requests[q]["plain"].query.clauses[0][0].form for q in sample}
    truth = {q: {"plain": 0, "org": 0, "year": 0, "years": Counter()} for q in sample}
    for d in docs:
        fields = [match_form(d[f]) for f in ("title", "text", "doc_number", "author") if d[f]]
        for q in sample:
            form = forms[q]
            if any(form in f for f in fields):
                t = truth[q]
                t["plain"] += 1
                t["years"][d["year"]] += 1
                if requests[q]["org"].within[0] in d["org_ids"]:
                    t["org"] += 1
                r = requests[q]["year"]
                if r.year_from <= d["year"] <= r.year_to:
                    t["year"] += 1
    exact, mismatches, hits = 0, [], 0
    for q in sample:
        ok = True
        for name in ("plain", "org", "year"):
            got = engine.search(requests[q][name])
            if got.total != truth[q][name]:
                ok = False
                mismatches.append(f"{q} ({name}): engine {got.total}, substring {truth[q][name]}")
            if name == "plain":
                facet = {int(k): v for k, v in got.facets.get("year", {}).items()}
                if facet != dict(truth[q]["years"]):
                    ok = False
                    mismatches.append(f"{q} (year facet): engine {facet}, substring {dict(truth[q]['years'])}")
        hits += truth[q]["plain"]
        exact += ok
    return {"sample": len(sample), "exact": exact, "mismatches": mismatches, "relevant": hits}


# --------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------

def mb(n_bytes: float) -> str:
    return f"{n_bytes / 1e6:,.0f} MB"


def run_engine(name, args, corpus, work, docs, units, queries):
    import concurrent.futures as cf
    import multiprocessing

    from archive.search.indexer import open_engine

    index_dir = work / f"index-{name}"
    if index_dir.exists():
        shutil.rmtree(index_dir)
    print(f"[{name}] indexing {len(docs):,} documents in batches of {BATCH} …", flush=True)
    with cf.ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("spawn")) as pool:
        built = pool.submit(index_corpus, name, str(corpus), str(index_dir), BATCH).result()
    rate = built["docs"] / built["upsert_s"]
    print(f"[{name}] {built['docs']:,} docs in {built['upsert_s']:.1f} s of upserts ({rate:,.0f} docs/s), "
          f"gc {built['gc_s']:.1f} s, {mb(built['size'])} in {built['files']} files, "
          f"indexer peak RSS {built['maxrss_kb'] / 1024:,.0f} MB", flush=True)

    engine = open_engine(name, index_dir)
    print(f"[{name}] {len(queries)} queries × 3 variants (+{WARMUP} warm-up) …", flush=True)
    t0 = time.perf_counter()
    timings, requests = run_queries(engine, queries, docs, units, args.seed)
    query_s = time.perf_counter() - t0
    recall = check_recall(engine, docs, requests, args.seed)
    engine.close()
    if not args.keep:
        shutil.rmtree(index_dir, ignore_errors=True)
    with_hits = sum(1 for t in timings["plain"]["totals"] if t > 0)
    return {"engine": name, "built": built, "rate": rate, "timings": timings, "recall": recall,
            "query_s": query_s, "with_hits": with_hits,
            "median_total": statistics.median(timings["plain"]["totals"])}


def report(res, n_docs, chars, parent_rss_kb):
    name, b, t, r = res["engine"], res["built"], res["timings"], res["recall"]
    print()
    print(f"=== {name}: {n_docs:,} documents ({chars / n_docs:,.0f} characters on average) ===")
    print(f"index: {res['rate']:,.0f} docs/s ({b['upsert_s']:.1f} s of upserts, batches of {BATCH}; "
          f"gc {b['gc_s']:.1f} s); size {mb(b['size'])}; indexer peak RSS {b['maxrss_kb'] / 1024:,.0f} MB "
          f"(ru_maxrss of the indexing process)")
    print(f"queries: {len(t['plain']['page'])} × 3 variants, top {TOP} with facets; "
          f"{res['with_hits']} of {len(t['plain']['page'])} have hits, median total {res['median_total']:,.0f}")
    print(f"{'variant':<8} {'page p50':>9} {'page p95':>9} {'engine p50':>11} {'engine p95':>11} {'max':>8}  (ms)")
    for v in ("plain", "org", "year"):
        page, eng = t[v]["page"], t[v]["engine"]
        print(f"{v:<8} {statistics.median(page):9.1f} {pct(page, 95):9.1f} {statistics.median(eng):11.1f} "
              f"{pct(eng, 95):11.1f} {max(page):8.1f}")
    returned = max(max(t[v]["returned"]) for v in t)
    if returned > TOP:
        print(f"WARNING: the engine returned up to {returned} hits for a page of {TOP}; the page cost "
              f"above includes snippets for all of them (as archive.search.service would make)")
    print(f"recall: {r['exact']}/{r['sample']} queries exact (totals of all three variants and the year "
          f"facet; {r['relevant']:,} relevant documents)")
    for m in r["mismatches"]:
        print(f"  MISMATCH {m}")
    print(f"benchmark process peak RSS (corpus in memory + searcher): {parent_rss_kb / 1024:,.0f} MB")
    cell = " / ".join(f"{statistics.median(t[v]['page']):.1f}/{pct(t[v]['page'], 95):.1f}"
                      for v in ("plain", "org", "year"))
    print()
    print("| date | engine | docs | index docs/s | index size | indexer peak RSS | "
          "p50/p95 ms plain / org / year (with snippets) | recall exact |")
    print(f"| {dt.date.today()} | {name} | {n_docs:,} | {res['rate']:,.0f} | {mb(b['size'])} | "
          f"{b['maxrss_kb'] / 1024:,.0f} MB | {cell} | {r['exact']}/{r['sample']} |")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--docs", type=int, default=10000)
    parser.add_argument("--engine", choices=("tantivy", "whoosh", "both"), default="tantivy")
    parser.add_argument("--queries", type=int, default=240)
    parser.add_argument("--keep", type=Path, help="keep the corpus and indexes in this directory")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    command = ".venv/bin/python benchmarks/search.py " + " ".join(shlex.quote(a) for a in sys.argv[1:])

    work = args.keep or Path(tempfile.mkdtemp(prefix="search-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    corpus = work / "corpus.jsonl"
    engines = ("tantivy", "whoosh") if args.engine == "both" else (args.engine,)
    results = []
    try:
        t0 = time.perf_counter()
        docs, units = generate(args.docs, args.seed, corpus)
        chars = sum(len(d["text"]) for d in docs)
        print(f"generated {len(docs):,} documents, {chars:,} characters "
              f"({min(len(d['text']) for d in docs)}–{max(len(d['text']) for d in docs)} each), "
              f"{corpus.stat().st_size / 1e6:,.0f} MB JSON, in {time.perf_counter() - t0:.1f} s (not timed)",
              flush=True)
        queries = make_queries(random.Random(args.seed + 1), docs, units, args.queries)
        for name in engines:
            results.append(run_engine(name, args, corpus, work, docs, units, queries))
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)
    parent_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for res in results:
        report(res, len(docs), chars, parent_rss)
    print()
    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"command: {command}")
    return 0 if all(r["recall"]["exact"] == r["recall"]["sample"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
