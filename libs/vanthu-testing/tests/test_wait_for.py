"""``gateway.wait_for``: the e2e suites' poll, which takes a key not there yet as "not yet" (CI failed a federation
test on a KeyError: A's delivery to B was polled before the interchange had recorded it)."""

from __future__ import annotations

import pytest

from vanthu_testing.gateway import wait_for


def test_a_key_not_there_yet_is_polled_again() -> None:
    seen: list[int] = []

    def check() -> str:
        seen.append(1)
        return {"000.00.41.H61": "đã gửi"}["000.00.41.H61"] if len(seen) >= 3 else {}["000.00.41.H61"]

    assert wait_for(check, "the delivery to Long Châu", 10, interval_s=0.01) == "đã gửi"
    assert len(seen) == 3


def test_a_key_never_there_fails_naming_it() -> None:
    with pytest.raises(AssertionError, match=r"the delivery to Long Châu: not within 0 s .*KeyError.*000\.00\.41\.H61"):
        wait_for(lambda: {}["000.00.41.H61"], "the delivery to Long Châu", 0.05, interval_s=0.01)


def test_other_errors_are_not_hidden() -> None:
    with pytest.raises(ZeroDivisionError):
        wait_for(lambda: 1 / 0, "a bug in the check", 10, interval_s=0.01)
