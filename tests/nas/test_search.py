"""search(): files on disk and the summary; the plot; the `surrogate search` command."""

from __future__ import annotations

import csv
import json

import numpy as np
import pytest

import surrogate
from surrogate.cli import main
from surrogate.nas import (
    CSV_COLUMNS,
    Budget,
    RandomSearch,
    RegularizedEvolution,
    plot_trajectories,
    read_json,
    run_many,
    search,
)

PNG = b"\x89PNG\r\n\x1a\n"
OPTS = [RandomSearch(batch_size=10), RegularizedEvolution(population_size=8, sample_size=3)]


def test_search_writes_json_csv_and_plot(bench, tmp_path):
    result = search(
        bench, OPTS, budget=Budget(seconds=20_000.0), repeats=2, seed=1, out=tmp_path / "out", progress=False
    )
    assert set(result.files) == {"json", "csv", "plot"}
    back = read_json(result.files["json"])
    assert [t.archs for t in back] == [t.archs for t in result.trajectories]
    for x, y in zip(back, result.trajectories):
        np.testing.assert_array_equal(x.regret, y.regret)
    with result.files["csv"].open(newline="") as f:
        rows = list(csv.DictReader(f))
    assert tuple(rows[0]) == CSV_COLUMNS
    assert len(rows) == sum(len(t) for t in result.trajectories)
    assert result.files["plot"].read_bytes().startswith(PNG)
    meta = json.loads(result.files["json"].read_text())["meta"]
    assert meta["budget"] == {"seconds": 20_000.0, "queries": None} and meta["repeats"] == 2


def test_summary_matches_the_trajectories(bench):
    result = search(bench, OPTS, budget=Budget(queries=25), repeats=3, seed=0, progress=False)
    assert result.files == {}
    by_name = {s.optimizer: s for s in result.summary}
    assert list(by_name) == ["rs", "re"]
    re_runs = [t for t in result.trajectories if t.optimizer == "re"]
    finals = [t.incumbent[-1] for t in re_runs]
    s = by_name["re"]
    assert s.runs == 3 and s.queries_mean == 25
    assert s.final_accuracy_mean == pytest.approx(np.mean(finals))
    assert s.final_accuracy_std == pytest.approx(np.std(finals, ddof=1))
    assert s.final_regret_mean == pytest.approx(np.mean([t.regret[-1] for t in re_runs]))
    json.dumps(result.to_dict(), allow_nan=False)


@pytest.mark.parametrize("x", ["time", "queries"])
def test_plot_is_written(bench, tmp_path, x):
    trajs = run_many(bench, OPTS, 2, Budget(queries=20), seed=0, progress=False)
    path = plot_trajectories(trajs, tmp_path / "sub" / "p.png", x=x, title="t")
    data = path.read_bytes()
    assert data.startswith(PNG) and len(data) > 10_000


def test_plot_refuses_nothing_and_bad_axes(bench, tmp_path):
    trajs = run_many(bench, OPTS, 1, Budget(queries=5), seed=0, progress=False)
    with pytest.raises(ValueError, match="'time' or 'queries'"):
        plot_trajectories(trajs, tmp_path / "p.png", x="seconds")
    with pytest.raises(ValueError, match="nothing to plot"):
        plot_trajectories([], tmp_path / "p.png")


def test_cli_search_on_a_fake_benchmark(bench, tmp_path, monkeypatch, capsys):
    loaded = []
    monkeypatch.setattr(surrogate, "load", lambda path=None: loaded.append(path) or bench, raising=False)
    out = tmp_path / "cli"
    code = main(
        [
            "search",
            "--optimizers",
            "rs",
            "re",
            "--repeats",
            "2",
            "--budget-queries",
            "12",
            "--seed",
            "4",
            "--out",
            str(out),
            "--no-progress",
            "--json",
        ]
    )
    assert code == 0 and loaded == [None]
    doc = json.loads(capsys.readouterr().out)
    assert [s["optimizer"] for s in doc["summary"]] == ["rs", "re"]
    assert all(s["queries_mean"] == 12 for s in doc["summary"])
    assert {p.name for p in out.iterdir()} == {"trajectories.json", "trajectories.csv", "trajectories.png"}

    code = main(
        [
            "search",
            "--benchmark",
            "some/dir",
            "--optimizers",
            "ls",
            "--repeats",
            "1",
            "--budget-seconds",
            "5000",
            "--out",
            str(out),
            "--no-progress",
        ]
    )
    text = capsys.readouterr().out
    assert code == 0 and loaded[-1] == "some/dir"
    assert "final best acc" in text and "ls" in text and "5000 simulated seconds" in text


def test_cli_search_without_a_benchmark_says_so(tmp_path, capsys):
    code = main(
        ["search", "--benchmark", str(tmp_path), "--budget-queries", "5", "--out", str(tmp_path / "o"), "--no-progress"]
    )
    assert code == 1
    assert "is not a benchmark directory" in capsys.readouterr().err


def test_cli_search_budgets_are_exclusive(capsys):
    with pytest.raises(SystemExit):
        main(["search", "--budget-queries", "5", "--budget-seconds", "10"])
    assert "not allowed with argument" in capsys.readouterr().err
