"""The study result cache stores no pickle: entries round-trip, and a crafted, corrupt or
foreign entry is a miss with a warning naming the file, never executed."""

import os
import pickle
import warnings

import numpy as np
import pytest
import xarray as xr

from model.studies.cache import ResultCache, content_hash


def test_values_round_trip_without_pickle(tmp_path):
    cache = ResultCache(tmp_path)
    key = content_hash({"round": "trip"})
    ds = xr.Dataset({"g": (("chain", "draw"), np.arange(6.0).reshape(2, 3))},
                    coords={"chain": [0, 1], "draw": [0, 1, 2],
                            "domain": np.array(["vision", "language"], dtype=object)},
                    attrs={"a": 1})
    value = {"posterior": ds, "ranks": {"x": np.array([0.1, np.nan])}, "pair": (1, "b"),
             "inf": float("inf"), "n": np.int64(7), 3: [None, True]}
    cache.put(key, value, {"why": "test"})
    found, got = cache.get(key)
    assert found
    xr.testing.assert_equal(got["posterior"], ds)
    assert got["posterior"].attrs == {"a": 1}
    np.testing.assert_array_equal(got["ranks"]["x"], value["ranks"]["x"])
    assert got["pair"] == (1, "b") and got["inf"] == float("inf") and got["n"] == 7
    assert got[3] == [None, True]
    with np.load(cache.path(key), allow_pickle=False) as npz:  # readable without pickle
        assert "__record__" in npz.files


def test_object_arrays_are_refused_not_pickled(tmp_path):
    with pytest.raises(TypeError, match="object array"):
        ResultCache(tmp_path).put("ab" * 32, {"x": np.array([{"a": 1}], dtype=object)})


class _RunsCode:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


@pytest.mark.parametrize("kind", ["pickle", "garbage", "empty", "other-key", "npz-object"])
def test_crafted_or_corrupt_entry_is_a_warned_miss_and_never_runs(tmp_path, kind):
    cache = ResultCache(tmp_path / "cache")
    key = content_hash({"k": kind})
    path = cache.path(key)
    path.parent.mkdir(parents=True)
    marker = tmp_path / "pwned"
    if kind == "pickle":
        path.write_bytes(pickle.dumps({"key": key, "value": _RunsCode(marker)}))
    elif kind == "garbage":
        path.write_bytes(os.urandom(4096))
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "other-key":
        cache.put(content_hash({"k": "else"}), {"v": 1})
        os.replace(cache.path(content_hash({"k": "else"})), path)
    else:
        with open(path, "wb") as fh:
            np.savez(fh, __record__=np.array([_RunsCode(marker)], dtype=object))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert cache.get(key) == (False, None)
    assert not marker.exists()
    assert any(str(path) in str(w.message) for w in caught)
    cache.put(key, {"v": 2})  # recomputed and replaced
    assert cache.get(key) == (True, {"v": 2})
