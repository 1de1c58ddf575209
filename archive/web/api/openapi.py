"""The OpenAPI 3 document, assembled from the `documented` decorators on the API views and the
schemas the resource modules add to SCHEMAS, served at /api/v1/openapi.json."""
from __future__ import annotations

from typing import Callable

from flask import jsonify

from archive.web.api.base import bp

PATHS: dict[str, dict] = {}

ERROR = {"$ref": "#/components/schemas/Error"}
ID_PARAM = {"name": "id", "in": "path", "required": True, "schema": {"type": "integer"}}

# Pieces of schemas that several resources use.
STR = {"type": "string"}
NSTR = {"type": "string", "nullable": True}
NINT = {"type": "integer", "nullable": True}
DATE = {"type": "string", "format": "date", "nullable": True}
BINARY = {"schema": {"type": "string", "format": "binary"}}
ORG_REF = {"type": "object", "properties": {"id": {"type": "integer"}, "name": STR, "path": STR}}

SCHEMAS = {
    "ErrorObject": {"type": "object", "required": ["code", "message"], "properties": {
        "code": {"type": "string", "example": "unsupported_type"},
        "message": {"type": "string", "example": "不支持的文件类型"}}},
    "Error": {"type": "object", "required": ["error"],
              "properties": {"error": {"$ref": "#/components/schemas/ErrorObject"}}},
    "DocumentSummary": {
        "type": "object",
        "properties": {
            "id": {"type": "integer"}, "title": {"type": "string"},
            "archive_code": {"type": "string", "nullable": True}, "org": {"type": "string"},
            "year": {"type": "integer", "nullable": True}, "doc_number": {"type": "string", "nullable": True},
            "doc_date": {"type": "string", "format": "date", "nullable": True},
            "file_kind": {"type": "string"}, "status": {"type": "string", "enum": ["ready", "awaiting_ocr"]},
        },
    },
    "Document": {"allOf": [{"$ref": "#/components/schemas/DocumentSummary"}, {"type": "object", "properties": {
        "org_id": {"type": "integer"}, "org_code": {"type": "string", "nullable": True},
        "author": {"type": "string", "nullable": True}, "page_count": {"type": "integer", "nullable": True},
        "original_name": {"type": "string"}, "mime_type": {"type": "string"}, "size": {"type": "integer"},
        "sha256": {"type": "string"}, "uploaded_by": {"type": "string", "nullable": True},
        "created_at": {"type": "string", "format": "date-time"}, "updated_at": {"type": "string", "format": "date-time"},
        "text": {"type": "string", "description": "only with ?text=1"}}}]},
    "DocumentList": {"type": "object", "required": ["total", "items"], "properties": {
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/DocumentSummary"}}}},
    "IngestResult": {"type": "object", "properties": {
        "path": {"type": "string"}, "status": {"type": "string", "enum": ["stored", "duplicate", "rejected"]},
        "document_id": {"type": "integer", "nullable": True}, "archive_code": {"type": "string", "nullable": True},
        "org": {"type": "string", "nullable": True}, "title": {"type": "string", "nullable": True},
        "error": {"nullable": True, "allOf": [{"$ref": "#/components/schemas/ErrorObject"}]}}},
    "Job": {"type": "object", "properties": {
        "id": {"type": "string"}, "kind": {"type": "string"},
        "status": {"type": "string", "enum": ["queued", "running", "done", "failed"]},
        "total": {"type": "integer"}, "done": {"type": "integer"}, "progress": {"type": "number"},
        "results": {"type": "array", "items": {"$ref": "#/components/schemas/IngestResult"}},
        "counts": {"type": "object"}, "error": {"type": "string", "nullable": True}}},
    "SearchHit": {"type": "object", "properties": {
        "document_id": {"type": "integer"}, "title": {"type": "string"},
        "archive_code": {"type": "string", "nullable": True}, "org": {"type": "string"},
        "category": {"type": "object", "nullable": True}, "year": {"type": "integer", "nullable": True},
        "snippet": {"type": "string", "description": "HTML：匹配处用 <mark> 标出，其余已转义"},
        "title_html": {"type": "string"}, "score": {"type": "number"}}},
    "SearchResult": {"type": "object", "required": ["total", "hits", "facets"], "properties": {
        "total": {"type": "integer"}, "page": {"type": "integer"}, "per_page": {"type": "integer"},
        "hits": {"type": "array", "items": {"$ref": "#/components/schemas/SearchHit"}},
        "facets": {"type": "object", "properties": {
            "org": {"type": "array", "items": {"type": "object"}}, "category": {"type": "array", "items": {"type": "object"}},
            "year": {"type": "array", "items": {"type": "object"}}, "type": {"type": "array", "items": {"type": "object"}}}}}},
    "OrgUnit": {"type": "object", "properties": {
        "id": {"type": "integer"}, "name": {"type": "string"}, "path": {"type": "string"},
        "code": {"type": "string", "nullable": True}, "parent_id": {"type": "integer", "nullable": True}}},
}


def json_response(description: str, schema: dict) -> dict:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def error_response(description: str) -> dict:
    return json_response(description, ERROR)


def documented(path: str, method: str, **operation) -> Callable:
    """Record the operation for /openapi.json; the view itself is unchanged."""
    operation.setdefault("security", [{"bearer": []}])
    operation.setdefault("responses", {})
    operation["responses"].setdefault("401", error_response("未认证 / not authenticated"))

    def register(view: Callable) -> Callable:
        operation.setdefault("operationId", view.__name__)
        PATHS.setdefault(path, {})[method.lower()] = operation
        return view

    return register


def document() -> dict:
    return {
        "openapi": "3.0.3",
        "info": {"title": "扶贫档案管理系统 API", "version": "1",
                 "description": "JSON API. Authenticate with `Authorization: Bearer <token>` "
                                "(`archive token create USERNAME`)."},
        "servers": [{"url": "/api/v1"}],
        "paths": PATHS,
        "components": {
            "schemas": SCHEMAS,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
