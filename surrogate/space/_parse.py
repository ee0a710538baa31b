"""``parse``: the one door through which architectures in any accepted form enter the package."""

from __future__ import annotations

from collections.abc import Mapping
from typing import overload

from ._errors import InvalidArchitectureError
from ._formats import from_compact, from_config, from_string
from ._genotype import Genotype


def _is_pair_of_ints(x: object) -> bool:
    return (
        isinstance(x, (tuple, list)) and len(x) == 2 and all(isinstance(v, int) and not isinstance(v, bool) for v in x)
    )


def _looks_compact(x: object) -> bool:
    """``(normal, reduce)`` where each cell is a sequence of (int, int) pairs."""
    return (
        isinstance(x, (tuple, list))
        and len(x) == 2
        and all(isinstance(c, (tuple, list)) and len(c) > 0 and _is_pair_of_ints(c[0]) for c in x)
    )


def parse_one(x: object) -> Genotype:
    """Turn one architecture, in any accepted form, into a ``Genotype``."""
    if isinstance(x, Genotype):
        return x
    if isinstance(x, str):
        return from_string(x)
    if isinstance(x, Mapping):
        return from_config(dict(x))
    if _looks_compact(x):
        return from_compact(x)
    if isinstance(x, tuple) and len(x) == 4 and hasattr(x, "_fields"):
        # DARTS's own namedtuple, or any namedtuple of the same shape.
        return Genotype(*x)
    raise InvalidArchitectureError(
        f"cannot read an architecture from {type(x).__name__} {x!r:.120}; expected a Genotype, its "
        "string form, an NB301 config dict or a compact (normal, reduce) tuple"
    )


@overload
def parse(x: list) -> list[Genotype]: ...
@overload
def parse(x: object) -> Genotype: ...


def parse(x: object) -> Genotype | list[Genotype]:
    """Parse one architecture or a list of them.

    Accepts a :class:`Genotype`, DARTS's string form, an official NAS-Bench-301 config dict, NASLib's
    compact ``(normal, reduce)`` tuple, or a list (or other non-tuple sequence) of any of these.
    One architecture in, one ``Genotype`` out; a list in, a list out.

    Raises
    ------
    InvalidArchitectureError
        (a ``ValueError``) for anything else, naming the item, cell and node at fault.

    Examples
    --------
    >>> from surrogate.space import parse, sample
    >>> g = sample(1, rng=0)[0]
    >>> parse(str(g)) == g and parse(g.to_config()) == parse(g.to_compact())
    True
    """
    if isinstance(x, list) and not _looks_compact(x):
        out = []
        for i, item in enumerate(x):
            try:
                out.append(parse_one(item))
            except InvalidArchitectureError as err:
                raise InvalidArchitectureError(f"architecture {i}: {err}") from None
        return out
    if isinstance(x, (str, Mapping, Genotype)) or _looks_compact(x):
        return parse_one(x)
    if isinstance(x, tuple) and hasattr(x, "_fields"):
        return parse_one(x)
    if hasattr(x, "__iter__") and not isinstance(x, (bytes, tuple)):
        return parse(list(x))  # numpy arrays of strings, pandas Series, generators
    return parse_one(x)
