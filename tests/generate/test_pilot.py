import numpy as np
import pytest

from surrogate.generate import choose_fidelity, icc1, pilot_summary, reliability, seed_reliability, seeds_needed
from surrogate.space import CORNERS, DEGENERATE, OPS, arch_hash, sample


def _record(h, val, params, seed, runtime=10.0):
    return {
        "arch_hash": h,
        "runtime": runtime,
        "seed": seed,
        "info": [{"val_accuracy": val, "model_parameters": params, "eval_time": 1.0}],
    }


def _fake_pilot(rng, n=30, seed_sd=0.3, arch_sd=1.0, corner_val=50.0):
    recs = []
    for i in range(n):
        params = 1000 + 100 * i
        true = 80 + arch_sd * (i / n) * 3  # accuracy grows with size
        for s in range(3):
            recs.append(_record(f"u{i}", true + rng.normal(0, seed_sd), params, s))
    recs += [_record("c0", corner_val, 10, 0), _record("c0", corner_val, 10, 1)]
    return recs


def test_corner_cells_are_kept_out_of_icc_and_ranked_apart():
    rng = np.random.default_rng(0)
    recs = _fake_pilot(rng)
    with_corner = pilot_summary(recs, {"c0": "all_pooling"})
    as_uniform = pilot_summary(recs)
    assert with_corner["architectures"] == 30 and as_uniform["architectures"] == 31
    assert with_corner["corners"]["all_pooling"]["beats_share_of_uniform"] == 0.0
    assert with_corner["corners"]["all_pooling"]["seeds"] == 2
    # a corner cell 30 points below the rest would inflate the spread if counted as uniform
    assert as_uniform["arch_std"] > 3 * with_corner["arch_std"]
    assert with_corner["spearman_val_params"] > 0.8


def test_seed_reliability_ranks_architecture_means_and_averages_reliability_by_seed_count():
    rng = np.random.default_rng(3)
    hashes, val, params = [], [], []
    for i in range(40):  # accuracy falls with size; architecture 0 has 6 seeds, the rest 3 or 4
        for s in range(6 if i == 0 else 3 + i % 2):
            hashes.append(f"a{i}")
            val.append(90 - 0.2 * i + rng.normal(0, 0.3))
            params.append(1000 + 10 * i)
    fig = seed_reliability(np.array(hashes), np.array(val), np.array(params))
    assert fig["architectures"] == 40 and fig["seeds_per_architecture"] == [3, 6]
    assert fig["spearman_val_params"] < -0.9  # over architecture means: size hurts here
    assert fig["icc"] > 0.9
    sizes = [6] + [3 + i % 2 for i in range(1, 40)]
    assert fig["reliability_of_means"] == pytest.approx(np.mean([reliability(fig["icc"], k) for k in sizes]))
    assert reliability(fig["icc"], 3) < fig["reliability_of_means"] < reliability(fig["icc"], 6)
    assert fig["icc_90ci"][0] < fig["icc"] < fig["icc_90ci"][1]
    assert fig["split_half"]["architectures"] == 21  # architecture 0 and the 20 odd ones
    assert fig["split_half"]["reliability_of_4_seed_mean"] > 0.9
    # rows in another order: the same architectures, the same figures (the interval aside)
    perm = rng.permutation(len(val))
    again = seed_reliability(np.array(hashes)[perm], np.array(val)[perm], np.array(params)[perm])
    for key in ("icc", "spearman_val_params", "seed_std", "arch_std", "reliability_of_means"):
        assert again[key] == pytest.approx(fig[key])


def test_seed_reliability_of_pure_seed_noise_is_near_zero():
    rng = np.random.default_rng(4)
    hashes = np.repeat([f"a{i}" for i in range(200)], 3)
    fig = seed_reliability(hashes, 80 + rng.normal(0, 0.5, len(hashes)), np.repeat(np.arange(200), 3))
    assert abs(fig["icc"]) < 0.15 and abs(fig["spearman_val_params"]) < 0.2
    assert fig["seed_std"] == pytest.approx(0.5, abs=0.05)
    assert fig["seeds_for_reliability_0.8"] is None or fig["seeds_for_reliability_0.8"] > 5
    assert fig["split_half"] is None  # no architecture has 4 seeds
    four = seed_reliability(np.repeat(hashes[::3], 4), 80 + rng.normal(0, 0.5, 800), np.repeat(np.arange(200), 4))
    assert abs(four["split_half"]["r"]) < 0.2


def test_split_half_reliability_agrees_with_the_icc_at_four_seeds():
    rng = np.random.default_rng(5)
    n = 400
    arch = rng.normal(0, 1.0, n)  # ICC = 1 / (1 + 1) = 0.5: the 4-seed mean's reliability is 0.8
    hashes = np.repeat([f"a{i}" for i in range(n)], 4)
    val = np.repeat(arch, 4) + rng.normal(0, 1.0, 4 * n)
    fig = seed_reliability(hashes, val, np.repeat(np.arange(n), 4))
    assert fig["icc"] == pytest.approx(0.5, abs=0.07)
    assert fig["reliability_of_means"] == pytest.approx(0.8, abs=0.04)
    assert fig["icc_90ci"][0] < fig["icc"] < fig["icc_90ci"][1]  # the ICC's own interval, not the split half's
    half = fig["split_half"]
    assert half["reliability_of_4_seed_mean"] == pytest.approx(0.8, abs=0.05)
    lo, hi = half["reliability_90ci"]
    assert lo < half["reliability_of_4_seed_mean"] < hi and lo < 0.8 < hi
    fewer = seed_reliability(hashes[:160], val[:160], np.repeat(np.arange(40), 4))["split_half"]
    assert np.diff(fewer["reliability_90ci"])[0] > np.diff(half["reliability_90ci"])[0]  # 40 vs 400 architectures


def test_reliability_and_seeds_needed():
    assert reliability(0.5, 1) == 0.5
    assert reliability(0.6, 3) == pytest.approx(1.8 / 2.2)
    assert seeds_needed(0.6) == 3 and seeds_needed(0.85) == 1 and seeds_needed(-0.1) is None
    assert seeds_needed(0.1, max_k=5) is None


def _row(icc, rho, cost):
    return {
        "icc": icc,
        "spearman_val_params": rho,
        "cpu_seconds_per_eval": cost,
        "seeds_for_reliability_0.8": seeds_needed(icc),
        "cpu_seconds_per_architecture_at_0.8": (seeds_needed(icc) or 0) * cost or None,
    }


def test_choose_prefers_the_cheapest_single_seed_candidate_then_k_seeds():
    rows = {"a": _row(0.8, 0.4, 60), "b": _row(0.9, 0.5, 100), "c": _row(0.6, 0.5, 20)}
    assert choose_fidelity(rows) == {"pick": "a", "design": "single seed", "seeds": 1, "reaches_bar": True}
    rows["a"] = _row(0.8, 0.1, 60)  # size must matter too
    assert choose_fidelity(rows)["pick"] == "b"
    rows.pop("b")
    pick = choose_fidelity(rows)
    assert pick["pick"] == "c" and pick["design"] == "k-seed mean" and pick["seeds"] == 3
    pick = choose_fidelity({"x": _row(0.2, 0.0, 10), "y": _row(0.3, 0.0, 10)})
    assert pick["pick"] == "y" and not pick["reaches_bar"]


def test_icc_recovers_the_variance_share():
    rng = np.random.default_rng(1)
    arch = rng.normal(0, 1.0, 400)
    groups = [a + rng.normal(0, 0.5, 3) for a in arch]
    assert icc1(groups) == pytest.approx(1 / 1.25, abs=0.05)


def test_corner_cells_are_what_their_names_say():
    free = {"skip_connect", "max_pool_3x3", "avg_pool_3x3", "none"}
    for name in DEGENERATE:
        normal = [op for op, _ in CORNERS[name].normal]
        assert sum(op in free for op in normal) >= 6, name
    assert sum(op == "skip_connect" for op, _ in CORNERS["skip_heavy"].normal) >= 6
    assert {op for op, _ in CORNERS["all_pooling"].normal} <= {"max_pool_3x3", "avg_pool_3x3"}
    assert {op for op, _ in CORNERS["all_skip"].normal} == {"skip_connect"}
    # distinct cells, none of them a typical uniform sample's hash
    hashes = {arch_hash(g) for g in CORNERS.values()}
    assert len(hashes) == len(CORNERS)
    assert not hashes & {arch_hash(g) for g in sample(500, rng=0)}
    assert set(OPS) >= {op for g in CORNERS.values() for op, _ in g.normal}


def test_pilot_command_ranks_corners_and_draws_the_frontier(tmp_path, idx_root):
    import json
    import subprocess
    import sys

    out = tmp_path / "pilot"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "surrogate.cli",
            "pilot",
            "--fidelities",
            "tiny",
            "-n",
            "3",
            "--corner-seeds",
            "1",
            "--workers",
            "1",
            "--data-root",
            str(idx_root),
            "--out",
            str(out),
            "--plot",
            str(tmp_path / "f.png"),
            "--json",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    result = json.loads(done.stdout)
    row = result["candidates"]["tiny"]
    assert row["architectures"] == 3 and row["evaluations"] == 3 * 3 + len(CORNERS)
    assert set(row["corners"]) == set(CORNERS)
    assert result["pick"] == "tiny" and (tmp_path / "f.png").stat().st_size > 1000
    assert json.loads((out / "pilot.json").read_text()) == result
    md = subprocess.run(
        [
            sys.executable,
            "-m",
            "surrogate.cli",
            "pilot",
            "--fidelities",
            "tiny",
            "--out",
            str(out),
            "--summarise-only",
            "--markdown",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert md.splitlines()[2].startswith(f"| tiny | {row['evaluations']} | 3 | {row['icc']:.2f} (")
    assert sum(line.startswith("| darts_v") for line in md.splitlines()) == 2
