"""Tantivy indexes by generation, so ``vanthu-search reindex`` rebuilds while the service answers (like OpenSearch's
alias swap).

Layout of ``VANTHU_SEARCH_INDEX_DIR`` (the root):

- ``gNNNN/``: one Tantivy index per generation (``g0001``, ``g0002``, …);
- ``CURRENT``: the name of the generation the service answers from and writes to, replaced atomically (a rename);
- ``BUILDING``: the generation a reindex is building (written when it begins, removed by the service once it has
  moved to it);
- ``touched.log``: while a generation is building, the service notes each document it writes to the live one
  (``generation<TAB>agency<TAB>document id``).

A reindex (another process) builds ``BUILDING``'s generation from the registry, then publishes it (``CURRENT``). The
service checks ``CURRENT`` at each call (a small file read), and when it changed: gives up its writer on the old
generation, opens the new one, and copies into it, from the old one, the documents it wrote while the new one was
building (events handled during the rebuild: the reindex may have read those documents before they changed), then
removes ``BUILDING`` and the log. Every call is served by one generation or the other, never by a half-built one.
A root holding an index of before generations (``meta.json`` at its top, no ``CURRENT``) is generation ``.``.
"""

from __future__ import annotations

import logging
import os
import re
import shutil
import threading
from collections.abc import Sequence
from pathlib import Path

from vanthu_search.backends.tantivy_backend import TantivyBackend
from vanthu_search.domain.model import Caller, Filters, IndexedDocument, Result
from vanthu_search.domain.query import Clause

log = logging.getLogger("vanthu.search")
CURRENT, BUILDING, TOUCHED = "CURRENT", "BUILDING", "touched.log"
LEGACY = "."
_NAME = re.compile(r"g(\d{4,})")


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return ""


def _write(path: Path, text: str) -> None:
    """Replace the file's content atomically (write beside it, then rename)."""
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", encoding="utf-8") as out:
        out.write(text)
        out.flush()
        os.fsync(out.fileno())
    temporary.replace(path)


def generations(root: Path) -> list[str]:
    """The generations on disk, oldest first."""
    if not root.exists():
        return []
    return sorted((p.name for p in root.iterdir() if p.is_dir() and _NAME.fullmatch(p.name)),
                  key=lambda name: int(name[1:]))


def live(root: Path | str) -> str:
    """The generation ``CURRENT`` names; a fresh root gets ``g0001`` (created), a root of before generations is
    ``.``."""
    root = Path(root)
    name = _read(root / CURRENT)
    if name:
        return name
    root.mkdir(parents=True, exist_ok=True)
    if (root / "meta.json").exists():
        return LEGACY
    _write(root / CURRENT, "g0001")
    return "g0001"


def path_of(root: Path | str, name: str) -> Path:
    return Path(root) if name == LEGACY else Path(root) / name


def begin_build(root: Path | str, resume: str = "") -> str:
    """The generation a reindex builds into, noted in ``BUILDING``: ``resume`` (a stopped run's) when it is still the
    one building, else a new one. Generations neither live, nor the one before it, nor this one are removed."""
    root = Path(root)
    current = live(root)
    if resume and resume != current and _read(root / BUILDING) == resume and path_of(root, resume).is_dir():
        name = resume
    else:
        numbers = [int(n[1:]) for n in generations(root)] + ([int(current[1:])] if current != LEGACY else [])
        name = f"g{max(numbers, default=0) + 1:04d}"
        _write(root / BUILDING, name)
    kept = {current, name}
    older = [n for n in generations(root) if current == LEGACY or int(n[1:]) < int(current[1:])]
    if older:
        kept.add(older[-1])  # the one before: a service that has not looked at CURRENT since still reads it
    for other in generations(root):
        if other not in kept:
            shutil.rmtree(root / other, ignore_errors=True)
    return name


def publish(root: Path | str, name: str) -> None:
    """Make ``name`` the live generation (the services reading this root move to it at their next call)."""
    _write(Path(root) / CURRENT, name)


class TantivyGenerations:
    """The search backend over the live generation of ``root`` (see the module); the service's default with
    Tantivy. Thread-safe: writes are serialised, searches run beside them."""

    name = "tantivy"

    def __init__(self, root: Path | str, *, writer_heap_bytes: int = 50_000_000) -> None:
        self.root = Path(root)
        self.heap = writer_heap_bytes
        self._lock = threading.RLock()
        self._retired: list[TantivyBackend] = []
        self._name = live(self.root)
        self._live = TantivyBackend(path_of(self.root, self._name), writer_heap_bytes=self.heap)
        if _read(self.root / BUILDING) == self._name:  # published while this service was stopped
            with self._lock:
                self._catch_up(None, self._live)

    @property
    def generation(self) -> str:
        return self._name

    @property
    def live_backend(self) -> TantivyBackend:
        """The live generation's own backend (``bench/search.py`` calls it directly, for the service's overhead)."""
        return self._current()

    # -- moving to a new generation ------------------------------------------------------------------------------
    def _current(self) -> TantivyBackend:
        """The live generation's backend, after moving to the one ``CURRENT`` names if it changed."""
        if _read(self.root / CURRENT) != self._name:
            with self._lock:
                name = _read(self.root / CURRENT)
                if name and name != self._name:
                    self._switch(name)
        return self._live

    def _switch(self, name: str) -> None:
        old = self._live
        old.release_writer()
        new = TantivyBackend(path_of(self.root, name), writer_heap_bytes=self.heap)
        self._catch_up(old, new)  # searches meanwhile: the old generation, still readable
        self._live, self._name = new, name
        self._retired.append(old)  # searches under way finish on it
        log.info("search index: now answering from generation %s", name)

    def _catch_up(self, old: TantivyBackend | None, into: TantivyBackend) -> None:
        """Copy into ``into`` (the generation now live) what was written to the one before while ``into`` was
        building (``touched.log``), read from there (``old``, or opened read only)."""
        touched = self.root / TOUCHED
        into_dir = into.directory
        keys: dict[tuple[str, str, str], None] = {}
        if touched.exists():
            for line in touched.read_text(encoding="utf-8").splitlines():
                parts = line.split("\t")
                if len(parts) == 3 and path_of(self.root, parts[0]) != into_dir:
                    keys[(parts[0], parts[1], parts[2])] = None
        readers: dict[str, TantivyBackend] = {}
        try:
            for generation, agency, document_id in keys:
                reader = old if old is not None and old.directory == path_of(self.root, generation) else None
                if reader is None:
                    if generation not in readers:
                        readers[generation] = TantivyBackend(path_of(self.root, generation), writable=False)
                    reader = readers[generation]
                doc = reader.get(agency, document_id)
                if doc is None:
                    into.delete(agency, document_id)
                else:
                    into.upsert([doc])
        finally:
            for reader in readers.values():
                reader.close()
        touched.unlink(missing_ok=True)
        building = _read(self.root / BUILDING)
        if building and path_of(self.root, building) == into_dir:
            (self.root / BUILDING).unlink(missing_ok=True)

    def _note(self, keys: Sequence[tuple[str, str]]) -> None:
        """While another generation is building, note the documents written to this one."""
        building = _read(self.root / BUILDING)
        if not building or building == self._name:
            return
        with (self.root / TOUCHED).open("a", encoding="utf-8") as out:
            out.writelines(f"{self._name}\t{agency}\t{document_id}\n" for agency, document_id in keys)
            out.flush()
            os.fsync(out.fileno())

    # -- the backend ---------------------------------------------------------------------------------------------
    def upsert(self, documents: Sequence[IndexedDocument]) -> None:
        with self._lock:
            self._current().upsert(documents)
            self._note([(d.agency_code, d.id) for d in documents])

    def delete(self, agency_code: str, document_id: str) -> None:
        with self._lock:
            self._current().delete(agency_code, document_id)
            self._note([(agency_code, document_id)])

    def search(self, caller: Caller, clauses: Sequence[Clause], filters: Filters, *, sort: str, offset: int,
               limit: int, facets: bool = True) -> Result:
        return self._current().search(caller, clauses, filters, sort=sort, offset=offset, limit=limit, facets=facets)

    def get(self, agency_code: str, document_id: str) -> IndexedDocument | None:
        return self._current().get(agency_code, document_id)

    def count(self) -> int:
        return self._current().count()

    def close(self) -> None:
        with self._lock:
            for retired in self._retired:
                retired.close()
            self._live.close()
