"""One-machine launcher of the whole platform (embedded default); also used by the e2e tests."""

from vanthu_devstack.stack import Stack, StackConfig

__all__ = ["Stack", "StackConfig"]
