"""The one domain error of the search space."""

from __future__ import annotations


class InvalidArchitectureError(ValueError):
    """An architecture that is not a valid member of the search space.

    A ``ValueError``, so callers may catch either. The message names the cell, the node and what
    is wrong, and shows the rejected value.
    """
