"""A learned classifier, next to the rules: what people decided teaches where the keywords fall short.

Rules stay first (rules.py): they explain themselves and need no data. Where they leave a document
for review, or find no class, the model trained on people's decisions may decide instead, but only
when its probability reaches MODEL_THRESHOLD; below that the document still waits for a person.

The model: TF-IDF over character 1–2-grams of the match form (no word segmentation, as in search),
title repeated TITLE_REPEAT times ahead of the first TEXT_CHARS characters of the text, into a
multinomial logistic regression with weak regularisation (C=100; its probabilities are used as they
are). The choice among char 1–2 / 1–3 / 2–4, char_wb, C and LogisticRegression / calibrated LinearSVC
is measured in docs/benchmarks.md ("Classification"): 1–2-grams generalise best to unseen phrasing
and fit fastest; C=100 gives the sharpest (most useful) probabilities.

Labels are leaf class codes plus NOT_POVERTY for documents a person marked as not a
poverty-alleviation record. Training data: every document a person classified
(classified_by == "person"). While there are fewer than MIN_PERSON of those, rule decisions a rule
was sure of (confidence >= RULE_CONFIDENCE, filed without review) are added, so that a new archive
gets a usable model early; they teach the model the rules' own view, which is harmless where it is
used (where rules are unsure) and is outweighed once people have decided enough. No model is saved
with fewer than MIN_DOCUMENTS documents or fewer than 2 labels.

One file per scheme: <data_dir>/models/classifier-<scheme>.joblib, written to a temporary file and
renamed into place, holding the pipeline, its training date, counts and cross-validated accuracy.
Loaded lazily, cached per process, reloaded when the file changes (a retrain in the worker reaches
the web processes on their next prediction).
"""
from __future__ import annotations

import datetime as dt
import threading
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from archive.classify.rules import Decision
from archive.storage import atomic_file
from archive.text.analysis import match_form

NOT_POVERTY = "__not_poverty__"
TITLE_REPEAT = 3          # the title weighs like three copies of itself
TEXT_CHARS = 3000         # the opening pages carry the subject
NGRAMS = (1, 2)
C = 100.0                 # weak regularisation: few documents per class, many n-grams (measured)
MODEL_THRESHOLD = 0.6     # the model decides alone only at or above this probability
MIN_DOCUMENTS = 20
MIN_LABELS = 2
MIN_PERSON = 200          # below this many person decisions, confident rule decisions are added
RULE_CONFIDENCE = 0.8
FORMAT = 1


def features(title: str, text: str) -> str:
    return match_form(((title or "") + "\n") * TITLE_REPEAT + (text or "")[:TEXT_CHARS])


def make_pipeline(kind: str = "logreg", ngrams: tuple[int, int] = NGRAMS, analyzer: str = "char"):
    """The estimator; `kind` "svc" (LinearSVC, sigmoid-calibrated) is kept for the benchmark's comparison."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline as pipe

    vectorizer = TfidfVectorizer(analyzer=analyzer, ngram_range=ngrams, lowercase=False, sublinear_tf=True,
                                 min_df=1, max_features=300_000, dtype=_float32())
    if kind == "svc":
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.svm import LinearSVC

        return pipe(vectorizer, CalibratedClassifierCV(LinearSVC(C=1.0), method="sigmoid", cv=3))
    return pipe(vectorizer, LogisticRegression(C=C, max_iter=2000))


def _float32():
    import numpy as np

    return np.float32


# ---------------------------------------------------------------- training

@dataclass
class TrainResult:
    scheme_id: str
    trained: bool
    documents: int
    counts: dict[str, int]                           # label -> documents
    sources: dict[str, int] = field(default_factory=dict)  # person / rule -> documents
    cv_accuracy: float | None = None
    path: str | None = None
    reason: str | None = None                        # why no model was saved

    def as_dict(self) -> dict:
        return {"scheme": self.scheme_id, "trained": self.trained, "documents": self.documents,
                "counts": self.counts, "sources": self.sources, "cv_accuracy": self.cv_accuracy,
                "path": self.path, "reason": self.reason}


def models_dir(data_dir: Path | str) -> Path:
    return Path(data_dir) / "models"


def model_path(data_dir: Path | str, scheme_id: str) -> Path:
    return models_dir(data_dir) / f"classifier-{scheme_id}.joblib"


def training_rows(session, scheme_id: str) -> tuple[list[tuple[str, str, str]], dict[str, int]]:
    """(title, text, label) of the documents to learn from, and how many came from each source."""
    from sqlalchemy import select

    from archive.models import Document

    base = select(Document.title, Document.text, Document.is_poverty_record, Document.category_code) \
        .where(Document.scheme_id == scheme_id, Document.deleted_at.is_(None))
    rows = [(t, x or "", NOT_POVERTY if p is False else c)
            for t, x, p, c in session.execute(base.where(Document.classified_by == "person"))
            if p is False or c]
    sources = {"person": len(rows)}
    if len(rows) < MIN_PERSON:
        sure = base.where(Document.classified_by == "rule", Document.confidence >= RULE_CONFIDENCE,
                          Document.needs_review.is_(False), Document.is_poverty_record.is_(True),
                          Document.category_code.is_not(None))
        added = [(t, x or "", c) for t, x, _, c in session.execute(sure)]
        rows += added
        sources["rule"] = len(added)
    return rows, sources


def fit(titles: list[str], texts: list[str], labels: list[str]):
    model = make_pipeline()
    model.fit([features(t, x) for t, x in zip(titles, texts)], labels)
    return model


def cross_validated_accuracy(titles, texts, labels, folds: int = 5) -> float | None:
    """Share of documents whose label a model trained without them gets right (k-fold)."""
    from sklearn.model_selection import KFold, StratifiedKFold, cross_val_score

    smallest = min(Counter(labels).values())
    splitter = StratifiedKFold(folds, shuffle=True, random_state=0) if smallest >= folds \
        else KFold(folds, shuffle=True, random_state=0)
    try:
        scores = cross_val_score(make_pipeline(), [features(t, x) for t, x in zip(titles, texts)], labels,
                                 cv=splitter)
    except ValueError:  # a training fold with a single label
        return None
    return round(float(scores.mean()), 3)


def train(session, standards, data_dir: Path | str, scheme_ids: list[str] | None = None) -> list[TrainResult]:
    """Train and save one model per scheme (all schemes by default) from the documents decided so far."""
    results = []
    for scheme_id in scheme_ids or list(standards.schemes):
        rows, sources = training_rows(session, scheme_id)
        counts = dict(sorted(Counter(label for _, _, label in rows).items()))
        result = TrainResult(scheme_id, False, len(rows), counts, sources)
        if len(rows) < MIN_DOCUMENTS or len(counts) < MIN_LABELS:
            result.reason = (f"数据不足：需要至少 {MIN_DOCUMENTS} 件、{MIN_LABELS} 个类别，现有 {len(rows)} 件、"
                             f"{len(counts)} 个类别 / too little data")
            results.append(result)
            continue
        titles, texts, labels = (list(col) for col in zip(*rows))
        result.cv_accuracy = cross_validated_accuracy(titles, texts, labels)
        bundle = {"format": FORMAT, "scheme_id": scheme_id, "pipeline": fit(titles, texts, labels),
                  "trained_at": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
                  "documents": len(rows), "counts": counts, "sources": sources, "cv_accuracy": result.cv_accuracy,
                  "params": {"ngrams": NGRAMS, "title_repeat": TITLE_REPEAT, "text_chars": TEXT_CHARS, "C": C}}
        path = model_path(data_dir, scheme_id)
        save(bundle, path)
        result.trained, result.path = True, str(path)
        results.append(result)
    return results


def save(bundle: dict, path: Path) -> None:
    """Write to a temporary file beside `path`, flush it to disk, then rename over: readers see the
    old model or the new one, never half a file."""
    import joblib

    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_file(path, prefix=f".{path.name}.") as temp:
        joblib.dump(bundle, temp)


# ---------------------------------------------------------------- prediction

class Classifier:
    """The saved models of one data dir, loaded when first needed and again when their file changes."""

    def __init__(self, data_dir: Path | str):
        self.data_dir = Path(data_dir)
        self._lock = threading.Lock()
        self._loaded: dict[str, tuple[tuple, dict]] = {}  # scheme -> (file signature, bundle)

    def bundle(self, scheme_id: str) -> dict | None:
        path = model_path(self.data_dir, scheme_id)
        try:
            st = path.stat()
        except OSError:
            self._loaded.pop(scheme_id, None)
            return None
        signature = (st.st_ino, st.st_mtime_ns, st.st_size)
        cached = self._loaded.get(scheme_id)
        if cached is not None and cached[0] == signature:
            return cached[1]
        with self._lock:
            cached = self._loaded.get(scheme_id)
            if cached is None or cached[0] != signature:
                import joblib

                try:
                    bundle = joblib.load(path)
                except Exception:  # unreadable or from an incompatible version: act as if there were none
                    return None
                if not isinstance(bundle, dict) or bundle.get("format") != FORMAT:
                    return None
                cached = self._loaded[scheme_id] = (signature, bundle)
        return cached[1]

    def predict(self, scheme_id: str, title: str, text: str,
                allowed: set[str] | None = None) -> tuple[str, float] | None:
        """The most probable label and its probability, or None without a model. `allowed` limits
        the labels considered (e.g. the classes of the unit's level); probabilities are not rescaled."""
        bundle = self.bundle(scheme_id)
        if bundle is None:
            return None
        model = bundle["pipeline"]
        probabilities = model.predict_proba([features(title, text)])[0]
        best = None
        for label, p in zip(model.classes_, probabilities):
            if (allowed is None or label in allowed) and (best is None or p > best[1]):
                best = (str(label), float(p))
        return best


_classifiers: dict[Path, Classifier] = {}


def for_data_dir(data_dir: Path | str) -> Classifier:
    key = Path(data_dir).resolve()
    if key not in _classifiers:
        _classifiers[key] = Classifier(key)
    return _classifiers[key]


def predict(scheme_id: str, title: str, text: str, *, data_dir: Path | str,
            allowed: set[str] | None = None) -> tuple[str, float] | None:
    return for_data_dir(data_dir).predict(scheme_id, title, text, allowed)


# ---------------------------------------------------------------- rules, then the model

def allowed_labels(scheme, level: str | None) -> set[str]:
    leaves = scheme.leaves(level if level in ("county", "township", "village", "household") else None)
    return {c.code for c in leaves} | {NOT_POVERTY}


def combine(rule: Decision, prediction: tuple[str, float] | None, scheme,
            threshold: float = MODEL_THRESHOLD) -> tuple[Decision, str]:
    """The decision to record and who made it ("rule" or "model").

    A sure rule decision stands. Otherwise a prediction at or above the threshold decides: a class
    files the document without review; "not a poverty record" is recorded, but, like the rules'
    own such decisions, still waits for a person (nothing leaves the archive unseen)."""
    if (rule.category_code and not rule.needs_review) or prediction is None:
        return rule, "rule"
    label, p = prediction
    if p < threshold:
        return rule, "rule"
    if label == NOT_POVERTY:
        if rule.is_poverty is False:
            return rule, "rule"
        return Decision(False, None, None, round(p, 3), True,
                        rule.reasons + [f"模型：非扶贫档案（概率 {p:.2f}）"]), "model"
    cls = scheme.classes.get(label)
    if cls is None:  # a class the scheme no longer has
        return rule, "rule"
    return Decision(True, cls.code, cls.retention, round(p, 3), False,
                    rule.reasons + [f"模型：{cls.code} {cls.name}（概率 {p:.2f}）"]), "model"


def classify(classifier: Classifier | None, scheme, level: str | None, title: str, text: str) -> tuple[Decision, str]:
    """Rules first, then the model where they leave the document for review: what ingest records."""
    from archive.classify import rules

    decision = rules.classify(scheme, level, title, text)
    if classifier is None or (decision.category_code and not decision.needs_review):
        return decision, "rule"
    prediction = classifier.predict(scheme.id, title, text, allowed_labels(scheme, level))
    return combine(decision, prediction, scheme)
