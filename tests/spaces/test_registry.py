"""The space registry: one interface over the darts, nb201 and generic spaces."""

from __future__ import annotations

import json

import numpy as np
import pytest

from surrogate.space import nb201, sample
from surrogate.spaces import SPACES, Space, get_space

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
    with pytest.raises(
        ValueError, match=r"unknown search space 'nb101'; choose one of \['darts', 'nb201', 'generic'\]"
    ):
        get_space("nb101")


def _fitted(name):
    space = get_space(name)
    archs = space.parse(ARCHS[name]())
    return space.fit(archs), archs


@pytest.mark.parametrize("name", SPACES)
def test_every_space_samples_mutates_and_lists_neighbours(name):
    space, archs = _fitted(name)
    drawn = space.sample(20, rng=0)
    assert len(drawn) == 20 and drawn == space.sample(20, rng=0)
    assert all(space.parse(space.to_string(a)) == a for a in drawn)
    a = drawn[0]
    child = space.mutate(a, rng=1)
    assert child != a and child == space.mutate(a, rng=1)
    nbrs = space.neighbours(a)
    keys = [space.arch_hash(b) for b in nbrs]
    assert nbrs and space.arch_hash(a) not in keys and len(set(keys)) == len(keys)


@pytest.mark.parametrize("name", SPACES)
def test_every_space_has_a_categorical_form(name):
    space, _ = _fitted(name)
    params = space.categorical_params()
    rng = np.random.default_rng(0)
    for _ in range(10):
        draw = {k: v[int(rng.integers(len(v)))] for k, v in params.items()}
        arch = space.from_categorical(draw)
        assert space.parse(space.to_string(arch)) == arch


@pytest.mark.parametrize("name", SPACES)
def test_noise_keys_are_per_isomorphism_class(name):
    space, archs = _fitted(name)
    again = space.parse([space.canonical_string(a) for a in archs])
    keys = space.noise_keys(archs)
    assert keys.dtype == np.uint64 and np.array_equal(keys, space.noise_keys(again))
    assert np.array_equal(space.noise_keys(space.batch(archs)), keys)
    assert len(set(keys.tolist())) == len({space.arch_hash(a) for a in archs})


def test_darts_noise_keys_are_the_ones_noise_always_drew():
    from surrogate.noise import arch_keys

    gs = sample(5, rng=3)
    assert np.array_equal(get_space("darts").noise_keys(gs), arch_keys(gs))


@pytest.mark.parametrize("name", SPACES)
def test_fields_refuse_a_list(name):
    space, archs = _fitted(name)
    assert space.fields(space.to_string(archs[0])) == (space.canonical_string(archs[0]), space.arch_hash(archs[0]))
    with pytest.raises(ValueError):
        space.fields([space.to_string(a) for a in archs])


def test_only_darts_has_a_cost_model():
    assert [n for n in SPACES if get_space(n).has_cost] == ["darts"]
    with pytest.raises(ValueError, match="no cost model"):
        get_space("nb201").cost(nb201.sample(1, rng=0), {})


def test_generic_search_keeps_the_shapes_and_fixed_labels_of_the_training_cells():
    space, archs = _fitted("generic")
    shapes = {(len(c.nodes), c.edges, c.nodes[0], c.nodes[-1]) for c in archs}
    for cell in space.sample(30, rng=2):
        assert (len(cell.nodes), cell.edges, cell.nodes[0], cell.nodes[-1]) in shapes
        assert cell.nodes[1] in {"conv3x3", "maxpool"}
    state = json.loads(json.dumps(space.state_dict()))
    assert get_space("generic").load_state_dict(state).sample(5, rng=4) == space.sample(5, rng=4)
    old = {k: v for k, v in state.items() if k != "search"}  # a checkpoint from before generic search
    with pytest.raises(ValueError, match="refit"):
        get_space("generic").load_state_dict(old).sample(1)
