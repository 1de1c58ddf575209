"""The demo data set that ``archive init --demo`` loads: the 文峰区 tree, three accounts and generated
poverty-alleviation files."""
from __future__ import annotations

import random
import tempfile
from pathlib import Path

from sqlalchemy import select

from archive.auth import service as auth
from archive.container import Services
from archive.demo.samples_tree import DEMO_ORG_PATHS, DEMO_ORGS, build_tree
from archive.ingest.walk import walk
from archive.models import Document, User
from archive.orgs import service as orgs

DEMO_PASSWORD = "demo-password"
DEMO_USERS = [
    ("admin", "河南省/安阳市/文峰区", "admin"),
    ("inspector", "河南省/安阳市/文峰区", "inspector"),
    ("clerk", "河南省/安阳市/文峰区/莲蓬寺镇/黎元村", "clerk"),
]


def load_demo(services: Services, per_unit: int = 4, seed: int = 2020) -> str:
    """Idempotent: units and accounts are ensured; the files are generated only into an empty archive."""
    with services.db.session() as session:
        for path, code in DEMO_ORGS:
            orgs.ensure_path(session, path, code)
        for username, org_path, role in DEMO_USERS:
            if session.scalar(select(User).where(User.username == username)) is None:
                auth.create_user(session, username=username, org=orgs.resolve(session, org_path),
                                 role=role, password=DEMO_PASSWORD)
        admin_token = auth.create_token(session, auth.get_user(session, "admin"))

    counts = {"stored": 0, "duplicate": 0, "rejected": 0}
    with services.db.session() as session:
        has_documents = session.scalar(select(Document.id).limit(1)) is not None
    if not has_documents:
        _ingest_generated(services, counts, per_unit, seed)

    users = "\n".join(f"  {name:10} {auth.ROLE_NAMES[role]:6} {path}" for name, path, role in DEMO_USERS)
    return (
        f"演示数据：新入库 {counts['stored']}，重复 {counts['duplicate']}，拒绝 {counts['rejected']}"
        f"{'（档案中已有文件，未再生成演示文件）' if has_documents else ''}\n"
        f"演示账号（密码 {DEMO_PASSWORD}）：\n{users}\n"
        f"admin 的 API 令牌（只显示一次）：{admin_token}"
    )


def _ingest_generated(services: Services, counts: dict, per_unit: int, seed: int) -> None:
    with tempfile.TemporaryDirectory(prefix="archive-demo-") as tmp:
        build_tree(Path(tmp), random.Random(seed), org_paths=DEMO_ORG_PATHS, per_unit=per_unit)
        with services.db.session() as session:
            items = list(walk(session, [str(Path(tmp) / "河南省")], None))
        for result in services.pipeline.ingest_many(items):
            counts[result.status] += 1
