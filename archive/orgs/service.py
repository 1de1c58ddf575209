"""The org-unit tree: creating units from display paths, importing CSV, looking units up."""
from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from archive.models import OrgUnit
from archive.errors import NOT_FOUND, DomainError
# One reading of display paths and division-code lengths, shared with the standards (fonds rules).
from archive.standards.units import CODE_LENGTHS, PATH_SEPARATORS as SEPARATORS, split_path


class OrgError(DomainError):
    KINDS = {"org_not_found": NOT_FOUND}


def normalise_code(raw: str | None) -> str | None:
    """A division code of 2/4/6/9/12 digits, right-padded with zeros to the 12-digit form."""
    if raw is None or not raw.strip():
        return None
    code = raw.strip().translate(_FULLWIDTH_DIGITS)
    if not code.isdigit() or len(code) not in CODE_LENGTHS:
        raise OrgError("bad_code", f"区划代码“{raw}”无效：应为 12 位数字")
    return code.ljust(12, "0")


_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")


def get(session: Session, org_id: int) -> OrgUnit | None:
    return session.get(OrgUnit, org_id)


def get_by_path(session: Session, path: str) -> OrgUnit | None:
    return session.scalar(select(OrgUnit).where(OrgUnit.path == "/".join(split_path(path))))


def resolve(session: Session, ref: str) -> OrgUnit:
    """ORG as users type it: a display path or a division code."""
    ref = ref.strip()
    unit = None
    if ref.translate(_FULLWIDTH_DIGITS).isdigit():
        try:
            unit = session.scalar(select(OrgUnit).where(OrgUnit.code == normalise_code(ref)))
        except OrgError:
            unit = None
    unit = unit or get_by_path(session, ref)
    if unit is None:
        raise OrgError("org_not_found", f"找不到单位“{ref}”")
    return unit


def child_named(session: Session, parent: OrgUnit | None, name: str) -> OrgUnit | None:
    parent_id = parent.id if parent else None
    stmt = select(OrgUnit).where(OrgUnit.name == name.strip())
    stmt = stmt.where(OrgUnit.parent_id.is_(None) if parent_id is None else OrgUnit.parent_id == parent_id)
    return session.scalar(stmt)


def ensure_path(session: Session, path: str, code: str | None = None) -> tuple[OrgUnit, int]:
    """Find or create the unit at `path`, creating missing parents. Returns (unit, units created)."""
    names = split_path(path)
    if not names:
        raise OrgError("bad_path", "单位路径为空")
    parent, created = None, 0
    for depth, name in enumerate(names):
        if len(name) > 100:
            raise OrgError("bad_path", f"单位名称过长：“{name[:20]}…”")
        unit = child_named(session, parent, name)
        if unit is None:
            unit = OrgUnit(name=name, parent=parent, path="/".join(names[: depth + 1]), lineage="", depth=depth)
            session.add(unit)
            session.flush()
            unit.lineage = f"{parent.lineage if parent else '/'}{unit.id}/"
            created += 1
        parent = unit
    if code and parent.code != code:
        holder = session.scalar(select(OrgUnit).where(OrgUnit.code == code))
        if holder is not None and holder.id != parent.id:
            raise OrgError("code_conflict", f"区划代码 {code} 已属于“{holder.path}”")
        parent.code = code
    return parent, created


def create_child(session: Session, actor, parent: OrgUnit, name: str, code: str | None = None) -> OrgUnit:
    """An admin adds a unit below one in their scope."""
    from archive.audit import service as audit
    from archive.auth import policy
    from archive.auth.scope import require_in_scope

    policy.require(policy.can_administer(actor), "只有系统管理员可以管理单位")
    if actor.user is not None:
        require_in_scope(actor.user, parent)
    name = name.strip()
    if not name or SEPARATORS.search(name):
        raise OrgError("bad_path", "单位名称不能为空，也不能含有“/”")
    if child_named(session, parent, name) is not None:
        raise OrgError("org_exists", f"“{parent.path}”下已有“{name}”")
    code = normalise_code(code)
    holder = session.scalar(select(OrgUnit).where(OrgUnit.code == code)) if code else None
    if holder is not None:  # checked before anything is written
        raise OrgError("code_conflict", f"区划代码 {code} 已属于“{holder.path}”")
    unit, _ = ensure_path(session, f"{parent.path}/{name}", code)
    audit.record(session, actor, "org_create", object_type="org", object_id=unit.id, org_id=unit.id,
                 summary=unit.path)
    return unit


def import_units(session: Session, actor, data: bytes) -> ImportResult:
    """An admin imports units from CSV; every row must fall inside the admin's scope."""
    from archive.audit import service as audit
    from archive.auth import policy

    policy.require(policy.can_administer(actor), "只有系统管理员可以管理单位")
    result = import_csv(session, data, within=actor.user.org if actor.user else None)
    if not result.errors:
        audit.record(session, actor, "org_import", object_type="org", org_id=actor.user.org_id if actor.user else None,
                     summary=f"{result.rows} 行，新建 {result.created} 个单位")
    return result


def list_units(session: Session, under: OrgUnit | None = None) -> list[OrgUnit]:
    stmt = select(OrgUnit).order_by(OrgUnit.path)
    if under is not None:
        stmt = stmt.where(OrgUnit.lineage.startswith(under.lineage))
    return list(session.scalars(stmt))


@dataclass
class ImportResult:
    rows: int = 0
    created: int = 0
    updated_codes: int = 0
    errors: list[str] = field(default_factory=list)


PATH_COLUMNS = ("路径", "path", "单位路径")
CODE_COLUMNS = ("区划代码", "code", "统计用区划代码")


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM) or GB18030, the encodings Chinese offices' CSVs come in."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise OrgError("bad_encoding", "无法识别 CSV 文件编码（应为 UTF-8 或 GB18030）")


def import_csv(session: Session, data: bytes, within: OrgUnit | None = None) -> ImportResult:
    """Import units from CSV. All rows are checked first; any error imports nothing.

    `within`: every row must be that unit or below it (an admin's scope).
    """
    reader = csv.DictReader(io.StringIO(decode_csv(data).replace("\x00", "")))
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header  # " 路径 " is still the 路径 column
        rows_in = list(reader)
    except csv.Error as e:
        raise OrgError("bad_csv", f"CSV 文件格式有误：{e}") from None
    path_col = next((c for c in PATH_COLUMNS if c in header), None)
    code_col = next((c for c in CODE_COLUMNS if c in header), None)
    if path_col is None:
        raise OrgError("bad_header", "CSV 缺少“路径”(path) 列")
    result, rows = ImportResult(), []
    for line_no, row in enumerate(rows_in, start=2):
        path = (row.get(path_col) or "").strip()
        if not path:
            if any((v or "").strip() for v in row.values() if isinstance(v, str)):
                result.errors.append(f"第 {line_no} 行：路径为空")
            continue
        try:
            rows.append((line_no, path, normalise_code(row.get(code_col)) if code_col else None))
        except OrgError as e:
            result.errors.append(f"第 {line_no} 行：{e.message}")
            continue
        normal = "/".join(split_path(path))
        if within is not None and normal != within.path and not normal.startswith(within.path + "/"):
            result.errors.append(f"第 {line_no} 行：“{normal}”不在管辖范围（{within.path}）内")
    if result.errors:
        return result
    for line_no, path, code in rows:
        before = get_by_path(session, path)
        old_code = before.code if before else None
        try:
            unit, created = ensure_path(session, path, code)
        except OrgError as e:
            result.errors.append(f"第 {line_no} 行：{e.message}")
            continue
        result.rows += 1
        result.created += created
        result.updated_codes += int(before is not None and code is not None and old_code != unit.code)
    return result
