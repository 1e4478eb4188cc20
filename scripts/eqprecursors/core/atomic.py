"""All-or-nothing file outputs, shared by every writer in the package.

A Snakemake job that fails or is interrupted must never leave a partial output that a later
run would take for finished work, so every writer writes to a temporary file next to the
target (same filesystem, so ``os.replace`` is atomic) and renames it only on success.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path


@contextlib.contextmanager
def atomic_path(path, *, suffix: str = ".part"):
    """Yield a temporary path that replaces ``path`` only if the block succeeds.

    The temporary file exists (created empty, so its name is reserved) with ordinary
    permissions; it is removed on any error, KeyboardInterrupt included. ``suffix`` serves
    libraries that insist on an extension (cdflib wants ``.cdf``).
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=suffix, dir=path.parent)
    os.close(fd)
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(name, 0o666 & ~umask)  # mkstemp makes 0600; outputs get ordinary permissions
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def atomic_write_bytes(path, data: bytes) -> Path:
    """Write ``data`` to ``path`` atomically (all or nothing); returns the path."""
    with atomic_path(path) as tmp:
        tmp.write_bytes(data)
    return Path(path)


@contextlib.contextmanager
def atomic_output(path):
    """Yield a binary file handle whose content replaces ``path`` only on success."""
    with atomic_path(path) as tmp, open(tmp, "wb") as fh:  # fh.name: validators read it
        yield fh
        fh.flush()
        os.fsync(fh.fileno())
