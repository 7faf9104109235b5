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
