import type { HistoryEntry } from "../../api/client";
import { historyNote, mergeHistory } from "./history";

const line = (at: string, action: string, step = "", note = "", actor = "lanhdao.ubnd"): HistoryEntry =>
  ({ at, actor, action, changes: step ? { workflow: ["", ""], step } : {}, note });

describe("a document's history", () => {
  it("shows each step of the circuit once, the workflow's line, with the registry's note when it has none", () => {
    const merged = mergeHistory([
      line("2026-11-30T08:00:00+07:00", "drafted", "", "", "chuyenvien.ubnd"),
      line("2026-11-30T09:00:00+07:00", "submitted", "", "", "chuyenvien.ubnd"),
      line("2026-11-30T09:00:01+07:00", "workflow", "submit_for_signature", "Kính trình", "chuyenvien.ubnd"),
      line("2026-11-30T10:00:00+07:00", "signed", "", "Ký KT. theo ủy quyền của chutich.ubnd"),
      line("2026-11-30T10:00:02+07:00", "workflow", "sign"),
      line("2026-11-30T10:30:00+07:00", "numbered", "", "", "vanthu.ubnd"),
    ]);
    expect(merged.map((e) => [e.action === "workflow" ? (e.changes as { step: string }).step : e.action, e.note]))
      .toEqual([["drafted", ""], ["submit_for_signature", "Kính trình"],
        ["sign", "Ký KT. theo ủy quyền của chutich.ubnd"], ["numbered", ""]]);
  });

  it("keeps the registry's line when no workflow line of that step is near it (a document outside the circuit)", () => {
    const entries = [line("2026-11-30T09:00:00+07:00", "submitted"), line("2026-11-30T11:00:00+07:00", "workflow",
      "submit_for_signature"), line("2026-12-01T09:00:00+07:00", "signed"), line("2026-12-01T09:00:00+07:00",
      "workflow", "approve")];
    expect(mergeHistory(entries)).toEqual(entries);
  });

  it("pairs a step done twice (returned, submitted again) line by line", () => {
    const merged = mergeHistory([
      line("2026-11-30T09:00:00+07:00", "submitted"), line("2026-11-30T09:00:01+07:00", "workflow", "submit_for_signature"),
      line("2026-11-30T09:02:00+07:00", "submitted"), line("2026-11-30T09:02:01+07:00", "workflow", "submit_for_signature"),
    ]);
    expect(merged.map((e) => e.action)).toEqual(["workflow", "workflow"]);
  });

  it("says the reason of a cancellation or a return recorded without a note, and nothing of other changes", () => {
    const cancelled = { at: "2026-11-30T09:15:00+07:00", actor: "lanhdao.ubnd", action: "cancelled", note: "",
      changes: { status: ["draft", "cancelled"], reason: [null, "Không ban hành nữa theo chỉ đạo"] } };
    expect(historyNote(cancelled)).toBe("Lý do: Không ban hành nữa theo chỉ đạo");
    expect(historyNote({ ...cancelled, action: "rejected" })).toBe("Lý do: Không ban hành nữa theo chỉ đạo");
    expect(historyNote({ ...cancelled, note: "Ghi chú riêng" })).toBe("Ghi chú riêng");
    expect(historyNote({ ...cancelled, action: "updated" })).toBe("");
    expect(historyNote({ ...cancelled, changes: {} })).toBe("");
  });

  it("writes cấp số's note as a sentence, and says nothing of the awaited seal once the document was issued", () => {
    const numbered = { at: "2026-11-30T10:30:00+07:00", actor: "vanthu.ubnd", action: "numbered", changes: {},
      note: "số và ngày đã cấp; chờ đóng dấu (ký số của cơ quan)" };
    expect(historyNote(numbered)).toBe("Số và ngày đã cấp; chờ đóng dấu (ký số của cơ quan)");
    expect(historyNote(numbered, true)).toBe("");
    // a registry note reads as a sentence; a workflow comment stays as typed
    expect(historyNote({ ...numbered, action: "registered", note: "trùng với văn bản đến 12" }, true))
      .toBe("Trùng với văn bản đến 12");
    expect(historyNote({ ...numbered, action: "workflow", note: "đồng ý, trình ký" })).toBe("đồng ý, trình ký");
  });

  it("shows file names exactly as they were named, never capitalised", () => {
    const checked = { at: "2026-11-30T10:30:00+07:00", actor: "", action: "signature_valid", changes: {},
      note: "quyết-định-05.pdf: HỢP LỆ (1 chữ ký: Nguyễn Văn Hưởng — Chủ tịch, ký lúc 09:30 01/12/2026)" };
    expect(historyNote(checked)).toBe(checked.note);
    expect(historyNote({ ...checked, action: "signature_invalid", note: "ảnh-chụp.png: không phải PDF" }))
      .toBe("ảnh-chụp.png: không phải PDF");
    // another line whose note starts with a file name keeps it as named too
    expect(historyNote({ ...checked, action: "updated", note: "bao-cao.pdf thay cho bản cũ" }))
      .toBe("bao-cao.pdf thay cho bản cũ");
    expect(historyNote({ ...checked, action: "imported", note: "nhập từ sổ của hệ thống cũ: tệp so-den.csv, dòng 3" }))
      .toBe("Nhập từ sổ của hệ thống cũ: tệp so-den.csv, dòng 3");
  });
});
