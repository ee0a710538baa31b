"""surrogate: a surrogate benchmark for the DARTS search space (the NAS-Bench-301 idea)."""

__version__ = "0.1.0"
