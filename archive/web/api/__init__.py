"""JSON API under /api/v1: one blueprint `bp` (base.py: login, request parsing, the one error
mapping), one module per resource, and the OpenAPI document built from their `documented`
decorators (openapi.py). Importing the resource modules here registers their routes on `bp`."""
from archive.web.api import (  # noqa: F401  (each module's routes register on bp)
    catalogue, completeness, documents, feedback, households, jobs, ledgers, openapi, orgs, rectification, search,
    volumes)
from archive.web.api.base import bp

__all__ = ["bp"]
