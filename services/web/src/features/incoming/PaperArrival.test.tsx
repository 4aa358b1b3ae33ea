import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { vi } from "vitest";
import type { DocumentType } from "../../api/client";
import type { Person } from "../../auth/claims";
import { arrival } from "../../test/fixtures";
import { CLERK, fakeGateway, renderWith } from "../../test/render";
import type { StoredObject, Uploader } from "../outgoing/upload";
import { PaperArrival, PaperArrivalForm } from "./PaperArrival";

const TYPES: DocumentType[] = [
  { code: "cong_van", name: "Công văn", abbreviation: "", agency_code: "", exchange_form: "electronic",
    exchange_form_set_at: "", exchange_form_set_by: "" },
];
const OFFICER: Person = { ...CLERK, username: "chuyenvien.snv", name: "Lê Văn Chuyên", roles: ["officer"] };

/** Uploads that report 40 % and wait until ``finish`` is called. */
function pausedUploader() {
  const waiting: (() => void)[] = [];
  const uploader: Uploader = (file, onProgress) => new Promise((resolve) => {
    onProgress(40);
    waiting.push(() => resolve({ object_id: `obj-${file.name}`, file_name: file.name } as StoredObject));
  });
  return { uploader, finish: () => waiting.splice(0).forEach((go) => go()) };
}

describe("the paper arrival", () => {
  it("needs the sender, number, date, type, abstract and the scan", async () => {
    const { api } = fakeGateway({});
    const onSave = vi.fn();
    renderWith(<PaperArrivalForm types={TYPES} uploader={pausedUploader().uploader} onSave={onSave} />, { api });
    await userEvent.click(screen.getByRole("button", { name: "Lưu văn bản đến" }));
    for (const text of ["Hãy nhập cơ quan, tổ chức gửi.", "Hãy nhập số, ký hiệu của văn bản.",
      "Hãy chọn ngày văn bản (dd/mm/yyyy).", "Hãy chọn loại văn bản.", "Hãy nhập trích yếu.",
      "Hãy tải lên bản quét của văn bản."]) {
      expect(await screen.findByText(text)).toBeInTheDocument();
    }
    expect(onSave).not.toHaveBeenCalled();
  });

  it("uploads the scan with its progress and sends the arrival with its sender from the directory, date and scan",
    async () => {
    const paused = pausedUploader();
    const onSave = vi.fn();
    const { api, calls } = fakeGateway({ "GET /api/v1/agencies": { next_page_token: null, items: [{
      code: "000.00.00.H61", name: "Ủy ban nhân dân tỉnh Vĩnh Long", short_name: "", parent_code: null, level: 1,
      valid_from: null, valid_to: null, code_conforms: true, address: "", email: "", phone: "", source: "",
      place: "Vĩnh Long" }] } });
    renderWith(<PaperArrivalForm types={TYPES} uploader={paused.uploader} onSave={onSave} />, { api });
    const user = userEvent.setup({ delay: null });
    await user.type(screen.getByLabelText("Cơ quan, tổ chức gửi"), "ủy ban tỉnh");
    fireEvent.click(await screen.findByTitle("Ủy ban nhân dân tỉnh Vĩnh Long"));
    expect(calls.map((c) => c.path)).toContain("/api/v1/agencies?q=%E1%BB%A7y%20ban%20t%E1%BB%89nh&page_size=10");
    fireEvent.change(screen.getByLabelText("Số, ký hiệu"), { target: { value: " 27/2026/CV-MX " } });
    const date = screen.getByLabelText("Ngày văn bản");
    await user.click(date);
    await user.type(date, "25/11/2026{Enter}");
    fireEvent.mouseDown(screen.getByLabelText("Loại văn bản"));
    fireEvent.click(await screen.findByTitle("Công văn"));
    fireEvent.change(screen.getByLabelText("Trích yếu"), { target: { value: "V/v đề nghị cấp phép" } });
    await user.click(screen.getByLabelText("Khẩn"));
    const input = document.querySelector<HTMLInputElement>("input[type=file]") as HTMLInputElement;
    await user.upload(input, new File(["%PDF-1.7"], "Bản quét.pdf", { type: "application/pdf" }));
    expect(await screen.findByRole("progressbar", { name: "Bản quét.pdf" })).toHaveAttribute("aria-valuenow", "40");
    await user.click(screen.getByRole("button", { name: "Lưu văn bản đến" }));
    expect(await screen.findByText("Đang tải tệp lên, hãy đợi tải xong.")).toBeInTheDocument();
    expect(onSave).not.toHaveBeenCalled();
    paused.finish();
    await waitFor(() => expect(screen.queryByRole("progressbar")).not.toBeInTheDocument());
    await user.click(screen.getByRole("button", { name: "Lưu văn bản đến" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(1));
    expect(onSave.mock.calls[0]?.[0]).toMatchObject({
      direction: "incoming", type_code: "cong_van", abstract: "V/v đề nghị cấp phép", urgency: "urgent", paper: true,
      sender: { agency_code: "000.00.00.H61", agency_name: "Ủy ban nhân dân tỉnh Vĩnh Long", number_symbol: "27/2026/CV-MX",
        document_date: "2026-11-25" },
      files: [{ object_id: "obj-Bản quét.pdf", role: "main", file_name: "Bản quét.pdf" }],
    });
  });

  it("picks the highlighted directory entry with Enter, and takes a name outside it only when told to", async () => {
    const ubnd = { code: "000.00.00.H61", name: "Ủy ban nhân dân tỉnh Vĩnh Long", short_name: "", parent_code: null,
      level: 1, valid_from: null, valid_to: null, code_conforms: true, address: "", email: "", phone: "", source: "",
      place: "Vĩnh Long" };
    const { api } = fakeGateway({ "GET /api/v1/agencies": (url: URL) => ({ next_page_token: null,
      items: (url.searchParams.get("q") ?? "").startsWith("ủy") ? [ubnd] : [] }) });
    const onSave = vi.fn();
    renderWith(<PaperArrivalForm types={TYPES} uploader={pausedUploader().uploader} onSave={onSave} />, { api });
    const user = userEvent.setup({ delay: null });
    const field = screen.getByLabelText("Cơ quan, tổ chức gửi");
    await user.type(field, "ủy ban");
    expect(await screen.findByTitle("Ủy ban nhân dân tỉnh Vĩnh Long")).toBeInTheDocument();
    // the first match is highlighted: Enter picks it (a browser's keydown carries which/keyCode, as rc-select reads)
    fireEvent.keyDown(field, { key: "Enter", code: "Enter", keyCode: 13, which: 13 });
    await waitFor(() => expect(field).toHaveValue("Ủy ban nhân dân tỉnh Vĩnh Long"));
    expect(await screen.findByTestId("sender-code")).toHaveTextContent("mã định danh 000.00.00.H61");

    // a name the directory does not have: kept as typed, but refused until the clerk takes it explicitly
    await user.clear(field);
    await user.type(field, "Công ty TNHH Mỹ Xuân");
    const useTyped = await screen.findByTitle("Dùng tên đã nhập: “Công ty TNHH Mỹ Xuân” (ngoài danh bạ)");
    expect(screen.queryByTestId("sender-code")).not.toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Lưu văn bản đến" }));
    expect(await screen.findByText(/Hãy chọn cơ quan trong danh bạ, hoặc chọn “Dùng tên đã nhập”/)).toBeInTheDocument();
    expect(onSave).not.toHaveBeenCalled();
    await user.click(field);
    fireEvent.click(useTyped);
    expect(field).toHaveValue("Công ty TNHH Mỹ Xuân");
    expect(await screen.findByTestId("sender-outside")).toHaveTextContent("Ngoài danh bạ");
    await waitFor(() => expect(screen.queryByText(/Hãy chọn cơ quan trong danh bạ/)).not.toBeInTheDocument());
  });

  it("keeps a date it cannot read and says why; reads 4/5/2026 too", async () => {
    const onSave = vi.fn();
    const { api } = fakeGateway({});
    renderWith(<PaperArrivalForm types={TYPES} uploader={pausedUploader().uploader} onSave={onSave} />, { api });
    const user = userEvent.setup({ delay: null });
    const date = screen.getByLabelText("Ngày văn bản") as HTMLInputElement;
    await user.click(date);
    await user.type(date, "25/13/2026");
    await user.click(screen.getByLabelText("Trích yếu"));
    expect(date.value).toBe("25/13/2026");  // not cleared
    expect(await screen.findByText("Ngày không hợp lệ: nhập theo dạng dd/mm/yyyy (ví dụ 04/05/2026)."))
      .toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Lưu văn bản đến" }));
    expect(onSave).not.toHaveBeenCalled();
    await user.clear(date);
    await user.type(date, "4/5/2026{Enter}");
    await user.click(screen.getByLabelText("Trích yếu"));
    await waitFor(() => expect(screen.queryByText(/^Ngày không hợp lệ/)).not.toBeInTheDocument());
    expect(date.value).toBe("04/05/2026");
  });

  it("is for clerks: an officer is told so and nothing is asked of the gateway", async () => {
    const { api, calls } = fakeGateway({});
    renderWith(<PaperArrival />, { api, person: OFFICER });
    expect(await screen.findByText("Chỉ văn thư được nhập văn bản đến bản giấy.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Lưu văn bản đến" })).not.toBeInTheDocument();
    expect(calls).toEqual([]);
  });

  it("shows the clerk the form with the document types", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/document-types": TYPES,
      "POST /api/v1/documents": arrival({ signature_check: "unsigned" }) });
    renderWith(<PaperArrival />, { api });
    expect(await screen.findByRole("heading", { name: "Nhập văn bản đến bản giấy" })).toBeInTheDocument();
    await waitFor(() => expect(calls.map((c) => c.path)).toContain("/api/v1/document-types"));
  });
  it("finds the type typed without tones (cong van → Công văn)", async () => {
    // fresh-user trial: "cong van" found nothing
    const { api } = fakeGateway({});
    renderWith(<PaperArrivalForm types={TYPES} uploader={pausedUploader().uploader} onSave={vi.fn()} />, { api });
    const user = userEvent.setup({ delay: null });
    await user.type(screen.getByRole("combobox", { name: "Loại văn bản" }), "cong van");
    expect(await screen.findByTitle("Công văn")).toBeInTheDocument();
  });
  it("refuses an empty (0-byte) file before uploading it, naming it", async () => {
    // fresh-user trial: it was sent, failed, and the message said only "hãy xóa và tải lại"
    const uploader = vi.fn<Uploader>();
    const { api } = fakeGateway({});
    renderWith(<PaperArrivalForm types={TYPES} uploader={uploader} onSave={vi.fn()} />, { api });
    const user = userEvent.setup({ delay: null });
    const [input] = Array.from(document.querySelectorAll<HTMLInputElement>("input[type=file]"));
    await user.upload(input as HTMLInputElement, new File([], "Công văn 15.pdf", { type: "application/pdf" }));
    expect(await screen.findByText("Tệp «Công văn 15.pdf» rỗng (0 byte): hãy chọn đúng tệp.")).toBeInTheDocument();
    expect(uploader).not.toHaveBeenCalled();
  });
});
