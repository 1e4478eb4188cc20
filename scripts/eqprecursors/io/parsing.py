"""One way to run a format reader: every failure becomes the module's error, naming the file.

A damaged download must stop the workflow with a message a user can act on (which file,
which line), never with a ``KeyError`` or ``struct.error`` from deep inside pandas, h5py or
cdflib. Every reader error derives from :class:`FormatError`; :func:`parse_as` (text
formats) and :func:`library_call` (binary formats read through a library) turn what the
parsers raise into it at the reader's boundary, keeping the original as ``__cause__``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping


class FormatError(ValueError):
    """A file that cannot be read as its format; the message names the file (and line)."""


class MissingVariableError(FormatError, KeyError):
    """A readable file that lacks a variable or dataset the caller asked for.

    Also a ``KeyError``, which callers of the satellite readers have always caught.
    """

    __str__ = ValueError.__str__  # KeyError's would quote the whole message


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


def library_call(error: type[FormatError], path, what: str, call: Callable, *args, **kwargs):
    """``call(*args, **kwargs)``; anything the library raises becomes ``error`` naming ``path``.

    For cdflib and h5py: on a damaged file they raise whatever their parser hits (OSError,
    KeyError, IndexError, struct.error, UnicodeDecodeError, RuntimeError, MemoryError...),
    so the whole ``Exception`` family is caught here, around the library call only, never
    around the reader's own logic. A :class:`FormatError` passes through unchanged.
    """
    try:
        return call(*args, **kwargs)
    except FormatError:
        raise
    except Exception as exc:
        raise error(f"{path}: cannot read {what} ({type(exc).__name__}: {exc})") from exc
