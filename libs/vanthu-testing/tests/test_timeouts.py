"""The account of a timeout (vanthu_testing.timeouts): what was waiting when the main thread was interrupted, named
by its project frame: each pending task of a running event loop down its chain of awaits (an async fixture's
generator included), or the interrupted code's own frame, and each other thread of ours."""

from __future__ import annotations

import asyncio
import sys
import threading
from collections.abc import AsyncIterator

import pytest

from vanthu_testing.timeouts import where_it_waited

pytestmark = pytest.mark.unit


async def waits_for_the_registry(answer: asyncio.Event) -> None:
    await answer.wait()


async def stops_the_server(answer: asyncio.Event) -> AsyncIterator[None]:
    yield
    await waits_for_the_registry(answer)


async def finalizer(answer: asyncio.Event) -> None:
    """As pytest-asyncio finishes an async fixture: awaiting its generator's ``__anext__``."""
    generator = stops_the_server(answer)
    await generator.__anext__()
    await generator.__anext__()


def test_a_running_loop_names_each_pending_task_down_its_awaits() -> None:
    loop = asyncio.new_event_loop()
    try:
        answer = asyncio.Event()
        call = loop.create_task(waits_for_the_registry(answer), name="registry-call")
        teardown = loop.create_task(finalizer(answer), name="fixture-teardown")
        seen: list[str] = []
        loop.call_later(0.05, lambda: (seen.extend(where_it_waited(sys._getframe())), loop.stop()))
        loop.run_forever()
        [waiting] = [w for w in seen if w.startswith("task registry-call:")]
        assert "test_timeouts.py:" in waiting and waiting.split(" → ")[0].endswith(" waits_for_the_registry")
        assert "wait" in waiting.split(" → ")[1]  # where our code waits: asyncio's Event.wait
        [finishing] = [w for w in seen if w.startswith("task fixture-teardown:")]
        assert " waits_for_the_registry" in finishing  # through the generator, as far as it went
        answer.set()
        loop.run_until_complete(asyncio.gather(call, teardown, return_exceptions=True))
    finally:
        loop.close()


def blocks_on(lock: threading.Lock) -> None:
    with lock:
        pass


def interrupted_here() -> list[str]:
    return where_it_waited(sys._getframe())


def test_plain_code_names_its_frame_and_another_thread_of_ours() -> None:
    lock = threading.Lock()
    lock.acquire()
    other = threading.Thread(target=blocks_on, args=(lock,), name="mail-sender")
    other.start()
    try:
        where = interrupted_here()
        assert where[0].startswith("test_timeouts.py:") and where[0].endswith(" interrupted_here"), where
        [thread] = [w for w in where if w.startswith("thread mail-sender:")]
        assert thread.split(" → ")[0].endswith(" blocks_on")
    finally:
        lock.release()
        other.join()
