"""The responsibility catalogue (确责清单) and the demo city: data, loader, validator and query API.

This package imports from no other Jiesu package."""
from catalog.catalogue import Catalogue, SearchHit
from catalog.entities import AddressRange, AddressTable, City, Dispatch, District, Manifest, Node, Street, Unit
from catalog.load import DEFAULT_DATA_DIR, check_data_dir, load_catalogue, stamp_data_dir
from catalog.problems import CatalogueError, Location, Problem

__all__ = [
    "Catalogue", "SearchHit", "AddressRange", "AddressTable", "City", "Dispatch", "District", "Manifest", "Node",
    "Street", "Unit",
    "DEFAULT_DATA_DIR", "check_data_dir", "load_catalogue", "stamp_data_dir", "CatalogueError", "Location", "Problem",
]
