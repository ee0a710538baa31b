"""Issue 13: ``fit --threads N`` caps the worker processes; the members are the same bytes with
one worker or several, so the checkpoint's member files do not depend on it."""

from __future__ import annotations

from surrogate.models import _threads


def _member_bytes(ckpt) -> list[bytes]:
    files = sorted(p for p in (ckpt / "members").rglob("*") if p.is_file())
    return [p.read_bytes() for p in files]


def test_threads_option_caps_the_workers_and_keeps_the_members(cli, nb201_table, params_file, tmp_path, monkeypatch):
    from surrogate.models import _workers

    monkeypatch.setattr(_workers, "MIN_ROWS", 0)
    monkeypatch.setattr(_threads, "_idle_cores", lambda: 2)
    seen = []
    real = _threads.fit_workers
    monkeypatch.setattr(_threads, "fit_workers", lambda n, cap=None: seen.append(real(n, cap)) or seen[-1])
    outs = {}
    for threads in ("1", "2"):
        ckpt = tmp_path / threads
        cli.json(
            "fit",
            "--data",
            nb201_table,
            "--space",
            "nb201",
            "--family",
            "lgb",
            "--members",
            3,
            "--params",
            params_file("lgb"),
            "--threads",
            threads,
            "--out",
            ckpt,
        )
        outs[threads] = _member_bytes(ckpt)
    assert seen == [1, 2]
    assert outs["1"] == outs["2"]


def test_threads_must_be_positive(cli, nb201_table):
    code, _, err = cli("fit", "--data", nb201_table, "--space", "nb201", "--family", "lgb", "--threads", "0")
    assert code != 0 and "threads" in err
