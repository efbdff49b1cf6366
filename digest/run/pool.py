"""Worker pools: where the work of a build runs, and how a stuck worker is ended.

In: a function, the items to run it on and an executor choice (``--executor``:
local ``spawn`` processes, or a Dask cluster). Out: the results, as each item
finishes. Nothing here knows what the work is; the speech stage hands in its
batches (:mod:`digest.speak.batches`).

* Workers are started with ``spawn`` (an engine with threads must never be
  forked), and each runs one item (``max_tasks_per_child=1``): a fresh
  process per item keeps an engine's state from leaking between items.
* A worker can hang inside native code where no Python timeout reaches. A
  :func:`watchdog` thread in the worker ends the process when a step overruns;
  the pool then reports a lost worker (:class:`WorkerLostError`).
"""

import concurrent.futures as cf
import contextlib
import multiprocessing
import os
import signal
import threading
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any, TypeVar

from digest.errors import DigestError, UsageError

# A worker that dies with this status was ended by its own watchdog.
HUNG_EXIT = 75
DASK_SCHEME = "dask://"

_In = TypeVar("_In")
_Out = TypeVar("_Out")


class WorkerLostError(Exception):
    """A worker stopped without an answer: killed by its watchdog, or crashed."""


class WorkerFailedError(Exception):
    """A worker raised something other than a DigestError (pickling, Dask…)."""


@dataclass(slots=True)
class Pool:
    """An executor and how to stop it (and its workers) when the build ends."""

    executor: cf.Executor
    close: Callable[[], None]
    name: str
    shares_disk: bool = False  # its workers can write into our work folder


def default_jobs() -> int:
    """Worker processes when ``--jobs`` is not given: the usable cores."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


class Terminated(KeyboardInterrupt):
    """SIGTERM or SIGHUP: unwound like Ctrl-C, so the same cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


def _terminate(signum: int, _frame: object) -> None:
    raise Terminated(signum)


@contextlib.contextmanager
def signals_interrupt() -> Iterator[None]:
    """Inside, SIGTERM and SIGHUP raise :class:`Terminated` in the main thread.

    A build then removes its workers and temporary folder as on Ctrl-C, instead
    of dying where it stands (SIGKILL's leftovers are swept by the next build).
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    before = {s: signal.signal(s, _terminate) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        yield
    finally:
        for signum, handler in before.items():
            signal.signal(signum, handler)


def init_worker() -> None:
    """Pool initializer: Ctrl-C is the parent's to handle, not each worker's."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)


@contextlib.contextmanager
def watchdog(limit_s: float) -> Iterator[None]:
    """End this process if the block runs longer than ``limit_s`` (a hung engine)."""
    timer = threading.Timer(limit_s, os._exit, (HUNG_EXIT,))
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        timer.cancel()


def _process_pool(jobs: int) -> Pool:
    executor = cf.ProcessPoolExecutor(
        max_workers=jobs,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=init_worker,
        max_tasks_per_child=1,
    )

    def close() -> None:
        # On an error or Ctrl-C the running items are not worth waiting for.
        processes: dict[int, Any] = getattr(executor, "_processes", None) or {}
        executor.shutdown(wait=False, cancel_futures=True)
        for process in list(processes.values()):
            with contextlib.suppress(Exception):
                process.kill()
        executor.shutdown(wait=True)

    name = f"{jobs} worker process{'es' if jobs > 1 else ''}"
    return Pool(executor, close, name, shares_disk=True)


def _dask_pool(address: str) -> Pool:
    try:
        from distributed import Client
    except ImportError:
        raise UsageError(
            "--executor dask://… needs the dask extra: "
            "pip install 'review-digest[dask]'"
        ) from None
    try:
        client = Client(address, timeout=10, set_as_default=False)
    except (OSError, TimeoutError) as exc:
        raise UsageError(f"--executor {DASK_SCHEME}{address}: {exc}") from exc
    executor = client.get_executor(pure=False)

    def close() -> None:
        with contextlib.suppress(Exception):
            executor.shutdown(wait=False)
        client.close()

    return Pool(executor, close, f"Dask cluster at {address}")


def open_pool(executor: str | None, jobs: int) -> Pool:
    """The executor a build's work runs on: a spawn pool or a Dask cluster."""
    if executor is None or executor in ("", "process"):
        return _process_pool(jobs)
    if executor.startswith(DASK_SCHEME):
        address = executor[len(DASK_SCHEME) :]
        if not address:
            raise UsageError("--executor dask://HOST:PORT needs a host and port")
        return _dask_pool(f"tcp://{address}")
    raise UsageError(f"--executor {executor}: give 'process' or dask://HOST:PORT")


def run_all(
    pool: Pool, work: Callable[[_In], _Out], items: Iterable[_In]
) -> Iterator[_Out]:
    """``work(item)`` for every item on the pool, yielded as each one finishes.

    A worker that died is a :class:`WorkerLostError`; a DigestError a worker raised
    is raised here as it is; anything else is a :class:`WorkerFailedError`.
    """
    # as_completed drops each future once it is yielded; a list kept here would
    # keep every result (a batch's WAV bytes) alive to the end.
    for future in cf.as_completed([pool.executor.submit(work, i) for i in items]):
        try:
            yield future.result()
        except BrokenProcessPool:
            raise WorkerLostError from None
        except DigestError:
            raise
        except Exception as exc:  # a Dask worker lost, a pickling failure…
            if type(exc).__name__ == "KilledWorker":
                raise WorkerLostError from None
            raise WorkerFailedError(str(exc)) from exc


def guarded(work: Callable[[], _Out], limit_s: float) -> _Out:
    """``work()`` on a helper thread; past ``limit_s`` it is a WorkerLostError.

    A worker's watchdog ends a hung worker; this process cannot end itself, so
    the work runs on a daemon thread that is abandoned if it never returns.
    """
    box: list[Any] = []

    def run() -> None:
        try:
            box.append(work())
        except BaseException as exc:  # handed back to the caller below
            box.append(exc)

    thread = threading.Thread(target=run, name="digest-guarded", daemon=True)
    thread.start()
    thread.join(limit_s)
    if not box:
        raise WorkerLostError
    if isinstance(box[0], BaseException):
        raise box[0]
    result: _Out = box[0]
    return result
