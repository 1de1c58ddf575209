"""What a ledger's validation gives: the rows' normalised values (CleanRow) and the problems found
(Problem), together a Report."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from archive.text.masking import mask_text


@dataclass
class Problem:
    row: int              # the spreadsheet's row number
    column: str           # the column letter ("" for the header as a whole)
    field: str | None     # the field key
    code: str
    severity: str         # "error" | "warning"
    message: str          # Chinese, ID and phone numbers masked

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "field": self.field, "code": self.code,
                "severity": self.severity, "message": self.message}


@dataclass
class CleanRow:
    number: int                   # the spreadsheet's row number
    values: dict[str, Any]        # field -> normalised value (str, int, float, date; None when empty)


@dataclass
class Report:
    rows: list[CleanRow]
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    def as_dict(self, ledger_id: int | str | None = None, masked: bool = True) -> dict:
        """{"ledger_id", "rows" (the number of data rows), "problems": [{"row", "column", "code",
        "severity", "message", "field"}]}. Messages carry masked numbers already; `masked` also runs
        them through masking.mask_text, as a second guard."""
        return {
            "ledger_id": ledger_id,
            "rows": len(self.rows),
            "problems": [{"row": p.row, "column": p.column, "code": p.code, "severity": p.severity,
                          "message": mask_text(p.message) if masked else p.message, "field": p.field}
                         for p in self.problems],
        }
