"""One way to run a format reader: every failure becomes the module's error, naming the file."""

from __future__ import annotations

from collections.abc import Callable, Mapping


def parse_as(
    fmt: str,
    readers: Mapping[str, Callable[[str], object]],
    text: str,
    path,
    *,
    error: type[Exception],
    what: str,
    catch: tuple[type[Exception], ...] = (ValueError, KeyError, IndexError),
):
    """``readers[fmt](text)``; an unknown ``fmt`` or a parse failure raises ``error``."""
    if fmt not in readers:
        raise error(f"{path}: unknown {what} format {fmt!r}; use one of {tuple(readers)}")
    try:
        return readers[fmt](text)
    except error as exc:
        raise error(f"{path}: {exc}") from exc
    except catch as exc:
        raise error(f"{path}: not a readable {fmt} {what} ({exc})") from exc
