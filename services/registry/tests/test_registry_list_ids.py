"""ListDocuments by ids (a list of tasks' page): bounded, each id bounded, repeats read once."""

import pytest

from vanthu_core.errors import InvalidArgument
from vanthu_registry.documents_api import MAX_IDS, _ids

pytestmark = pytest.mark.unit


def test_ids_are_read_once_in_order_and_a_list_past_the_bound_is_refused_in_vietnamese() -> None:
    assert _ids(["a", " b ", "a", ""]) == ("a", "b")
    with pytest.raises(InvalidArgument) as too_many:
        _ids([f"id-{i}" for i in range(MAX_IDS + 1)])
    assert too_many.value.field == "ids" and "tối đa 200 văn bản" in too_many.value.reason
    with pytest.raises(InvalidArgument):
        _ids(["x" * 37])
