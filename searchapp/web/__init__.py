"""The web UI and the JSON API: blueprints, registered by `register_blueprints`.

To add a part of the site (the admin pages, say), add its blueprint to BLUEPRINTS and, if it
belongs in the header, a NavLink to NAV. A link whose endpoint is not registered is not shown,
so a blueprint that registers itself only under some condition hides its link too.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import Blueprint, Flask

from searchapp.web import api, compare, documents, errors, exports, search


@dataclass(frozen=True)
class NavLink:
    endpoint: str
    label: str


BLUEPRINTS: list[Blueprint] = [
    errors.bp,
    search.bp,
    documents.bp,
    api.bp,
    exports.bp,
    compare.bp,
]

NAV: list[NavLink] = [
    NavLink("search.home", "Search"),
    NavLink("documents.index", "Documents"),
]


def register_blueprints(app: Flask) -> None:
    for blueprint in BLUEPRINTS:
        app.register_blueprint(blueprint)
    app.extensions["searchapp.nav"] = list(NAV)

    @app.context_processor
    def navigation() -> dict[str, object]:
        nav: list[NavLink] = app.extensions["searchapp.nav"]
        return {"nav_links": [link for link in nav if link.endpoint in app.view_functions]}
