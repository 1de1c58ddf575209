"""Households (一户一档) as records: made and updated from household ledgers, and read (listed, opened
and viewed, the view audited). Their documents are linking.py's, the file check filecheck.py's; the
faces reach both through this module.

A household ledger is a ledger type with 户主姓名 and 证件号码 and at least one of 姓名, 与户主关系,
家庭人口 (standards/ledgers.yaml `household`): one row per household, or one row per person with the
household's rows together (户主 first or not). A household is known by its head's ID number; a row
whose ID has an error is not made into a household (a member's erroneous ID is left out, the member
kept). Each ledger year keeps its own figures (HouseholdYear); the newest year's ledger sets the
household's name, category, unit and members.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session, selectinload

from archive.audit import service as audit
from archive.auth.actor import Actor
from archive.auth.scope import OutOfScope, require_in_scope
from archive.ledgers.filecheck import file_check
from archive.ledgers.linking import HouseholdError, link_document, link_documents, linked, unlink_document
from archive.values import jsonable
from archive.models import (Household, HouseholdDocument, HouseholdMember, HouseholdYear, Ledger, LedgerRow, OrgUnit,
                            User)
from archive.models.base import utcnow

# The faces use the household's documents and file check as hh.link_document, hh.file_check …
__all__ = ["MAX_PER_PAGE", "PERSON_FIELDS", "HouseholdError", "HouseholdFields", "HouseholdFilter", "apply_ledger",
           "file_check", "get_household", "household_fields", "id_fields", "link_document", "link_documents",
           "linked", "list_households", "normalise_id", "other_unit_ids", "unlink_document", "view_household"]

MAX_PER_PAGE = 200
# Fields about one person, not the household: left out of a year's figures.
PERSON_FIELDS = {"head_name", "name", "id_number", "gender", "relation", "ethnicity", "education", "health",
                 "labour"}
_HEAD_RELATIONS = ("户主", "本人")
_ID_CHUNK = 500


@dataclass(frozen=True)
class HouseholdFields:
    """Which of the household fields a ledger's columns give."""
    has_name: bool
    has_relation: bool
    has_household_no: bool
    has_village: bool


def household_fields(lt, present: set[str] | None = None) -> HouseholdFields | None:
    """None when `lt` is not a household ledger type; else which of its columns a ledger has
    (`present`: the fields its columns were mapped to; None: all of the type's)."""
    keys = {f.key for f in lt.fields}
    if not {"head_name", "id_number"} <= keys or not keys & {"name", "relation", "household_size"}:
        return None
    has = keys if present is None else keys & present
    return HouseholdFields("name" in has, "relation" in has, "household_no" in has, "village" in has)


def id_fields(lt) -> list[str]:
    return [f.key for f in lt.fields if f.kind == "id_number"] if lt is not None else []


def normalise_id(value) -> str | None:
    """An ID number as held: full-width folded, spaces dropped, upper-case X; None when empty. A number
    (an ID typed as a number) is written out in digits."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    text = re.sub(r"[\s\-]", "", unicodedata.normalize("NFKC", str(value))).upper()
    return text or None


# ------------------------------------------------------------------------------------------- scope

def _related_units(org: OrgUnit):
    """Units whose households are not "another unit's" for a ledger of `org`: its subtree and its
    ancestors (a household recorded at the township for a village ledger is the same household)."""
    ancestors = [int(i) for i in org.lineage.strip("/").split("/") if i]
    return select(OrgUnit.id).where(or_(OrgUnit.lineage.startswith(org.lineage), OrgUnit.id.in_(ancestors)))


def _short_path(org_path: str) -> str:
    return "/".join(org_path.split("/")[-2:])


def other_unit_ids(session: Session, table, lt, org: OrgUnit) -> dict[str, str]:
    """ID numbers in the table's ID columns already held by households (heads or members) of other
    units: {id: unit, e.g. "宝莲寺镇/西岗村"}, for validate's id_duplicate_other_unit."""
    from archive.ledgers.idnumber import from_cell

    fields = [f for f in id_fields(lt) if table.column(f) is not None]
    wanted = set()
    for row in table.rows:
        for key in fields:
            number, _ = from_cell(row.cells.get(key))
            if number:
                wanted.add(number)
    found: dict[str, str] = {}
    if not wanted:
        return found
    related = _related_units(org)
    ids = sorted(wanted)
    for start in range(0, len(ids), _ID_CHUNK):
        chunk = ids[start:start + _ID_CHUNK]
        heads = (select(Household.head_id_number, OrgUnit.path).join(OrgUnit, OrgUnit.id == Household.org_id)
                 .where(Household.head_id_number.in_(chunk), Household.org_id.not_in(related)))
        members = (select(HouseholdMember.id_number, OrgUnit.path)
                   .join(Household, Household.id == HouseholdMember.household_id)
                   .join(OrgUnit, OrgUnit.id == Household.org_id)
                   .where(HouseholdMember.id_number.in_(chunk), Household.org_id.not_in(related)))
        for number, path in [*session.execute(heads), *session.execute(members)]:
            found.setdefault(number, _short_path(path))
    return found


# ------------------------------------------------------------------------------------------- from a ledger

@dataclass
class _Group:
    rows: list = field(default_factory=list)       # CleanRow
    head: object = None                            # the head's CleanRow


def _is_head(values: dict, hf: HouseholdFields) -> bool:
    relation = str(values.get("relation") or "").strip()
    if relation:
        return any(r in relation for r in _HEAD_RELATIONS)
    if not hf.has_name:
        return True  # one row per household
    name, head = str(values.get("name") or "").strip(), str(values.get("head_name") or "").strip()
    return not name or name == head


def _groups(rows, hf: HouseholdFields) -> list[_Group]:
    """The ledger's rows by household: a household's rows stand together; a new one starts where the
    户编号, the village or the 户主姓名 changes, or where a second 户主 row comes."""
    groups: list[_Group] = []
    current, key = None, None
    for row in sorted(rows, key=lambda r: r.number):
        v = row.values
        this = (str(v.get("household_no") or "").strip() if hf.has_household_no else "",
                str(v.get("village") or "").strip(), str(v.get("head_name") or "").strip())
        head = _is_head(v, hf)
        if current is None or this != key or (head and current.head is not None) or not hf.has_name \
                and not hf.has_relation:
            current, key = _Group(), this
            groups.append(current)
        current.rows.append(row)
        if head and current.head is None:
            current.head = row
    return groups


class _Villages:
    """Villages named in a ledger, matched under the ledger's unit by name (a 乡镇 column narrows)."""

    def __init__(self, session: Session, org: OrgUnit):
        self.org = org
        self.units = list(session.scalars(select(OrgUnit).where(OrgUnit.lineage.startswith(org.lineage))))
        self.cache: dict[tuple[str, str], OrgUnit] = {}

    def find(self, values: dict) -> OrgUnit:
        village, town = str(values.get("village") or "").strip(), str(values.get("township") or "").strip()
        if not village:
            return self.org
        if (village, town) not in self.cache:
            found = [u for u in self.units if u.name == village and u.id != self.org.id]
            if town and len(found) > 1:
                found = [u for u in found if f"/{town}/" in f"/{u.path}/"] or found
            self.cache[(village, town)] = found[0] if len(found) == 1 else self.org
        return self.cache[(village, town)]


def _figures(group: _Group) -> dict:
    values = dict(group.head.values)
    figures = {k: v for k, v in values.items() if k not in PERSON_FIELDS and v not in (None, "")}
    if figures.get("household_size") is not None:
        figures["members"] = figures["household_size"]
    elif len(group.rows) > 1:
        figures["members"] = len(group.rows)
    category = _category(group)
    if category:
        figures["category"] = category
    return figures


def _category(group: _Group) -> str:
    for row in [group.head, *group.rows]:
        value = str(row.values.get("category") or "").strip()
        if value:
            return value[:50]
    return ""


def apply_ledger(session: Session, ledger: Ledger, lt, report) -> int:
    """Create or update the households of a stored household ledger, with the figures of the ledger's
    year, and point its rows at them. Returns the number of households created or updated. For
    other ledgers with an ID column, rows are only pointed at households already known.

    Written with bulk statements, not one ORM object at a time: a county's ledger has tens of
    thousands of households."""
    hf = household_fields(lt, {c["field"] for c in ledger.columns or [] if c.get("field")})
    bad_ids = {(p.row, p.field) for p in report.problems if p.severity == "error" and p.field in id_fields(lt)}
    row_ids = dict(session.execute(select(LedgerRow.row_number, LedgerRow.id)
                                   .where(LedgerRow.ledger_id == ledger.id)).all())
    org = session.get(OrgUnit, ledger.org_id)
    related = set(session.scalars(_related_units(org)))
    if hf is None:
        _point_rows(session, report, row_ids, bad_ids, related)
        return 0
    villages = _Villages(session, org)
    depth = dict(session.execute(select(OrgUnit.id, OrgUnit.depth).where(OrgUnit.id.in_(related))).all())
    heads: dict[str, _Group] = {}
    for g in _groups(report.rows, hf):
        number = normalise_id(g.head.values.get("id_number")) if g.head is not None else None
        # An ID with an error (as a number, a wrong check character, twice in the ledger …): no household.
        if number and (g.head.number, "id_number") not in bad_ids:
            heads.setdefault(number, g)
    existing = _known(session, list(heads))   # id number -> (household id, org id, latest year)
    now = utcnow()
    new, changed, replaced, ids = [], [], [], {}
    for number, group in heads.items():
        head = group.head.values
        unit = villages.find(head)
        head_name = str(head.get("head_name") or head.get("name") or "").strip()[:100]
        known = existing.get(number)
        if known is None:
            new.append({"org_id": unit.id, "head_name": head_name, "head_id_number": number,
                        "category": _category(group), "created_at": now, "updated_at": now})
            continue
        household_id, org_id, latest_year = known
        if org_id not in related:
            continue  # another unit's household (reported as id_duplicate_other_unit)
        ids[number] = household_id
        if latest_year is None or ledger.year is None or ledger.year >= latest_year:
            change = {"id": household_id, "updated_at": now, "category": _category(group) or None,
                      "head_name": head_name or None,
                      "org_id": unit.id if depth.get(unit.id, 0) >= depth.get(org_id, 0) else org_id}
            changed.append({k: v for k, v in change.items() if v is not None})
            replaced.append(number)
    if new:
        for start in range(0, len(new), _ID_CHUNK):
            made = session.execute(insert(Household).returning(Household.id, Household.head_id_number),
                                   new[start:start + _ID_CHUNK])
            ids.update({number: household_id for household_id, number in made})
        replaced.extend(h["head_id_number"] for h in new)
    if changed:
        session.execute(update(Household), changed)
    if hf.has_name:
        _replace_members(session, [(ids[n], heads[n]) for n in replaced], bad_ids)
    if ledger.year is not None:
        _set_years(session, ledger, [(ids[n], heads[n]) for n in ids], now)
    pointed = [{"id": row_ids[row.number], "household_id": ids[number]}
               for number, group in heads.items() if number in ids for row in group.rows if row.number in row_ids]
    if pointed:
        session.execute(update(LedgerRow), pointed)
    return len(ids)


def _known(session: Session, numbers: list[str]) -> dict[str, tuple[int, int, int | None]]:
    """Households already held: ID number -> (id, org id, latest ledger year)."""
    found = {}
    for start in range(0, len(numbers), _ID_CHUNK):
        chunk = numbers[start:start + _ID_CHUNK]
        latest = (select(HouseholdYear.household_id, func.max(HouseholdYear.year).label("year"))
                  .group_by(HouseholdYear.household_id).subquery())
        stmt = (select(Household.head_id_number, Household.id, Household.org_id, latest.c.year)
                .outerjoin(latest, latest.c.household_id == Household.id)
                .where(Household.head_id_number.in_(chunk)))
        found.update({number: (hid, org_id, year) for number, hid, org_id, year in session.execute(stmt)})
    return found


def _replace_members(session: Session, households: list[tuple[int, _Group]], bad_ids: set) -> None:
    """The members as the newest ledger gives them (户主 included)."""
    ids = [hid for hid, _ in households]
    for start in range(0, len(ids), _ID_CHUNK):
        session.execute(delete(HouseholdMember).where(HouseholdMember.household_id.in_(ids[start:start + _ID_CHUNK])))
    members = []
    for household_id, group in households:
        for row in group.rows:
            v = row.values
            name = str(v.get("name") or (v.get("head_name") if row is group.head else "") or "").strip()
            if not name:
                continue
            number = None if (row.number, "id_number") in bad_ids else normalise_id(v.get("id_number"))
            relation = str(v.get("relation") or ("户主" if row is group.head else "")).strip()
            members.append({"household_id": household_id, "name": name[:100], "relation": relation[:50],
                            "id_number": number[:18] if number else None})
    if members:
        session.execute(insert(HouseholdMember), members)


def _set_years(session: Session, ledger: Ledger, households: list[tuple[int, _Group]], now) -> None:
    """Each household's figures for the ledger's year: a new HouseholdYear, or the one that year had
    (from an earlier ledger of the same year) replaced."""
    ids = [hid for hid, _ in households]
    held = {}
    for start in range(0, len(ids), _ID_CHUNK):
        held.update(session.execute(select(HouseholdYear.household_id, HouseholdYear.id).where(
            HouseholdYear.household_id.in_(ids[start:start + _ID_CHUNK]), HouseholdYear.year == ledger.year)).all())

    rows = [(hid, jsonable(_figures(group))) for hid, group in households]
    fresh = [{"household_id": hid, "year": ledger.year, "ledger_id": ledger.id, "figures": f, "updated_at": now}
             for hid, f in rows if hid not in held]
    again = [{"id": held[hid], "ledger_id": ledger.id, "figures": f, "updated_at": now} for hid, f in rows if hid in held]
    if fresh:
        session.execute(insert(HouseholdYear), fresh)
    if again:
        session.execute(update(HouseholdYear), again)


def _point_rows(session: Session, report, row_ids: dict[int, int], bad_ids: set, related: set[int]) -> None:
    """Rows of a ledger that makes no households, pointed at the households (of its unit) their
    ID numbers name."""
    numbers = {}
    for row in report.rows:
        number = normalise_id(row.values.get("id_number"))
        if number and (row.number, "id_number") not in bad_ids:
            numbers[row.number] = number
    known = {number: hid for number, (hid, org_id, _) in _known(session, sorted(set(numbers.values()))).items()
             if org_id in related}
    pointed = [{"id": row_ids[n], "household_id": known[number]} for n, number in numbers.items()
               if number in known and n in row_ids]
    if pointed:
        session.execute(update(LedgerRow), pointed)


# ------------------------------------------------------------------------------------------- reading

@dataclass
class HouseholdFilter:
    org: OrgUnit | None = None
    category: str | None = None
    q: str = ""     # words of the head's or a member's name, or a whole ID number


def get_household(session: Session, household_id: int, *, user: User | None) -> Household:
    """One household the user sees (else OutOfScope, like a missing one)."""
    household = session.get(Household, household_id, options=[
        selectinload(Household.members), selectinload(Household.years),
        selectinload(Household.documents).selectinload(HouseholdDocument.document)])
    if household is None:
        raise OutOfScope()
    if user is not None:
        require_in_scope(user, household.org)
    return household


def list_households(session: Session, *, user: User | None, flt: HouseholdFilter | None = None, page: int = 1,
                    per_page: int = 50) -> tuple[int, list[Household]]:
    flt = flt or HouseholdFilter()
    stmt = select(Household)
    if user is not None:
        stmt = stmt.where(Household.org_id.in_(select(OrgUnit.id).where(OrgUnit.lineage.startswith(user.org.lineage))))
    if flt.org is not None:
        if user is not None:
            require_in_scope(user, flt.org)
        stmt = stmt.where(Household.org_id.in_(select(OrgUnit.id).where(OrgUnit.lineage.startswith(flt.org.lineage))))
    if flt.category:
        stmt = stmt.where(Household.category == flt.category)
    for word in flt.q.split()[:10]:
        number = normalise_id(word)
        by_member = select(HouseholdMember.household_id).where(or_(
            HouseholdMember.name.contains(word, autoescape=True), HouseholdMember.id_number == number))
        stmt = stmt.where(or_(Household.head_name.contains(word, autoescape=True), Household.head_id_number == number,
                              Household.id.in_(by_member)))
    total = session.scalar(select(func.count()).select_from(stmt.subquery())) or 0
    page, per_page = max(page, 1), min(max(per_page, 1), MAX_PER_PAGE if user is not None else 100_000)
    rows = session.scalars(stmt.options(selectinload(Household.org), selectinload(Household.years))
                           .order_by(Household.org_id, Household.head_name, Household.id)
                           .offset((page - 1) * per_page).limit(per_page))
    return total, list(rows)


def view_household(session: Session, actor: Actor, household_id: int, *, personal: bool = False) -> Household:
    """Open a household's file for reading: documents looked for again, the view audited (every view
    of a household file is, DESIGN.md). `personal`: the numbers are shown unmasked (audited too, by
    the caller's service.personal_access)."""
    household = get_household(session, household_id, user=actor.user)
    link_documents(session, household)
    audit.record(session, actor, "view", object_type="household", object_id=household.id,
                 org_id=household.org_id, summary=f"一户一档：{household.head_name}"
                                                  + ("（未脱敏）" if personal else ""))
    session.flush()
    return household
