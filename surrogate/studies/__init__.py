"""Studies on evaluation data: is a surrogate better than a table, and does it extrapolate?

- :func:`tabular_vs_surrogate`: the NAS-Bench-301 paper's Table 1 protocol on any data with 3 or
  more seeds per architecture: a surrogate fit on one seed against that seed's table entries,
  both scored by MAE and Kendall τ against the mean of the other seeds.
- :func:`leave_one_out`: fit without one value of a column (an optimizer, ``source``), test on
  it; R², Kendall τ, MAE per held-out value, beside a random-split baseline.

Each returns a typed result with ``to_records()``, ``to_dict()``, ``to_table()``, ``plot(path)``
and ``write(out)`` (JSON, CSV and a PNG). ``surrogate study tabular-vs-surrogate`` and
``surrogate study leave-one-out`` are their command lines; docs/guide-studies.md is the guide.
"""

from ._hyperband_real import HyperbandComparison, hyperband_real_vs_surrogate
from ._leave_one_out import HeldOutSource, LeaveOneOutResult, leave_one_out, leave_one_out_split
from ._multi_seed import MIN_SEEDS, MultiSeedTable, multi_seed_table
from ._plot import plot_leave_one_out, plot_tabular_vs_surrogate
from ._tabular_vs_surrogate import SeedComparison, TabularVsSurrogateResult, tabular_vs_surrogate

__all__ = [
    "HyperbandComparison",
    "hyperband_real_vs_surrogate",
    "MIN_SEEDS",
    "HeldOutSource",
    "LeaveOneOutResult",
    "MultiSeedTable",
    "SeedComparison",
    "TabularVsSurrogateResult",
    "leave_one_out",
    "leave_one_out_split",
    "multi_seed_table",
    "plot_leave_one_out",
    "plot_tabular_vs_surrogate",
    "tabular_vs_surrogate",
]
