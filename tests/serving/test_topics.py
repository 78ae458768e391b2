"""Emerging topics: a planted burst of a new complaint is found as a new topic with readable words, representative
tickets and its leaf; the ordinary background, as frequent in the window as in the weeks before, is not flagged.
The detector's maths on documents, and the API and command line on SQLite and PostgreSQL."""
from datetime import datetime, timedelta

import pytest
from typer.testing import CliRunner

from catalog import DEFAULT_DATA_DIR, load_catalogue
from catalog.deadlines import TZ
from serving.analytics.topics import Doc, TfidfVectors, TopicPolicy, clusters, emerging_topics, words
from serving.cli import app as cli
from serving.tickets.models import Ticket

CATALOGUE = load_catalogue(DEFAULT_DATA_DIR)
NOW = datetime(2025, 9, 29, 9, 0, tzinfo=TZ)          # the svc fixture's clock
DRONES = "170101"                                      # 交通噪声扰民: the leaf agents chose for the new complaint
PLANTED = [
    "无人机表演彩排每晚在小区上空飞，嗡嗡声吵得孩子睡不着",
    "这几天晚上十点以后还有无人机编队彩排，嗡嗡响，老人心脏受不了",
    "无人机灯光秀彩排连续一周，噪音太大，什么时候结束",
    "河边无人机彩排到半夜，嗡嗡的声音整晚不停",
    "无人机表演彩排扰民，晚上吵得没法休息，希望调整时间",
    "天天晚上无人机彩排，几百架飞机嗡嗡声太吵了",
    "投诉无人机编队表演夜间彩排噪音扰民",
    "无人机彩排时间太晚，小孩被嗡嗡声吵醒好几次",
    "晚上无人机灯光表演彩排，噪音影响附近居民休息",
    "无人机彩排的嗡嗡声从九点一直响到十一点",
    "小区对面广场无人机表演彩排，声音太吵",
    "无人机彩排每天晚上都有，嗡嗡声扰民严重",
]


def background_leaves(n: int = 60) -> list:
    """Leaves spread over the catalogue, each with its hand-written examples."""
    leaves = CATALOGUE.leaves()
    return [leaves[i * len(leaves) // n] for i in range(n)]


def doc(i: int, at: datetime, leaf: str, text: str) -> Doc:
    return Doc(i, f"T{i:05d}", at, leaf, "", text)


def history() -> tuple[list[Doc], list[Doc]]:
    """(the last 7 days, the 8 weeks before): every background leaf once a week, the planted burst this week."""
    window, baseline, i = [], [], 0
    for week in range(9):
        for k, leaf in enumerate(background_leaves()):
            at = NOW - timedelta(days=7 * week + 1 + k % 6, hours=k % 5)
            example = leaf.dispatch.examples[week % len(leaf.dispatch.examples)]
            (window if week == 0 else baseline).append(doc(i, at, leaf.code, example))
            i += 1
    window += [doc(i + n, NOW - timedelta(days=n % 6 + 1, hours=n), DRONES, text) for n, text in enumerate(PLANTED)]
    return window, baseline


def test_a_planted_burst_is_one_new_topic_and_the_background_is_not_flagged():
    window, baseline = history()
    found = emerging_topics(window, baseline, vectoriser=TfidfVectors(), window_days=7, baseline_days=56)
    flagged = [t for t in found if t.new]
    planted = {d.id for d in window if d.leaf == DRONES}
    assert len(flagged) == 1
    topic = flagged[0]
    assert set(topic.members) == planted and topic.why == "新出现" and topic.baseline == 0
    assert topic.keywords[0] in ("无人机", "彩排") and {"无人机", "彩排", "嗡嗡声"} <= set(topic.keywords)
    assert topic.leaf == DRONES and len(topic.representatives) == 3 and set(topic.representatives) <= planted
    assert topic.score > 6 and topic.expected < 0.1
    assert all(not t.new and set(t.members).isdisjoint(planted) for t in found[1:])


def test_the_same_burst_in_the_baseline_too_is_no_longer_new():
    window, baseline = history()
    again = [doc(10_000 + n, NOW - timedelta(days=20 + n), DRONES, text) for n, text in enumerate(PLANTED * 8)]
    found = emerging_topics(window, baseline + again, vectoriser=TfidfVectors(), window_days=7, baseline_days=56)
    burst = next(t for t in found if t.leaf == DRONES)
    assert not burst.new and burst.baseline >= 90 and burst.expected > 10


def test_clusters_are_deterministic_and_split_large_windows_by_category():
    window, _ = history()
    vectors = TfidfVectors().vectors(window, [words(d) for d in window])
    together = clusters(window, vectors, 0.95)
    assert together == clusters(window, vectors, 0.95)
    assert sorted(i for group in together for i in group) == list(range(len(window)))
    split = clusters(window, vectors, 0.95, limit=20)
    assert all(len({(window[i].leaf or "")[:2] for i in group}) == 1 for group in split)
    with pytest.raises(ValueError, match="fewer days"):
        clusters([doc(i, NOW, DRONES, "噪音") for i in range(6)], vectors[:6], 0.95, limit=5)


def test_words_drop_stock_phrases_numbers_and_single_characters():
    found = words(Doc(1, None, NOW, None, "", "市民来电反映：12号楼无人机嗡嗡声，希望尽快处理，谢谢"))
    assert found == ["无人机", "嗡嗡声"]


def test_bad_policy_and_periods_are_refused():
    with pytest.raises(ValueError, match="min_size"):
        TopicPolicy(min_size=1)
    with pytest.raises(ValueError, match="cosine distance"):
        TopicPolicy(distance=2.5)
    with pytest.raises(ValueError, match="positive"):
        emerging_topics([], [], vectoriser=TfidfVectors(), window_days=0, baseline_days=56)


def store(svc, docs: list[Doc]) -> None:
    with svc.app.state.sessions() as session:
        session.add_all(Ticket(number=d.number, request_hash="-", channel="phone", title=d.title, text=d.text,
                               status="closed", leaf=d.leaf, catalogue_version="test", created_at=d.at,
                               updated_at=d.at) for d in docs)
        session.commit()


def get(svc, who: str, path: str, status: int = 200, **params):
    response = svc.client.get(f"/api/v1/analytics/{path}", params=params,
                              headers={"Authorization": f"Bearer {svc.keys[who]}"})
    assert response.status_code == status, response.text
    return response.json()


def test_the_api_lists_the_new_topic_with_its_evidence(svc):
    window, baseline = history()
    store(svc, window + baseline)
    body = get(svc, "supervisor", "topics", days=7)
    assert body["vectors"] == "tfidf:jieba" and "TF-IDF" in body["vectors_name"]
    assert body["tickets"] == len(window) and body["baseline_tickets"] == len(baseline) and body["new"] == 1
    top = body["topics"][0]
    assert top["new"] and top["why"] == "新出现" and top["size"] == len(PLANTED)
    assert top["label"].endswith("（交通噪声扰民）") and "无人机" in top["label"]
    assert top["leaf_name"] == "大气与噪声污染 > 交通噪声 > 交通噪声扰民"
    assert [r["text"] for r in top["representatives"]] and all(r["text"] in PLANTED for r in top["representatives"])
    assert all(r["number"].startswith("T") and r["created_at"].endswith("+08:00") for r in top["representatives"])
    assert not any(t["new"] for t in body["topics"][1:])
    assert get(svc, "agent", "topics", days=7, limit=1)["topics"] == [top]


@pytest.mark.parametrize("params, parameter", [({"days": 0}, "days"), ({"days": 40}, "days"),
                                               ({"baseline_weeks": 0}, "baseline_weeks"),
                                               ({"vectors": "bert"}, "vectors"), ({"vectors": "classifier"}, "vectors"),
                                               ({"limit": 0}, "limit")])
def test_bad_topic_parameters_are_a_422(svc, params, parameter):
    assert get(svc, "supervisor", "topics", 422, **params)["detail"].startswith(f"{parameter}:")


def test_units_may_not_read_topics(svc):
    get(svc, "heating_supply", "topics", 403)


def test_the_cli_refuses_bad_parameters(svc, database_url, tmp_path, monkeypatch):
    monkeypatch.setenv("JIESU_DATABASE_URL", database_url)
    monkeypatch.setenv("JIESU_HOME", str(tmp_path))
    bad = CliRunner().invoke(cli, ["analyse", "topics", "--days", "0"])
    assert bad.exit_code == 2 and "days: 0 is out of range" in bad.output
    wrong = CliRunner().invoke(cli, ["analyse", "topics", "--vectors", "bert"])
    assert wrong.exit_code == 2 and "vectors: 'bert'" in wrong.output
    empty = CliRunner().invoke(cli, ["analyse", "topics", "--vectors", "tfidf"])
    assert empty.exit_code == 0, empty.output
    assert '"topics": []' in empty.output and '"vectors": "tfidf:jieba"' in empty.output


class CountingEmbedder:
    """Stands in for the classifier's encoder: a vector per text from its characters, and a count of texts run."""
    version = "classifier:test"

    def __init__(self):
        self.texts: list[str] = []

    def embed(self, texts, titles=None):
        import numpy as np

        self.texts += texts
        rows = np.array([[text.count(ch) for ch in "无人机彩排噪音吵的了"] for text in texts], dtype=np.float32) + 0.1
        return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def test_embedded_vectors_use_the_vectors_kept_at_intake_and_embed_only_the_rest():
    from serving.analytics.topics import EmbeddedVectors

    window, baseline = history()
    docs = window + baseline
    full = EmbeddedVectors(CountingEmbedder(), cache_size=0).vectors(docs, [])
    kept = {d.id: full[i] for i, d in enumerate(docs) if i % 3}         # two in three tickets kept a vector
    embedder = CountingEmbedder()
    vectoriser = EmbeddedVectors(embedder, cache_size=0, stored=kept)
    assert (vectoriser.vectors(docs, []) == full).all()
    assert sorted(embedder.texts) == sorted({d.text for i, d in enumerate(docs) if not i % 3})
    assert vectoriser.embedded_now == len(embedder.texts)
