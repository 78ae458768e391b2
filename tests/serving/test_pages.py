"""The page routes: login first, each page for its roles, every asset served by the service itself."""
import re

import pytest

from serving.auth.service import create_principal
from serving.pages.views import PAGES, STATIC_DIR, TEMPLATES_DIR
from serving.tickets.states import Role

PASSWORD = "test-pass-1"


@pytest.fixture
def people(svc):
    with svc.app.state.sessions() as session:
        for name, role, unit in (("agent-p", Role.AGENT, None), ("unit-p", Role.UNIT, "street:HP01"),
                                 ("supervisor-p", Role.SUPERVISOR, None), ("maintainer-p", Role.MAINTAINER, None)):
            create_principal(session, name=name, role=role, unit=unit, now=svc.clock(), password=PASSWORD)
        session.commit()
    return svc


def login(svc, name):
    response = svc.client.post("/api/v1/auth/login", json={"name": name, "password": PASSWORD})
    assert response.status_code == 200, response.text


def test_pages_send_strangers_to_login_and_back(svc):
    for page in PAGES:
        response = svc.client.get(f"/{page}", follow_redirects=False)
        assert response.status_code == 303 and response.headers["location"] == f"/login?next=%2F{page}"


@pytest.mark.parametrize("name, own, other", [("agent-p", "workbench", "inbox"), ("unit-p", "inbox", "board"),
                                              ("supervisor-p", "board", "maintain"),
                                              ("maintainer-p", "maintain", "workbench")])
def test_each_role_has_its_page_and_is_told_where_to_go_elsewhere(people, name, own, other):
    login(people, name)
    assert people.client.get("/home", follow_redirects=False).headers["location"] == f"/{own}"
    page = people.client.get(f"/{own}")
    assert page.status_code == 200 and f'src="/static/{own}.js"' in page.text and name in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    refused = people.client.get(f"/{other}")
    assert refused.status_code == 403 and f'href="/{own}"' in refused.text


def test_the_login_page_and_the_catalogue_pages_stay_open(people):
    assert 'id="login-form"' in people.client.get("/login").text
    assert people.client.get("/").status_code == 200
    assert people.client.get("/catalogue/search", params={"q": "nq"}).status_code == 200


def test_every_asset_is_local_and_every_module_import_exists(people):
    files = {p.name for p in STATIC_DIR.iterdir()}
    for path in STATIC_DIR.glob("*.js"):
        text = path.read_text(encoding="utf-8")
        assert not re.search(r"https?://(?!www\.w3\.org/2000/svg)", text), path.name
        for imported in re.findall(r'from "\./([\w.]+)"', text):
            assert imported in files, f"{path.name} imports a missing {imported}"
        response = people.client.get(f"/static/{path.name}")
        assert response.status_code == 200 and "javascript" in response.headers["content-type"]
    for template in TEMPLATES_DIR.glob("*.html"):
        assert "http" not in template.read_text(encoding="utf-8"), template.name
    assert people.client.get("/static/jiesu.css").status_code == 200
