"""surrogate.space.degenerate_ranked_low: the realism check the default is chosen by."""

from __future__ import annotations

from surrogate.space import CORNERS, DEGENERATE, degenerate_ranked_low


def _predicted(**over: float) -> dict[str, float]:
    pred = dict.fromkeys(CORNERS, 84.0)
    pred.update(darts_v1=85.0, darts_v2=85.5)
    pred.update(dict.fromkeys(DEGENERATE, 82.0))
    pred.update(over)
    return pred


def test_every_degenerate_cell_below_both_darts_cells_and_the_median_passes():
    assert degenerate_ranked_low(_predicted(), median=84.2) == dict.fromkeys(DEGENERATE, True)


def test_a_cell_above_the_lower_darts_cell_or_the_median_fails_alone():
    out = degenerate_ranked_low(_predicted(skip_heavy=85.2), median=84.2)
    assert out["skip_heavy"] is False and sum(out.values()) == len(DEGENERATE) - 1
    out = degenerate_ranked_low(_predicted(all_skip=84.5), median=84.2)
    assert out["all_skip"] is False and sum(out.values()) == len(DEGENERATE) - 1
