import { fireEvent, screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { vi } from "vitest";
import type { DocumentType } from "../../api/client";
import { ApiError } from "../../api/client";
import { draft } from "../../test/fixtures";
import { fakeGateway, renderWith } from "../../test/render";
import { DraftForm } from "./DraftForm";
import { fileKind } from "./fileKind";
import type { StoredObject, Uploader } from "./upload";

const TYPES: DocumentType[] = [
  { code: "cong_van", name: "Công văn", abbreviation: "", agency_code: "", exchange_form: "electronic",
    exchange_form_set_at: "", exchange_form_set_by: "" },
  { code: "quyet_dinh", name: "Quyết định", abbreviation: "QĐ", agency_code: "", exchange_form: "electronic",
    exchange_form_set_at: "", exchange_form_set_by: "" },
];

/** Uploads that report 40 % and wait until ``finish`` is called. */
function pausedUploader() {
  const waiting: (() => void)[] = [];
  const uploader: Uploader = (file, onProgress) => new Promise((resolve) => {
    onProgress(40);
    waiting.push(() => resolve({ object_id: `obj-${file.name}`, file_name: file.name } as StoredObject));
  });
  return { uploader, finish: () => waiting.splice(0).forEach((go) => go()) };
}

function renderForm(doc = draft({ recipients: [], files: [], abstract: "" }), uploader?: Uploader) {
  const onSave = vi.fn();
  const { api } = fakeGateway({});
  renderWith(<DraftForm doc={doc} types={TYPES} uploader={uploader ?? pausedUploader().uploader} onSave={onSave} />,
    { api });
  return onSave;
}

describe("the draft form", () => {
  it("needs the abstract to save; saving needs no recipient nor file", async () => {
    const onSave = renderForm();
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    expect(await screen.findByText("Hãy nhập trích yếu.")).toBeInTheDocument();
    expect(onSave).not.toHaveBeenCalled();
    fireEvent.change(screen.getByLabelText("Trích yếu"), { target: { value: "  V/v báo cáo chuyển đổi số  " } });
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(1));
    const [body, start] = onSave.mock.calls[0] as [Record<string, unknown>, boolean];
    expect(start).toBe(false);
    expect(body).toMatchObject({ direction: "outgoing", type_code: "cong_van", abstract: "V/v báo cáo chuyển đổi số",
      urgency: "normal", recipients: [], files: [] });
  });

  it("needs a recipient, the main PDF and a letter's unit abbreviation to send for review", async () => {
    const onSave = renderForm(draft({ recipients: [], files: [], unit_abbreviation: "" }));
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Lưu và gửi duyệt" }));
    expect(await screen.findByText("Hãy chọn ít nhất một nơi nhận trước khi gửi duyệt.")).toBeInTheDocument();
    expect(screen.getByText("Hãy tải lên văn bản chính (PDF) trước khi gửi duyệt.")).toBeInTheDocument();
    expect(screen.getByText("Công văn cần ký hiệu đơn vị soạn thảo để cấp số, ký hiệu (ví dụ VP).")).toBeInTheDocument();
    expect(onSave).not.toHaveBeenCalled();
  });

  it("refuses a main file that is not a PDF, and a unit abbreviation with a space", async () => {
    const onSave = renderForm(draft({ files: [] }));
    const user = userEvent.setup({ delay: null, applyAccept: false });
    const [main] = Array.from(document.querySelectorAll<HTMLInputElement>("input[type=file]"));
    await user.upload(main as HTMLInputElement, new File(["x"], "Dự thảo.docx", { type: "application/msword" }));
    expect(await screen.findByText("Văn bản chính phải là tệp PDF.")).toBeInTheDocument();
    fireEvent.change(screen.getByLabelText("Ký hiệu đơn vị soạn thảo"), { target: { value: "V P" } });
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    expect(await screen.findByText("Chỉ gồm chữ, số và dấu & giữa hai chữ (ví dụ TC&KH), không dấu cách, tối đa 20 ký tự."))
      .toBeInTheDocument();
    expect(onSave).not.toHaveBeenCalled();
  });

  it("warns, when a Word appendix is added, in the words trình ký refuses it with, and keeps it in the draft", async () => {
    const paused = pausedUploader();
    const onSave = renderForm(draft({ files: [] }), paused.uploader);
    const user = userEvent.setup({ delay: null });
    const [, attachments] = Array.from(document.querySelectorAll<HTMLInputElement>("input[type=file]"));
    await user.upload(attachments as HTMLInputElement, new File(["%PDF-1.7"], "Bảng kê.pdf", { type: "application/pdf" }));
    expect(await screen.findByText("Bảng kê.pdf")).toBeInTheDocument();
    expect(screen.queryByText(/hãy chuyển sang PDF/)).not.toBeInTheDocument();
    const [, again] = Array.from(document.querySelectorAll<HTMLInputElement>("input[type=file]"));
    await user.upload(again as HTMLInputElement, new File(["PK"], "Dự thảo trả lời.docx",
      { type: "application/vnd.openxmlformats-officedocument.wordprocessingml.document" }));
    const warning = await screen.findByText("Phụ lục Dự thảo trả lời.docx là tệp Word (.docx); tệp của văn bản đi "
      + "được ký số dưới dạng PDF: hãy chuyển sang PDF trước khi trình ký.");
    expect(warning).toBeInTheDocument();
    expect(document.body.textContent).not.toContain("application/vnd");
    paused.finish();
    fireEvent.change(screen.getByLabelText("Trích yếu"), { target: { value: "V/v trả lời" } });
    await waitFor(() => expect(screen.queryByRole("progressbar")).not.toBeInTheDocument());
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(1));
    expect((onSave.mock.calls[0]?.[0] as { files: unknown[] }).files).toContainEqual(expect.objectContaining(
      { object_id: "obj-Dự thảo trả lời.docx", role: "attachment" }));
  });

  it("names an Excel appendix and other kinds in plain words, never by MIME type", () => {
    expect(fileKind("Dự toán.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"))
      .toBe("tệp Excel (.xlsx)");
    expect(fileKind("Sơ đồ.PNG", "image/png")).toBe("tệp .png");
    expect(fileKind("", "application/msword")).toBe("tệp Word (.doc)");
  });

  it("takes a unit abbreviation joined with '&' (TC&KH, as NN&PTNT) and an abstract naming Sở NN&PTNT", async () => {
    const onSave = renderForm(draft({ files: [] }));
    const user = userEvent.setup({ delay: null });
    fireEvent.change(screen.getByLabelText("Ký hiệu đơn vị soạn thảo"), { target: { value: "TC&KH" } });
    fireEvent.change(screen.getByLabelText("Trích yếu"), { target: { value: "V/v phối hợp với Sở NN&PTNT" } });
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(1));
    expect(onSave.mock.calls[0]?.[0]).toMatchObject({ unit_abbreviation: "TC&KH", abstract: "V/v phối hợp với Sở NN&PTNT" });
  });

  it("offers the unit abbreviation for a letter only: a decision is numbered 15/QĐ-UBND", async () => {
    // issue 14 review: a Quyết định came out as 01/QĐ-UBND-VP (Decree 30/2020 Appendix I, Part I, II.3)
    const onSave = renderForm(draft({ files: [], type_code: "quyet_dinh", unit_abbreviation: "" }));
    const user = userEvent.setup({ delay: null });
    expect(screen.queryByLabelText("Ký hiệu đơn vị soạn thảo")).not.toBeVisible();
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(1));
    expect(onSave.mock.calls[0]?.[0]).toMatchObject({ type_code: "quyet_dinh", unit_abbreviation: "" });
  });

  it("drops an old unit abbreviation from a decision and says why", async () => {
    const onSave = renderForm(draft({ files: [], type_code: "quyet_dinh", unit_abbreviation: "VP" }));
    const user = userEvent.setup({ delay: null });
    expect(screen.getByText(/Chỉ công văn mới có ký hiệu đơn vị soạn thảo/)).toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(1));
    expect(onSave.mock.calls[0]?.[0]).toMatchObject({ unit_abbreviation: "" });
  });

  it("shows the upload's progress, waits for it, then sends the stored file as the main one", async () => {
    const paused = pausedUploader();
    const onSave = renderForm(draft({ files: [] }), paused.uploader);
    const user = userEvent.setup({ delay: null });
    const [main] = Array.from(document.querySelectorAll<HTMLInputElement>("input[type=file]"));
    await user.upload(main as HTMLInputElement, new File(["%PDF-1.7"], "Dự thảo.pdf", { type: "application/pdf" }));
    expect(await screen.findByRole("progressbar", { name: "Dự thảo.pdf" })).toHaveAttribute("aria-valuenow", "40");
    await user.click(screen.getByRole("button", { name: "Lưu và gửi duyệt" }));
    expect(await screen.findByText("Đang tải tệp lên, hãy đợi tải xong.")).toBeInTheDocument();
    expect(onSave).not.toHaveBeenCalled();
    paused.finish();
    await waitFor(() => expect(screen.queryByRole("progressbar", { name: "Dự thảo.pdf" })).not.toBeInTheDocument());
    await user.click(screen.getByRole("button", { name: "Lưu và gửi duyệt" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(1));
    const [body, start] = onSave.mock.calls[0] as [{ files: unknown[]; recipients: unknown[] }, boolean];
    expect(start).toBe(true);
    expect(body.recipients).toEqual([{ agency_code: "000.00.02.H61", name: "Sở Nội vụ" }]);
    expect(body.files).toContainEqual({ object_id: "obj-Dự thảo.pdf", role: "main", file_name: "Dự thảo.pdf", sha256: "" });
  });
  it("says why the server refused an upload (its problem's detail), not only that it failed", async () => {
    const reason = "content: không phải loại tệp được nhận (tệp ZIP); chỉ nhận PDF, DOCX, XLSX, ODT, ảnh PNG, JPEG, TIFF.";
    const refusing: Uploader = async () => { throw new ApiError(400, { title: "Yêu cầu không hợp lệ", detail: reason }); };
    const onSave = renderForm(draft({ files: [] }), refusing);
    const user = userEvent.setup({ delay: null });
    const [main] = Array.from(document.querySelectorAll<HTMLInputElement>("input[type=file]"));
    await user.upload(main as HTMLInputElement, new File(["PK\x03\x04"], "Tờ trình.pdf", { type: "application/pdf" }));
    expect(await screen.findByText(`Tải tệp “Tờ trình.pdf” lên không thành công: ${reason} Hãy xóa tệp này và chọn tệp khác.`))
      .toBeInTheDocument();
    await user.click(screen.getByRole("button", { name: "Lưu và gửi duyệt" }));
    expect(onSave).not.toHaveBeenCalled();
  });

  it("keeps the account of the signer chosen from the agency's people, and none for a name typed by hand", async () => {
    const onSave = vi.fn();
    const { api } = fakeGateway({ "GET /api/v1/people": [
      { subject: "s-lanh", username: "lanhdao.ubnd", name: "Nguyễn Văn Lãnh", enabled: true, title: "",
        leader: true, units: [] },
      { subject: "s-hai", username: "phochutich.ubnd", name: "Trần Văn Hai", enabled: true, title: "",
        leader: true, units: [] }] });
    renderWith(<DraftForm doc={draft({ signer: { name: "", title: "Chủ tịch", competence: "", subject: "" } })}
      types={TYPES} uploader={pausedUploader().uploader} onSave={onSave} />, { api });
    const user = userEvent.setup({ delay: null });
    const signer = screen.getByRole("combobox", { name: "Họ và tên người ký" });
    await user.type(signer, "tran van");  // without tones: the list still finds Trần Văn Hai
    await user.click(await screen.findByText("Trần Văn Hai (phochutich.ubnd)"));
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(1));
    expect((onSave.mock.calls[0] as [{ signer: unknown }])[0].signer).toEqual(
      { name: "Trần Văn Hai", title: "Chủ tịch", competence: "", subject: "s-hai" });

    await user.clear(signer);
    await user.type(signer, "Trần Văn Hải");  // typed by hand: another name, no account
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(2));
    expect((onSave.mock.calls[1] as [{ signer: { subject: string; name: string } }])[0].signer).toMatchObject(
      { name: "Trần Văn Hải", subject: "" });
  });
  it("offers as người ký only those who may sign: leaders, then heads; never the clerk nor an officer", async () => {
    const { api } = fakeGateway({ "GET /api/v1/people": [
      { subject: "s-vt", username: "vanthu.ubnd", name: "Lê Thị Thư", enabled: true, title: "Văn thư",
        leader: false, handler: false, signer: false, units: [] },
      { subject: "s-cv", username: "chuyenvien.ubnd", name: "Phạm Thị Ngọc Ánh", enabled: true,
        title: "Chuyên viên", leader: false, handler: true, signer: false, units: [] },
      { subject: "s-tp", username: "truongphong.ubnd", name: "Hoàng Văn Trưởng", enabled: true,
        title: "Chánh Văn phòng", leader: false, handler: true, signer: true, units: ["VP"] },
      { subject: "s-ct", username: "lanhdao.ubnd", name: "Nguyễn Văn Hưởng", enabled: true, title: "Chủ tịch",
        leader: true, handler: true, signer: true, units: [] }] });
    renderWith(<DraftForm doc={draft({ signer: { name: "", title: "", competence: "", subject: "" } })}
      types={TYPES} uploader={pausedUploader().uploader} onSave={vi.fn()} />, { api });
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("combobox", { name: "Họ và tên người ký" }));
    const leader = await screen.findByText("Nguyễn Văn Hưởng — Chủ tịch");
    const head = screen.getByText("Hoàng Văn Trưởng — Chánh Văn phòng");
    expect(leader.compareDocumentPosition(head) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();
    expect(screen.getByText("Trưởng đơn vị (thừa lệnh, thừa ủy quyền)")).toBeInTheDocument();
    expect(screen.queryByText(/Lê Thị Thư/)).toBeNull();
    expect(screen.queryByText(/Phạm Thị Ngọc Ánh/)).toBeNull();
  });
  it("prefills a letter's ký hiệu đơn vị soạn thảo with the drafter's own unit (TH), required and editable", async () => {
    // fresh-user trial: the field was empty, the user typed the placeholder's "VP" and the letter came out 01/UBND-VP
    const onSave = vi.fn();
    const { api } = fakeGateway({ "GET /api/v1/people": [
      { subject: "s-vp", username: "vanthu.ubnd", name: "Lê Thị Thư", enabled: true, title: "Văn thư",
        leader: false, handler: false, signer: false, units: ["VP"] },
      { subject: "s-cv", username: "chuyenvien.ubnd", name: "Phạm Thị Ngọc Ánh", enabled: true,
        title: "Chuyên viên", leader: false, handler: true, signer: false, units: ["TH"] }] });
    renderWith(<DraftForm types={TYPES} uploader={pausedUploader().uploader} onSave={onSave}
      doc={draft({ files: [], unit_abbreviation: "" })} />,
      { api, person: { username: "chuyenvien.ubnd", subject: "s-cv", name: "Phạm Thị Ngọc Ánh",
        agency: "000.00.00.H61", roles: ["officer"] } });
    const field = screen.getByLabelText("Ký hiệu đơn vị soạn thảo");
    await waitFor(() => expect(field).toHaveValue("TH"));
    expect(document.querySelector("label[for='unit_abbreviation']")).toHaveClass("ant-form-item-required");
    const user = userEvent.setup({ delay: null });
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(1));
    expect(onSave.mock.calls[0]?.[0]).toMatchObject({ type_code: "cong_van", unit_abbreviation: "TH" });
    fireEvent.change(field, { target: { value: "TH&NC" } });  // still editable
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(2));
    expect(onSave.mock.calls[1]?.[0]).toMatchObject({ unit_abbreviation: "TH&NC" });
  });
  it("prefills the ký hiệu from the primary unit of a drafter in several units, none when there is none", async () => {
    // trial: a head of Phòng Tổng hợp who also sits in Phòng Kinh tế found the field empty
    const person = (primary: string) => ({ subject: "s-tp", username: "truongphong.ubnd", name: "Trần Văn Phòng",
      enabled: true, title: "Trưởng phòng", leader: false, handler: true, signer: true, units: ["KT", "TH"],
      primary_unit: primary });
    for (const [primary, shown] of [["TH", "TH"], ["", ""]] as const) {
      const { api } = fakeGateway({ "GET /api/v1/people": [person(primary)] });
      const view = renderWith(<DraftForm types={TYPES} uploader={pausedUploader().uploader} onSave={vi.fn()}
        doc={draft({ files: [], unit_abbreviation: "" })} />,
        { api, person: { username: "truongphong.ubnd", subject: "s-tp", name: "Trần Văn Phòng",
          agency: "000.00.00.H61", roles: ["head"] } });
      const field = screen.getByLabelText("Ký hiệu đơn vị soạn thảo");
      await waitFor(() => expect(field).toHaveValue(shown));
      fireEvent.change(field, { target: { value: "KT" } });  // editable
      expect(field).toHaveValue("KT");
      view.unmount();
    }
  });
  it("offers the leaders first as Họ tên — Chức vụ and fills the chosen signer's title", async () => {
    const onSave = vi.fn();
    const { api } = fakeGateway({ "GET /api/v1/people": [
      { subject: "s-cv", username: "truongphong.ubnd", name: "Phạm Thị Ngọc Ánh", enabled: true,
        title: "Chánh Văn phòng", leader: false, signer: true, units: [] },
      { subject: "s-pct", username: "phochutich.ubnd", name: "Trần Văn Hai", enabled: true,
        title: "Phó Chủ tịch", leader: true, units: [] },
      { subject: "s-old", username: "nghihuu.ubnd", name: "Đỗ Văn Tâm", enabled: false,
        title: "Chủ tịch", leader: true, units: [] }] });
    renderWith(<DraftForm doc={draft({ signer: { name: "", title: "", competence: "", subject: "" } })}
      types={TYPES} uploader={pausedUploader().uploader} onSave={onSave} />, { api });
    const user = userEvent.setup({ delay: null });
    const signer = screen.getByRole("combobox", { name: "Họ và tên người ký" });
    await user.click(signer);
    const leader = await screen.findByText("Trần Văn Hai — Phó Chủ tịch");
    const officer = screen.getByText("Phạm Thị Ngọc Ánh — Chánh Văn phòng");
    expect(leader.compareDocumentPosition(officer) & Node.DOCUMENT_POSITION_FOLLOWING).toBeTruthy();  // leaders first
    expect(screen.getByText("Lãnh đạo cơ quan")).toBeInTheDocument();
    expect(screen.queryByText(/Đỗ Văn Tâm/)).toBeNull();  // a disabled account signs nothing
    await user.type(signer, "pho chu");  // the title is searchable too, without tones
    await user.click(await screen.findByText("Trần Văn Hai — Phó Chủ tịch"));
    expect(screen.getByRole("textbox", { name: "Chức vụ người ký" })).toHaveValue("Phó Chủ tịch");
    await user.click(screen.getByRole("button", { name: "Lưu dự thảo" }));
    await waitFor(() => expect(onSave).toHaveBeenCalledTimes(1));
    expect((onSave.mock.calls[0] as [{ signer: unknown }])[0].signer).toEqual(
      { name: "Trần Văn Hai", title: "Phó Chủ tịch", competence: "", subject: "s-pct" });
  });
  it("finds the type typed without tones (cong van → Công văn)", async () => {
    // fresh-user trial: "cong van" found nothing
    const { api } = fakeGateway({});
    renderWith(<DraftForm types={TYPES} uploader={pausedUploader().uploader} onSave={vi.fn()} />, { api });
    const user = userEvent.setup({ delay: null });
    await user.type(screen.getByRole("combobox", { name: "Loại văn bản" }), "cong van");
    expect(await screen.findByTitle("Công văn")).toBeInTheDocument();
  });
  it("refuses an empty (0-byte) file before uploading it, naming it", async () => {
    // fresh-user trial: it was sent, failed, and the message said only "hãy xóa và tải lại"
    const uploader = vi.fn<Uploader>();
    const { api } = fakeGateway({});
    renderWith(<DraftForm types={TYPES} uploader={uploader} onSave={vi.fn()} />, { api });
    const user = userEvent.setup({ delay: null });
    const [input] = Array.from(document.querySelectorAll<HTMLInputElement>("input[type=file]"));
    await user.upload(input as HTMLInputElement, new File([], "Dự thảo.pdf", { type: "application/pdf" }));
    expect(await screen.findByText("Tệp «Dự thảo.pdf» rỗng (0 byte): hãy chọn đúng tệp.")).toBeInTheDocument();
    expect(uploader).not.toHaveBeenCalled();
  });
});
