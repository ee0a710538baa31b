"""configs/models/<family>.yaml: defaults equal the constructors', search spaces give valid models."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from surrogate.models import MODELS, ParamSpec, load_config, make_model

optuna = pytest.importorskip("optuna")


@pytest.mark.parametrize("family", list(MODELS))
def test_yaml_defaults_equal_constructor_defaults(family: str) -> None:
    cfg = load_config(family)
    assert dict(cfg.defaults) == MODELS[family].default_params()
    assert set(cfg.search_space) <= set(cfg.defaults) - {"seed"}
    assert cfg.search_space, "every family needs something to tune"


@pytest.mark.parametrize("family", list(MODELS))
def test_every_point_of_the_search_space_is_a_valid_model(family: str) -> None:
    cfg = load_config(family)
    study = optuna.create_study(sampler=optuna.samplers.RandomSampler(seed=0))
    for _ in range(25):
        trial = study.ask()
        params = cfg.sample(trial)
        model = make_model(family, **params)
        model._check_params()  # what fit checks first
        for name, spec in cfg.search_space.items():
            assert spec.contains(params[name])
        study.tell(trial, 0.0)


def test_bad_yaml_is_refused_with_the_path(tmp_path) -> None:
    bad = {
        "low must be below high": "defaults: {a: 1}\nsearch_space: {a: {type: int, low: 5, high: 1}}\n",
        "unknown keys": "defaults: {a: 1}\nsearch_space: {a: {type: int, low: 0, high: 3, step: 1}}\n",
        "outside its search": "defaults: {a: 9}\nsearch_space: {a: {type: int, low: 0, high: 3}}\n",
        "seed cannot be tuned": "defaults: {seed: 0}\nsearch_space: {seed: {type: int, low: 0, high: 3}}\n",
        "which defaults lacks": "defaults: {}\nsearch_space: {a: {type: float, low: 0, high: 3}}\n",
        "not valid YAML": "defaults: [\n",
        "says family": "family: xgb\ndefaults: {}\n",
    }
    for message, text in bad.items():
        path = tmp_path / "knn.yaml"
        path.write_text(text)
        with pytest.raises(ValueError, match=message):
            load_config("knn", path)
    with pytest.raises(ValueError, match="no model config"):
        load_config("knn", tmp_path / "missing.yaml")


entries = st.dictionaries(
    st.sampled_from(["type", "low", "high", "log", "choices", "step"]),
    st.one_of(
        st.sampled_from(["float", "int", "categorical", "x"]),
        st.integers(-5, 5),
        st.floats(allow_nan=True),
        st.booleans(),
        st.none(),
        st.lists(st.integers(), max_size=3),
    ),
)


@given(entries)
def test_param_spec_parser_accepts_or_says_why(entry: dict) -> None:
    try:
        spec = ParamSpec.from_dict(entry)
    except ValueError:
        return
    assert ParamSpec.from_dict(spec.to_dict()) == spec
    if spec.type != "categorical":
        assert spec.low < spec.high and spec.contains(spec.low) and spec.contains(spec.high)
