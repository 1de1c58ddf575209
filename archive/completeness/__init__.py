"""归档完整性检查 — is a unit's archive for one year complete against the collection scope
(standards/scope.yaml)? See service.py for the rules, export.py for the XLSX and the terminal table."""
from archive.completeness.service import STATUS_LABELS, DocumentRef, ItemResult, UnitReport, check

__all__ = ["STATUS_LABELS", "DocumentRef", "ItemResult", "UnitReport", "check"]
