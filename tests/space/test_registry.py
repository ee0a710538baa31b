"""The space registry: one interface over the darts, nb201 and generic spaces."""

from __future__ import annotations

import json

import numpy as np
import pytest

from surrogate.space import nb201, sample
from surrogate.space.registry import SPACES, Space, get_space

ARCHS = {
    "darts": lambda: [str(g) for g in sample(3, rng=0)],
    "nb201": lambda: [str(c) for c in nb201.sample(3, rng=0)] + [(3, 3, 3, 1, 3, 3)],
    "generic": lambda: [
        {"nodes": ["input", "conv3x3", "output"], "edges": [[0, 1], [1, 2]]},
        json.dumps({"nodes": ["input", "maxpool", "output"], "edges": [[0, 1], [1, 2], [0, 2]]}),
    ],
}


@pytest.mark.parametrize("name", SPACES)
def test_every_space_offers_the_interface(name):
    space = get_space(name)
    assert isinstance(space, Space) and space.name == name
    raw = ARCHS[name]()
    archs = space.parse(raw)
    assert isinstance(archs, list) and len(archs) == len(raw)
    one = space.parse(raw[0])
    assert not isinstance(one, list) and one == archs[0]
    for a in archs:
        assert space.parse(space.to_string(a)) == a
        assert space.arch_hash(space.parse(space.canonical_string(a))) == space.arch_hash(a)
        assert len(space.arch_hash(a)) == 32
    assert space.fit(archs) is space
    x = space.features(archs)
    assert x.shape == (len(archs), len(space.feature_names())) and x.dtype == np.float32
    assert space.graph_batch(archs).num_graphs == len(archs)
    assert set(space.encoder_version) == {"features", "graph"}
    state = json.loads(json.dumps(space.state_dict()))
    fresh = get_space(name).load_state_dict(state)
    assert np.array_equal(fresh.features(archs), x)


def test_darts_space_delegates_to_the_darts_encoders():
    from surrogate.encode import features, graph_batch

    space = get_space("darts")
    gs = sample(4, rng=1)
    assert np.array_equal(space.features(gs), features(gs))
    assert space.graph_batch(gs).x.shape == graph_batch(gs).x.shape


def test_generic_space_must_be_fit_before_encoding():
    space = get_space("generic")
    cells = space.parse(ARCHS["generic"]())
    with pytest.raises(ValueError, match=r"space\.fit\(train_archs\)"):
        space.features(cells)
    with pytest.raises(ValueError, match="not for the 'generic' space"):
        space.load_state_dict({"space": "nb201"})


def test_state_of_one_space_is_refused_by_another():
    with pytest.raises(ValueError, match="not for the 'darts' space"):
        get_space("darts").load_state_dict(get_space("nb201").state_dict())


def test_unknown_space_lists_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown search space 'nb101'; choose one of \['darts', 'nb201', 'generic'\]"):
        get_space("nb101")

