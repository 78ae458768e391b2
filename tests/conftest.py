import pytest

from tests.catalog.factory import write_catalogue

TINY_LEAVES = 6
TINY_TRAINING = ["base.layers=0", f"data.limit_leaves={TINY_LEAVES}", "data.max_length=48", "train.epochs=6",
                 "train.patience=6", "train.lr_encoder=1e-3", "train.lr_heads=1e-2", "train.batch_size=16",
                 "train.max_minutes=0", "train.warmup_ratio=0", "export.parity_texts=16"]


@pytest.fixture
def catalogue_dir(tmp_path):
    """A valid, stamped small catalogue in its own temporary directory."""
    return write_catalogue(tmp_path / "catalogue_data")


@pytest.fixture(scope="session")
def demo_catalogue():
    from catalog import load_catalogue

    return load_catalogue()


@pytest.fixture(scope="session")
def trained(tmp_path_factory, demo_catalogue):
    """(model directory, its texts): a classifier on a tiny local encoder over the first few leaves, once per
    test process (no downloads)."""
    pytest.importorskip("torch")
    pytest.importorskip("onnxruntime")
    from tests.ml_factories import tiny_base
    from training.classifier.config import load_config
    from training.classifier.train import train_model
    from training.corpus.texts import load_texts

    home = tmp_path_factory.mktemp("home")
    texts, _ = load_texts(demo_catalogue)
    chosen = {leaf.code for leaf in demo_catalogue.leaves()[:TINY_LEAVES]}
    texts = [t for t in texts if t.leaf in chosen]
    vocab = [t.text for t in texts] + [n.name + n.description + "".join(n.keywords) for n in demo_catalogue.nodes()]
    base = tiny_base(home / "base", vocab + ["query: "])
    config = load_config("quick.toml", [f"base.path={base}", *TINY_TRAINING])
    directory = train_model(config, home=home, catalogue=demo_catalogue, texts=texts, progress=False)
    return directory, texts
