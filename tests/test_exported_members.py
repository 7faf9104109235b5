"""`qldrops.__all__` is the public front door: explicit, complete and importable."""

import qldrops
from qldrops import errors


def test_all_is_explicit_and_every_name_resolves():
    assert len(qldrops.__all__) == len(set(qldrops.__all__))
    for name in qldrops.__all__:
        assert getattr(qldrops, name) is not None, name


def test_every_error_derives_from_the_root_and_is_exported_from_errors():
    for name in errors.__all__:
        obj = getattr(errors, name)
        assert issubclass(obj, qldrops.QldropsError), name
    for name in errors.__all__:
        assert name in errors.__doc__, f"{name} missing from the tree in errors.py"


def test_all_matches_the_package_namespace():
    """Like httpx's test: every public name the package offers is in __all__, and nothing else."""
    public = {name for name in dir(qldrops) if not name.startswith("_")}
    modules = {name for name in public if type(getattr(qldrops, name)).__name__ == "module"}
    assert public - modules == set(qldrops.__all__) - {"__version__"}


def test_the_whole_exception_tree_is_exported_from_the_front_door():
    assert set(errors.__all__) <= set(qldrops.__all__)
    for name in errors.__all__:
        assert getattr(qldrops, name) is getattr(errors, name)


def test_connect_returns_the_composed_front_door(tmp_path):
    from qldrops.client import Store
    from qldrops.store.core import DropStore

    store = qldrops.connect(f"sqlite:///{tmp_path / 'x.db'}")
    try:
        assert isinstance(store, qldrops.Store) and qldrops.Store is Store and isinstance(store, DropStore)
        # each component got the drop store through its constructor, and nothing else
        assert store.index.store is store and store.analysis.drops is store
        assert store.runner.drops is store and store.sharing.drops is store and store.sharing.runner is store.runner
        assert store.access_check == store.sharing.check_access
        assert store.on_purge == [store.analysis.purge_drop]
        assert store.list_columns == [store.analysis.listing_columns]
    finally:
        store.close()


def test_import_qldrops_loads_no_heavy_library():
    import subprocess
    import sys

    heavy = ("torch", "sentence_transformers", "faiss", "magika", "voila", "plotly", "duckdb", "pandas",
             "sqlalchemy", "numpy", "ipywidgets")
    probe = f"import sys, qldrops; print([m for m in {heavy!r} if m in sys.modules])"
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
