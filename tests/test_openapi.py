"""/api/openapi.json describes every /api/ route, and every answer fits the description.

The description is checked against the code, so it cannot drift: each `/api/` rule the app
registers must be described, and each described route is called (good and bad requests) and
validated with openapi-core, which reads OpenAPI 3.1.
"""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from openapi_core import OpenAPI
from openapi_core.contrib.werkzeug import WerkzeugOpenAPIRequest, WerkzeugOpenAPIResponse
from openapi_spec_validator import validate
from werkzeug.test import EnvironBuilder
from werkzeug.wrappers import Request

# `q=` is empty when browsing: OpenAPI 3.1 still says so with allowEmptyValue, deprecated but
# not replaced, and openapi-core warns at each use of it.
pytestmark = pytest.mark.filterwarnings("ignore:Use of allowEmptyValue:DeprecationWarning")

# Calls of each described route: (query string, expected status). New /api/ routes add theirs.
CALLS: dict[str, list[tuple[str, int]]] = {
    "/api/search": [
        ("q=cooperation", 200),
        ("q=&year=2002&year=2012&section=Trade+and+economy&per_page=5&page=2", 200),
        ("q=security&sort=newest&group=1", 200),
        ('q="Korean Peninsula"', 200),
        ("q=cooperation&per_page=1000", 400),
        ("q=cooperation&year=1x", 400),
        ("q=x&sort=sideways", 400),
    ],
    "/api/trend": [
        ("q=cooperation", 200),
        ("q=security&year=2002&section=Trade+and+economy", 200),
        ("q=", 200),
        ("q=x&year=20x2", 400),
    ],
    "/api/openapi.json": [("", 200)],
    "/api/compare": [
        ("a=2002-12-02-joint-declaration&b=2012-06-06-joint-statement", 200),
        ("a=2002-12-02-joint-declaration&b=2002-12-02-joint-declaration", 400),
        ("a=2002-12-02-joint-declaration", 400),
        ("a=2002-12-02-joint-declaration&b=no-such-document", 404),
    ],
}


@pytest.fixture(scope="module")
def spec(app: Flask) -> dict[str, Any]:
    data: dict[str, Any] = app.test_client().get("/api/openapi.json").get_json()
    return data


def test_the_description_is_valid_openapi_3_1(spec: dict[str, Any]) -> None:
    assert spec["openapi"].startswith("3.1")
    validate(spec)  # raises on an invalid document


def test_every_api_route_is_described(app: Flask, spec: dict[str, Any]) -> None:
    rules = {r.rule for r in app.url_map.iter_rules() if r.rule.startswith("/api/")}
    assert rules == set(spec["paths"])
    assert set(CALLS) == set(spec["paths"]), "each described route needs calls in CALLS"


@pytest.mark.parametrize(
    ("path", "query", "status"), [(p, q, s) for p, c in CALLS.items() for q, s in c]
)
def test_answers_fit_the_description(
    client: FlaskClient, spec: dict[str, Any], path: str, query: str, status: int
) -> None:
    response = client.get(f"{path}?{query}")
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    openapi = OpenAPI.from_dict(spec)
    request = Request(EnvironBuilder(path=path, query_string=query).get_environ())
    if status < 400:
        openapi.validate_request(WerkzeugOpenAPIRequest(request))
    openapi.validate_response(WerkzeugOpenAPIRequest(request), WerkzeugOpenAPIResponse(response))


def test_api_page_renders_the_description(client: FlaskClient, spec: dict[str, Any]) -> None:
    response = client.get("/api")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for path in spec["paths"]:
        assert f"<code>GET {path}</code>" in html
    assert "<code>per_page</code>" in html and "SearchResponse" in html
    assert "<script" not in html.split("</head>")[1]  # rendered on the server, no CDN
