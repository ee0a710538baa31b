"""A bounds check of a UBJSON file (XGBoost's ``model.ubj``) before XGBoost reads it.

XGBoost trusts the lengths a UBJSON file declares: on a truncated or garbled ``model.ubj`` it
allocated what a damaged length asked for and the process died (``terminate called after
throwing an instance of 'std::bad_alloc'``, measured with xgboost 3), which no ``except`` can
catch. :func:`check_ubjson` walks the file's structure without building it: every marker known,
every length non-negative and inside the file, containers closed, nothing after the end. It does
not judge the model's content (XGBoost's own errors do, and they are caught).
"""

from __future__ import annotations

#: Bytes of each fixed-size value (UBJSON draft 12, big-endian).
_FIXED = {b"i": 1, b"U": 1, b"I": 2, b"l": 4, b"L": 8, b"d": 4, b"D": 8, b"C": 1}
_EMPTY = (b"T", b"F", b"Z", b"N")
_MAX_DEPTH = 64


def check_ubjson(data: bytes, where: str) -> None:
    """Raise ``ValueError`` naming ``where`` unless ``data`` is one well-formed UBJSON value."""
    pos = 0

    def bad(why: str) -> ValueError:
        return ValueError(f"{where} is not a valid XGBoost UBJSON model ({why}); the saved model is damaged")

    def take(n: int) -> bytes:
        nonlocal pos
        if n < 0 or pos + n > len(data):
            raise bad(f"it ends inside a value at byte {pos}")
        out = data[pos : pos + n]
        pos += n
        return out

    def length() -> int:
        marker = take(1)
        if marker not in (b"i", b"U", b"I", b"l", b"L"):
            raise bad(f"a length at byte {pos - 1} is not an integer")
        n = int.from_bytes(take(_FIXED[marker]), "big", signed=marker != b"U")
        if not 0 <= n <= len(data):
            raise bad(f"a length of {n} at byte {pos} in a file of {len(data)} bytes")
        return n

    def value(marker: bytes, depth: int) -> None:
        if marker in _FIXED:
            take(_FIXED[marker])
        elif marker in (b"S", b"H"):
            take(length())
        elif marker in (b"[", b"{"):
            if depth > _MAX_DEPTH:
                raise bad("containers nested too deep")
            container(marker == b"{", depth + 1)
        elif marker not in _EMPTY:
            raise bad(f"an unknown marker {marker!r} at byte {pos - 1}")

    def container(is_object: bool, depth: int) -> None:
        nonlocal pos
        kind = None
        if data[pos : pos + 1] == b"$":
            pos += 1
            kind = take(1)
        count = None
        if data[pos : pos + 1] == b"#":
            pos += 1
            count = length()
        elif kind is not None:
            raise bad(f"a typed container without a count at byte {pos}")
        if count is not None and kind in _FIXED and not is_object:
            take(count * _FIXED[kind])  # a strongly typed array: one block
            return
        done = 0
        while count is None or done < count:
            if count is None and data[pos : pos + 1] == (b"}" if is_object else b"]"):
                pos += 1
                return
            if is_object:
                take(length())  # the key
            value(kind if kind is not None else take(1), depth)
            done += 1

    value(take(1), 0)
    if pos != len(data):
        raise bad(f"{len(data) - pos} bytes after the end of the model")
