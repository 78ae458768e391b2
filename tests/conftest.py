import pytest

from tests.catalog.factory import write_catalogue


@pytest.fixture
def catalogue_dir(tmp_path):
    """A valid, stamped small catalogue in its own temporary directory."""
    return write_catalogue(tmp_path / "catalogue_data")
