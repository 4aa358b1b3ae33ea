"""``wait_event``: a loop's wait that says whether it was woken, and that a cancellation always reaches;
``cancel_and_wait``: a stop that ends also when a library swallowed the first cancellation."""

from __future__ import annotations

import asyncio

import pytest

from vanthu_core.aio import cancel_and_wait, wait_event


async def test_it_says_whether_the_event_was_set_or_the_time_ran_out() -> None:
    event = asyncio.Event()
    assert await wait_event(event, 0.01) is False
    event.set()
    assert await wait_event(event, 3600) is True


async def test_a_loop_cancelled_as_it_is_woken_stops() -> None:
    """The outbox relay's stop hung on ``asyncio.wait_for(event.wait(), …)`` (Python 3.11) swallowing this."""
    event, turns = asyncio.Event(), []

    async def loop() -> None:
        while True:
            await wait_event(event, 3600)
            event.clear()
            turns.append(1)

    task = asyncio.create_task(loop())
    await asyncio.sleep(0.01)
    event.set()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 10)
    assert turns == []


async def test_a_loop_whose_first_cancellation_a_library_swallowed_is_stopped_all_the_same() -> None:
    """A cancellation meeting the completion of nats-py's ``asyncio.wait_for`` is dropped on Python 3.11; the outbox
    relay then went on to its next wait and its ``stop`` (one ``cancel``, then ``await``) waited for ever in CI."""
    swallowed, turns = [], []

    async def loop() -> None:
        while True:
            try:
                await asyncio.sleep(3600)  # the publish under way
            except asyncio.CancelledError:
                if swallowed:
                    raise
                swallowed.append(1)  # what asyncio.wait_for does with a cancellation meeting its result
            turns.append(1)

    task = asyncio.create_task(loop())
    await asyncio.sleep(0.01)
    await asyncio.wait_for(cancel_and_wait(task, again_s=0.05), 10)
    assert task.cancelled() and swallowed == [1] and turns == [1]


async def test_a_task_that_failed_is_logged_not_raised_and_none_is_nothing(caplog: pytest.LogCaptureFixture) -> None:
    async def fail() -> None:
        raise RuntimeError("hỏng kết nối cơ sở dữ liệu")

    failed = asyncio.create_task(fail(), name="outbox-relay")
    await asyncio.sleep(0)
    await cancel_and_wait(failed)
    await cancel_and_wait(None)
    assert failed.done() and isinstance(failed.exception(), RuntimeError)
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("WARNING", "background task outbox-relay had ended with an error")]
    assert "hỏng kết nối cơ sở dữ liệu" in caplog.text
