"""searchapp: full-text search of diplomatic declarations."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from searchapp.config import Settings, load_settings

if TYPE_CHECKING:
    from flask import Flask

PACKAGE_TEMPLATES = Path(__file__).parent / "templates"  # inside an installed wheel
REPO_TEMPLATES = Path(__file__).parent.parent / "templates"  # in a checkout


def templates_folder() -> Path:
    return PACKAGE_TEMPLATES if PACKAGE_TEMPLATES.is_dir() else REPO_TEMPLATES


def create_app(settings: Settings | None = None) -> Flask:
    """The web app over an existing index (`searchapp serve` builds the index first)."""
    # Imported here so that the command line does not pay for the web stack at every start.
    from flask import Flask
    from htmx_flask import Htmx

    from searchapp.search import SearchService
    from searchapp.web import register_blueprints
    from searchapp.web.admin import init_admin
    from searchapp.web.service import EXTENSION
    from searchapp.web.warm import warm_up

    settings = settings or load_settings()
    folder = templates_folder()
    app = Flask(
        __name__,
        template_folder=str(folder),
        static_folder=str(folder / "static"),
        static_url_path="/static",
    )
    app.config["SEARCHAPP_SETTINGS"] = settings
    app.config["MAX_CONTENT_LENGTH"] = settings.max_upload_bytes
    app.extensions[EXTENSION] = SearchService(
        settings.index,
        settings.max_query_length,
        settings.max_prefix_expansion,
        settings.per_page_max,
    )
    Htmx(app)
    if settings.proxies:
        from werkzeug.middleware.proxy_fix import ProxyFix

        # Trusted only when configured: a client could otherwise claim any scheme or host.
        n = settings.proxies
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n, x_port=n)  # type: ignore[method-assign]
    register_blueprints(app)
    init_admin(app, settings)  # the admin pages, only when an admin password is set
    warm_up(app.extensions[EXTENSION])  # the first user's request is not the one that loads
    return app
