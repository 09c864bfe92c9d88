"""Map a function over tasks on Dask distributed, with a content-addressed cache.

    outcomes = map_cached(fn, tasks, cache=ResultCache(), scheduler=None, shared=big_object)

Each `Task` carries a `key` (the content hash of everything its result depends on, see cache.py),
a `label` for people, and a picklable `payload`. For every task:

1. if the cache holds its key, the stored value is used (`Outcome.cached = True`): a repeated
   study costs nothing, and a killed one resumes where it stopped;
2. otherwise `fn(payload)` (or `fn(payload, shared)`) runs on a Dask worker; each value is stored
   in the cache by this (client) process as soon as it arrives, so workers need no shared disk;
3. an exception inside `fn` becomes a failed `Outcome` (error text and traceback) and the other
   tasks go on; failures are not cached, so the next run retries them. A worker that dies
   (memory, signal) fails its task the same way.

Where it runs:
- `scheduler=None` (default): an embedded `LocalCluster` on this machine, `n_workers` processes
  with one thread each (default 2), shut down at the end. Workers are daemonic processes, where
  PyMC cannot start its multiprocess sampler: functions that sample must use `cores=1`.
- `scheduler="tcp://host:8786"`: an existing cluster, used unchanged (its workers need this
  package installed; the function and payloads travel by pickle).
- `scheduler="inline"`: no Dask; tasks run one after another in this process (tests, debugging).

`shared` is an optional large object (e.g. a run's posterior draws) sent to every worker once
(`Client.scatter(broadcast=True)`) instead of once per task.

Progress is one updating line on stderr when stderr is a terminal and the environment variable
CI is unset (the same rule as sampling progress bars in model/inference.py).
"""

from __future__ import annotations

import logging
import os
import sys
import time
import traceback
import uuid
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from model.studies.cache import ResultCache

INLINE = "inline"


@dataclass(frozen=True)
class Task:
    key: str
    label: str
    payload: Any = field(repr=False)
    description: Any = field(default=None, repr=False)  # stored beside the cached value


@dataclass
class Outcome:
    key: str
    label: str
    value: Any = None
    error: str | None = None
    traceback: str | None = None
    cached: bool = False
    wall_s: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


def show_progress() -> bool:
    """Progress on an interactive terminal only, never in CI logs."""
    return sys.stderr.isatty() and not os.environ.get("CI")


def _call(fn: Callable, payload: Any, shared: Any, with_shared: bool) -> dict:
    """Runs on the worker: never raises for an error inside `fn`."""
    start = time.perf_counter()
    try:
        value = fn(payload, shared) if with_shared else fn(payload)
    except Exception as exc:  # noqa: BLE001 - reported per task, the study goes on
        return {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                "traceback": traceback.format_exc(), "wall_s": time.perf_counter() - start}
    return {"ok": True, "value": value, "wall_s": time.perf_counter() - start}


class _Progress:
    def __init__(self, total: int, name: str, enabled: bool):
        self.total, self.name, self.enabled = total, name, enabled
        self.done = self.cached = self.failed = 0

    def update(self, outcome: Outcome) -> None:
        self.done += 1
        self.cached += outcome.cached
        self.failed += not outcome.ok
        if not self.enabled:
            return
        state = "cached" if outcome.cached else ("FAILED" if not outcome.ok else
                                                 f"{outcome.wall_s:.1f} s")
        line = (f"{self.name}: {self.done}/{self.total} done ({self.cached} cached, "
                f"{self.failed} failed) · {outcome.label[:48]}: {state}")
        sys.stderr.write("\r\033[K" + line)
        sys.stderr.flush()

    def close(self) -> None:
        if self.enabled and self.done:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _record(cache: ResultCache | None, task: Task, result: dict) -> Outcome:
    if result["ok"]:
        if cache is not None:
            try:
                cache.put(task.key, result["value"], task.description)
            except (TypeError, OSError) as exc:  # not cacheable / disk full: keep the result
                warnings.warn(f"result of {task.label} not cached: {exc}", RuntimeWarning,
                              stacklevel=2)
        return Outcome(task.key, task.label, value=result["value"], wall_s=result["wall_s"])
    return Outcome(task.key, task.label, error=result["error"], traceback=result["traceback"],
                   wall_s=result["wall_s"])


def _start_client(scheduler: str | None, n_workers: int):
    from distributed import Client, LocalCluster

    if scheduler:
        return Client(scheduler), None
    with warnings.catch_warnings():  # another cluster holds the dashboard port: no matter
        warnings.filterwarnings("ignore", message=".*already in use.*")
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None, silence_logs=logging.ERROR)
    return Client(cluster), cluster


def map_cached(fn: Callable, tasks: Sequence[Task], *, cache: ResultCache | None = None,
               scheduler: str | None = None, n_workers: int = 2, shared: Any = None,
               name: str = "tasks", progress: bool | None = None) -> list[Outcome]:
    """Outcomes in the order of `tasks` (see the module docstring)."""
    progress = show_progress() if progress is None else progress
    with_shared = shared is not None
    bar = _Progress(len(tasks), name, progress)
    by_key: dict[str, Outcome] = {}
    todo: dict[str, Task] = {}
    for task in tasks:
        if task.key in by_key or task.key in todo:
            continue
        found, value = cache.get(task.key) if cache is not None else (False, None)
        if found:
            by_key[task.key] = Outcome(task.key, task.label, value=value, cached=True)
            bar.update(by_key[task.key])
        else:
            todo[task.key] = task
    try:
        if todo and scheduler == INLINE:
            for task in todo.values():
                by_key[task.key] = _record(cache, task, _call(fn, task.payload, shared,
                                                              with_shared))
                bar.update(by_key[task.key])
        elif todo:
            _run_dask(fn, todo, cache, scheduler, n_workers, shared, with_shared, by_key, bar)
    finally:
        bar.close()
    out = []
    for task in tasks:
        o = by_key[task.key]
        out.append(o if o.label == task.label else Outcome(**{**o.__dict__, "label": task.label}))
    return out


def _run_dask(fn, todo, cache, scheduler, n_workers, shared, with_shared, by_key, bar) -> None:
    from distributed import as_completed

    client, cluster = _start_client(scheduler, n_workers)
    try:
        shared_ref = client.scatter(shared, broadcast=True) if with_shared else None
        futures = {}
        for task in todo.values():
            fut = client.submit(_call, fn, task.payload, shared_ref, with_shared, pure=False,
                                key=f"oomcast-{task.key[:16]}-{uuid.uuid4().hex[:8]}")
            futures[fut.key] = (fut, task)
        for fut in as_completed([f for f, _ in futures.values()]):
            task = futures.pop(fut.key)[1]
            try:
                result = fut.result()
            except Exception as exc:  # noqa: BLE001 - a dead worker, a cancelled task
                result = {"ok": False, "error": f"{type(exc).__name__}: {exc}",
                          "traceback": traceback.format_exc(), "wall_s": 0.0}
            by_key[task.key] = _record(cache, task, result)
            bar.update(by_key[task.key])
            fut.release()
    finally:
        client.close()
        if cluster is not None:
            cluster.close()

