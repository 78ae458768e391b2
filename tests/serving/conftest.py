"""A real app on a real database — SQLite and PostgreSQL — with principals of every role and a settable clock."""
from __future__ import annotations

import uuid
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from catalog import DEFAULT_DATA_DIR
from catalog.deadlines import TZ
from serving.app import create_app
from serving.auth.service import create_principal
from serving.migrate import upgrade
from serving.settings import Settings
from serving.tickets.states import Role

POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def _postgres_available() -> bool:
    try:
        with sa.create_engine(POSTGRES).connect():
            return True
    except sa.exc.OperationalError:
        return False


class Clock:
    def __init__(self, start: datetime):
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta) -> None:
        self.now += timedelta(**delta)


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'jiesu.db'}"
        return
    if not _postgres_available():
        pytest.skip(f"PostgreSQL is not reachable at {POSTGRES}")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES)
    with admin.begin() as conn:
        conn.execute(sa.text(f"CREATE SCHEMA {schema}"))
    yield f"{POSTGRES}?options=-csearch_path%3D{schema}"
    with admin.begin() as conn:
        conn.execute(sa.text(f"DROP SCHEMA {schema} CASCADE"))
    admin.dispose()


@pytest.fixture
def clock():
    return Clock(datetime(2025, 9, 29, 9, 0, tzinfo=TZ))   # a Monday before the National Day holiday


class Service:
    """The app, its client and one API key per principal."""

    def __init__(self, app, clock):
        self.app, self.clock = app, clock
        self.client = TestClient(app)
        self.keys: dict[str, str] = {}

    def add(self, name: str, role: Role, unit: str | None = None) -> None:
        with self.app.state.sessions() as session:
            self.keys[name] = create_principal(session, name=name, role=role, unit=unit, now=self.clock())
            session.commit()

    def call(self, who: str, method: str, path: str, **kwargs):
        headers = kwargs.pop("headers", {})
        if who:
            headers["Authorization"] = f"Bearer {self.keys[who]}"
        return self.client.request(method, f"/api/v1/tickets{path}", headers=headers, **kwargs)

    def ok(self, who: str, method: str, path: str, status: int = 200, **kwargs) -> dict:
        response = self.call(who, method, path, **kwargs)
        assert response.status_code == status, response.text
        return response.json()


@pytest.fixture
def svc(tmp_path, database_url, clock):
    upgrade(database_url)
    app = create_app(Settings(home=tmp_path, catalogue_dir=DEFAULT_DATA_DIR, database_url=database_url), clock=clock)
    service = Service(app, clock)
    service.add("agent", Role.AGENT)
    service.add("supervisor", Role.SUPERVISOR)
    service.add("admin", Role.ADMIN)
    for unit in ("heating_supply", "urban_mgmt", "ecology", "district:HP", "street:HP01", "street:HP02",
                 "gas_supply"):
        service.add(unit, Role.UNIT, unit)
    yield service
    app.state.engine.dispose()


@pytest.fixture
def advised(tmp_path, database_url, clock, trained):
    """A service whose current model is the tiny trained one (dispatch advice, corrections, auto-dispatch)."""
    import shutil

    pytest.importorskip("onnxruntime")
    from model.classifier import Classifier
    from model.registry import Registry

    directory = shutil.copytree(trained[0], tmp_path / "models" / trained[0].name)
    Registry.under(tmp_path).promote(directory.name, by="test", reason="advice tests", at=clock())
    upgrade(database_url)
    app = create_app(Settings(home=tmp_path, catalogue_dir=DEFAULT_DATA_DIR, database_url=database_url), clock=clock)
    service = Service(app, clock)
    service.add("agent", Role.AGENT)
    service.add("unit", Role.UNIT, "urban_mgmt")
    yield service, tmp_path, Classifier(directory)
    app.state.engine.dispose()
