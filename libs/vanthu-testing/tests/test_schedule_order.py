"""The order the plugin gives a test run's files (xdist hands them out in it, whole, with ``--dist loadfile
--no-loadscope-reorder``): e2e first, then integration, then unit, each group's files with more tests first, every
file's tests together and in their own order."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from vanthu_testing.plugin import pytest_collection_modifyitems

pytestmark = pytest.mark.unit


@dataclass
class Item:
    """What the hook reads of a collected test: its node id and its marker."""

    nodeid: str
    marker: str

    def get_closest_marker(self, name: str) -> object | None:
        return object() if name == self.marker else None


def collected(*files: tuple[str, str, int]) -> list[Item]:
    return [Item(f"{path}::test_{n}", marker) for path, marker, count in files for n in range(count)]


def test_e2e_files_go_first_then_integration_then_unit_with_the_larger_files_of_a_group_first() -> None:
    items = collected(
        ("libs/a/tests/test_unit_small.py", "unit", 2),
        ("libs/a/tests/test_unit_large.py", "unit", 5),
        ("services/b/tests/test_api_small.py", "integration", 1),
        ("e2e/test_e2e_web.py", "e2e", 3),
        ("services/b/tests/test_api_large.py", "integration", 4),
        ("e2e/test_e2e_fuzz.py", "e2e", 1),
    )
    pytest_collection_modifyitems(items)  # type: ignore[arg-type]
    assert [item.nodeid for item in items] == [
        *(f"e2e/test_e2e_web.py::test_{n}" for n in range(3)),
        "e2e/test_e2e_fuzz.py::test_0",  # the e2e files keep the order e2e/conftest.py gave them
        *(f"services/b/tests/test_api_large.py::test_{n}" for n in range(4)),
        "services/b/tests/test_api_small.py::test_0",
        *(f"libs/a/tests/test_unit_large.py::test_{n}" for n in range(5)),
        *(f"libs/a/tests/test_unit_small.py::test_{n}" for n in range(2)),
    ]


def test_a_file_with_one_integration_test_among_unit_tests_goes_with_the_integration_files() -> None:
    items = [
        Item("libs/a/tests/test_unit.py::test_0", "unit"),
        Item("libs/a/tests/test_mixed.py::test_0", "unit"),
        Item("libs/a/tests/test_mixed.py::test_1", "integration"),
    ]
    pytest_collection_modifyitems(items)  # type: ignore[arg-type]
    assert [item.nodeid for item in items] == [
        "libs/a/tests/test_mixed.py::test_0",
        "libs/a/tests/test_mixed.py::test_1",
        "libs/a/tests/test_unit.py::test_0",
    ]
