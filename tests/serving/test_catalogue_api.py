"""The catalogue over HTTP: JSON API and pages."""
import pytest
from fastapi.testclient import TestClient

from catalog import CatalogueError
from serving.app import create_app
from serving.settings import Settings


@pytest.fixture
def client(tmp_path, catalogue_dir):
    return TestClient(create_app(Settings(home=tmp_path, catalogue_dir=catalogue_dir)))


def test_health_and_stats(client):
    version = client.get("/api/v1/health").json()["catalogue_version"]
    stats = client.get("/api/v1/catalog/stats").json()
    assert stats["version"] == version and stats["levels"] == {"1": 2, "2": 3, "3": 5, "4": 2}


def test_node_detail_names_units(client):
    body = client.get("/api/v1/catalog/nodes/010101").json()
    assert body["path"] == "市容环境卫生 > 生活垃圾收运 > 垃圾清运不及时"
    d = body["dispatch"]
    assert d["responsible_name"] == "属地街道办事处/乡镇" and d["co_handler_names"] == ["市城市管理局"]
    assert d["dispatch_mode"] == "双派" and d["time_limit"] == "3个工作日"
    branch = client.get("/api/v1/catalog/nodes/0102").json()
    assert branch["dispatch"] is None and [c["code"] for c in branch["children"]] == ["010201"]


def test_unknown_node_is_404_with_hint(client):
    response = client.get("/api/v1/catalog/nodes/7777")
    assert response.status_code == 404 and "7777" in response.json()["detail"]


def test_search_and_its_errors(client):
    hits = client.get("/api/v1/catalog/search", params={"q": "暖气 漏水"}).json()
    assert [h["node"]["code"] for h in hits] == ["020102"]
    assert client.get("/api/v1/catalog/search", params={"q": "  "}).status_code == 422
    assert client.get("/api/v1/catalog/search").status_code == 422
    assert client.get("/api/v1/catalog/search", params={"q": "垃圾", "limit": 0}).status_code == 422


def test_units_by_kind(client):
    streets = client.get("/api/v1/catalog/units", params={"kind": "street"}).json()
    assert {u["code"] for u in streets} == {"street:HP01", "street:HP02", "street:KP01"}


def test_pages_render_without_external_assets(client):
    home = client.get("/")
    assert home.status_code == 200 and "城市供热" in home.text and "http" not in home.text.split("<body>")[0]
    leaf = client.get("/catalogue/020102")
    assert "市热力集团" in leaf.text and "暖气片呲水了" in leaf.text
    assert "示例诉求" in leaf.text and "结案标准" in leaf.text
    assert "暖气漏水跑水" in client.get("/catalogue/search", params={"q": "跑水"}).text
    assert client.get("/catalogue/8888").status_code == 404


def test_invalid_catalogue_stops_the_app_before_serving(tmp_path, catalogue_dir):
    (catalogue_dir / "manifest.yaml").write_text("name: x\nversion: 1\n", encoding="utf-8")
    with pytest.raises(CatalogueError):
        create_app(Settings(home=tmp_path, catalogue_dir=catalogue_dir))
