"""Masking of personal numbers for people without the right to see them: ID numbers (and other long
digit runs such as bank card numbers) keep their first 6 and last 4 characters, mobile numbers their
first 3 and last 4.

    mask_id("410502199001011234")  -> "410502********1234"
    mask_phone("13812345678")      -> "138****5678"
    mask_text("户主张三，身份证410502199001011234，电话13812345678")
                                   -> "户主张三，身份证410502********1234，电话138****5678"

mask_text is for free text and search snippets: every ID-number-like substring (15–19 digits, an
18-character ID ending in X, also written with full-width digits or in 6-8-4 groups separated by a
space or hyphen) and every mobile-number-like substring (11 digits starting 13–19, optionally after
+86 and in 3-4-4 groups) is masked. Digits that belong to a longer run are left alone by the mobile
rule (an 11-digit piece of a 20-digit number is not a phone number), and the long-run rule masks runs
of up to 19 digits only.
"""
from __future__ import annotations

import re

_D = "0-9０-９"   # ASCII and full-width digits
# 15–19 digits, or 17 digits + X (either width and case), or an 18-character ID in 6-8-4 groups.
_LONG = re.compile(
    rf"(?<![{_D}A-Za-zＡ-Ｚａ-ｚ])"
    rf"(?:[{_D}]{{6}}[ \-][{_D}]{{8}}[ \-][{_D}]{{3}}[{_D}XxＸｘ]|[{_D}]{{17}}[XxＸｘ]|[{_D}]{{15,19}})"
    rf"(?![{_D}A-Za-zＡ-Ｚａ-ｚ])")
_MOBILE = re.compile(
    rf"(?<![{_D}])((?:\+|＋)?(?:86|８６)[ \-]?)?([1１][3-9３-９][{_D}][ \-]?[{_D}]{{4}}[ \-]?[{_D}]{{4}})(?![{_D}])")
# In a 3-4-4 mobile number, which characters are digits: only those are starred.
_DIGIT = re.compile(rf"[{_D}XxＸｘ]")


def _mask_digits(text: str, keep_start: int, keep_end: int) -> str:
    """Star the digits of `text` except the first `keep_start` and the last `keep_end` ones;
    separators stay where they are."""
    positions = [m.start() for m in _DIGIT.finditer(text)]
    if len(positions) <= keep_start + keep_end:
        # Too short to keep both ends: keep a quarter at each end at most.
        keep_start = keep_end = len(positions) // 4
    hidden = set(positions[keep_start:len(positions) - keep_end])
    return "".join("*" if i in hidden else ch for i, ch in enumerate(text))


def mask_id(value: object) -> str:
    """An ID number (or any identifying number) with its middle starred: first 6 and last 4 kept.
    None and "" give ""."""
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    return _mask_digits(text, 6, 4) if _DIGIT.search(text) else "*" * len(text)


def mask_phone(value: object) -> str:
    """A phone number with its middle starred: "13812345678" -> "138****5678". Any other number
    keeps its first 3 and last 4 digits the same way ("0371-65123456" -> "037*-****3456")."""
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    return _mask_digits(text, 3, 4)


def mask_text(text: str | None) -> str:
    """`text` with every ID-number-like and mobile-number-like substring masked."""
    if not text:
        return text or ""
    text = _LONG.sub(lambda m: mask_id(m.group(0)), text)
    return _MOBILE.sub(lambda m: (m.group(1) or "") + mask_phone(m.group(2)), text)
