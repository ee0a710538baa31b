"""Encoders: Genotypes -> model inputs.

- :func:`features`: a batch -> a fixed-length ``float32`` matrix for tree models, with column
  names from :func:`feature_names`.
- :func:`graph` / :func:`graph_batch`: one Genotype -> a torch_geometric ``Data``, a batch -> a
  ``Batch``, for the GIN (ops as nodes, both cells in one graph, see ``docs/encoding.md``).
- :func:`dense_graphs`: the same graphs as dense numpy ``(x, adj)`` arrays, what the GIN's query
  path multiplies (no torch_geometric, no torch).
- ``*_from_canonical``: the same from :func:`canonical_array`, so a query that needs several
  encodings canonicalises its batch once.

Both start from a vectorised canonical form, so they are invariant to the order of a node's two
inputs and to relabelling intermediate nodes, and separate non-isomorphic architectures.
:data:`ENCODER_VERSION` names each encoding; checkpoints record it so a model is never fed
inputs encoded another way. torch is imported only when a graph is built.
"""

from types import MappingProxyType

from ._canonical import canonical_array
from ._dense import dense_graphs, dense_graphs_from_canonical
from ._features import feature_names, features, features_from_canonical
from ._graph import GRAPH_NODE_FEATURES, graph, graph_batch

#: The version of each encoding (read-only; ``dict(ENCODER_VERSION)`` for JSON). Bump one when
#: its output changes for any input.
ENCODER_VERSION = MappingProxyType({"features": "darts-features-1", "graph": "darts-graph-1"})

__all__ = [
    "ENCODER_VERSION",
    "GRAPH_NODE_FEATURES",
    "canonical_array",
    "dense_graphs",
    "dense_graphs_from_canonical",
    "features_from_canonical",
    "feature_names",
    "features",
    "graph",
    "graph_batch",
]
