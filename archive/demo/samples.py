"""Realistic generated Chinese poverty-alleviation documents (扶贫档案样例): the one import for callers.

Used by the demo data set (``archive init --demo``), by the tests and by the
benchmarks.  The generators live by job in samples_words (names, dates,
placeholders), samples_text (documents as values), samples_docs (DOCX/PDF/TXT),
samples_sheets (household tables, XLSX ledgers), samples_images (JPEG) and
samples_tree (the demo organisation tree, folder trees of files); this module
names their public parts.  Two rules shape everything there:

* **Deterministic.**  All randomness comes from the ``random.Random`` passed
  in, so the same seed gives the same titles, names, dates and folder tree.
  (Container formats still embed save times in places — zip member times in
  DOCX/XLSX — so bytes are not guaranteed identical between runs; only the
  content is.)
* **Fast.**  The benchmark generates thousands of files, so bodies are built
  from phrase pools with ``str.format_map`` rather than anything clever.

Every file carries its title, date and (when present) 文号 in its content, and
names/ID numbers/amounts are random, so two generated files are practically
never byte-identical — otherwise the archive's duplicate detection would
distort benchmark and demo results.
"""
from __future__ import annotations

from archive.demo.samples_docs import write_docx, write_pdf, write_txt
from archive.demo.samples_images import write_jpeg
from archive.demo.samples_sheets import write_xlsx_ledger
from archive.demo.samples_text import KINDS, SampleDoc, random_document
from archive.demo.samples_tree import (
    DEMO_ORG_PATHS, DEMO_ORGS, WrittenFile, build_tree, unit_level, write_random_file,
)
from archive.demo.samples_words import TOWN_STEMS, VILLAGE_STEMS, chinese_date, random_name

__all__ = [
    "SampleDoc",
    "KINDS",
    "DEMO_ORGS",
    "DEMO_ORG_PATHS",
    "TOWN_STEMS",
    "VILLAGE_STEMS",
    "random_document",
    "random_name",
    "chinese_date",
    "unit_level",
    "write_docx",
    "write_pdf",
    "write_txt",
    "write_xlsx_ledger",
    "write_jpeg",
    "write_random_file",
    "WrittenFile",
    "build_tree",
]
