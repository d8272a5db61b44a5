"""The OpenAPI 3.1 description of every `/api/` route, served at `/api/openapi.json`.

It is written here by hand, next to the routes, and held to the code by the tests: every
`/api/` rule of the app must be described, and every described route is called and its answer
validated against this schema (tests/test_openapi.py, with openapi-core).
"""

from __future__ import annotations

from typing import Any

from searchapp.engine import SORTS
from searchapp.search import MAX_PAGE

_ERROR = {"$ref": "#/components/schemas/Error"}


def _array_param(name: str, description: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "description": description,
        "style": "form",
        "explode": True,
        "schema": {"type": "array", "items": {"type": "string"}},
    }


def _json(schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*statuses: int) -> dict[str, Any]:
    reasons = {
        400: "The request cannot be used (the message says why).",
        404: "No such document.",
        503: "Nothing has been indexed yet.",
    }
    return {str(s): _json(_ERROR, reasons[s]) for s in statuses}


def _search_parameters(per_page_max: int, max_query_length: int) -> list[dict[str, Any]]:
    return [
        {
            "name": "q",
            "in": "query",
            "description": "The query (README, 'Query language'); empty browses.",
            "allowEmptyValue": True,
            "schema": {"type": "string", "maxLength": max_query_length},
        },
        _array_param("year", "A year, or 'unknown'; repeat for OR."),
        _array_param("section", "A thematic section name; repeat for OR."),
        _array_param("party", "A party (canonical name); repeat for OR."),
        {
            "name": "page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 1},
        },
        {
            "name": "per_page",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": per_page_max, "default": 10},
        },
        {
            "name": "sort",
            "in": "query",
            "schema": {"type": "string", "enum": list(SORTS), "default": "relevance"},
        },
        {
            "name": "group",
            "in": "query",
            "description": "1: one hit per document (its best paragraph).",
            "schema": {"type": "string", "enum": ["0", "1"], "default": "0"},
        },
    ]


_FACET_ITEM = {
    "type": "object",
    "required": ["value", "count"],
    "properties": {
        "value": {"type": ["string", "integer"]},
        "count": {"type": "integer", "minimum": 0},
    },
}

_COMPARED_DOC = {
    "type": "object",
    "required": ["doc_id", "doc_title", "date"],
    "properties": {
        "doc_id": {"type": "string"},
        "doc_title": {"type": "string"},
        "date": {"type": ["string", "null"]},
    },
}
_COMPARED_PARAGRAPH = {
    "type": ["object", "null"],
    "required": ["pid", "paragraph", "text"],
    "properties": {
        "pid": {"type": "integer"},
        "paragraph": {"type": "integer"},
        "text": {"type": "string"},
    },
}
_COUNT = {"type": "integer", "minimum": 0}

SCHEMAS: dict[str, Any] = {
    "CompareResponse": {
        "type": "object",
        "required": ["a", "b", "summary", "pairs"],
        "properties": {
            "a": _COMPARED_DOC,
            "b": _COMPARED_DOC,
            "summary": {
                "type": "object",
                "required": ["same", "changed", "added", "dropped"],
                "properties": {k: _COUNT for k in ("same", "changed", "added", "dropped")},
            },
            "pairs": {
                "type": "array",
                "description": "In b's reading order; dropped paragraphs where they stood in a.",
                "items": {
                    "type": "object",
                    "required": ["status", "a", "b", "similarity", "diff"],
                    "properties": {
                        "status": {
                            "type": "string",
                            "enum": ["same", "changed", "added", "dropped"],
                        },
                        "a": _COMPARED_PARAGRAPH,
                        "b": _COMPARED_PARAGRAPH,
                        "similarity": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
                        "diff": {
                            "type": "string",
                            "description": "Sanitized HTML: <ins> and <del> only.",
                        },
                    },
                },
            },
        },
    },
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {"error": {"type": "string"}},
    },
    "Hit": {
        "type": "object",
        "required": [
            "doc_id",
            "doc_title",
            "date",
            "year",
            "paragraph",
            "pid",
            "section",
            "section_label",
            "text",
            "excerpt",
            "score",
            "url",
        ],
        "properties": {
            "doc_id": {"type": "string"},
            "doc_title": {"type": ["string", "null"]},
            "date": {"type": ["string", "null"], "description": "YYYY, YYYY-MM or YYYY-MM-DD"},
            "year": {"type": ["integer", "null"]},
            "parties": {"type": "array", "items": {"type": "string"}},
            "paragraph": {"type": "integer", "description": "Reading order, 1..N."},
            "pid": {"type": "integer", "description": "Permanent id within the document."},
            "section": {"type": "string"},
            "section_label": {"type": "string"},
            "text": {"type": "string"},
            "excerpt": {"type": "string", "description": "Sanitized HTML: <mark> only."},
            "score": {"type": ["number", "null"]},
            "url": {"type": "string", "description": "The paragraph's permalink."},
            "more_in_document": {"type": "integer"},
        },
    },
    "Trend": {
        "type": "object",
        "required": ["query", "buckets"],
        "properties": {
            "query": {"type": "string"},
            "buckets": {
                "type": "array",
                "description": "Every year from the first to the last, gaps included.",
                "items": {
                    "type": "object",
                    "required": ["year", "hits", "paragraphs", "per_1000"],
                    "properties": {
                        "year": {"type": "integer"},
                        "hits": {"type": "integer", "minimum": 0},
                        "paragraphs": {
                            "type": "integer",
                            "description": "All paragraphs of the year that pass the filters.",
                        },
                        "per_1000": {"type": "number"},
                    },
                },
            },
            "unknown_year_hits": {"type": "integer", "description": "Hits of undated texts."},
        },
    },
    "SearchResponse": {
        "type": "object",
        "required": ["query", "total", "page", "per_page", "hits", "facets", "took_ms"],
        "properties": {
            "query": {"type": "string"},
            "total": {"type": "integer", "minimum": 0},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "sort": {"type": "string", "enum": list(SORTS)},
            "hits": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
            "facets": {
                "type": "object",
                "required": ["year", "section"],
                "additionalProperties": {"type": "array", "items": _FACET_ITEM},
            },
            "suggestion": {"type": ["string", "null"]},
            "suggestion_used": {"type": "boolean"},
            "notices": {"type": "array", "items": {"type": "string"}},
            "grouped": {"type": "boolean"},
            "took_ms": {"type": "number"},
        },
    },
}


def openapi_document(per_page_max: int, max_query_length: int) -> dict[str, Any]:
    """The description, with the limits this app was configured with."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Declarations search API",
            "version": "1",
            "description": (
                "Paragraph-level search of diplomatic declarations. Errors answer "
                '`{"error": message}` with a 4xx status when the request is at fault.'
            ),
        },
        "paths": {
            "/api/search": {
                "get": {
                    "operationId": "search",
                    "summary": "Ranked paragraphs with facets and highlighted excerpts",
                    "parameters": _search_parameters(per_page_max, max_query_length),
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/SearchResponse"}, "Hits."),
                        **_errors(400, 503),
                    },
                }
            },
            "/api/trend": {
                "get": {
                    "operationId": "trend",
                    "summary": "How a query's hits spread over the years",
                    "parameters": [
                        p
                        for p in _search_parameters(per_page_max, max_query_length)
                        if p["name"] in ("q", "year", "section", "party")
                    ],
                    "responses": {
                        "200": _json({"$ref": "#/components/schemas/Trend"}, "Buckets."),
                        **_errors(400, 503),
                    },
                }
            },
            "/api/compare": {
                "get": {
                    "operationId": "compare",
                    "summary": "Two documents compared paragraph by paragraph",
                    "parameters": [
                        {
                            "name": n,
                            "in": "query",
                            "required": True,
                            "description": d,
                            "schema": {"type": "string"},
                        }
                        for n, d in (
                            ("a", "The earlier document's id."),
                            ("b", "The document compared with it."),
                        )
                    ],
                    "responses": {
                        "200": _json(
                            {"$ref": "#/components/schemas/CompareResponse"}, "The alignment."
                        ),
                        **_errors(400, 404, 503),
                    },
                }
            },
            "/api/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This description",
                    "responses": {"200": _json({"type": "object"}, "OpenAPI 3.1 document.")},
                }
            },
        },
        "components": {"schemas": SCHEMAS},
    }
