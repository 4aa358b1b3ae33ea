"""Where a test stood when pytest-timeout stopped it, in the lines a CI log's tail keeps.

pytest-timeout (signal method) interrupts the main thread; in an asyncio test or fixture that is the event loop's
``select``, so its traceback names no test code, the loop is closed (its tasks gone) by the time the report is made,
and what it prints is far above the run's last lines anyway (a CI excerpt showed only "Failed: Timeout (>300.0s)
from pytest-timeout." for a fixture that hung once in 2,900 tests). So this module wraps pytest-timeout's signal
handler: at the moment of the timeout it notes what was waiting (each pending task of the running loop and each other
thread that runs project code, at its innermost project frame), the report's message gets that, and the run's
summary repeats those messages last, after the durations.
"""

from __future__ import annotations

import asyncio
import signal
import sys
import threading
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

#: How pytest-timeout's message ends (``Timeout (>300.0s) from pytest-timeout.``).
TIMEOUT_MARK = "from pytest-timeout"
#: The longest account of the waits added to one report (characters).
MAX_WHERE = 900
_WAITING = pytest.StashKey[str]()
_timed_out: list[str] = []


def _ours(frame: FrameType) -> bool:
    """A frame of the project's code (its services, libraries and tests), not the standard library's or a package's."""
    path = frame.f_code.co_filename
    return "site-packages" not in path and ("/vanthu" in path or "/tests/" in path or "/e2e/" in path)


def _place(frames: Iterable[FrameType]) -> str | None:
    """``file.py:line function`` of the innermost project frame of ``frames`` (outermost first), and the innermost
    frame when that is another's (what the project's code waits in); None when no frame is the project's."""
    frames = list(frames)
    mine = [f for f in frames if _ours(f)]
    if not mine:
        return None
    at = mine[-1]
    text = f"{Path(at.f_code.co_filename).name}:{at.f_lineno} {at.f_code.co_name}"
    if frames[-1] is not at:
        inner = frames[-1]
        text += f" → {Path(inner.f_code.co_filename).name}:{inner.f_lineno} {inner.f_code.co_name}"
    return text


def _awaited_frames(task: asyncio.Task[Any]) -> list[FrameType]:
    """The frames of ``task``'s chain of awaits, outermost first (``Task.get_stack`` gives only its own coroutine's).
    An async generator's ``__anext__`` hides its generator: it is looked for among the awaiting frame's variables
    (pytest-asyncio's fixture finalizer awaits one so)."""
    frames: list[FrameType] = []
    current: Any = task.get_coro()
    seen: set[int] = set()
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        frame = getattr(current, "cr_frame", None) or getattr(current, "ag_frame", None) \
            or getattr(current, "gi_frame", None)
        if frame is None:
            break
        frames.append(frame)
        awaited = getattr(current, "cr_await", None) or getattr(current, "ag_await", None) \
            or getattr(current, "gi_yieldfrom", None)
        if awaited is not None and not any(hasattr(awaited, a) for a in ("cr_frame", "ag_frame", "gi_frame")):
            generator = next((v for v in frame.f_locals.values()
                              if isinstance(v, types.AsyncGeneratorType) and v.ag_await is not None), None)
            awaited = generator or awaited
        current = awaited
    return frames


def _outward(frame: FrameType | None) -> list[FrameType]:
    """``frame`` and its callers, outermost first."""
    stack: list[FrameType] = []
    while frame is not None:
        stack.append(frame)
        frame = frame.f_back
    return stack[::-1]


def where_it_waited(frame: FrameType | None) -> list[str]:
    """What was waiting when the main thread was interrupted in ``frame`` (a signal handler's): ``task name: place``
    for each pending task of the event loop running there, if one is, else the place of ``frame``'s own stack; then
    ``thread name: place`` for each other live thread that runs project code. Places as :func:`_place` writes them."""
    found: list[str] = []
    try:
        loop: asyncio.AbstractEventLoop | None = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    if loop is not None:
        for task in asyncio.all_tasks(loop):
            place = _place(_awaited_frames(task))
            if place:
                found.append(f"task {task.get_name()}: {place}")
    else:
        place = _place(_outward(frame))
        if place:
            found.append(place)
    names = {t.ident: t.name for t in threading.enumerate()}
    for ident, top in sys._current_frames().items():
        if ident != threading.get_ident():
            place = _place(_outward(top))
            if place:
                found.append(f"thread {names.get(ident, ident)}: {place}")
    return found


def noting(item: pytest.Item, handler: Callable[[int, FrameType | None], Any]) -> Callable[..., Any]:
    """``handler`` (pytest-timeout's), after noting in ``item``'s stash what was waiting when it fired."""

    def note_then_fail(signum: int, frame: FrameType | None) -> Any:
        __tracebackhide__ = True
        where = "; ".join(where_it_waited(frame)) or "no project code was waiting"
        item.stash[_WAITING] = where if len(where) <= MAX_WHERE else where[:MAX_WHERE] + "…"
        return handler(signum, frame)

    return note_then_fail


@pytest.hookimpl(hookwrapper=True, optionalhook=True)
def pytest_timeout_set_timer(item: pytest.Item, settings: Any) -> Any:
    """After pytest-timeout set its SIGALRM handler for ``item`` (the signal method): wrap it with :func:`noting`."""
    yield
    if getattr(settings, "method", None) == "signal" and threading.current_thread() is threading.main_thread():
        handler = signal.getsignal(signal.SIGALRM)
        if callable(handler):
            signal.signal(signal.SIGALRM, noting(item, handler))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """A report of a timeout (any phase) gets what was waiting in its crash message."""
    outcome = yield
    if call.excinfo is None or TIMEOUT_MARK not in str(call.excinfo.value) or _WAITING not in item.stash:
        return
    crash = getattr(outcome.get_result().longrepr, "reprcrash", None)
    if crash is not None:
        crash.message = f"{crash.message} [{call.when}] waiting: {item.stash[_WAITING]}"
    del item.stash[_WAITING]


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Keeps the timeouts' messages for the summary (in the controller too: a worker's report carries its message)."""
    crash = getattr(report.longrepr, "reprcrash", None)
    if report.failed and crash is not None and TIMEOUT_MARK in crash.message:
        _timed_out.append(f"{report.nodeid} {crash.message}")


@pytest.hookimpl(trylast=True)
def pytest_terminal_summary(terminalreporter: Any) -> None:
    """After the durations, just above the short summary: where each timed-out test was waiting."""
    if _timed_out:
        terminalreporter.section("timeouts: where they waited", sep="-")
        for line in _timed_out:
            terminalreporter.line(line)
        _timed_out.clear()
