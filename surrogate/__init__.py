"""surrogate: a surrogate benchmark for the DARTS search space (the NAS-Bench-301 idea)."""

from ._version import __version__
from .benchmark import Benchmark, QueryResult, load

__all__ = ["Benchmark", "QueryResult", "__version__", "load"]
