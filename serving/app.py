"""The FastAPI application: loads the active catalogue once and mounts every domain's routes."""
from __future__ import annotations

from fastapi import FastAPI

from catalog import load_catalogue
from serving.catalogue import pages as catalogue_pages
from serving.catalogue import views as catalogue_views
from serving.settings import Settings


def create_app(settings: Settings | None = None) -> FastAPI:
    """Build the app; an invalid catalogue raises CatalogueError here, before the server accepts requests."""
    settings = settings or Settings.from_env()
    catalogue = load_catalogue(settings.catalogue_dir)
    # The interactive docs page loads assets from a CDN, which a hotline's network cannot reach: off.
    app = FastAPI(title="接诉 Jiesu", version="0.1.0", docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.catalogue = catalogue

    @app.get("/api/v1/health", tags=["service"])
    def health() -> dict:
        return {"status": "ok", "catalogue_version": catalogue.version}

    app.include_router(catalogue_views.router)
    app.include_router(catalogue_pages.router)
    return app
