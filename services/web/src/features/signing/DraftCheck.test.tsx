import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { vi } from "vitest";
import type { DocumentType } from "../../api/client";
import { draft } from "../../test/fixtures";
import { fakeGateway, renderWith } from "../../test/render";
import { DraftForm } from "../outgoing/DraftForm";
import type { StoredObject, Uploader } from "../outgoing/upload";

const TYPES: DocumentType[] = [{ code: "cong_van", name: "Công văn", abbreviation: "", agency_code: "",
  exchange_form: "electronic", exchange_form_set_at: "", exchange_form_set_by: "" }];
const SENTENCE = "Tệp PDF của văn bản thiếu [[SO]] cho số, ký hiệu ('Số: [[SO]]') và thiếu [[CHU_KY]] cho chữ ký (giữa "
  + "chức vụ và tên người ký): hãy gõ các dấu đó vào tệp dự thảo rồi tải lại tệp PDF; số, địa danh, ngày và chữ ký được "
  + "đóng vào đó khi văn bản được ký và ban hành.";

const uploader: Uploader = async (file, onProgress) => {
  onProgress(100);
  return { object_id: `obj-${file.name}`, file_name: file.name } as StoredObject;
};

async function uploadMain(name: string) {
  const [main] = Array.from(document.querySelectorAll<HTMLInputElement>("input[type=file]"));
  await userEvent.setup({ delay: null }).upload(main as HTMLInputElement,
    new File(["%PDF-1.7"], name, { type: "application/pdf" }));
}

describe("the draft's main file, checked as it is uploaded", () => {
  it("says which of [[SO]], [[NGAY]], [[CHU_KY]] the PDF lacks, in the server's words", async () => {
    const { api, calls } = fakeGateway({
      "POST /api/v1/signing/check-draft": { missing: ["[[SO]]", "[[CHU_KY]]"], message: SENTENCE },
    });
    renderWith(<DraftForm doc={draft({ files: [] })} types={TYPES} uploader={uploader} onSave={vi.fn()} />, { api });
    await uploadMain("Dự thảo thiếu dấu.pdf");
    const alert = await screen.findByTestId("draft-check");
    expect(alert).toHaveTextContent("Tệp dự thảo thiếu [[SO]], [[CHU_KY]]: chưa trình ký được");
    expect(alert).toHaveTextContent(SENTENCE);
    expect(calls.filter((c) => c.path === "/api/v1/signing/check-draft").map((c) => c.body))
      .toEqual([{ object_id: "obj-Dự thảo thiếu dấu.pdf" }]);
  });

  it("shows nothing for a PDF that has them, nor for attachments", async () => {
    const { api, calls } = fakeGateway({ "POST /api/v1/signing/check-draft": { missing: [], message: "" } });
    renderWith(<DraftForm doc={draft({ files: [] })} types={TYPES} uploader={uploader} onSave={vi.fn()} />, { api });
    const [, attachments] = Array.from(document.querySelectorAll<HTMLInputElement>("input[type=file]"));
    await userEvent.setup({ delay: null }).upload(attachments as HTMLInputElement,
      new File(["%PDF-1.7"], "Phụ lục.pdf", { type: "application/pdf" }));
    await screen.findByText("Phụ lục.pdf");
    expect(calls.some((c) => c.path === "/api/v1/signing/check-draft")).toBe(false);  // an attachment needs none
    await uploadMain("Dự thảo đủ dấu.pdf");
    await waitFor(() => expect(calls.some((c) => c.path === "/api/v1/signing/check-draft")).toBe(true));
    expect(screen.queryByTestId("draft-check")).not.toBeInTheDocument();
  });
});
