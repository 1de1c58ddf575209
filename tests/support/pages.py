"""Driving the HTML pages with the Flask test client: the log-in form, CSRF tokens, page text,
posting a file with a form."""
from __future__ import annotations

import html
import io
import re

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')
CSRF_HEADER = re.compile(r'"X-CSRF-Token": "([^"]+)"')
PREVIEW_TOKEN = re.compile(r'name="token" value="([0-9a-f]{32})"')


def csrf_in(page_text: str) -> str:
    """The CSRF token of the first form on a page."""
    return html.unescape(CSRF_INPUT.search(page_text).group(1))


def csrf(client, url: str = "/") -> str:
    """The current session's CSRF token, from a form on the page at `url` (log-in starts a new
    session, so a new token)."""
    return csrf_in(client.get(url).get_data(as_text=True))


def header_csrf(client) -> str:
    """The token as a logged-in page carries it for htmx (base.html's hx-headers)."""
    text = html.unescape(client.get("/").get_data(as_text=True))
    return html.unescape(CSRF_HEADER.search(text).group(1))


def post_login(client, username: str, password: str = "password123"):
    """The log-in form filled in and posted; the response, whatever it is."""
    return client.post("/login", data={"username": username, "password": password,
                                       "csrf_token": csrf(client, "/login")})


def login(client, username: str, password: str = "password123"):
    """Log in through the form; it must succeed (a redirect)."""
    r = post_login(client, username, password)
    assert r.status_code == 302, r.get_data(as_text=True)
    return r


def raw_text(response) -> str:
    """The page as sent (entities left as they are)."""
    return response.get_data(as_text=True)


def text_of(response) -> str:
    """The page with its HTML entities decoded."""
    return html.unescape(response.get_data(as_text=True))


def preview_token(response) -> str:
    """The token of an import preview that 确认导入 posts back."""
    return PREVIEW_TOKEN.search(response.get_data(as_text=True)).group(1)


def post_file(client, url: str, form: dict, data: bytes, name: str, **kwargs):
    """A multipart form post with `data` as its file field."""
    return client.post(url, data=form | {"file": (io.BytesIO(data), name)}, content_type="multipart/form-data",
                       **kwargs)


def logged_in_client(app, username: str):
    """A test client of its own (its own cookies), logged in as `username`."""
    client = app.test_client()
    login(client, username)
    return client
