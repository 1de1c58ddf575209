"""Rectification of inspection feedback (整改): feedback batches, items, their state machine
(states.py), evidence, deadlines (service.py, deadlines.py), import (importer.py) and the 台账
export (ledger.py). Every interface goes through service.py."""
