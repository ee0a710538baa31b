import gzip

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from surrogate.generate import load_fashion_mnist, read_idx


def test_read_idx_round_trip(tmp_path, write_idx):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", a)
    np.testing.assert_array_equal(read_idx(tmp_path / "a.gz"), a)


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=64))
def test_read_idx_garbage_is_value_error(tmp_path_factory, blob):
    path = tmp_path_factory.mktemp("idx") / "x.gz"
    with gzip.open(path, "wb") as f:
        f.write(blob)
    try:
        out = read_idx(path)
    except ValueError:
        return
    assert out.size == int(np.prod(out.shape))


def test_split_is_seeded_and_disjoint(idx_root):
    a = load_fashion_mnist(idx_root, n_val=200, split_seed=0)
    b = load_fashion_mnist(idx_root, n_val=200, split_seed=0)
    c = load_fashion_mnist(idx_root, n_val=200, split_seed=1)
    np.testing.assert_array_equal(a.x_val, b.x_val)
    assert not np.array_equal(a.x_val, c.x_val)
    assert len(a.x_train) == 1000 and len(a.x_val) == 200 and len(a.x_test) == 300
    rows = {r.tobytes() for r in a.x_train.reshape(len(a.x_train), -1)}
    assert not any(r.tobytes() in rows for r in a.x_val.reshape(len(a.x_val), -1))


def test_missing_files_name_the_package(tmp_path):
    with pytest.raises(FileNotFoundError, match="dataset-fashion-mnist"):
        load_fashion_mnist(tmp_path)
