"""The benchmark users query: a set of checkpoints that stands in for training an architecture.

A benchmark directory holds ``benchmark.json`` (format version, which checkpoint answers which
target, the measured seed noise, the network-cost tables, out-of-distribution thresholds and the
sha256 of every checkpoint manifest) and one checkpoint directory per model. Loading verifies
``benchmark.json`` (:mod:`surrogate.benchmark_spec`: every key, path, checksum, value, and each
entry's target and family against its checkpoint); a model's member files are verified when it is
first used (:func:`surrogate.checkpoint.load_checkpoint`). Nothing is fetched from a network and
no global random state is touched.

Examples
--------
>>> import surrogate
>>> bench = surrogate.load()                                  # doctest: +SKIP
>>> bench.predict(arch)                   # one architecture in, a float out   # doctest: +SKIP
>>> bench.predict([a, b], with_noise=True, seed=0)   # like seed 0 of a table  # doctest: +SKIP
>>> bench.query(arch).std                 # ensemble uncertainty               # doctest: +SKIP
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from ._util import resource_path
from .benchmark_spec import BENCHMARK_FILE, BenchmarkError, check_spec
from .curves import check_epoch
from .models._threads import query_threads
from .noise import check_seed, standard_normal
from .spaces import Space, get_space

__all__ = ["BENCHMARK_FILE", "DEFAULT_PATH", "FORMAT_VERSION", "Benchmark", "BenchmarkError", "QueryResult", "load"]

FORMAT_VERSION = 1
#: Architectures encoded and predicted per pass: bounds the memory of any batch (the encodings
#: of a chunk are a few MB; the GIN runs its own smaller chunks inside), and a fixed split keeps
#: an architecture's prediction the same whatever batch it comes in.
CHUNK = 8192
#: The shipped default benchmark (:func:`surrogate._util.resource_path`: ``$SURROGATE_RESOURCES``,
#: the installed package, else the checkout), as found at import; :func:`load` looks again.
DEFAULT_PATH = resource_path("checkpoints", "default")


def _path(path: Any) -> Path:
    if not isinstance(path, (str, os.PathLike)):
        raise BenchmarkError(
            f"path must be a directory path (str or os.PathLike), got {type(path).__name__} {path!r:.60}"
        )
    return Path(path)


def _flag(name: str, value: Any) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise ValueError(f"{name} must be True or False, got {value!r:.60}")
    return bool(value)


@dataclass(frozen=True)
class QueryResult:
    """Everything the benchmark knows about architectures (arrays, or floats for one architecture).

    Attributes
    ----------
    mean : validation accuracy (%) predicted by the ensemble mean
    std : calibrated ensemble standard deviation (uncertainty about ``mean``)
    sample : one noisy draw, as if trained once more (seed ``seed`` when given)
    runtime : predicted training time (s) at the benchmark's fidelity (NaN: no runtime model)
    params, flops : exact parameter count and multiply-accumulates of the network (None: the
        benchmark has no cost model, see :attr:`Benchmark.has_cost`)
    ood : whether the architecture is unlike the training data: the ensemble disagrees more than on
        99% of its test split, or (benchmarks with the novelty detector) it lies farther from its
        nearest training architectures than 99% of the held-out architectures do
    novelty : that feature-space distance (mean over the 5 nearest training architectures; None:
        the benchmark has no such detector)
    """

    mean: Any
    std: Any
    sample: Any
    runtime: Any
    params: Any
    flops: Any
    ood: Any
    novelty: Any = None

    def to_dict(self) -> dict:
        def conv(v: Any) -> Any:
            return v.tolist() if isinstance(v, np.ndarray) else (v.item() if isinstance(v, np.generic) else v)

        return {
            k: conv(getattr(self, k)) for k in ("mean", "std", "sample", "runtime", "params", "flops", "ood", "novelty")
        }


class _Batch:
    """One query's architectures in the space's batch form (what the encoders, the noise keys and
    the cost tables share is computed once), and whether one architecture was given."""

    def __init__(self, archs: Any, single: bool) -> None:
        self.archs, self.single = archs, single

    def __len__(self) -> int:
        return len(self.archs)


class Benchmark:
    """A loaded benchmark directory.

    Parameters
    ----------
    path : path
        A directory with ``benchmark.json`` (see module docstring).
    rng : seed or Generator, optional
        The benchmark's own generator, used for noisy draws when no ``seed`` is given.
    threads : int, optional
        The most threads a query uses (default: the ``SURROGATE_THREADS`` environment variable,
        else the usable cores). A query picks its own count below that from its batch size: one
        thread for up to 1,024 architectures (docs/guide-query.md, running searches in parallel).
    """

    def __init__(self, path: str | Path, rng: Any = None, threads: int | None = None) -> None:
        self.path = _path(path)
        if threads is not None:
            from .models._threads import thread_count

            thread_count(1, threads)  # a ValueError now, not at the first query
        self.threads = threads
        spec_path = self.path / BENCHMARK_FILE
        if not spec_path.is_file():
            raise BenchmarkError(
                f"{self.path} is not a benchmark directory (no {BENCHMARK_FILE}); build one with "
                "`surrogate assemble` from fit checkpoints (or surrogate.assemble)"
            )
        try:
            spec = json.loads(spec_path.read_text())
        except (ValueError, UnicodeDecodeError) as err:
            raise BenchmarkError(f"{spec_path} is not valid JSON: {err}") from None
        version = spec.get("format_version") if isinstance(spec, dict) else None
        if isinstance(version, bool) or not isinstance(version, int):
            raise BenchmarkError(f"{spec_path} has no format_version; it was not written by this package")
        if version > FORMAT_VERSION:
            raise BenchmarkError(
                f"{spec_path} has format version {version}, newer than this package reads "
                f"({FORMAT_VERSION}); upgrade surrogate"
            )
        self.spec = check_spec(spec, self.path)
        self._rng = np.random.default_rng(rng)
        self._loaded: dict[str, tuple[Any, dict, Any]] = {}
        self._space: Space | None = None
        self._curves: Any = None
        self._novelty: Any = None

    def __repr__(self) -> str:
        return f"Benchmark({str(self.path)!r}, models={sorted(self.spec['models'])})"

    # -- models ------------------------------------------------------------------------------

    @property
    def models(self) -> dict[str, dict]:
        """Model name -> its entry (target, family, directory, test metrics)."""
        return dict(self.spec["models"])

    def default_model(self, target: str) -> str:
        try:
            return self.spec["default"][target]
        except KeyError:
            raise BenchmarkError(
                f"{self.path / BENCHMARK_FILE}: default has no model for {target!r}, so this benchmark cannot "
                f"answer it (it has {sorted(self.spec['default'])})"
            ) from None

    def _model(self, name: str) -> tuple[Any, dict, Any]:
        if name not in self.spec["models"]:
            raise ValueError(f"unknown model {name!r}; this benchmark has {sorted(self.spec['models'])}")
        if name not in self._loaded:
            from .checkpoint import load_fitted

            fitted = load_fitted(self.path / self.spec["models"][name]["dir"])
            if fitted.space.name != self.space_name:
                raise BenchmarkError(
                    f"{self.path / BENCHMARK_FILE}: model {name!r} encodes the {fitted.space.name!r} space but the "
                    f"benchmark is a {self.space_name!r} one; rebuild it (surrogate assemble)"
                )
            self._loaded[name] = tuple(fitted)
        return self._loaded[name]

    @property
    def space_name(self) -> str:
        """The name of the benchmark's search space (``benchmark.json["space"]``, default darts)."""
        return str(self.spec.get("space") or "darts")

    @property
    def space(self) -> Space:
        """The benchmark's search space (:class:`surrogate.spaces.Space`): what :meth:`predict`
        parses and what NAS optimizers sample from, with the encoder and search state of the
        default accuracy model's checkpoint (a generic space's label vocabulary and shapes)."""
        if self._space is None:
            from .checkpoint import CheckpointError, read_manifest, space_of

            entry = self.spec["models"][self.default_model("val_accuracy")]
            folder = self.path / entry["dir"]
            try:
                space = space_of(read_manifest(folder), where=folder)
            except CheckpointError as err:
                raise BenchmarkError(f"{self.path / BENCHMARK_FILE}: {err}") from None
            if space.name != self.space_name:
                raise BenchmarkError(
                    f"{self.path / BENCHMARK_FILE}: space is {self.space_name!r} but {entry['dir']} encodes "
                    f"{space.name!r} architectures; rebuild the benchmark (surrogate assemble)"
                )
            self._space = space
        return self._space

    @property
    def has_runtime(self) -> bool:
        """Whether the benchmark predicts training time (it has a ``train_time`` model)."""
        return "train_time" in self.spec["default"]

    @property
    def has_cost(self) -> bool:
        """Whether :meth:`cost` (and ``query``'s params and FLOPs) can answer: the space has a cost
        model and the benchmark holds its tables."""
        return self.spec.get("cost_tables") is not None and get_space(self.space_name).has_cost

    # -- the API ------------------------------------------------------------------------------

    def _parse(self, archs: Any) -> _Batch:
        """The parsed batch (``.single``: one architecture was given)."""
        space = get_space(self.space_name) if self._space is None else self._space  # parsing needs no state
        parsed, single = space.parse_batch(archs)
        return _Batch(space.batch(parsed), single)

    @staticmethod
    def _encode(space: Space, kind: str, batch: _Batch, start: int, stop: int) -> Any:
        chunk = batch.archs[start:stop]
        if kind == "matrix":
            return space.features(chunk)
        if kind == "graphs":  # the GIN's dense query path
            from .models._dense_gin import DenseGraphs

            dense = space.dense_graphs(chunk)
            if dense is not None:
                return DenseGraphs(*dense)
            X = space.graph_batch(chunk)
            if getattr(X, "edge_attr", None) is None:
                from .models import GraphSet
                from .models._dense_gin import dense_graphs

                X = DenseGraphs(*dense_graphs(GraphSet.from_data(X)))
            return X
        raise ValueError(f"unknown model input kind {kind!r}")

    def _mean_std(self, batch: _Batch, name: str) -> tuple[np.ndarray, np.ndarray]:
        ensemble, _, space = self._model(name)
        n = len(batch)
        mean, std = np.zeros(n), np.zeros(n)
        kind = ensemble.model_class.input_kind
        with query_threads(n, self.threads):
            for start in range(0, n, CHUNK):
                stop = min(start + CHUNK, n)
                mean[start:stop], std[start:stop] = ensemble.predict(self._encode(space, kind, batch, start, stop))
        return mean, std

    def _noise(self, batch: _Batch, target: str, seed: int | None) -> np.ndarray:
        sd = float(self.spec["noise"][target]["seed_std"])
        if seed is None:
            z = self._rng.standard_normal(len(batch))
        else:  # the space's keys of the batch (DARTS: from the canonical form it already has)
            z = standard_normal(self._space_for_keys().noise_keys(batch.archs), seed)
        return sd * z

    def _space_for_keys(self) -> Space:
        return get_space(self.space_name) if self._space is None else self._space  # keys need no state

    def _cost(self, batch: _Batch) -> tuple[np.ndarray, np.ndarray]:
        if not self.has_cost:
            raise BenchmarkError(
                f"{self.path / BENCHMARK_FILE}: this {self.space_name!r} benchmark has no cost model (parameter "
                "counts and FLOPs need a space with one, DARTS, and cost_tables in benchmark.json)"
            )
        return self._space_for_keys().cost(batch.archs, self.spec["cost_tables"])

    @staticmethod
    def _out(values: np.ndarray, single: bool) -> Any:
        return float(values[0]) if single else values

    def predict(
        self,
        archs: Any,
        with_noise: bool = False,
        seed: int | None = None,
        return_std: bool = False,
        model: str | None = None,
        epoch: int | None = None,
    ) -> Any:
        """Validation accuracy (%) of architectures (after ``epoch`` epochs, if given).

        Parameters
        ----------
        archs : one architecture or a list, in any form the benchmark's space parses
            (:attr:`space`; DARTS: :func:`surrogate.space.parse`)
        with_noise : bool, default False
            Add seed noise of the measured size: like one more training run.
        seed : int, optional
            With ``with_noise``, draw ``seed`` of each architecture: reproducible whatever the call
            order or batch (like reading seed ``seed`` of a table). ``None`` uses the benchmark's
            own generator. An int in ``[0, 2**63)``.
        return_std : bool, default False
            Also return the calibrated ensemble std.
        model : str, optional
            A model name from :attr:`models` (default: the benchmark's default for accuracy).
        epoch : int, optional
            ``1..``:attr:`epochs`: the accuracy after that many epochs of the benchmark's training
            run (a prefix of one run, not a shorter run), exactly ``predict_curve(...)[..., epoch - 1]``
            for the mean and for every noisy seed; needs a benchmark with learning curves. Default:
            the final epoch, as without curves (equal to the curve's last point).

        Returns
        -------
        float or ndarray (and the std likewise when ``return_std``; the std is the final epoch's)

        Raises
        ------
        ValueError
            For an invalid architecture, with the same message as ``surrogate.space.parse``; for a
            ``seed`` outside ``[0, 2**63)`` or flags that are not bools.
        """
        with_noise, return_std = _flag("with_noise", with_noise), _flag("return_std", return_std)
        seed = None if seed is None else check_seed(seed)
        batch = self._parse(archs)
        name = model or self.default_model("val_accuracy")
        mean, std = self._mean_std(batch, name)
        if epoch is not None and check_epoch(epoch, self._need_curves().epochs) < self._curves.epochs:
            mean = self._curve(batch, mean, with_noise, seed)[:, epoch - 1]
        elif with_noise:
            mean = mean + self._noise(batch, "val_accuracy", seed)
        if return_std:
            return self._out(mean, batch.single), self._out(std, batch.single)
        return self._out(mean, batch.single)

    # -- learning curves --------------------------------------------------------------------

    @property
    def epochs(self) -> int | None:
        """Epochs of the benchmark's training run when it answers per-epoch queries, else None."""
        curves = self.spec.get("curves")
        return None if curves is None else int(curves["epochs"])

    def _need_curves(self) -> Any:
        if self.spec.get("curves") is None:
            raise BenchmarkError(
                f"{self.path / BENCHMARK_FILE}: this benchmark has no learning curves (it was assembled from "
                "evaluations without per-epoch validation curves), so it answers the final epoch only"
            )
        if self._curves is None:  # its files' checksums were verified when the benchmark was loaded
            from .curves import CurveBundle

            entry = self.spec["curves"]
            folder = self.path / entry["dir"]
            try:
                bundle = CurveBundle.load(folder)
            except ValueError as err:
                raise BenchmarkError(str(err)) from None
            if bundle.epochs != entry["epochs"]:
                raise BenchmarkError(
                    f"{self.path / BENCHMARK_FILE}: curves.epochs is {entry['epochs']} but the "
                    f"curve model has {bundle.epochs}"
                )
            self._curves = bundle
        return self._curves

    def _curve(self, batch: _Batch, final: np.ndarray, with_noise: bool, seed: int | None) -> np.ndarray:
        """Curves (n, epochs) ending at ``final`` (+ the final epoch's own noise when ``with_noise``)."""
        bundle = self._need_curves()
        space = self.space  # features need the encoder state (a generic space's vocabulary)
        out = np.empty((len(batch), bundle.epochs))
        for start in range(0, len(batch), CHUNK):
            stop = min(start + CHUNK, len(batch))
            X = space.features(batch.archs[start:stop])
            if not with_noise:
                out[start:stop] = bundle.mean_curves(X, final[start:stop])
                continue
            if seed is None:  # the benchmark's own generator picks the run; its curve is still one run
                seed = int(self._rng.integers(2**63))
            keys = space.noise_keys(batch.archs[start:stop])
            sd = float(self.spec["noise"]["val_accuracy"]["seed_std"])
            out[start:stop] = bundle.noisy_curves(X, final[start:stop], keys, seed, sd)
        return out

    def predict_curve(
        self, archs: Any, with_noise: bool = False, seed: int | None = None, model: str | None = None
    ) -> np.ndarray:
        """Validation accuracy (%) after every epoch: shape ``(epochs,)`` for one architecture,
        ``(n, epochs)`` for a list, in one pass.

        The mean curve never decreases and its last point is ``predict(archs)`` exactly; with
        ``with_noise`` and ``seed=k`` it is seed ``k``'s run, whose last point is
        ``predict(archs, with_noise=True, seed=k)`` exactly and whose every point depends only
        on (architecture, ``k``, epoch). Needs a benchmark with learning curves (:attr:`epochs`).
        """
        with_noise = _flag("with_noise", with_noise)
        seed = None if seed is None else check_seed(seed)
        self._need_curves()
        batch = self._parse(archs)
        mean, _ = self._mean_std(batch, model or self.default_model("val_accuracy"))
        out = self._curve(batch, mean, with_noise, seed)
        return out[0] if batch.single else out

    def elapsed_time(self, archs: Any, epoch: int | None = None) -> Any:
        """Cumulative seconds (training plus per-epoch scoring) after each epoch, strictly increasing:
        ``(epochs,)`` / ``(n, epochs)``, or after ``epoch`` only (a float / ``(n,)``)."""
        bundle = self._need_curves()
        k = None if epoch is None else check_epoch(epoch, bundle.epochs)
        batch = self._parse(archs)
        train, _ = self._mean_std(batch, self.default_model("train_time"))
        out = bundle.cost.elapsed(np.maximum(train, 0.0), k)
        if not batch.single:
            return out
        return out[0] if k is None else float(out[0])

    def resume_cost(self, archs: Any, from_epoch: int, to_epoch: int) -> Any:
        """Seconds to continue a run from ``from_epoch`` (0: from scratch) to ``to_epoch``: what a
        multi-fidelity optimizer pays to promote a trial."""
        bundle = self._need_curves()
        batch = self._parse(archs)
        train, _ = self._mean_std(batch, self.default_model("train_time"))
        out = bundle.cost.cost(np.maximum(train, 0.0), from_epoch, to_epoch)
        return self._out(out, batch.single)

    def predict_sample_and_mean(self, archs: Any, seed: int | None = None, model: str | None = None) -> tuple[Any, Any]:
        """``(predict(archs, with_noise=True, seed=seed), predict(archs))`` from one model pass:
        what a NAS evaluation records (the noisy value it shows, the mean for the regret)."""
        seed = None if seed is None else check_seed(seed)
        batch = self._parse(archs)
        mean, _ = self._mean_std(batch, model or self.default_model("val_accuracy"))
        noisy = mean + self._noise(batch, "val_accuracy", seed)
        return self._out(noisy, batch.single), self._out(mean, batch.single)

    def predict_runtime(self, archs: Any, with_noise: bool = False, seed: int | None = None) -> Any:
        """Training time (s) at the benchmark's fidelity, from the runtime ensemble."""
        with_noise = _flag("with_noise", with_noise)
        seed = None if seed is None else check_seed(seed)
        batch = self._parse(archs)
        mean, _ = self._mean_std(batch, self.default_model("train_time"))
        if with_noise:
            mean = mean + self._noise(batch, "train_time", seed)
        return self._out(np.maximum(mean, 0.0), batch.single)

    def cost(self, archs: Any) -> tuple[Any, Any]:
        """Exact (params, FLOPs) of the networks at the benchmark's fidelity."""
        batch = self._parse(archs)
        params, flops = self._cost(batch)
        return self._out(params, batch.single), self._out(flops, batch.single)

    def query(self, archs: Any, seed: int | None = None, model: str | None = None) -> QueryResult:
        """Mean, std, a noisy sample, runtime, params, FLOPs and an out-of-distribution flag."""
        seed = None if seed is None else check_seed(seed)
        batch = self._parse(archs)
        name = model or self.default_model("val_accuracy")
        mean, std = self._mean_std(batch, name)
        sample = mean + self._noise(batch, "val_accuracy", seed)
        n = len(batch)
        if self.has_runtime:
            runtime, _ = self._mean_std(batch, self.default_model("train_time"))
            runtime = np.maximum(runtime, 0.0)
        else:
            runtime = np.full(n, np.nan)
        params, flops = self._cost(batch) if self.has_cost else (None, None)
        novelty = self.novelty(batch) if self.spec.get("novelty") is not None else None
        # either detector: each catches cells the other misses (bench/ood.py, docs/guide-query.md)
        ood = std > float(self.spec["models"][name]["ood_std_threshold"])
        if novelty is not None:
            ood = ood | (novelty > self._novelty.threshold)
        if batch.single:
            return QueryResult(
                float(mean[0]),
                float(std[0]),
                float(sample[0]),
                float(runtime[0]),
                None if params is None else int(params[0]),
                None if flops is None else int(flops[0]),
                bool(ood[0]),
                None if novelty is None else float(novelty[0]),
            )
        return QueryResult(mean, std, sample, runtime, params, flops, ood, novelty)

    def novelty(self, archs: Any) -> np.ndarray:
        """Mean distance of each architecture to its 5 nearest training architectures in standardised
        feature space (what ``query().ood`` compares with ``benchmark.json["novelty"]["threshold"]``)."""
        if self.spec.get("novelty") is None:
            raise BenchmarkError(
                f"{self.path / BENCHMARK_FILE}: this benchmark has no novelty detector "
                "(assembled before it was added; surrogate.assemble.add_novelty gives it one)"
            )
        if self._novelty is None:
            from .novelty import NearestNeighbours, NoveltyError

            try:
                self._novelty = NearestNeighbours.load(self.path / self.spec["novelty"]["file"])
            except NoveltyError as err:
                raise BenchmarkError(str(err)) from None
        batch = archs if isinstance(archs, _Batch) else self._parse(archs)
        space = self.space  # features need the encoder state (a generic space's vocabulary)
        out = (
            np.concatenate(
                [self._novelty.score(space.features(batch.archs[i : i + CHUNK])) for i in range(0, len(batch), CHUNK)]
            )
            if len(batch)
            else np.zeros(0)
        )
        return out if isinstance(archs, _Batch) else self._out(out, batch.single)


def load(path: str | Path | None = None, rng: Any = None, threads: int | None = None) -> Benchmark:
    """The shipped default benchmark, or the one at ``path`` (``threads``: see :class:`Benchmark`)."""
    target = _path(path) if path is not None else resource_path("checkpoints", "default")
    if path is None and not (target / BENCHMARK_FILE).exists():
        raise BenchmarkError(
            f"the shipped default benchmark is missing from {target}; a clone of the repository "
            "carries it under checkpoints/default (set SURROGATE_RESOURCES to a folder holding "
            "checkpoints/default, or pass a path to load another)"
        )
    return Benchmark(target, rng=rng, threads=threads)
