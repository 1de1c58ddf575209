"""SQLAlchemy 2 typed models. The database is the source of truth."""
from archive.models.base import Base
from archive.models.org import OrgUnit
from archive.models.user import ApiToken, User, ROLES
from archive.models.document import Document
from archive.models.job import Job
from archive.models.audit import ACTIONS, AuditEvent
from archive.models.sequence import ArchiveSequence
from archive.models.volume import Volume, VolumeItem
from archive.models.rectify import FeedbackBatch, ItemEvent, ItemEvidence, RectificationItem
from archive.models.ledger import (Household, HouseholdDocument, HouseholdMember, HouseholdYear, Ledger,
                                   LedgerProblem, LedgerRow)

__all__ = ["Base", "OrgUnit", "User", "ApiToken", "ROLES", "Document", "Job", "AuditEvent", "ACTIONS", "ArchiveSequence", "Volume", "VolumeItem",
           "FeedbackBatch", "RectificationItem", "ItemEvidence", "ItemEvent", "Ledger", "LedgerRow", "LedgerProblem",
           "Household", "HouseholdMember", "HouseholdYear", "HouseholdDocument"]
