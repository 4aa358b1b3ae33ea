"""Waiting in asyncio loops that must stop when cancelled."""

from __future__ import annotations

import asyncio
import logging

log = logging.getLogger("vanthu.aio")


async def wait_event(event: asyncio.Event, timeout_s: float) -> bool:
    """Wait until ``event`` is set or ``timeout_s`` seconds pass; True when it was set.

    Not ``asyncio.wait_for(event.wait(), …)``: on Python 3.11 that runs the wait in a task of its own and can swallow
    a cancellation that meets the wake-up, so a loop ``stop`` cancels goes on and ``stop`` awaits it for ever (the
    outbox relay's, in a year-ahead run). ``asyncio.timeout`` waits in the caller's task: a cancellation always lands.
    """
    try:
        async with asyncio.timeout(timeout_s):
            await event.wait()
    except TimeoutError:
        return False
    return True


async def cancel_and_wait(task: asyncio.Task[object] | None, *, again_s: float = 1.0) -> None:
    """Cancel ``task`` and wait until it is done, cancelling it again every ``again_s`` seconds while it runs.

    One ``cancel()`` is not always enough on Python 3.11: a library awaiting ``asyncio.wait_for`` (nats-py's publish
    and request, for one) returns the inner result and drops a cancellation that meets its completion, and the loop
    goes on to its next wait; ``stop`` awaiting the task then waits for ever (the outbox relay's, in CI). What the task
    raises is not re-raised (the caller is stopping it): its cancellation is expected, an error is logged with the
    task's name. None: nothing to do.
    """
    if task is None:
        return
    while not task.done():
        task.cancel()
        await asyncio.wait({task}, timeout=again_s)
    if not task.cancelled() and (error := task.exception()) is not None:
        log.warning("background task %s had ended with an error", task.get_name(), exc_info=error)
