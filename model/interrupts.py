"""Ctrl-C and SIGTERM: never install a partial result, exit 130, leave no orphaned workers.

PyMC's `pm.sample` catches KeyboardInterrupt and returns the chains it has, so an interrupt
cannot be relied on to propagate. Three defences:
    * `install_handlers()` (called by `oomcast`'s entry point) makes SIGINT and SIGTERM set a
      process-wide flag before raising KeyboardInterrupt; `raise_if_interrupted()` re-raises it
      after code that may have swallowed it (after sampling, before a folder is renamed into
      place);
    * `check_complete(idata, chains, draws)` refuses a trace with fewer chains or draws than
      asked for, whatever the cause (a swallowed interrupt in a worker, a dead chain);
    * `kill_children_with_parent()` asks Linux (prctl PR_SET_PDEATHSIG) to SIGKILL every process
      forked from here when this process dies, even by SIGKILL, so PyMC's per-chain workers never
      outlive it.
The CLI turns the resulting `Interrupted` (a KeyboardInterrupt) into one line and exit 130.
"""

from __future__ import annotations

import os
import signal
import sys

EXIT_INTERRUPTED = 130
_STATE = {"signal": None, "fork_hook": False}


class Interrupted(KeyboardInterrupt):
    """The user interrupted (or a trace came back truncated): nothing may be installed."""


def _handler(signum, frame):  # noqa: ARG001 - signal handler signature
    _STATE["signal"] = signum
    raise Interrupted(f"interrupted by {signal.Signals(signum).name}")


def install_handlers() -> dict:
    """SIGINT and SIGTERM set the flag and raise Interrupted (main thread only; elsewhere
    nothing is changed). Returns the previous handlers for `restore_handlers`."""
    import threading

    _STATE["signal"] = None
    kill_children_with_parent()
    if threading.current_thread() is not threading.main_thread():
        return {}
    return {sig: signal.signal(sig, _handler) for sig in (signal.SIGINT, signal.SIGTERM)}


def restore_handlers(previous: dict) -> None:
    for sig, handler in previous.items():
        signal.signal(sig, handler)


def interrupted() -> bool:
    return _STATE["signal"] is not None


def raise_if_interrupted() -> None:
    """Re-raise an interrupt that some library caught and swallowed."""
    if _STATE["signal"] is not None:
        raise Interrupted(f"interrupted by {signal.Signals(_STATE['signal']).name}")


def check_complete(idata, chains: int, draws: int) -> None:
    """Interrupted unless the posterior holds `chains` x `draws` draws (pm.sample returns a
    truncated trace when interrupted)."""
    raise_if_interrupted()
    sizes = idata.posterior.sizes
    got_chains, got_draws = int(sizes.get("chain", 0)), int(sizes.get("draw", 0))
    if got_chains != chains or got_draws != draws:
        raise Interrupted(f"sampling stopped early: {got_chains} chains x {got_draws} draws of "
                          f"{chains} x {draws}")


def _remember_parent() -> None:
    _STATE["forking_pid"] = os.getpid()


def _set_pdeathsig() -> None:
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        return
    if os.getppid() != _STATE.get("forking_pid"):  # the parent died before prctl took effect
        os.kill(os.getpid(), signal.SIGKILL)


def kill_children_with_parent() -> None:
    """Every child forked from now on is SIGKILLed when its parent dies (Linux only)."""
    if sys.platform.startswith("linux") and not _STATE["fork_hook"]:
        os.register_at_fork(before=_remember_parent, after_in_child=_set_pdeathsig)
        _STATE["fork_hook"] = True
