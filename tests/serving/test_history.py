"""Generated history loaded into the service: statuses, assignments and audit trails; idempotent."""
from catalog import load_catalogue
from serving.tickets.history import load_history
from training.corpus.splits import held_out_text_split
from training.corpus.texts import catalogue_texts
from training.generate.tickets import GeneratorConfig, HistoryGenerator


def test_history_loads_once_and_is_served(svc):
    catalogue = load_catalogue()
    texts = catalogue_texts(catalogue)
    splits = {t.text_id: s for t, s in zip(texts, held_out_text_split(texts))}
    rows = HistoryGenerator(catalogue, texts, splits, GeneratorConfig(tickets=300, seed=3)).generate()
    with svc.app.state.sessions() as session:
        assert load_history(session, rows=rows, catalogue=catalogue) == 300
        assert load_history(session, rows=rows, catalogue=catalogue) == 0
    page = svc.ok("supervisor", "GET", "", params={"page_size": 200})
    assert page["total"] == 300
    closed = next(t for t in page["items"] if t["status"] == "closed" and t["dispatch_mode"] != "即办")
    trail = [e["action"] for e in svc.ok("supervisor", "GET", f"/{closed['id']}/audit")]
    assert trail[:2] == ["register", "dispatch"] and trail[-1] == "close"
    heating = [r for r in rows if r["dispatch_mode"] != "即办" and r["dispatched_at"] and "heating_supply" in
               {r["lead_unit"], r["first_unit"], *r["co_units"]}]   # lead, returned first unit, or co-handler
    assert svc.ok("heating_supply", "GET", "", params={"page_size": 200})["total"] == len(heating)
