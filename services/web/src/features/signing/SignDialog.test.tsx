import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { fakePdf } from "../../test/fakePdf";
import { draft } from "../../test/fixtures";
import { fakeGateway, renderWith, type Call } from "../../test/render";
import { SignDialog } from "./SignDialog";
import type { SigningTool } from "./tool";
import type { Person } from "../../auth/claims";

vi.mock("../viewer/pdf", async () => (await import("../../test/fakePdf")).module);

const LEADER: Person = { username: "lanhdao.ubnd", name: "Nguyễn Văn Lãnh", agency: "000.00.00.H61", roles: ["leader"] };
const DOC = draft({ status: "submitted" });
const PNG = "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

function placement(custody: "server" | "remote", image = PNG) {
  return { box: { page: 1, x1: 350, y1: 150, x2: 530, y2: 230 }, page_area: { page: 1, x1: 0, y1: 0, x2: 595, y2: 842 },
    rotate: 0, pages: 3, image, custody };
}

function gateway(custody: "server" | "remote", image = PNG) {
  return fakeGateway({
    "POST /api/v1/signing/placement": placement(custody, image),
    "GET /api/v1/files/obj-9/content": new Response(new TextEncoder().encode("%PDF-1.7 dự thảo"),
      { headers: { "Content-Type": "application/pdf" } }),
    "POST /api/v1/workflow/cases/case-7/prepare-signature": { handle: "h-1", to_sign: "AAEC", digest: "AwQF", digest_algorithm: "sha256",
      signature_algorithm: "sha256_rsa", expires_at: "", box: placement(custody).box, image },
  });
}

const posts = (calls: Call[]) => calls.filter((c) => c.method === "POST").map((c) => [c.path, c.body]);

describe("the signing dialog of the outgoing circuit", () => {
  afterEach(() => { fakePdf.hold = false; fakePdf.finish(); });

  it("keeps Ký số disabled until the preview of the page with the signature is drawn", async () => {
    fakePdf.hold = true;
    const { api } = gateway("server");
    const onSign = vi.fn(async () => undefined);
    renderWith(<SignDialog doc={DOC} caseId="case-7" caseVersion={4} open pending={false} onCancel={() => {}} onSign={onSign} toolUrl="" />,
      { api, person: LEADER });
    expect(await screen.findByTestId("signature-where")).toHaveTextContent("trang 2/3");
    await screen.findByRole("img", { name: "Trang 2/3 của tệp Dự thảo.pdf" });
    await waitFor(() => expect(fakePdf.waiting.length).toBeGreaterThan(0));  // drawing
    expect(screen.getByRole("button", { name: "Ký số" })).toBeDisabled();
    await userEvent.click(screen.getByRole("button", { name: "Ký số" }));
    expect(onSign).not.toHaveBeenCalled();
    fakePdf.finish();
    await waitFor(() => expect(screen.getByRole("button", { name: "Ký số" })).toBeEnabled());
  });

  it("keeps Ký số in view below a tall preview: the dialog's body scrolls within the screen, the footer stays", async () => {
    const { api } = gateway("server");
    renderWith(<SignDialog doc={DOC} caseId="case-7" caseVersion={4} open pending={false} onCancel={() => {}}
      onSign={vi.fn(async () => undefined)} toolUrl="" />, { api, person: LEADER });
    const where = await screen.findByTestId("signature-where");
    const body = where.closest(".ant-modal-body") as HTMLElement;
    expect(body.style.overflowY).toBe("auto");
    expect(body.style.maxHeight).toContain("100dvh");
    // the action is in the footer, outside the scrolling body
    expect(body.contains(screen.getByRole("button", { name: "Ký số" }))).toBe(false);
  });

  it("shows the signature image on its page before signing with the key the server holds", async () => {
    const { api, calls } = gateway("server");
    const onSign = vi.fn(async () => undefined);
    renderWith(<SignDialog doc={DOC} caseId="case-7" caseVersion={4} open pending={false} onCancel={() => {}} onSign={onSign} toolUrl="" />,
      { api, person: LEADER });
    expect(await screen.findByTestId("signature-where")).toHaveTextContent("trang 2/3");
    expect(await screen.findByAltText("Hình chữ ký của bạn sẽ đặt ở đây")).toHaveAttribute("src",
      `data:image/png;base64,${PNG}`);
    expect(screen.getByRole("img", { name: "Trang 2/3 của tệp Dự thảo.pdf" })).toBeInTheDocument();
    expect(screen.getByText(/do hệ thống lưu giữ/)).toBeInTheDocument();
    await userEvent.click(screen.getByRole("button", { name: "Ký số" }));
    await waitFor(() => expect(onSign).toHaveBeenCalledWith());
    expect(posts(calls)).toEqual([["/api/v1/signing/placement", { object_id: "obj-9", placeholder: "" }]]);
  });

  it("signs with the USB token in two steps: the circuit prepares (its delegation decides KT./TUQ.), the tool, then the circuit", async () => {
    const { api, calls } = gateway("remote");
    const asked: unknown[] = [];
    const tool: SigningTool = {
      status: async () => ({ name: "VanThu dev tool", version: "1", ready: true }),
      sign: async (request) => { asked.push(request); return "c2lnbmF0dXJl"; },
    };
    const onSign = vi.fn(async () => undefined);
    renderWith(<SignDialog doc={DOC} caseId="case-7" caseVersion={4} open pending={false} onCancel={() => {}} onSign={onSign} tool={tool}
      toolUrl="http://127.0.0.1:18777" />, { api, person: LEADER });
    expect(await screen.findByText(/USB token của bạn/)).toBeInTheDocument();
    await screen.findByAltText("Hình chữ ký của bạn sẽ đặt ở đây");
    await userEvent.click(screen.getByRole("button", { name: "Ký số" }));
    await waitFor(() => expect(onSign).toHaveBeenCalledWith({ handle: "h-1", signature_value: "c2lnbmF0dXJl" }));
    expect(posts(calls)[1]).toEqual(["/api/v1/workflow/cases/case-7/prepare-signature", { version: 4 }]);
    expect(asked).toMatchObject([{ to_sign: "AAEC", digest: "AwQF", digest_algorithm: "sha256" }]);
  });

  it("asks for a signature image first when the signer has none", async () => {
    const { api } = gateway("server", "");
    const onSign = vi.fn();
    renderWith(<SignDialog doc={DOC} caseId="case-7" caseVersion={4} open pending={false} onCancel={() => {}} onSign={onSign} toolUrl="" />,
      { api, person: LEADER });
    expect(await screen.findByText(/chưa có hình chữ ký/)).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Ký số" })).toBeDisabled();
  });

  it("tells a signer without a signing profile what to do next, in the signing service's words, and keeps Ký số off", async () => {
    const refusal = "Đồng chí chưa có hồ sơ ký số cá nhân trên hệ thống nên chưa ký số được, cả bằng khóa do hệ thống " +
      "giữ lẫn bằng USB token. Hãy liên hệ đơn vị vận hành để được gắn khóa ký số hoặc đăng ký chứng thư số trên USB " +
      "token của đồng chí.";
    const { api } = fakeGateway({
      "POST /api/v1/signing/placement": new Response(JSON.stringify({ title: "Không thực hiện được", status: 422,
        detail: refusal }), { status: 422, headers: { "Content-Type": "application/problem+json" } }),
    });
    renderWith(<SignDialog doc={DOC} caseId="case-7" caseVersion={4} open pending={false} onCancel={() => {}} onSign={vi.fn()}
      toolUrl="" />, { api, person: { ...LEADER, username: "lanhdao.snv", agency: "000.00.02.H61" } });
    expect(await screen.findByText(refusal)).toBeInTheDocument();
    expect(screen.queryByText(/vanthu-signing|lanhdao\.snv|000\.00\.02\.H61/)).not.toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Ký số" })).toBeDisabled();
  });
});
