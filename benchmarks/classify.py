#!/usr/bin/env python3
"""Classification benchmark: rules alone, the learned model alone, and rules-then-model (what ingest
does), on the labelled set of archive/demo/corpus.py.

    .venv/bin/python benchmarks/classify.py [--docs 400] [--seed 1] [--folds 2] [--variants]

Steps:
1. build N labelled documents (all 43 leaf classes of jf-default in turn, ~12 % not poverty records;
   by default written from disjoint halves of the phrase pools, see --split)
   with corpus.build(N, seed);
2. k-fold (default 2: train on one half, test on the other, then swapped; every document is tested
   once by a model that never saw it). The model is trained the way `archive classifier train` does
   (model.fit on title, text and the true label, i.e. as if people had confirmed the training half);
3. for every test document: the rule decision (rules.classify at the document's level), the model's
   prediction among the labels allowed at that level, and model.combine of both (the pipeline's
   choice) at each threshold;
4. report, for each method: class code exact, top class exact (first two digits; "not poverty" is a
   top class of its own), poverty/not-poverty right, coverage (share filed without review: a class
   and no review flag) and the accuracy of that auto-filed share;
5. with --variants, also compare model variants (n-gram range, analyzer, LogisticRegression C,
   calibrated LinearSVC) and a model trained only on the training half's sure rule decisions
   (confidence >= 0.8, the fallback used before people have decided enough);
6. print markdown tables and the command line.
"""
from __future__ import annotations

import argparse
import platform
import shlex
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from archive.classify import model, rules  # noqa: E402
from archive.classify.model import NOT_POVERTY  # noqa: E402
from archive.demo import corpus  # noqa: E402
from archive.standards import load  # noqa: E402


CHOSEN = f"char {model.NGRAMS} + LogisticRegression C={model.C:g}"


def rule_label(d) -> str | None:
    return NOT_POVERTY if d.is_poverty is False else d.category_code


def top(label: str | None) -> str | None:
    return label if label in (None, NOT_POVERTY) else label[:2]


class Tally:
    def __init__(self):
        self.n = self.exact = self.top = self.poverty = self.filed = self.filed_ok = 0

    def add(self, truth: str, label: str | None, is_poverty: bool | None, filed: bool) -> None:
        self.n += 1
        self.exact += label == truth
        self.top += top(label) == top(truth)
        self.poverty += is_poverty is not None and is_poverty == (truth != NOT_POVERTY)
        self.filed += filed
        self.filed_ok += filed and label == truth

    def row(self, name: str) -> str:
        pct = lambda a, b: f"{a / b:.1%}" if b else "—"  # noqa: E731
        return (f"| {name} | {pct(self.exact, self.n)} | {pct(self.top, self.n)} | {pct(self.poverty, self.n)} "
                f"| {pct(self.filed, self.n)} | {pct(self.filed_ok, self.filed)} |")


HEADER = ("| method | class code exact | top class exact | poverty / not | coverage (auto-filed) "
          "| accuracy of auto-filed |\n|---|---|---|---|---|---|")


def folds(n: int, k: int, split: str = "phrasing"):
    if split == "phrasing":  # corpus.build(halves=True): train on one phrasing half, test on the other
        first, second = list(range(n // 2)), list(range(n // 2, n))
        yield first, second
        yield second, first
        return
    idx = list(range(n))
    for f in range(k):
        test = idx[f::k]
        test_set = set(test)
        yield [i for i in idx if i not in test_set], test


def fit_variant(estimator, examples):
    estimator.fit([model.features(e.title, e.text) for e in examples], [e.label for e in examples])
    return estimator


def predict_allowed(estimator, scheme, e) -> tuple[str, float]:
    allowed = model.allowed_labels(scheme, e.level)
    probs = estimator.predict_proba([model.features(e.title, e.text)])[0]
    return max(((str(c), float(p)) for c, p in zip(estimator.classes_, probs) if c in allowed), key=lambda x: x[1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--docs", type=int, default=400)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--folds", type=int, default=2, help="with --split random")
    ap.add_argument("--split", choices=["phrasing", "random"], default="phrasing",
                    help="phrasing: train and test documents written from disjoint halves of each class's title "
                         "forms and sentences (default); random: k-fold over one pool")
    ap.add_argument("--thresholds", default="0.4,0.5,0.6,0.7,0.8")
    ap.add_argument("--variants", action="store_true", help="also compare model variants")
    args = ap.parse_args()
    thresholds = [float(t) for t in args.thresholds.split(",")]

    scheme = load().schemes["jf-default"]
    examples = corpus.build(args.docs, args.seed, halves=args.split == "phrasing")
    k = 2 if args.split == "phrasing" else args.folds
    n_not = sum(e.label == NOT_POVERTY for e in examples)
    print(f"{len(examples)} documents, {len({e.label for e in examples}) - 1} classes + not poverty ({n_not}); "
          f"split {args.split}, {k} folds; mean length {sum(len(e.text) for e in examples) // len(examples)} characters")

    rule_t, model_t = Tally(), {t: Tally() for t in thresholds}
    combined = {t: Tally() for t in thresholds}
    sources = {t: 0 for t in thresholds}
    fit_s = predict_s = 0.0
    for train_idx, test_idx in folds(len(examples), k, args.split):
        train = [examples[i] for i in train_idx]
        t0 = time.perf_counter()
        est = model.fit([e.title for e in train], [e.text for e in train], [e.label for e in train])
        fit_s += time.perf_counter() - t0
        for i in test_idx:
            e = examples[i]
            d = rules.classify(scheme, e.level, e.title, e.text)
            rule_t.add(e.label, rule_label(d), d.is_poverty, bool(d.category_code and not d.needs_review))
            t0 = time.perf_counter()
            pred = predict_allowed(est, scheme, e)
            predict_s += time.perf_counter() - t0
            for t in thresholds:
                model_t[t].add(e.label, pred[0], pred[0] != NOT_POVERTY, pred[0] != NOT_POVERTY and pred[1] >= t)
                c, source = model.combine(d, pred, scheme, t)
                combined[t].add(e.label, rule_label(c), c.is_poverty, bool(c.category_code and not c.needs_review))
                sources[t] += source == "model"

    print(f"\nmodel: char {model.NGRAMS} TF-IDF + LogisticRegression(C={model.C}); "
          f"fit {fit_s / k:.2f} s per fold (~{len(examples) - len(examples) // k} documents), "
          f"predict {predict_s / len(examples) * 1000:.1f} ms per document\n")
    print(HEADER)
    print(rule_t.row("rules alone"))
    for t in thresholds:
        print(model_t[t].row(f"model alone (files when p ≥ {t})"))
    for t in thresholds:
        print(combined[t].row(f"rules, then model at p ≥ {t} ({sources[t]} decided by the model)"))

    if args.variants:
        variants(examples, scheme, k, args.split)
    print(f"\ncommand: .venv/bin/python benchmarks/classify.py {shlex.join(sys.argv[1:])}".rstrip()
          + f"  (Python {platform.python_version()})")


def variants(examples, scheme, k: int, split: str) -> None:
    from sklearn.calibration import CalibratedClassifierCV
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import KFold
    from sklearn.pipeline import make_pipeline
    from sklearn.svm import LinearSVC

    def tfidf(analyzer, ngrams):
        return TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, lowercase=False, sublinear_tf=True)

    candidates = {
        "chosen: " + CHOSEN: lambda: model.make_pipeline(),
        "char (1,3) + LogisticRegression C=20": lambda: make_pipeline(tfidf("char", (1, 3)), LogisticRegression(C=20, max_iter=2000)),
        "char (1,3) + LogisticRegression C=100": lambda: make_pipeline(tfidf("char", (1, 3)), LogisticRegression(C=100, max_iter=2000)),
        "char (1,3) + LogisticRegression C=1": lambda: make_pipeline(tfidf("char", (1, 3)), LogisticRegression(C=1, max_iter=2000)),
        "char (2,4) + LogisticRegression C=20": lambda: make_pipeline(tfidf("char", (2, 4)), LogisticRegression(C=20, max_iter=2000)),
        "char (1,2) + LogisticRegression C=20": lambda: make_pipeline(tfidf("char", (1, 2)), LogisticRegression(C=20, max_iter=2000)),
        "char_wb (1,3) + LogisticRegression C=20": lambda: make_pipeline(tfidf("char_wb", (1, 3)), LogisticRegression(C=20, max_iter=2000)),
        "char (1,3) + LinearSVC, sigmoid-calibrated (cv=3)": lambda: make_pipeline(
            tfidf("char", (1, 3)), CalibratedClassifierCV(LinearSVC(C=1.0), method="sigmoid", cv=KFold(3, shuffle=True, random_state=0))),
        "char (2,4) + LinearSVC, sigmoid-calibrated (cv=3)": lambda: make_pipeline(
            tfidf("char", (2, 4)), CalibratedClassifierCV(LinearSVC(C=1.0), method="sigmoid", cv=KFold(3, shuffle=True, random_state=0))),
    }
    print("\nmodel variants (model alone, same folds; p: mean probability of the predicted label when right / wrong;"
          " combined: rules then model at p ≥ 0.6)\n")
    print("| variant | class code exact | top class exact | p right / wrong | combined exact | combined coverage "
          "| combined accuracy of auto-filed | fit s/fold |\n|---|---|---|---|---|---|---|---|")
    for name, make in candidates.items():
        try:
            _variant_row(name, make, examples, scheme, k, split, lambda train: train)
        except ValueError as e:  # calibration's inner folds need 3 documents of every class
            print(f"| {name} | fails: {e} | | | | | | |")
    # The fallback before people have decided: learn from the rules' sure decisions only.
    def sure_rules(train):
        out = []
        for e in train:
            d = rules.classify(scheme, e.level, e.title, e.text)
            if d.category_code and not d.needs_review and d.confidence >= model.RULE_CONFIDENCE:
                out.append(e._replace(label=d.category_code))
        return out
    _variant_row("chosen, trained on sure rule decisions only (conf ≥ 0.8)", model.make_pipeline, examples, scheme,
                 k, split, sure_rules)


def _variant_row(name, make, examples, scheme, k, split, select) -> None:
    exact = top_ok = n = 0
    right_p, wrong_p = [], []
    comb = Tally()
    fit_s = 0.0
    for train_idx, test_idx in folds(len(examples), k, split):
        train = select([examples[i] for i in train_idx])
        t0 = time.perf_counter()
        est = fit_variant(make(), train)
        fit_s += time.perf_counter() - t0
        for i in test_idx:
            e = examples[i]
            label, p = predict_allowed(est, scheme, e)
            n += 1
            exact += label == e.label
            top_ok += top(label) == top(e.label)
            (right_p if label == e.label else wrong_p).append(p)
            d = rules.classify(scheme, e.level, e.title, e.text)
            c, _ = model.combine(d, (label, p), scheme, 0.6)
            comb.add(e.label, rule_label(c), c.is_poverty, bool(c.category_code and not c.needs_review))
    mean = lambda xs: sum(xs) / len(xs) if xs else 0  # noqa: E731
    cells = comb.row("").split("|")
    print(f"| {name} | {exact / n:.1%} | {top_ok / n:.1%} | {mean(right_p):.2f} / {mean(wrong_p):.2f} "
          f"| {cells[2].strip()} | {cells[5].strip()} | {cells[6].strip()} | {fit_s / k:.1f} |")


if __name__ == "__main__":
    main()
