"""Write files so that a reader never sees half of one: a temporary file, then a rename.

A kernel killed mid-write, a full disk or a crash leaves the old file (or none), never a
truncated one: every file omgeving writes for others to read (layers, web layers, reports,
maps, exports, GIO, caches, ``omgeving.toml``) goes through :func:`atomic_write` or
:func:`atomic_path`.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

__all__ = ["atomic_path", "atomic_write"]


@contextlib.contextmanager
def atomic_path(
    path: str | os.PathLike[str], *, durable: bool = False, exists: bool = True
) -> Iterator[Path]:
    """Yield a temporary path beside ``path``; on success it replaces ``path`` in one step.

    For writers that want a file name (GDAL, a browser printing a PDF). On an error the
    temporary file is removed and ``path`` is left as it was. With ``durable`` the file is
    flushed to disk before the rename; with ``exists=False`` the temporary file is not there
    yet (for writers that refuse to write over a file, such as GDAL's drivers).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "kaart.html"
    >>> with atomic_path(target) as tmp:
    ...     _ = tmp.write_text("<p>kaart</p>")
    >>> target.read_text()
    '<p>kaart</p>'
    """
    target = Path(path)
    handle, name = tempfile.mkstemp(
        prefix=f".{target.stem[:24]}-", suffix=target.suffix or ".tmp", dir=target.parent
    )
    os.close(handle)
    tmp = Path(name)
    if not exists:
        tmp.unlink()
    try:
        yield tmp
        # mkstemp makes the file private (0600); give it the mode the file had, or 0644
        os.chmod(tmp, target.stat().st_mode & 0o777 if target.exists() else 0o644)
        if durable:
            with open(tmp, "rb+") as written:
                os.fsync(written.fileno())
        os.replace(tmp, target)
    finally:
        tmp.unlink(missing_ok=True)


def atomic_write(
    path: str | os.PathLike[str],
    data: str | bytes,
    *,
    encoding: str = "utf-8",
    durable: bool = False,
) -> Path:
    """Write ``data`` (text or bytes) to ``path`` through a temporary file; return the path.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> target = pathlib.Path(tempfile.mkdtemp()) / "a.json"
    >>> atomic_write(target, '{"a": 1}').read_text()
    '{"a": 1}'
    """
    with atomic_path(path, durable=durable) as tmp:
        if isinstance(data, bytes):
            tmp.write_bytes(data)
        else:
            tmp.write_text(data, encoding=encoding)
    return Path(path)
