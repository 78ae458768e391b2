"""Write the demo history: Parquet through Hugging Face datasets, a JSONL export, the events and a manifest."""
from __future__ import annotations

import json
from pathlib import Path

from catalog import Catalogue
from training.generate.events import EVENTS
from training.generate.tickets import GeneratorConfig


def write_history(rows: list[dict], out_dir: Path, catalogue: Catalogue, config: GeneratorConfig) -> dict:
    """Write tickets.parquet, tickets.jsonl, events.json and manifest.json into out_dir; return the manifest."""
    from datasets import Dataset

    out_dir.mkdir(parents=True, exist_ok=True)
    dataset = Dataset.from_list(rows)
    dataset.to_parquet(str(out_dir / "tickets.parquet"))
    dataset.to_json(str(out_dir / "tickets.jsonl"), force_ascii=False, lines=True)
    events = [{"name": e.name, "label": e.label, "start": e.start.isoformat(), "hours": e.hours,
               "street": e.street, "districts": list(e.districts), "leaf_pattern": e.leaf_pattern,
               "tickets": sum(r["event"] == e.name for r in rows)} for e in EVENTS]
    (out_dir / "events.json").write_text(json.dumps(events, ensure_ascii=False, indent=2), encoding="utf-8")
    manifest = {"tickets": len(rows), "seed": config.seed, "start": config.start.isoformat(),
                "end": config.end.isoformat(), "time_split_at": config.time_split_at.isoformat(),
                "catalogue_version": catalogue.version, "files": ["tickets.parquet", "tickets.jsonl", "events.json"]}
    (out_dir / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest
