import type { HistoryEntry } from "../../api/client";

/** The registry's line of a step the outgoing circuit (the workflow) also records, and that step's name. */
const SAME_STEP: Record<string, string> = {
  submitted: "submit_for_signature", signed: "sign", returned: "return_unsigned", issued: "issue",
};
/** How far apart the two lines of one step may be (the workflow records its step right after the registry's). */
const WINDOW_MS = 5 * 60_000;

/**
 * A document's history with each step of the outgoing circuit once: the registry's line of a step (Trình ký, Ký số,
 * Trả lại, Phát hành) is left out when the workflow's line of the same step is within five minutes of it (the
 * workflow's is kept: it names the step and carries its comment; the registry's note, such as the delegation a
 * signature was made under, is kept on it when it has none). Entries stay in their order; ``entries`` is unchanged.
 */
export function mergeHistory(entries: HistoryEntry[]): HistoryEntry[] {
  const stepOf = (e: HistoryEntry) => e.action === "workflow"
    ? String((e.changes as Record<string, unknown> | undefined)?.step ?? "") : "";
  const time = (e: HistoryEntry) => new Date(e.at).getTime();
  const taken = new Set<number>();
  const notes = new Map<number, string>();
  const dropped = new Set<number>();
  entries.forEach((entry, i) => {
    const step = SAME_STEP[entry.action];
    if (!step) return;
    let best = -1;
    entries.forEach((other, j) => {
      if (taken.has(j) || stepOf(other) !== step || Math.abs(time(other) - time(entry)) > WINDOW_MS) return;
      if (best < 0 || Math.abs(time(other) - time(entry)) < Math.abs(time(entries[best]!) - time(entry))) best = j;
    });
    if (best < 0) return;
    taken.add(best);
    dropped.add(i);
    if (!entries[best]!.note && entry.note) notes.set(best, entry.note);
  });
  return entries.flatMap((entry, i) => dropped.has(i) ? []
    : notes.has(i) ? [{ ...entry, note: notes.get(i) ?? "" }] : [entry]);
}

/** The registry's lines whose reason (``changes.reason``: [before, after]) is what a reader wants to know. */
const REASONED = new Set(["cancelled", "rejected"]);

/** The registry's lines whose note only holds until a later step (cấp số: "chờ đóng dấu" until it is sealed). */
const UNTIL_SEALED = new Set(["numbered"]);

/** The registry's lines whose note starts with data (the signature check's "tên-tệp.pdf: HỢP LỆ (…)"): never
 * capitalised. */
const STARTS_WITH_DATA = new Set(["signature_valid", "signature_invalid"]);

/** A first word that is a file name ("quyet-dinh.pdf", "bảng kê.xlsx:"): data, shown exactly as it was named. */
const FILE_NAME_FIRST = /^[^\s:;,()]+\.[\p{L}\p{N}]{1,8}(?=[\s:;,)]|$)/u;

/** ``text`` with its first letter a capital, as a sentence (Vietnamese case rules); a text that starts with a file
 * name is left exactly as it is (file names are data: "bao-cao.pdf" is not "Bao-cao.pdf"). */
function sentence(text: string): string {
  if (!text || FILE_NAME_FIRST.test(text)) return text;
  return text.charAt(0).toLocaleUpperCase("vi") + text.slice(1);
}

/**
 * What a history line says under its name: its note, or for a cancellation (hủy) or a return (trả lại) recorded
 * without one, "Lý do: …" from the reason it set — the reason given in the dialog stays readable in the history. The
 * registry's notes read as sentences (its "số và ngày đã cấp; chờ đóng dấu…" starts with a capital) unless they
 * start with a file name (the signature check's lines): file names are data, shown exactly; the workflow's comments
 * stay as their authors typed them. Cấp số's note says the seal is awaited: once ``sealed`` (the document
 * was issued: its history has the "issued" line) it says nothing.
 */
export function historyNote(entry: HistoryEntry, sealed = false): string {
  if (entry.note) {
    if (UNTIL_SEALED.has(entry.action) && sealed) return "";
    return entry.action === "workflow" || STARTS_WITH_DATA.has(entry.action) ? entry.note : sentence(entry.note);
  }
  if (!REASONED.has(entry.action)) return "";
  const reason = (entry.changes as Record<string, unknown> | undefined)?.reason;
  const after = Array.isArray(reason) ? reason[1] : undefined;
  return typeof after === "string" && after.trim() ? `Lý do: ${after.trim()}` : "";
}
