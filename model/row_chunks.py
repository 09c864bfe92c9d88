"""Element-wise work over posterior draws, in row chunks on a thread pool.

The Rao-Blackwellised CDFs (model/forecast.py `arrival_cdf_by_anchor`, model/requirement_update.py)
evaluate the bivariate normal CDF (requirement.bivariate_normal_cdf: two Owen's T per element) on
(draws x grid) arrays: ~2e7 elements in a default run's summary, ~0.5 us each. Every draw's row
is computed independently of the others, and NumPy/SciPy release the GIL inside their ufunc
loops, so the rows can be split into chunks that run on threads:

    out[rows_i] = fn(rows_i)   for the chunks rows_i = [i c, (i + 1) c) of 0..n-1.

Each element is computed by the same ufunc calls on the same inputs whichever thread runs it, so
the result is bit-identical to the serial loop (a test checks it), and the pool only changes
wall time. Threads: `OOMCAST_THREADS` if set (1 = serial), else the machine's CPU count.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import numpy as np

THREADS_ENV = "OOMCAST_THREADS"


def thread_count() -> int:
    """Threads for row-chunked work: $OOMCAST_THREADS (a positive integer), else os.cpu_count()."""
    text = os.environ.get(THREADS_ENV, "").strip()
    if text:
        try:
            value = int(text)
        except ValueError:
            raise ValueError(f"{THREADS_ENV} must be a positive integer (got {text!r})") from None
        if value < 1:
            raise ValueError(f"{THREADS_ENV} must be a positive integer (got {text!r})")
        return value
    return os.cpu_count() or 1


def map_row_chunks(fn: Callable[[slice], np.ndarray], n_rows: int, chunk: int,
                   out: np.ndarray, axis: int = 0) -> np.ndarray:
    """Fill `out` with fn(rows) for consecutive row slices of length `chunk` along `axis`
    (the draws' axis of `out`); the chunks run on `thread_count()` threads. Returns `out`."""
    slices = [slice(start, min(start + chunk, n_rows)) for start in range(0, n_rows, chunk)]
    index = (slice(None),) * axis

    def fill(rows: slice) -> None:
        out[index + (rows,)] = fn(rows)

    threads = min(thread_count(), len(slices))
    if threads <= 1:
        for rows in slices:
            fill(rows)
        return out
    with ThreadPoolExecutor(max_workers=threads) as pool:
        list(pool.map(fill, slices))  # re-raises a chunk's exception here
    return out
