"""The FastAPI application: loads the active catalogue once and mounts every domain's routes."""
from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from catalog import load_catalogue
from catalog.deadlines import TZ
from model.registry import REGISTRY_FILE
from serving import errors, logs, metrics
from serving.analytics import hotspot_views, insight_views
from serving.analytics import views as analytics_views
from serving.auth import views as auth_views
from serving.autodispatch import views as autodispatch_views
from serving.corrections import views as correction_views
from serving.catalogue import pages as catalogue_pages
from serving.cases import views as case_views
from serving.catalogue import views as catalogue_views
from serving.db import make_engine, session_factory
from serving.migrate import is_current
from serving.modelops import views as modelops_views
from serving.modelops.watch import ModelWatch
from serving.pages import views as page_views
from serving.settings import Settings
from serving.supervision import views as supervision_views
from serving.tickets import views as ticket_views
from serving.workbench import views as workbench_views

log = logging.getLogger("jiesu.app")


def shanghai_now() -> datetime:
    return datetime.now(TZ)


def make_suggester(name: str, catalogue, home):
    """The suggester named by JIESU_SUGGESTER: 'auto' (the current trained model when there is one for this
    catalogue, else the keyword baseline), 'classifier', 'keyword' or 'none'."""
    if name == "none":
        return None
    if name == "keyword":
        return _keyword(catalogue)
    if name not in ("auto", "classifier"):
        raise ValueError(f"JIESU_SUGGESTER must be auto, classifier, keyword or none, not {name!r}")
    from model.registry import Registry

    current = Registry.under(home).current()
    if current is None and name == "auto":
        return _keyword(catalogue)
    if current is None:
        raise ValueError(f"JIESU_SUGGESTER=classifier but no current model under {home / 'models'}; "
                         "run `jiesu train --config quick.toml`")
    return _classifier(current, catalogue, home, fall_back=name == "auto")


def _keyword(catalogue):
    from model.keyword import KeywordSuggester

    return KeywordSuggester(catalogue)


def _classifier(directory, catalogue, home, fall_back: bool):
    """The current model, advising with the case index under `home` (reloaded as `jiesu index update` grows it);
    under 'auto' a model that cannot serve this catalogue falls back to keywords."""
    from model.classifier import Classifier, ModelError
    from model.dispatch import DispatchAdvisor
    from model.retrieval.cases import index_dir
    from model.retrieval.live import LiveIndex
    from model.suggester import ClassifierSuggester

    try:
        classifier = Classifier(directory, catalogue=catalogue)
        cases = LiveIndex(index_dir(home), f"classifier:{classifier.version}")
        suggester = ClassifierSuggester(classifier, DispatchAdvisor(catalogue, classifier, cases))
        suggester.shadow = _shadow(catalogue, home)
        return suggester
    except ModelError:
        if not fall_back:
            raise
        log.exception("current model %s cannot serve catalogue %s; using the keyword baseline",
                      directory, catalogue.version)
        return _keyword(catalogue)


def _shadow(catalogue, home):
    """The registry's shadow model, predicting beside the current one; None when there is none or it cannot load."""
    from model.classifier import Classifier, ModelError
    from model.registry import Registry

    directory = Registry.under(home).shadow()
    if directory is None:
        return None
    try:
        return Classifier(directory, catalogue=catalogue)
    except ModelError:
        log.exception("shadow model %s cannot serve catalogue %s; no shadow predictions", directory,
                      catalogue.version)
        return None


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
    app.state.suggester = make_suggester(settings.suggester, catalogue, settings.home) if suggester is UNSET else suggester
    app.state.model_watch = None if suggester is not UNSET else ModelWatch(
        settings.home / "models" / REGISTRY_FILE, lambda: make_suggester(settings.suggester, catalogue, settings.home))
    errors.install(app)
    metrics.install(app)
    logs.install(app)

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

    app.include_router(auth_views.router)
    app.include_router(autodispatch_views.router)
    app.include_router(correction_views.router)
    app.include_router(modelops_views.router)
    app.include_router(catalogue_views.router)
    app.include_router(ticket_views.router)
    app.include_router(supervision_views.router)
    app.include_router(case_views.router)
    app.include_router(analytics_views.router)
    app.include_router(hotspot_views.router)
    app.include_router(insight_views.router)
    app.include_router(catalogue_pages.router)
    app.include_router(workbench_views.router)
    app.include_router(page_views.router)
    app.mount(page_views.STATIC_URL, page_views.static_files(), name="static")
    return app
