import { screen, waitFor } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { vi } from "vitest";
import type { components } from "../../api/schema";
import type { Person } from "../../auth/claims";
import { menuFor } from "../../components/AppLayout";
import { CLERK, fakeGateway, renderWith } from "../../test/render";
import { imageProblem, ProfilePage } from "./ProfilePage";

type Profile = components["schemas"]["ProfileOut"];
const LEADER: Person = { username: "lanhdao.snv", name: "Trần Văn Lãnh", agency: "000.00.02.H61", roles: ["leader"] };
const OFFICER: Person = { ...LEADER, username: "chuyenvien.snv", name: "Lê Văn Chuyên", roles: ["officer"] };
const PROFILE: Profile = { kind: "personal", agency_code: "000.00.02.H61", username: "lanhdao.snv", custody: "server",
  certificate_subject: "CN=Trần Văn Lãnh", certificate_not_after: "2028-06-30T16:59:59+00:00", has_image: false,
  updated_at: "2026-11-02T02:00:00+00:00" };

describe("the person's own page", () => {
  it("turns e-mail notifications on", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/notifications/settings": { email: false },
      "PUT /api/v1/notifications/settings": { email: true } });
    renderWith(<ProfilePage />, { api, person: OFFICER });
    const toggle = await screen.findByRole("switch", { name: "Nhận thông báo qua thư điện tử" });
    await waitFor(() => expect(toggle).toBeEnabled());
    expect(toggle).not.toBeChecked();
    await userEvent.click(toggle);
    await waitFor(() => expect(calls.find((c) => c.method === "PUT")).toEqual({ method: "PUT",
      path: "/api/v1/notifications/settings", body: { email: true } }));
    expect(await screen.findByText("Đã bật thông báo qua thư điện tử.")).toBeInTheDocument();
    expect(calls.map((c) => c.path)).not.toContain("/api/v1/signing/profile");  // an officer signs nothing
  });

  it("names the person's agency from the directory, its code beside it", async () => {
    const { api } = fakeGateway({ "GET /api/v1/notifications/settings": { email: false },
      "GET /api/v1/agencies/000.00.02.H61": { code: "000.00.02.H61", name: "Sở Nội vụ tỉnh Điện Biên",
        short_name: "SNV", parent_code: "", level: 2, served_here: true, local: true } });
    renderWith(<ProfilePage />, { api, person: OFFICER });
    expect(await screen.findByText("Sở Nội vụ tỉnh Điện Biên (000.00.02.H61)")).toBeInTheDocument();
  });

  it("shows the leader's signing profile read only and sends a new PNG signature image", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/notifications/settings": { email: false },
      "GET /api/v1/signing/profile": PROFILE,
      "PUT /api/v1/signing/profile/image": { ...PROFILE, has_image: true } });
    // jsdom's FormData does not pass through Node's Request (the fake gateway's): record the parts instead
    const parts: unknown[][] = [];
    vi.stubGlobal("FormData", class {
      append(...part: unknown[]) {
        parts.push(part);
      }
    });
    URL.createObjectURL = () => "blob:chu-ky";
    URL.revokeObjectURL = () => {};
    renderWith(<ProfilePage />, { api, person: LEADER });
    expect(await screen.findByTitle("CN=Trần Văn Lãnh")).toHaveTextContent(/^Trần Văn Lãnh$/);
    expect(screen.getByText("30/06/2028")).toBeInTheDocument();
    expect(screen.getByText("Chưa có hình ảnh")).toBeInTheDocument();
    const user = userEvent.setup({ delay: null, applyAccept: false });
    const input = document.querySelector<HTMLInputElement>("input[type=file]") as HTMLInputElement;
    await user.upload(input, new File(["jpg"], "chu-ky.jpg", { type: "image/jpeg" }));
    expect(await screen.findByText("Hình ảnh phải là tệp PNG.")).toBeInTheDocument();
    expect(calls.some((c) => c.method === "PUT")).toBe(false);
    // the upload's input is a new element after each choice
    await user.upload(document.querySelector("input[type=file]") as HTMLInputElement,
      new File(["png"], "chu-ky.png", { type: "image/png" }));
    expect(await screen.findByText("Đã có hình ảnh")).toBeInTheDocument();
    expect(calls.find((c) => c.method === "PUT")?.path).toBe("/api/v1/signing/profile/image");
    expect(parts).toEqual([["image", expect.objectContaining({ name: "chu-ky.png" }), "chu-ky.png"]]);
    vi.unstubAllGlobals();
    expect(screen.getByRole("img", { name: "Xem trước hình ảnh vừa tải lên" })).toHaveAttribute("src", "blob:chu-ky");
  });

  it("tells a clerk without a profile so, and offers no upload", async () => {
    const { api } = fakeGateway({ "GET /api/v1/notifications/settings": { email: true },
      "GET /api/v1/signing/profile": new Response(JSON.stringify({ status: 422,
        detail: "no agency signing profile (seal) for agency 000.00.02.H61" }),
      { status: 422, headers: { "Content-Type": "application/problem+json" } }) });
    renderWith(<ProfilePage />, { api, person: CLERK });
    expect(await screen.findByText("Chưa có hồ sơ ký số. Hãy liên hệ đơn vị vận hành để được cấp.")).toBeInTheDocument();
    expect(document.querySelector("input[type=file]")).toBeNull();
    expect(screen.queryByText(/no agency signing profile/)).not.toBeInTheDocument();
  });

  it("refuses an image over 1 MB", () => {
    expect(imageProblem({ name: "a.png", type: "image/png", size: 1024 * 1024 + 1 })).toBe("Tệp lớn hơn 1 MB.");
    expect(imageProblem({ name: "a.png", type: "image/png", size: 1024 })).toBe("");
  });
});

describe("the menu", () => {
  it("offers the registers to clerks, leaders, archivists and admins, the administration to admins only", () => {
    const keys = (roles: Person["roles"]) => menuFor(roles).map((e) => e.key);
    expect(keys(["admin"])).toEqual(["/", "/thong-ke-lien-thong", "/tra-cuu", "/so-van-ban", "/quan-tri"]);
    // the exchange statistics: whom the server lets read them (clerk, leader, admin)
    expect(keys(["clerk"])).toContain("/thong-ke-lien-thong");
    expect(keys(["officer"])).not.toContain("/thong-ke-lien-thong");
    expect(keys(["clerk"])).toContain("/so-van-ban");
    expect(keys(["clerk"])).not.toContain("/quan-tri");
    expect(keys(["officer"])).not.toContain("/so-van-ban");
    expect(keys(["archivist"])).toContain("/ho-so"); // hồ sơ: the archivist receives deposits
    expect(keys(["officer"])).toContain("/ho-so");
  });
});
