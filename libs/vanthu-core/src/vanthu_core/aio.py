"""Waiting in asyncio loops that must stop when cancelled."""

from __future__ import annotations

import asyncio


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
