"""Every refusal a civil servant can meet is Vietnamese (issue 14, "All text in Vietnamese"; ux.md: "clear Vietnamese
messages that say what to do next"), and the field a refusal names is named the way the screen names it.

The guard walks the source of every service and shared library (AST only: nothing is imported or run) and fails on a
domain error (:mod:`vanthu_core.errors`) raised with a literal message that has no Vietnamese letter at all, naming
the file and line. A message built elsewhere (a variable, a helper's result) is not judged here: it is the caller's
literal that is. The few literals that must stay as they are sit in ``ALLOWED`` with the reason.
"""

from __future__ import annotations

import ast
import functools
import unicodedata
from pathlib import Path

import pytest

from vanthu_core.errors import FailedPrecondition, InvalidArgument
from vanthu_core.labels import LABELS, field_label, is_vietnamese, role_names

ROOT = Path(__file__).resolve().parents[3]
#: The domain errors of :mod:`vanthu_core.errors`; :func:`_error_classes` adds every subclass the sources define
#: (``NotAPdf(InvalidArgument)``, ``DataLoss(DomainError)``, …), each mapped to the class whose arguments it takes.
CORE_ERRORS = {"DomainError": "DomainError", "InvalidArgument": "InvalidArgument",
               "Unauthenticated": "Unauthenticated", "PermissionDenied": "PermissionDenied", "NotFound": "NotFound",
               "Conflict": "Conflict", "Aborted": "Aborted", "FailedPrecondition": "FailedPrecondition",
               "Unavailable": "Unavailable"}
#: (path relative to the repository, the literal's first words) → why it stays as it is. Empty today: every literal
#: message is Vietnamese. A literal only an operator or another program reads would go here, with its reason.
ALLOWED: dict[tuple[str, str], str] = {}


def _literal_text(node: ast.expr) -> str | None:
    """The fixed text of a literal message (a string, an f-string's constant parts, a concatenation of those); None
    when the message is not a literal."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = _literal_text(node.left), _literal_text(node.right)
        return None if left is None and right is None else (left or "") + (right or "")
    return None


def _error_classes(trees: list[ast.Module]) -> dict[str, str]:
    """Every domain error class name in ``trees`` → the core class whose arguments it takes (its nearest core
    ancestor), found by following ``class X(Base)`` until nothing new appears."""
    classes = dict(CORE_ERRORS)
    defined = [(node.name, [b.id if isinstance(b, ast.Name) else getattr(b, "attr", "") for b in node.bases])
               for tree in trees for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]
    grew = True
    while grew:
        grew = False
        for name, bases in defined:
            root = next((classes[b] for b in bases if b in classes), None)
            if root is not None and name not in classes:
                classes[name], grew = root, True
    return classes


@functools.cache
def _all_error_classes() -> dict[str, str]:
    return _error_classes([_tree(p) for p in _sources()])


def _message(call: ast.Call, classes: dict[str, str] | None = None) -> ast.expr | None:
    name = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", None)
    root = (classes if classes is not None else _all_error_classes()).get(name or "")
    if root is None:
        return None
    position, keyword = (1, "reason") if root == "InvalidArgument" else (0, "message")
    if len(call.args) > position:
        return call.args[position]
    return next((k.value for k in call.keywords if k.arg == keyword), None)


@functools.cache
def _tree(path: Path) -> ast.Module:
    """A source file's syntax tree, parsed once for every check of this module."""
    return ast.parse(path.read_text(encoding="utf-8"))


def _english_messages(tree: ast.Module, classes: dict[str, str] | None = None) -> list[tuple[int, str]]:
    """(line, text) of each domain error raised in ``tree`` with a literal message without a Vietnamese letter."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call):
            message = _message(node.exc, classes)
            text = _literal_text(message) if message is not None else None
            if text is not None and text.strip() and not is_vietnamese(text):
                found.append((node.lineno, text))
    return found


def _sources() -> list[Path]:
    return sorted(p for pattern in ("services/*/src/**/*.py", "libs/*/src/**/*.py") for p in ROOT.glob(pattern)
                  if "vanthu-proto" not in p.parts)


def test_the_guard_tells_english_from_vietnamese_literals() -> None:
    source = '''
def f(x):
    raise NotFound(f"no document {x}")
def g(x):
    raise InvalidArgument("abstract", f"dài {x} ký tự")
def h(x):
    raise FailedPrecondition("the " + "file is " + x)
def i(why):
    raise Conflict(why)
class NotAPdf(InvalidArgument):
    pass
class Worse(NotAPdf):
    pass
def j(kind):
    raise Worse("source", f"the file is {kind}")
def k():
    raise ValueError("not a domain error")
'''
    tree = ast.parse(source)
    classes = _error_classes([tree])
    assert classes["Worse"] == classes["NotAPdf"] == "InvalidArgument" and "ValueError" not in classes
    assert _english_messages(tree, classes) == [(3, "no document "), (7, "the file is "), (15, "the file is ")]


def test_no_domain_error_is_raised_with_an_english_literal_message() -> None:
    sources = _sources()
    assert len(sources) > 100, "the services' sources were not found next to this test"
    english = []
    for path in sources:
        relative = path.relative_to(ROOT).as_posix()
        for line, text in _english_messages(_tree(path)):
            if not any(relative == where and text.startswith(start) for where, start in ALLOWED):
                english.append(f"{relative}:{line}: {text[:80]!r}")
    assert not english, "domain errors raised with a message in English (say it in Vietnamese, naming the field as " \
                        "the screen does and what to do next):\n" + "\n".join(english)


def test_every_literal_message_is_nfc() -> None:
    """Vietnamese text is NFC everywhere (conventions.md): a message typed with combining marks would not compare
    equal to the same words a client normalised."""
    decomposed = []
    for path in _sources():
        for node in ast.walk(_tree(path)):
            if isinstance(node, ast.Call) and (message := _message(node)) is not None:
                text = _literal_text(message)
                if text and unicodedata.normalize("NFC", text) != text:
                    decomposed.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not decomposed


@pytest.mark.parametrize(("field", "label"), [
    ("abstract", "Trích yếu"),
    ("page.page_token", "Mã trang tiếp theo"),
    ("files[2].sha256", "Mã băm SHA-256 (mục thứ 3)"),
    ("page_amounts[0190f0e0-0000-7000-8000-0000000000ff]", "Số trang (0190f0e0-0000-7000-8000-0000000000ff)"),
    ("row 4.type_code", "Dòng 4, loại văn bản"),
    ("no_such_field", "Trường “no_such_field”"),
])
def test_a_field_is_named_the_way_the_screen_names_it(field: str, label: str) -> None:
    assert field_label(field) == label


def test_a_field_error_keeps_the_api_field_and_reads_in_vietnamese() -> None:
    error = InvalidArgument("deadline_days", "phải từ 1 đến 90 ngày làm việc.")
    assert (error.field, error.reason) == ("deadline_days", "phải từ 1 đến 90 ngày làm việc.")
    assert error.message == "Số ngày xử lý: phải từ 1 đến 90 ngày làm việc."
    whole = InvalidArgument("notation", "Số và ký hiệu hồ sơ phải có dạng 01.TCCB.", names_field=True)
    assert whole.message == "Số và ký hiệu hồ sơ phải có dạng 01.TCCB." and whole.field == "notation"
    assert all(unicodedata.normalize("NFC", v) == v for v in LABELS.values())


def test_roles_are_named_in_the_glossarys_words() -> None:
    assert role_names({"leader", "clerk"}) == "lãnh đạo, văn thư"
    assert role_names(["archivist", "robot"]) == "lưu trữ, robot"
    refused = FailedPrecondition("Dự thảo đã được người khác sửa (phiên bản 3, đồng chí sửa phiên bản 2): tải lại rồi "
                                 "sửa lại.")
    assert is_vietnamese(refused.message) and not is_vietnamese("the draft changed meanwhile")
