"""The households one ledger touched: those a household ledger created or updated, and those its
rows point at (by ID number), for the ledger's report page."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import Household, HouseholdYear, Ledger, LedgerRow


def households_of(session: Session, ledger: Ledger) -> list[Household]:
    """By head's name, then id."""
    years = select(HouseholdYear.household_id).where(HouseholdYear.ledger_id == ledger.id)
    rows = select(LedgerRow.household_id).where(LedgerRow.ledger_id == ledger.id, LedgerRow.household_id.is_not(None))
    ids = set(session.scalars(years)) | set(session.scalars(rows))
    if not ids:
        return []
    return list(session.scalars(select(Household).where(Household.id.in_(ids))
                                .order_by(Household.head_name, Household.id)))
