"""surrogate: a surrogate benchmark for the DARTS search space (the NAS-Bench-301 idea)."""

__version__ = "0.1.0"

from .benchmark import Benchmark, QueryResult, load  # noqa: E402

__all__ = ["Benchmark", "QueryResult", "__version__", "load"]
