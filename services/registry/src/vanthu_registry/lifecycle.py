"""An outgoing document's life where other services take part, and the files every document keeps.

- Files: a document refers to each of its files in storage (:class:`~vanthu_registry.peers.FileReferences`) from
  the moment they are put on it; a file replaced or removed, or a draft cancelled, ends the reference (storage
  then sweeps it after its grace period). ``architecture.md``: "Files belong to what refers to them".
- Signing (Decree 30/2020 Art. 13, 15, 18; Appendix I): a leader or head signs a submitted document's main file
  with their own profile; the clerk issues it in one act (:meth:`DocumentLifecycle.issue`): the registry takes the
  number and the date, signing stamps them and applies the agency's seal and the attachments' signatures, the
  results replace the files and one event says the document is issued. A failure after the number was taken
  leaves the document ``numbered`` with its number; the clerk's next issue completes it with the same number.
"""

from __future__ import annotations

import asyncio
import contextlib
import unicodedata
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from vanthu_core.auth import Principal
from vanthu_core.errors import DomainError, FailedPrecondition, InvalidArgument, Unavailable
from vanthu_core.ids import new_id
from vanthu_core.text import symbol_file_name
from vanthu_registry.documents_store import DocumentStore, NewArrival, file_entry, files_from
from vanthu_registry.domain.doctypes import DocumentType
from vanthu_registry.domain.documents import (
    UNNUMBERED,
    DocumentFile,
    Draft,
    FileRole,
    Status,
    check_circuit,
    main_file,
    transition,
)
from vanthu_registry.domain.revocation import update_columns
from vanthu_registry.peers import Archive, FileReferences, Signing, copy_holder, document_holder

PDF = "application/pdf"


def archived_reason(file_codes: list[str]) -> str:
    """Why an archived arrival's revocation or update is refused (status 16), NFC Vietnamese naming the files."""
    return unicodedata.normalize("NFC", "Văn bản đã nộp lưu vào Lưu trữ cơ quan (hồ sơ " + ", ".join(file_codes)
                                 + "): Lưu trữ cơ quan giữ nguyên văn bản, không thu hồi hay cập nhật tự động")


class DocumentLifecycle:
    """The document commands that involve storage or signing; the others go straight to the store."""

    def __init__(self, documents: DocumentStore, files: FileReferences, signing: Signing,
                 archive: Archive | None = None) -> None:
        self.documents = documents
        self.files = files
        self.signing = signing
        self.archive = archive
        #: Commands on one document in this process take turns (a double click, two clerks, an edit racing a
        #: cancel): each reads the document's files and state after the one before it finished, so references
        #: follow the document. Replicas meet in the store's state checks.
        self._turns: dict[str, asyncio.Lock] = {}

    @contextlib.asynccontextmanager
    async def _turn(self, document_id: str) -> AsyncIterator[None]:
        lock = self._turns.setdefault(document_id, asyncio.Lock())
        try:
            async with lock:
                yield
        finally:
            if not lock.locked() and self._turns.get(document_id) is lock:
                del self._turns[document_id]

    # -- files --------------------------------------------------------------------------------------
    async def _take(self, agency_code: str, document_id: str, files: list[DocumentFile],
                    already: frozenset[str] | set[str] = frozenset()) -> list[DocumentFile]:
        """Refer to every file not referred to yet; fill in what storage knows (digest, type, name). A digest the
        caller gave must match storage's. On failure the references just made are released."""
        holder = document_holder(document_id)
        taken: list[str] = []
        out: list[DocumentFile] = []
        try:
            for i, f in enumerate(files):
                stored = await self.files.add(agency_code, f.object_id, holder, field=f"files[{i}]")
                if f.object_id not in already:
                    taken.append(f.object_id)
                if f.sha256 and f.sha256 != stored.sha256:
                    raise InvalidArgument(f"files[{i}].sha256", "không khớp mã băm SHA-256 của tệp đã lưu "
                                                                f"({stored.sha256}).")
                out.append(replace(f, sha256=stored.sha256, content_type=stored.content_type,
                                   file_name=f.file_name or stored.file_name))
        except BaseException:
            await self.files.release(agency_code, taken, holder)
            raise
        return out

    async def _take_all(self, arrivals: list[NewArrival]) -> list[list[DocumentFile] | DomainError]:
        """:meth:`_take` for each arrival (its files referred to under its id), all the references asked for in one
        call to storage (AddReferences, one transaction there); one result per arrival, in order: its files filled
        in, or the first error one of its files met (the references made for that arrival then released)."""
        got = iter(await self.files.add_many([
            (a.agency_code, f.object_id, document_holder(a.document_id), f"files[{i}]")
            for a in arrivals for i, f in enumerate(a.draft.files)]))
        results: list[list[DocumentFile] | DomainError] = []
        for arrival in arrivals:
            stored = [next(got) for _ in arrival.draft.files]
            error: DomainError | None = None
            out: list[DocumentFile] = []
            for i, (f, s) in enumerate(zip(arrival.draft.files, stored, strict=True)):
                if isinstance(s, DomainError):
                    error = s
                elif f.sha256 and f.sha256 != s.sha256:
                    error = InvalidArgument(f"files[{i}].sha256", f"không khớp mã băm SHA-256 của tệp đã lưu "
                                                                  f"({s.sha256}).")
                if error is not None:
                    break
                out.append(replace(f, sha256=s.sha256, content_type=s.content_type,
                                   file_name=f.file_name or s.file_name))
            if error is not None:
                await self.files.release(arrival.agency_code, [f.object_id for f, s in zip(
                    arrival.draft.files, stored, strict=True) if not isinstance(s, DomainError)],
                    document_holder(arrival.document_id))
                results.append(error)
            else:
                results.append(out)
        return results

    async def create(self, principal: Principal, *, agency_code: str, agency_name: str, draft: Draft,
                     actor: str, arrival_key: str = "", replaces_document_id: str = "",
                     doc_type: DocumentType | None = None) -> dict[str, Any]:
        """A draft or an arrival, its files referred to under its id before it is committed; an arrival whose
        ``arrival_key`` the agency holds already is the existing one (the references made for nothing released).
        ``doc_type``: the draft's type when the caller read it already (:meth:`DocumentStore.create`)."""
        document_id = new_id()
        draft.files = await self._take(agency_code, document_id, draft.files)
        try:
            doc = await self.documents.create(agency_code=agency_code, agency_name=agency_name, draft=draft,
                                              actor=actor, document_id=document_id,
                                              actor_subject="" if principal.is_service else principal.subject,
                                              arrival_key=arrival_key, replaces_document_id=replaces_document_id,
                                              doc_type=doc_type, principal=principal)
        except BaseException:
            await self.files.release(agency_code, [f.object_id for f in draft.files], document_holder(document_id))
            raise
        if doc["id"] != document_id:
            await self.files.release(agency_code, [f.object_id for f in draft.files], document_holder(document_id))
        return doc

    async def create_arrivals(self, arrivals: list[NewArrival], *, actor: str) -> list[dict[str, Any] | DomainError]:
        """Several arrivals in one transaction (:meth:`DocumentStore.create_arrivals`), each arrival's files referred
        to under its id first (the arrivals' references asked for at once); one result per arrival, in order, its view
        or the :class:`DomainError` it alone met. The references of an arrival that failed, or that was recorded before
        (its key held already), are released."""
        for arrival in arrivals:
            arrival.document_id = new_id()
        taken = await self._take_all(arrivals)  # storage unavailable: raised, nothing recorded
        results: list[dict[str, Any] | DomainError] = [DomainError("")] * len(arrivals)
        ready = []
        for index, (arrival, files) in enumerate(zip(arrivals, taken, strict=True)):
            if isinstance(files, DomainError):
                results[index] = files
            else:
                arrival.draft.files = files
                ready.append(index)
        try:
            made = await self.documents.create_arrivals([arrivals[i] for i in ready], actor=actor)
        except BaseException:
            for i in ready:
                await self.files.release(arrivals[i].agency_code, [f.object_id for f in arrivals[i].draft.files],
                                         document_holder(arrivals[i].document_id))
            raise
        for index, result in zip(ready, made, strict=True):
            results[index] = result
            arrival = arrivals[index]
            if isinstance(result, DomainError) or result["id"] != arrival.document_id:
                await self.files.release(arrival.agency_code, [f.object_id for f in arrival.draft.files],
                                         document_holder(arrival.document_id))
        return results

    async def update_draft(self, *, agency_code: str, document_id: str, draft: Draft, actor: str,
                           expected_version: int, through_circuit: bool = False,
                           actor_subject: str = "", principal: Principal | None = None) -> dict[str, Any]:
        """Change a draft (:meth:`DocumentStore.update_draft`); files added are referred to, files removed
        released."""
        async with self._turn(document_id):
            return await self._update_draft(agency_code=agency_code, document_id=document_id, draft=draft,
                                            actor=actor, expected_version=expected_version,
                                            through_circuit=through_circuit, actor_subject=actor_subject,
                                            principal=principal)

    async def _update_draft(self, *, agency_code: str, document_id: str, draft: Draft, actor: str,
                            expected_version: int, through_circuit: bool = False,
                            actor_subject: str = "", principal: Principal | None = None) -> dict[str, Any]:
        before = {f.object_id for f in files_from((await self.documents.get(agency_code, document_id))["files"])}
        new_ids = [f.object_id for f in draft.files if f.object_id not in before]
        draft.files = await self._take(agency_code, document_id, draft.files, already=before)
        try:
            doc = await self.documents.update_draft(agency_code=agency_code, document_id=document_id, draft=draft,
                                                    actor=actor, expected_version=expected_version,
                                                    through_circuit=through_circuit, actor_subject=actor_subject,
                                                    principal=principal)
        except BaseException:
            await self.files.release(agency_code, new_ids, document_holder(document_id))
            raise
        after = {f.object_id for f in files_from(doc["files"])}
        await self.files.release(agency_code, sorted(before - after), document_holder(document_id))
        return doc

    async def submit(self, principal: Principal, *, agency_code: str, document_id: str,
                     through_circuit: bool = False) -> dict[str, Any]:
        """Trình ký (:meth:`DocumentStore.submit`), once signing finds on the draft's main file the placeholders
        its signing and issue fill in (``[[SO]]``, ``[[NGAY]]``, ``[[CHU_KY]]``: the rule signing enforces, asked
        with the drafter's token): a draft without them is refused now, naming what is missing, rather than after
        review at the leader's signing. Only a draft's main PDF is checked (attachments are signed without
        placeholders; arrivals and paper scans are never submitted); the store's own checks come first."""
        async with self._turn(document_id):
            await self._check_placeholders(principal, agency_code, document_id, "Chưa trình ký được.")
            return await self.documents.submit(agency_code=agency_code, document_id=document_id,
                                               actor=principal.username, actor_subject=principal.subject,
                                               through_circuit=through_circuit)

    async def enter_circuit(self, principal: Principal, *, agency_code: str, document_id: str) -> dict[str, Any]:
        """Gửi duyệt: the workflow's circuit starts on the drafter's draft (:meth:`DocumentStore.enter_circuit`) once
        its main file has the placeholders trình ký asks for (:meth:`submit`), so the drafter is told while she can
        still change the file, not after the head approved it (issue 14: a draft approved without them was stuck)."""
        async with self._turn(document_id):
            await self._check_placeholders(principal, agency_code, document_id, "Chưa gửi duyệt được.")
            return await self.documents.enter_circuit(agency_code=agency_code, document_id=document_id,
                                                      actor_subject=principal.subject)

    async def _check_placeholders(self, principal: Principal, agency_code: str, document_id: str,
                                  refusal: str) -> None:
        """FailedPrecondition (``refusal`` then signing's sentence naming what is missing) when an outgoing draft's
        main PDF lacks [[SO]], [[NGAY]] or [[CHU_KY]]; nothing to check otherwise (no signing service configured,
        no main file, not a PDF, not an outgoing draft: the store's own checks answer)."""
        doc = await self.documents.get(agency_code, document_id)
        main = main_file(files_from(doc["files"]))
        if (doc["status"] == Status.DRAFT.value and doc["direction"] == "outgoing" and main is not None
                and main.content_type in ("", PDF) and self.signing.stub is not None):
            missing = await self.signing.check_draft(principal.token, main.object_id)
            if missing:
                raise FailedPrecondition(f"{refusal} {missing}")

    async def cancel(self, *, agency_code: str, document_id: str, reason: str, actor: str) -> dict[str, Any]:
        """Cancel; a document cancelled before it was numbered lets go of its files (a numbered one keeps them:
        its number and record stay). Whether it was numbered is read when it is cancelled, under the row's lock."""
        async with self._turn(document_id):
            doc, previous = await self.documents.cancel_from(agency_code=agency_code, document_id=document_id,
                                                             reason=reason, actor=actor)
            if previous in UNNUMBERED:
                await self.files.release(agency_code, [f.object_id for f in files_from(doc["files"])],
                                         document_holder(document_id))
            return doc

    async def accept_revocation(self, *, agency_code: str, document_id: str, actor: str) -> dict[str, Any]:
        """The clerk accepts the sender's revocation or update of an arrival; a revoked arrival lets go of its files
        (storage sweeps them after its grace period).

        An arrival in a deposited file of the agency archive (records says so) is not changed: the registry refuses
        the request instead, with :func:`archived_reason` (status 16 goes back to the sender) and the archive keeps
        the document (issue 12 item 4; Decree 30/2020 Art. 31: archived records are kept intact). The returned
        view then has ``revocation`` ``refused``."""
        async with self._turn(document_id):
            codes = await self.archive.archived_in(agency_code, document_id) if self.archive is not None else []
            if codes:
                doc, released = await self.documents.refuse_revocation(
                    agency_code=agency_code, document_id=document_id, reason=archived_reason(codes), actor=actor)
                await self.files.release(agency_code, released, document_holder(document_id))
                return doc
            doc, released = await self.documents.accept_revocation(agency_code=agency_code, document_id=document_id,
                                                                   actor=actor)
            await self.files.release(agency_code, released, document_holder(document_id))
            return doc

    async def record_revocation(self, *, agency_code: str, document_id: str, state: str, reason: str, kind: str,
                                actor: str, update: Draft | None = None) -> dict[str, Any]:
        """:meth:`DocumentStore.record_revocation`; a requested update's files (``update.files``, stored for the
        agency by interchange) are referred to under the arrival first, and released again when the update was not
        kept (refused, or the same update recorded already with other copies of its files)."""
        if update is None:
            return await self.documents.record_revocation(agency_code=agency_code, document_id=document_id,
                                                          state=state, reason=reason, kind=kind, actor=actor)
        async with self._turn(document_id):
            doc = await self.documents.get(agency_code, document_id)
            before = {f.object_id for f in files_from(doc["files"])} | {
                f["object_id"] for f in (doc.get("pending_update") or {}).get("files", [])}
            taken = [f.object_id for f in update.files if f.object_id not in before]
            update.files = await self._take(agency_code, document_id, update.files, already=before)
            try:
                doc = await self.documents.record_revocation(
                    agency_code=agency_code, document_id=document_id, state=state, reason=reason, kind=kind,
                    actor=actor, update=update_columns(update, [file_entry(f) for f in update.files]),
                    update_sender=update.sender.agency_code)
            except BaseException:
                await self.files.release(agency_code, taken, document_holder(document_id))
                raise
            kept = {f["object_id"] for f in (doc.get("pending_update") or {}).get("files", [])}
            await self.files.release(agency_code, [i for i in taken if i not in kept], document_holder(document_id))
            return doc

    async def refuse_revocation(self, *, agency_code: str, document_id: str, reason: str,
                                actor: str) -> dict[str, Any]:
        """The clerk refuses the sender's revocation or update of an arrival; a refused update's files are let go."""
        async with self._turn(document_id):
            doc, released = await self.documents.refuse_revocation(agency_code=agency_code, document_id=document_id,
                                                                   reason=reason, actor=actor)
            await self.files.release(agency_code, released, document_holder(document_id))
            return doc

    async def number_copy(self, *, agency_code: str, register_id: str, form: str, source_document_id: str,
                          object_id: str, sha256: str, actor: str) -> dict[str, Any]:
        """Number a copy in the copy register; its signed file is kept while the copy exists."""
        copy_id = new_id()
        if object_id:
            stored = await self.files.add(agency_code, object_id, copy_holder(copy_id), field="object_id")
            if sha256 and sha256 != stored.sha256:
                await self.files.release(agency_code, [object_id], copy_holder(copy_id))
                raise InvalidArgument("sha256", f"không khớp mã băm SHA-256 của tệp đã lưu ({stored.sha256}).")
            sha256 = stored.sha256
        try:
            return await self.documents.number_copy(agency_code=agency_code, register_id=register_id, form=form,
                                                    source_document_id=source_document_id, object_id=object_id,
                                                    sha256=sha256, actor=actor, copy_id=copy_id)
        except BaseException:
            if object_id:
                await self.files.release(agency_code, [object_id], copy_holder(copy_id))
            raise

    # -- signing and issuing -------------------------------------------------------------------------
    async def sign(self, principal: Principal, *, agency_code: str, document_id: str, competence: str = "",
                   on_behalf_of: str = "", position: str = "", handle: str = "",
                   signature_value: bytes = b"", through_circuit: bool = False) -> dict[str, Any]:
        """Ký số: the competent person's signature on a submitted document's main file (Decree 30/2020 Art. 13).
        Concurrent signings of one document take turns: the later one finds it signed and is refused before
        anything is signed. Under a delegation (ủy quyền: ``competence`` KT. or TUQ., ``on_behalf_of`` the person
        signed for) the document's signer competence becomes the delegation's and its history says for whom; the
        signed PDF shows the signing authority (Decree 30/2020 Appendix I, box 7a/7b: "KT. GIÁM ĐỐC" over the
        signer's own ``position``) wherever the document's signer title is known (signing stamps it,
        :class:`~vanthu.signing.v1.signing_pb2.SignerAuthority`). With a key the signing service does not hold:
        ``handle`` (its PrepareSignature over the main file) and the ``signature_value`` the signer's device made;
        the signing service completes it only for the main file's SHA-256 and, under a delegation, only when it was
        prepared with the signing authority (:meth:`prepare_sign`; FailedPrecondition otherwise). A document the
        workflow's circuit governs is signed only through it (``through_circuit``: the workflow vouched for the
        call; :func:`~vanthu_registry.domain.documents.check_circuit`)."""
        async with self._turn(document_id):
            return await self._sign(principal, agency_code=agency_code, document_id=document_id,
                                    competence=competence, on_behalf_of=on_behalf_of, position=position,
                                    handle=handle, signature_value=signature_value, through_circuit=through_circuit)

    async def _sign(self, principal: Principal, *, agency_code: str, document_id: str, competence: str = "",
                    on_behalf_of: str = "", position: str = "", handle: str = "",
                    signature_value: bytes = b"", through_circuit: bool = False) -> dict[str, Any]:
        doc = await self.documents.get(agency_code, document_id)
        transition("sign", Status(doc["status"]))
        check_circuit("sign", bool(doc.get("in_circuit")), through_circuit)
        main = main_file(files_from(doc["files"]))
        if main is None:
            raise FailedPrecondition("Văn bản chưa có văn bản chính để ký số: hãy gắn tệp PDF văn bản chính trước.")
        if handle:
            signed = await self.signing.complete_personal(principal.token, handle, signature_value,
                                                          source_sha256=main.sha256, document_id=document_id,
                                                          competence=competence,
                                                          title=doc.get("signer_title") or "", position=position)
        else:
            signed = await self.signing.sign_personal(principal.token, main.object_id, document_id,
                                                      competence=competence, title=doc.get("signer_title") or "",
                                                      position=position)
        holder = document_holder(document_id)
        stored = await self.files.add(agency_code, signed.object_id, holder)
        new = DocumentFile(stored.object_id, stored.sha256, FileRole.MAIN, main.file_name, stored.content_type or PDF)
        try:
            view, replaced = await self.documents.record_signed(
                agency_code=agency_code, document_id=document_id, signed=new, signed_from=main.object_id,
                actor=principal.username, signer_name=principal.name, competence=competence,
                on_behalf_of=on_behalf_of)
        except BaseException:
            await self.files.release(agency_code, [signed.object_id], holder)
            raise
        await self.files.release(agency_code, [replaced], holder)
        return view

    async def prepare_sign(self, principal: Principal, *, agency_code: str, document_id: str, competence: str = "",
                           position: str = "", through_circuit: bool = False) -> Any:
        """Step 1 of a two-step :meth:`sign` (a key the signing service does not hold): the signing service's
        PrepareSignature over the submitted document's main file, with the signing authority :meth:`sign` stamps
        (the document's signer title; under a delegation, ``competence`` over the signer's own ``position``).
        FailedPrecondition for a document that is not submitted or has no main file, or that the workflow's circuit
        governs and the call did not come through it (``through_circuit``)."""
        doc = await self.documents.get(agency_code, document_id)
        transition("sign", Status(doc["status"]))
        check_circuit("sign", bool(doc.get("in_circuit")), through_circuit)
        main = main_file(files_from(doc["files"]))
        if main is None:
            raise FailedPrecondition("Văn bản chưa có văn bản chính để ký số: hãy gắn tệp PDF văn bản chính trước.")
        return await self.signing.prepare_personal(principal.token, main.object_id, document_id,
                                                   competence=competence, title=doc.get("signer_title") or "",
                                                   position=position)

    async def issue(self, principal: Principal, *, agency_code: str, document_id: str,
                    register_id: str, through_circuit: bool = False) -> dict[str, Any]:
        """Ban hành in one act (Decree 30/2020 Art. 15.3, 18): number and date, seal, issued. Idempotent on the
        document: an issued document comes back unchanged; a numbered one (seal pending) is sealed with the
        number it has; concurrent calls for one document give one number and one seal. A document the workflow's
        circuit governs is issued only through it (``through_circuit``)."""
        async with self._turn(document_id):
            return await self._issue(principal, agency_code, document_id, register_id, through_circuit)

    async def _issue(self, principal: Principal, agency_code: str, document_id: str,
                     register_id: str, through_circuit: bool = False) -> dict[str, Any]:
        doc = await self.documents.get(agency_code, document_id)
        status = Status(doc["status"])
        if status is Status.ISSUED:
            return doc
        check_circuit("issue", bool(doc.get("in_circuit")), through_circuit)
        if status is not Status.NUMBERED:
            transition("number", status)  # refuses a document that is not signed
            try:
                doc = await self.documents.number(agency_code=agency_code, document_id=document_id,
                                                  register_id=register_id, actor=principal.username)
            except FailedPrecondition:
                doc = await self.documents.get(agency_code, document_id)  # another replica numbered it meanwhile
                if Status(doc["status"]) is Status.ISSUED:
                    return doc
                if Status(doc["status"]) is not Status.NUMBERED:
                    raise
        try:
            sealed = await self.signing.seal(principal.token, document_id)
        except DomainError as error:
            now = await self.documents.get(agency_code, document_id)
            if Status(now["status"]) is Status.ISSUED:
                return now  # another call sealed and issued it meanwhile
            reason = error.message
            await self.documents.record_seal_failure(agency_code=agency_code, document_id=document_id,
                                                     reason=reason, actor=principal.username)
            message = (f"Văn bản đã được cấp số {doc['number_symbol']} nhưng chưa đóng được dấu của cơ quan: "
                       f"{reason} Văn bản giữ số đó ở trạng thái chờ đóng dấu: hãy khắc phục nguyên nhân rồi phát "
                       "hành lại để hoàn tất.")
            raise (Unavailable if isinstance(error, Unavailable) else FailedPrecondition)(message) from error
        holder = document_holder(document_id)
        results: dict[str, DocumentFile] = {}
        taken: list[str] = []
        try:
            current = {f.object_id: f for f in files_from(doc["files"])}
            for item in sealed:
                stored = await self.files.add(agency_code, item.result.object_id, holder)
                taken.append(stored.object_id)
                source = current.get(item.source_object_id)
                if source is None:
                    continue
                # the sealed main file is named after the document's số, ký hiệu (15-QĐ-UBND.pdf), not the
                # drafter's upload; the history keeps the draft's file and name
                name = (symbol_file_name(doc.get("number_symbol") or "") or source.file_name
                        if source.role is FileRole.MAIN else source.file_name)
                results[source.object_id] = replace(source, object_id=stored.object_id, sha256=stored.sha256,
                                                    content_type=stored.content_type or PDF, file_name=name)
            for object_id, f in current.items():
                results.setdefault(object_id, f)
            view, replaced = await self.documents.complete_issue(agency_code=agency_code, document_id=document_id,
                                                                 sealed=results, actor=principal.username)
        except Exception as error:
            now = await self.documents.get(agency_code, document_id)
            keep = {f.object_id for f in files_from(now["files"])}  # a concurrent issue may hold the same results
            await self.files.release(agency_code, [o for o in taken if o not in keep], holder)
            if isinstance(error, FailedPrecondition) and Status(now["status"]) is Status.ISSUED:
                return now  # another call completed it meanwhile
            raise
        await self.files.release(agency_code, replaced, holder)
        return view

