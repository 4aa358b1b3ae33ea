"""Vietnamese text handling and the JSON log format."""

import json
import logging
import unicodedata

import pytest
from opentelemetry.sdk.trace import TracerProvider

from vanthu_core.errors import InvalidArgument
from vanthu_core.logging import JsonFormatter, setup_logging
from vanthu_core.text import clean_text, clip_utf8, excerpt, fold, symbol_file_name
from vanthu_core.timeutil import iso_vietnam

pytestmark = pytest.mark.unit


def test_clean_text_normalises_to_nfc_and_keeps_every_mark() -> None:
    nfd = unicodedata.normalize("NFD", "  Quyết định về việc đôn đốc thực hiện  ")
    assert clean_text("abstract", nfd, max_len=500) == "Quyết định về việc đôn đốc thực hiện"


def test_clean_text_counts_characters_after_normalisation() -> None:
    nfd = unicodedata.normalize("NFD", "ử" * 10)  # 20 code points before NFC, 10 after
    assert clean_text("name", nfd, max_len=10) == "ử" * 10
    with pytest.raises(InvalidArgument, match="tối đa 9 ký tự"):
        clean_text("name", nfd, max_len=9)


def test_clean_text_refuses_control_characters_naming_the_field() -> None:
    with pytest.raises(InvalidArgument) as error:
        clean_text("abstract", "Trích yếu\x00", max_len=50)
    assert error.value.field == "abstract"


def test_clean_text_refuses_every_control_character_but_newline_and_tab() -> None:
    controls = [chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cc"]
    assert len(controls) == 65
    for ch in controls:
        if ch in "\n\t":
            assert clean_text("note", f"a{ch}b", max_len=10) == f"a{ch}b"
        else:
            with pytest.raises(InvalidArgument):
                clean_text("note", f"a{ch}b", max_len=10)
    assert clean_text("note", "Trích yếu\u00a0có dấu", max_len=50) == "Trích yếu\u00a0có dấu"  # not a control


@pytest.mark.parametrize("invisible", ["\u200b", "\u200b\u200c\u200d\ufeff", " \u2060 \u00ad ", "\u3164",
                                       "\u00a0\u200b\u3000"])
def test_a_required_text_of_invisible_characters_only_is_not_entered(invisible: str) -> None:
    """A reason of zero-width characters passed as "entered": a revocation (thu hồi) went to every recipient with a
    reason nobody could see (found attacking interchange)."""
    with pytest.raises(InvalidArgument, match="chưa nhập") as error:
        clean_text("reason", invisible, max_len=500)
    assert error.value.field == "reason"
    assert clean_text("reason", invisible, max_len=500, required=False) == invisible.strip()
    assert clean_text("reason", f"Sai số{invisible}", max_len=500).startswith("Sai số")


def test_vietnam_time_is_utc_plus_seven() -> None:
    from datetime import UTC, datetime

    assert iso_vietnam(datetime(2025, 12, 31, 17, 0, 0, tzinfo=UTC)) == "2026-01-01T00:00:00+07:00"


def test_json_log_lines_carry_the_trace_id_and_vietnamese_text() -> None:
    tracer = TracerProvider().get_tracer("test")
    formatter = JsonFormatter("registry")
    with tracer.start_as_current_span("work") as span:
        record = logging.LogRecord("vanthu.test", logging.INFO, __file__, 1, "đã vào sổ %s", ("05/CT-UBND",), None)
        record.agency = "000.00.00.H61"
        line = json.loads(formatter.format(record))
    assert line["message"] == "đã vào sổ 05/CT-UBND"
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["agency"] == "000.00.00.H61" and line["service"] == "registry"


def test_libraries_info_chatter_stays_out_of_a_service_log() -> None:
    """A signature's appearance subsets a font: fontTools' INFO lines ("glyf pruned", dozens per signature) made up
    most of the signing service's log; its warnings still show."""
    root = logging.getLogger()
    names = ("httpx", "httpcore", "nats", "aiosqlite", "asyncio", "fontTools")
    saved = root.handlers[:], root.level, {name: logging.getLogger(name).level for name in names}
    try:
        setup_logging("signing", "INFO")
        assert not logging.getLogger("fontTools.subset").isEnabledFor(logging.INFO)
        assert logging.getLogger("fontTools.subset").isEnabledFor(logging.WARNING)
        assert logging.getLogger("vanthu.signing").isEnabledFor(logging.INFO)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


@pytest.mark.parametrize("look_alike", ["Đ", "đ", "Ð", "ð", "Ɖ", "ɖ", "ᵭ", "ᴆ", "Ꟈ", "ꟈ", "d\u0335", "D\u0336"])
def test_fold_maps_every_look_alike_of_đ_to_d(look_alike: str) -> None:
    assert fold(f"{look_alike}Ề ÁN") == "de an"
    assert fold(f"{look_alike}ề án") == fold("đề án") == fold("de an")


def test_fold_strips_tones_and_case_whatever_the_normal_form() -> None:
    text = "Ủy ban Nhân dân tỉnh Vĩnh Long"
    assert fold(text) == fold(unicodedata.normalize("NFD", text)) == "uy ban nhan dan tinh vinh long"
    assert fold("  ĐẶNG \t Thị\nƠn ") == "dang thi on"


def test_excerpts_for_messages_are_bounded() -> None:
    assert excerpt("ngắn") == "ngắn"
    cut = excerpt("Ư" * 100_000, 50)
    assert len(cut) == 50 and cut.endswith("…")
    clipped = clip_utf8("Ư" * 100_000, 600)
    assert len(clipped.encode()) <= 600 and clipped.endswith("…") and clipped.startswith("ƯƯ")
    assert clip_utf8("abc", 600) == "abc"


@pytest.mark.parametrize(("number_symbol", "name"), [
    ("15/QĐ-UBND", "15-QĐ-UBND.pdf"), ("07/2026/TT-UBND", "07-2026-TT-UBND.pdf"),
    (unicodedata.normalize("NFD", "03/QĐ-SNV"), "03-QĐ-SNV.pdf"), ("12/UBND-TC&KH", "12-UBND-TC&KH.pdf"),
    ("1/ CV:x?", "1-CV-x.pdf"), ("", "")])
def test_an_issued_file_is_named_after_its_number_and_symbol(number_symbol: str, name: str) -> None:
    assert symbol_file_name(number_symbol) == name
    assert unicodedata.is_normalized("NFC", symbol_file_name(number_symbol))
