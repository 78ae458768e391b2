"""Load, check and stamp a catalogue data directory."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from catalog.addresses import ADDRESSES_FILE, with_addresses
from catalog.build import build_city, build_manifest, build_nodes, build_units, content_hash
from catalog.catalogue import Catalogue
from catalog.changes import check_against, read_changes
from catalog.problems import CatalogueError, Location, Problem
from catalog.source import MANIFEST_FILE, RawSource, read_data_dir
from catalog.validate import validate_source

DEFAULT_DATA_DIR = Path(__file__).resolve().parent / "data"
BUMPS = ("major", "minor", "patch")


@dataclass
class CheckResult:
    problems: list[Problem]
    catalogue: Catalogue | None
    computed_hash: str | None

    @property
    def ok(self) -> bool:
        return not self.problems


def build_catalogue(src: RawSource) -> tuple[Catalogue, str]:
    """Typed catalogue from a source that passed validation, and its computed content hash."""
    nodes, units, city = build_nodes(src), build_units(src), build_city(src)
    digest = content_hash(nodes, units, city)
    catalogue = Catalogue(nodes, units, city, build_manifest(src),
                          fallback_unit=src.units_meta.get("fallback_unit"),
                          platform_unit=src.units_meta.get("platform_unit"))
    return catalogue, digest


def check_data_dir(root: Path | str) -> CheckResult:
    """Validate a data directory; build it when valid and compare its content with the manifest's hash."""
    src = read_data_dir(Path(root))
    problems = validate_source(src)
    if problems:
        return CheckResult(problems, None, None)
    catalogue, digest = build_catalogue(src)
    if catalogue.manifest.content_hash != digest:
        problems.append(Problem(
            "manifest-hash", f"the catalogue content changed since the manifest was stamped (recorded "
            f"{catalogue.manifest.content_hash[:12] or 'nothing'}, computed {digest[:12]}); review the change, then "
            "run `jiesu catalog stamp --bump patch|minor|major`", Location(src.display(MANIFEST_FILE))))
        return CheckResult(problems, None, digest)
    catalogue.city, problems = with_addresses(catalogue.city, src.root, src.display(ADDRESSES_FILE))
    if problems:
        return CheckResult(problems, None, digest)
    try:
        catalogue.changes = read_changes(src.root)
    except CatalogueError as exc:
        return CheckResult(exc.problems, None, digest)
    leaves = {leaf.code for leaf in catalogue.leaves()}
    problems = [p for step in catalogue.changes.steps for p in check_against(step, leaves, catalogue.version)]
    return CheckResult(problems, None if problems else catalogue, digest)


def load_catalogue(root: Path | str | None = None) -> Catalogue:
    """The catalogue in `root` (default: the demo city's); CatalogueError lists every problem if invalid."""
    result = check_data_dir(root or DEFAULT_DATA_DIR)
    if not result.ok:
        raise CatalogueError(result.problems)
    return result.catalogue


def bump_version(version: str, part: str) -> str:
    if part not in BUMPS:
        raise ValueError(f"bump must be one of {', '.join(BUMPS)}, not {part!r}")
    major, minor, patch = (int(x) for x in version.split("."))
    if part == "major":
        return f"{major + 1}.0.0"
    if part == "minor":
        return f"{major}.{minor + 1}.0"
    return f"{major}.{minor}.{patch + 1}"


def stamp_data_dir(root: Path | str, bump: str | None = None) -> str:
    """Record the content hash (and optionally a bumped version) in the manifest; return the full version.

    Refuses a catalogue with structural problems: a version is only ever given to a valid catalogue."""
    root = Path(root)
    src = read_data_dir(root)
    problems = [p for p in validate_source(src)]
    if problems:
        raise CatalogueError(problems)
    _, digest = build_catalogue(src)
    manifest = dict(src.manifest)
    if bump:
        manifest["version"] = bump_version(str(manifest["version"]), bump)
    manifest["content_hash"] = digest
    write_manifest(root, manifest)
    return f"{manifest['version']}+{digest[:12]}"


def write_manifest(root: Path, manifest: dict) -> None:
    header = ("# Catalogue manifest: name, semantic version and content hash (set by `jiesu catalog stamp`),\n"
              "# and the node count each level must have.\n")
    body = yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False)
    (Path(root) / MANIFEST_FILE).write_text(header + body, encoding="utf-8")
