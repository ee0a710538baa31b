"""The DARTS search space as NAS-Bench-301 defines it.

A value of the space is a :class:`Genotype`. :func:`parse` turns every accepted form (the Genotype
itself, its string, an official config dict, NASLib's compact tuple, or a list of these) into
Genotypes; everything else in the package takes Genotypes.
"""

from ._array import to_array
from ._canonical import arch_hash, canonical, canonical_string
from ._errors import InvalidArchitectureError
from ._formats import from_compact, from_config, from_string, to_compact, to_config
from ._genotype import Genotype
from ._known import CORNERS, DARTS_V1, DARTS_V2, DEGENERATE, KNOWN, degenerate_ranked_low
from ._ops import CONCAT, CONFIG_PREFIX, EDGE_START, N_EDGES, OPS, SPACE_SIZE
from ._parse import parse
from ._sample import mutate, neighbours, sample
from ._skewed import sample_skewed

__all__ = [
    "CONCAT",
    "CORNERS",
    "DEGENERATE",
    "DARTS_V1",
    "DARTS_V2",
    "KNOWN",
    "CONFIG_PREFIX",
    "EDGE_START",
    "N_EDGES",
    "OPS",
    "SPACE_SIZE",
    "Genotype",
    "InvalidArchitectureError",
    "arch_hash",
    "canonical",
    "canonical_string",
    "degenerate_ranked_low",
    "from_compact",
    "from_config",
    "from_string",
    "mutate",
    "neighbours",
    "parse",
    "sample",
    "sample_skewed",
    "to_array",
    "to_compact",
    "to_config",
]
