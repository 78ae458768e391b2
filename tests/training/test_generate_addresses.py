"""Address fields of the demo history: every format appears, each written from the ticket's own place; and the
location evaluation over generated-ticket rows."""
import random
import re
from collections import Counter

import pytest

from catalog import load_catalogue
from model.location import LocationResolver, street_short
from training.corpus.splits import held_out_text_split
from training.corpus.texts import catalogue_texts
from training.evaluation.location import evaluate_locations
from training.generate.places import ADDRESS_FORMATS, Gazetteer, Place, Spot
from training.generate.tickets import GeneratorConfig, HistoryGenerator

N = 400


@pytest.fixture(scope="module")
def demo():
    return load_catalogue()


def generate(demo, seed=7, tickets=N):
    texts = catalogue_texts(demo)
    splits = {t.text_id: s for t, s in zip(texts, held_out_text_split(texts))}
    return HistoryGenerator(demo, texts, splits, GeneratorConfig(tickets=tickets, seed=seed)).generate()


@pytest.fixture(scope="module")
def rows(demo):
    return generate(demo)


def written_from_place(row: dict, demo) -> bool:
    """Whether the address reads as its format says, with the names of the ticket's own place."""
    district, street = demo.district(row["district"]), demo.street(row["street"])
    d, s, c, address = district.name, street.name, row["community"], row["address"]
    roads = district.roads
    return {
        "full": address.startswith(d + s + c),
        "city_short": address.startswith(demo.city.name + d + street_short(s) + c),
        "community": address.startswith(c),
        "street_community": address == s + c,
        "landmark": any(address.startswith(m) for m in street.landmarks),
        "district_road": any(address.startswith(d + r) for r in roads) and address.endswith("号"),
        "road": any(address.startswith(r) for r in roads) and address.endswith("号"),
    }[row["address_format"]]


def test_shares_are_a_distribution():
    assert abs(sum(ADDRESS_FORMATS.values()) - 1) < 1e-9 and all(v > 0 for v in ADDRESS_FORMATS.values())


def test_every_format_appears_and_is_written_from_the_place(demo, rows):
    formats = Counter(r["address_format"] for r in rows)
    assert set(formats) == set(ADDRESS_FORMATS)
    assert formats["full"] > formats["road"]
    assert all(written_from_place(r, demo) for r in rows)


def test_addresses_are_deterministic_for_a_seed(demo, rows):
    again = generate(demo)
    assert [(r["address"], r["address_format"]) for r in again] == [(r["address"], r["address_format"]) for r in rows]
    other = generate(demo, seed=8)
    assert [r["address"] for r in other] != [r["address"] for r in rows]


def test_streets_without_landmarks_fall_back_to_the_full_address(demo):
    street = next(s for s in demo.city.streets() if not s.landmarks)
    place = Place(demo.district(street.district_code), street, street.communities[0], Spot.draw(random.Random(2)))
    rng = random.Random(1)
    formats = Counter(place.address(rng, demo.city.name)[1] for _ in range(300))
    assert "landmark" not in formats and formats["full"] > 0.3 * 300


def test_a_place_draws_the_same_addresses_from_the_same_rng(demo):
    gazetteer = Gazetteer(demo.city)
    place = gazetteer.place_for("和平区太原街街道有人占道经营", random.Random(3))
    assert (place.district.code, place.street.code) == ("HP", "HP01")

    def draw():
        rng = random.Random(5)
        return [place.address(rng, "沈阳市") for _ in range(50)]

    assert draw() == draw()


def test_traditional_text_names_its_place_too(demo):
    place = Gazetteer(demo.city).place_for("和平區太原街街道有人佔道經營", random.Random(3))
    assert (place.district.code, place.street.code) == ("HP", "HP01")


def test_a_traditional_text_names_the_same_district_and_street_as_its_simplified_form(demo):
    gazetteer = Gazetteer(demo.city)
    district, street = gazetteer.mentioned("和平區渾河灣街道有人佔道經營")
    assert (district.code, street.code) == ("HP", "HP04")
    assert gazetteer.mentioned("和平區") == gazetteer.mentioned("和平区")


def test_evaluate_locations_on_handmade_rows(demo):
    row = lambda text, address, fmt, district, street: {  # noqa: E731
        "title": "", "text": text, "address": address, "address_format": fmt, "district": district, "street": street}
    rows = [
        row("楼道堆物", "和平区太原街街道太原街社区1号楼", "full", "HP", "HP01"),     # right
        row("楼道堆物", "三好社区2号楼", "community", "HP", "HP02"),                 # right
        row("楼道堆物", "和平区中华路999号", "district_road", "HP", "HP01"),        # not in the table: district only
        row("沈阳站附近堆物", "", "none", "HP", "HP01"),                           # from the text, right
        row("家里停电了", "", "none", "SH", "SH01"),                              # nothing named
        row("民主社区门口", "", "none", "HP", "HP01"),                            # ambiguous
    ]
    result = evaluate_locations(rows, LocationResolver(demo.city))
    assert result["with_address"] == {"tickets": 3, "resolved_share": 1.0, "district_accuracy": 1.0,
                                      "street_accuracy": round(2 / 3, 4), "ambiguous_share": 0.0}
    assert result["all"]["tickets"] == 6 and result["all"]["resolved_share"] == round(5 / 6, 4)
    assert result["all"]["ambiguous_share"] == round(1 / 6, 4)
    assert result["by_format"]["district_road"]["street_accuracy"] == 0.0
    assert result["by_format"]["full"]["street_accuracy"] == 1.0
    assert set(result["by_format"]) == {"full", "community", "district_road", "none"}


def test_a_spot_is_named_the_same_way_each_time_its_format_names_it(demo):
    street = next(s for s in demo.city.streets() if s.landmarks and not s.communities[0].endswith("村"))
    place = Place(demo.district(street.district_code), street, street.communities[0], Spot.draw(random.Random(5)))
    rng = random.Random(4)
    by_format: dict[str, set[str]] = {}
    for _ in range(400):
        address, fmt = place.address(rng, demo.city.name)
        by_format.setdefault(fmt, set()).add(address)
    assert by_format["full"] == {f"{place.district.name}{street.name}{place.community}"
                                 f"{place.spot.building}号楼{place.spot.entrance}单元"}
    assert len(by_format["district_road"]) == 1 and len(by_format["community"]) == 1


def test_repeats_are_about_the_same_spot_and_leaf_as_their_original(demo):
    rows = generate(demo, tickets=600)
    by_id = {r["ticket_id"]: r for r in rows}
    repeats = [r for r in rows if r["repeat_of"] in by_id]
    assert repeats
    for r in repeats:
        first = by_id[r["repeat_of"]]
        assert (r["spot"], r["leaf"], r["street"]) == (first["spot"], first["leaf"], first["street"])
        assert r["received_at"] > first["received_at"]


def test_a_road_address_is_a_house_number_of_the_places_own_street(demo):
    gazetteer, rng = Gazetteer(demo.city), random.Random(11)
    checked = 0
    for street in demo.city.streets():
        place = gazetteer.in_street(street, rng)
        assert place.runs and all(run.street == street.code for run in place.runs)
        for _ in range(40):
            address, fmt = place.address(rng, demo.city.name)
            if fmt.endswith("road"):
                road, number = re.fullmatch(r"(\D+?)(\d+)号", address.removeprefix(place.district.name)).groups()
                runs = demo.city.addresses.at(road, int(number), place.district.code)
                assert [r.street for r in runs] == [street.code], address
                checked += 1
    assert checked > 100


def test_eval_location_scores_the_generated_history_without_a_model(rows, tmp_path, monkeypatch):
    import json

    from typer.testing import CliRunner

    from serving.cli import app as cli

    corpus = tmp_path / "home" / "corpus"
    corpus.mkdir(parents=True)
    (corpus / "tickets.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                          encoding="utf-8")
    monkeypatch.setenv("JIESU_HOME", str(tmp_path / "home"))
    result = CliRunner().invoke(cli, ["eval-location", "--split", "all"])
    assert result.exit_code == 0, result.output
    report = json.loads((tmp_path / "home" / "eval" / "location.json").read_text(encoding="utf-8"))
    assert report["all"]["tickets"] == len(rows) and report["address_table_runs"] > 300
    assert report["by_format"]["district_road"]["street_accuracy"] >= 0.9
    wrong = CliRunner().invoke(cli, ["eval-location", "--split", "holdout"])
    assert wrong.exit_code != 0 and "use train, dev, test or all" in wrong.output
