"""Demo data, kept out of the product packages: `load.py` is what ``archive init --demo`` runs (the
文峰区 tree, three accounts, generated files); the sample generators (samples*.py) and the classifier's
labelled corpus (corpus*.py) serve tests and benchmarks. No product code imports archive.demo, only the
CLI's ``init --demo``. This file imports nothing, so a script that wants only the generators pays for
nothing else.
"""
