import { screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { fakeGateway, renderWith } from "../../test/render";
import { LEADER } from "../jobs/fixtures";
import { SigningPage } from "./SigningPage";
import type { SigningTool } from "./tool";
import { ToolError } from "./tool";

const PROFILE = { kind: "personal", agency_code: "000.00.00.H61", username: "lanhdao.ubnd", custody: "remote",
  certificate_subject: "CN=Nguyễn Văn Lãnh,2.5.4.12=Chủ tịch,OU=VanThu DEVELOPMENT ONLY,O=Ủy ban nhân dân tỉnh Vĩnh Long,C=VN",
  certificate_not_after: "2028-01-31", has_image: true, updated_at: "" };
const PREPARED = { handle: "h-1", to_sign: "dG8tc2lnbg==", digest: "ZGlnZXN0", digest_algorithm: "sha256",
  signature_algorithm: "sha256_rsa", expires_at: "2026-11-30T01:10:00+00:00" };
const SIGNED = { object_id: "obj-signed", sha256: "ab", signing_id: "s-1", field_name: "ChuKyCaNhan",
  box: { page: 1, x1: 350, y1: 120, x2: 520, y2: 200 }, signed_at: "2026-11-30T01:05:00+00:00" };

function gateway(profile = PROFILE) {
  return fakeGateway({
    "GET /api/v1/signing/profile": profile,
    "POST /api/v1/signing/prepare": PREPARED,
    "POST /api/v1/signing/complete": SIGNED,
    "GET /api/v1/files/obj-signed/content": "%PDF",
  });
}

const PATH = "/ky-so?tep=obj-9&ten=T%E1%BB%9D%20tr%C3%ACnh.pdf";

describe("ký số bằng USB token (two-step signing)", () => {
  it("prepares, hands what to sign to the tool, completes with its value, and shows where the signature landed",
    async () => {
      const { api, calls } = gateway();
      const sign = vi.fn(async () => "c2lnbmF0dXJl");
      const tool: SigningTool = { sign, status: async () => ({ name: "dev", version: "1", ready: true }) };
      renderWith(<SigningPage tool={tool} toolUrl="http://127.0.0.1:18777" uploader={vi.fn()} />,
        { api, person: LEADER, path: PATH });
      // the certificate as people read it, not its RFC 4514 subject
      expect(await screen.findByText("Nguyễn Văn Lãnh — Chủ tịch (VanThu DEVELOPMENT ONLY, Ủy ban nhân dân tỉnh Vĩnh Long)"))
        .toBeInTheDocument();
      expect(screen.queryByText(/CN=|2\.5\.4\.12/)).not.toBeInTheDocument();
      expect(screen.getByTestId("sign-file")).toHaveTextContent("Tờ trình.pdf");
      expect(screen.getByText(/dấu \[\[CHU_KY\]\]/)).toBeInTheDocument();
      await userEvent.setup({ delay: null }).click(screen.getByRole("button", { name: "Ký số" }));
      expect(await screen.findByTestId("sign-done")).toHaveTextContent("Đã ký số văn bản.");
      const posts = calls.filter((c) => c.method === "POST");
      expect(posts).toEqual([
        { method: "POST", path: "/api/v1/signing/prepare", body: { object_id: "obj-9", placeholder: "", document_id: "" } },
        { method: "POST", path: "/api/v1/signing/complete", body: { handle: "h-1", signature_value: "c2lnbmF0dXJl" } },
      ]);
      expect(sign).toHaveBeenCalledWith({ to_sign: PREPARED.to_sign, digest: PREPARED.digest, digest_algorithm: "sha256",
        signature_algorithm: "sha256_rsa", description: "VanThu — Tờ trình.pdf" });
      expect(screen.getByText("Hình chữ ký đã đặt tại trang 2 (khung màu đỏ).")).toBeInTheDocument();
      const box = within(screen.getByTestId("signature-placement")).getByTestId("signature-box");
      // PDF points, origin bottom-left → the sketch's top-left: y = 842 − 200
      expect([box.getAttribute("x"), box.getAttribute("y"), box.getAttribute("width"), box.getAttribute("height")])
        .toEqual(["350", "642", "170", "80"]);
    });

  it("says what the tool refused and completes nothing", async () => {
    const { api, calls } = gateway();
    const tool: SigningTool = { sign: async () => { throw new ToolError("cancelled", "Bạn đã hủy ký trên công cụ ký số."); },
      status: async () => ({ name: "dev", version: "1", ready: false }) };
    renderWith(<SigningPage tool={tool} toolUrl="http://127.0.0.1:18777" uploader={vi.fn()} />,
      { api, person: LEADER, path: PATH });
    const user = userEvent.setup({ delay: null });
    await user.click(await screen.findByRole("button", { name: "Kiểm tra công cụ ký số" }));
    expect(await screen.findByTestId("tool-state")).toHaveTextContent("chưa thấy USB token");
    await user.click(screen.getByRole("button", { name: "Ký số" }));
    expect(await screen.findByTestId("sign-error")).toHaveTextContent("Bạn đã hủy ký trên công cụ ký số.");
    await waitFor(() => expect(calls.filter((c) => c.path === "/api/v1/signing/complete")).toHaveLength(0));
    expect(screen.getByRole("button", { name: "Ký số" })).toBeEnabled();
  });

  it("sends a person whose key the server holds to the document's own signing", async () => {
    const { api } = gateway({ ...PROFILE, custody: "server" });
    renderWith(<SigningPage tool={{ sign: vi.fn(), status: vi.fn() }} toolUrl="http://t" uploader={vi.fn()} />,
      { api, person: LEADER, path: PATH });
    expect(await screen.findByText(/Khóa ký số của bạn do hệ thống giữ/)).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Ký số" })).not.toBeInTheDocument();
  });
});
