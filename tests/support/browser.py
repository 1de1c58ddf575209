"""Driving the app in a real browser (Playwright pages from tests/browser/conftest.py)."""
from __future__ import annotations


def login(page, username: str, password: str = "password123") -> None:
    page.goto("/login")
    page.fill("#username", username)
    page.fill("#password", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/login" not in page.url, f"log-in failed for {username}: {page.url}"


def collect_csp_errors(page, errors: list[str]) -> list[str]:
    """Console messages about the Content Security Policy go into `errors` (the test asserts it empty)."""
    page.on("console", lambda m: errors.append(m.text) if "Content Security Policy" in m.text else None)
    return errors


def open_from_menu(page, label: str, url) -> None:
    """Click `label` in the side menu and wait for `url` (a string or a pattern)."""
    page.locator("nav.sidenav a", has_text=label).click()
    page.wait_for_url(url)
