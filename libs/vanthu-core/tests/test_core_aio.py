"""``wait_event``: a loop's wait that says whether it was woken, and that a cancellation always reaches."""

from __future__ import annotations

import asyncio

import pytest

from vanthu_core.aio import wait_event


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
