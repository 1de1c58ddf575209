"""What tests/conftest.py builds each test's app from: the limits and the unit tree it imports."""
from __future__ import annotations

from archive.config import Limits

TEST_LIMITS = Limits(max_bytes=20 * 1024 * 1024, timeout_seconds=30)

ORG_CSV = """路径,区划代码
河南省/安阳市/文峰区,410502000000
河南省/安阳市/文峰区/莲蓬寺镇,410502100000
河南省/安阳市/文峰区/莲蓬寺镇/黎元村,410502100201
河南省/安阳市/文峰区/莲蓬寺镇/东关村,410502100202
河南省/安阳市/文峰区/宝莲寺镇/西岗村,
"""
