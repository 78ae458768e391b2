"""The FastAPI application: loads the active catalogue once and mounts every domain's routes."""
from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from catalog import load_catalogue
from catalog.deadlines import TZ
from serving import errors, metrics
from serving.catalogue import pages as catalogue_pages
from serving.catalogue import views as catalogue_views
from serving.db import make_engine, session_factory
from serving.migrate import is_current
from serving.settings import Settings
from serving.supervision import views as supervision_views
from serving.tickets import views as ticket_views


def shanghai_now() -> datetime:
    return datetime.now(TZ)


def make_suggester(name: str, catalogue):
    """The suggester named by JIESU_SUGGESTER: 'keyword' (the lexical baseline, default) or 'none'."""
    if name == "none":
        return None
    if name == "keyword":
        from model.keyword import KeywordSuggester

        return KeywordSuggester(catalogue)
    raise ValueError(f"JIESU_SUGGESTER must be 'keyword' or 'none', not {name!r}")


UNSET = object()


def create_app(settings: Settings | None = None, clock: Callable[[], datetime] = shanghai_now,
               suggester=UNSET) -> FastAPI:
    """Build the app; an invalid catalogue raises CatalogueError here, before the server accepts requests.

    The database must be at the current migration (`jiesu db upgrade`); `clock` gives the aware 'now'."""
    settings = settings or Settings.from_env()
    catalogue = load_catalogue(settings.catalogue_dir)
    # The interactive docs page loads assets from a CDN, which a hotline's network cannot reach: off.
    app = FastAPI(title="接诉 Jiesu", version="0.1.0", docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.catalogue = catalogue
    app.state.engine = make_engine(settings.database)
    app.state.sessions = session_factory(app.state.engine)
    app.state.clock = clock
    app.state.suggester = make_suggester(settings.suggester, catalogue) if suggester is UNSET else suggester
    errors.install(app)
    metrics.install(app)

    @app.get("/api/v1/health", tags=["service"])
    @app.get("/healthz", tags=["service"])
    def health() -> dict:
        """The process is up and has a valid catalogue."""
        return {"status": "ok", "catalogue_version": catalogue.version}

    @app.get("/readyz", tags=["service"])
    def ready() -> JSONResponse:
        """Ready for traffic: the database answers and is at the latest migration."""
        try:
            current = is_current(settings.database)
        except SQLAlchemyError as exc:
            return JSONResponse({"status": "unavailable", "database": f"unreachable: {type(exc).__name__}"}, 503)
        if not current:
            return JSONResponse({"status": "unavailable", "database": "not at the latest migration; run "
                                 "`jiesu db upgrade`"}, 503)
        return JSONResponse({"status": "ready", "catalogue_version": catalogue.version})

    app.include_router(catalogue_views.router)
    app.include_router(ticket_views.router)
    app.include_router(supervision_views.router)
    app.include_router(catalogue_pages.router)
    return app
