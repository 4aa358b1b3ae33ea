import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useLocation } from "react-router-dom";
import { arrival, draft } from "../../test/fixtures";
import { CLERK, fakeGateway, findClickable, renderWith, typeDate } from "../../test/render";
import { IncomingList } from "../incoming/IncomingList";
import { OutgoingList } from "../outgoing/OutgoingList";
import { savedKey } from "./listFilters";

const UBND = { code: "000.00.00.H61", name: "Ủy ban nhân dân tỉnh Vĩnh Long", parent_code: null, level: 1 };
const TYPES = [{ code: "cong_van", name: "Công văn", abbreviation: "", agency_code: "" },
  { code: "ke_hoach", name: "Kế hoạch", abbreviation: "KH", agency_code: "" }];
const REGISTERS = [{ id: "reg-den", agency_code: CLERK.agency, direction: "incoming", name: "Sổ văn bản đến 2026",
  agency_abbreviation: "", type_codes: [], legal_normative: false, separate_arrival_series: false, active: true }];

/** Where the app is (its path and query string), as a reload would find it. */
function Location() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

function gateway(extra: Record<string, unknown> = {}) {
  return fakeGateway({
    "GET /api/v1/documents": { items: [arrival()], next_page_token: null },
    "GET /api/v1/document-types": TYPES,
    "GET /api/v1/registers": REGISTERS,
    "GET /api/v1/agencies": (url: URL) => ({ items: url.searchParams.get("q") ? [UBND] : [], next_page_token: null }),
    ...extra,
  });
}

function listCalls(calls: { path: string }[]): URLSearchParams[] {
  return calls.filter((c) => c.path.startsWith("/api/v1/documents?"))
    .map((c) => new URLSearchParams(c.path.split("?")[1]));
}

async function pick(label: string, option: string) {
  fireEvent.mouseDown(await screen.findByLabelText(label, { selector: "input" }));
  fireEvent.click(await screen.findByTitle(option));
}

/** The button showing ``text`` (a text query: role queries compute every element's style, slow on these pages). */
function button(text: string): HTMLElement {
  const found = screen.getByText(text, { selector: "button span" }).closest("button");
  if (!found) throw new Error(`no button "${text}"`);
  return found;
}

beforeEach(() => window.localStorage.clear());

describe("Bộ lọc danh sách văn bản", () => {
  it("sends the clerk's date range as arrival dates with the list, and keeps it in the URL", async () => {
    const { api, calls } = gateway();
    renderWith(<><IncomingList /><Location /></>, { api, path: "/van-ban-den" });
    await screen.findByText("15/UBND-VP");  // the list is shown (a text query: a role query walks the whole table)
    typeDate(screen.getByLabelText("Từ ngày"), "01/11/2026");
    typeDate(screen.getByLabelText("Đến ngày"), "30/11/2026");
    await userEvent.setup({ delay: null }).click(button("Lọc"));
    await waitFor(() => expect(listCalls(calls).some((q) => q.get("date_from") === "2026-11-01")).toBe(true));
    expect(Object.fromEntries(listCalls(calls).find((q) => q.get("date_from") === "2026-11-01")!)).toMatchObject({
      direction: "incoming", status: "arrived", date_from: "2026-11-01", date_to: "2026-11-30", date_field: "arrival" });
    expect(screen.getByTestId("location").textContent).toBe("/van-ban-den?date_from=2026-11-01&date_to=2026-11-30");
  });

  it("sends the type, the register and the words of the abstract with the list, and keeps them in the URL", async () => {
    const { api, calls } = gateway();
    renderWith(<><IncomingList /><Location /></>, { api, path: "/van-ban-den" });
    await screen.findByText("15/UBND-VP");  // the list is shown (a text query: a role query walks the whole table)
    await pick("Loại văn bản", "Công văn");
    await pick("Sổ", "Sổ văn bản đến 2026");
    fireEvent.change(screen.getByLabelText("Trích yếu có chứa"), { target: { value: "hội nghị" } });
    await userEvent.setup({ delay: null }).click(button("Lọc"));
    await waitFor(() => expect(listCalls(calls).some((q) => q.get("q") === "hội nghị")).toBe(true));
    const sent = listCalls(calls).find((q) => q.get("q") === "hội nghị")!;
    expect(Object.fromEntries(sent)).toEqual({ direction: "incoming", status: "arrived", page_size: "50",
      type_code: "cong_van", register_id: "reg-den", q: "hội nghị" });
    const url = new URLSearchParams(screen.getByTestId("location").textContent!.split("?")[1]);
    expect(Object.fromEntries(url)).toEqual({ type_code: "cong_van", register_id: "reg-den", q: "hội nghị" });
  });

  it("finds the issuing agency by searching the directory on the server, never loading it whole", async () => {
    const { api, calls } = gateway();
    renderWith(<><IncomingList /><Location /></>, { api, path: "/van-ban-den" });
    await screen.findByText("15/UBND-VP");  // the list is shown (a text query: a role query walks the whole table)
    fireEvent.change(screen.getByRole("combobox", { name: "Cơ quan ban hành" }), { target: { value: "vinh long" } });
    fireEvent.click(await screen.findByTitle("Ủy ban nhân dân tỉnh Vĩnh Long"));
    const searches = calls.filter((c) => c.path.startsWith("/api/v1/agencies"));
    expect(searches.length).toBeGreaterThan(0);
    expect(searches.every((c) => new URLSearchParams(c.path.split("?")[1]).get("q") === "vinh long")).toBe(true);
    await userEvent.setup({ delay: null }).click(button("Lọc"));
    await waitFor(() => expect(listCalls(calls).some((q) => q.get("issuing_agency_code") === UBND.code)).toBe(true));
    expect(listCalls(calls).every((q) => !q.has("issuing_agency_name"))).toBe(true);
    expect(screen.getByTestId("location").textContent).toContain(
      `issuing_agency_name=${encodeURIComponent(UBND.name).replace(/%20/g, "+")}`);
  });

  it("finds a sender typed by hand (not in the directory) by words of its stored name", async () => {
    const { api, calls } = gateway();
    renderWith(<><IncomingList /><Location /></>, { api, path: "/van-ban-den" });
    await screen.findByText("15/UBND-VP");  // the list is shown (a text query: a role query walks the whole table)
    fireEvent.change(screen.getByRole("combobox", { name: "Cơ quan ban hành" }), { target: { value: "phu quy" } });
    fireEvent.click(await screen.findByTitle('Tên cơ quan gửi có chứa "phu quy"'));
    await userEvent.setup({ delay: null }).click(button("Lọc"));
    await waitFor(() => expect(listCalls(calls).some((q) => q.get("issuer_q") === "phu quy")).toBe(true));
    const sent = listCalls(calls).find((q) => q.get("issuer_q") === "phu quy")!;
    expect(sent.has("issuing_agency_code")).toBe(false);
    expect(screen.getByTestId("location").textContent).toBe("/van-ban-den?issuer_q=phu+quy");
  });

  it("keeps the filters on another tab; Xóa lọc takes them out of the URL and the request", async () => {
    const { api, calls } = gateway();
    renderWith(<><IncomingList /><Location /></>, { api, path: "/van-ban-den?type_code=cong_van&q=h%E1%BB%99i%20ngh%E1%BB%8B" });
    await screen.findByText("15/UBND-VP");  // the list is shown (a text query: a role query walks the whole table)
    await userEvent.setup({ delay: null }).click(screen.getByRole("tab", { name: "Đã vào sổ" }));
    await waitFor(() => expect(listCalls(calls).some((q) => q.get("status") === "registered"
      && q.get("type_code") === "cong_van" && q.get("q") === "hội nghị")).toBe(true));

    // Xóa lọc: the list as it was
    const before = listCalls(calls).length;
    await userEvent.setup({ delay: null }).click(button("Xóa lọc"));
    await waitFor(() => expect(screen.getByTestId("location").textContent).toBe("/van-ban-den?tab=registered"));
    await waitFor(() => expect(listCalls(calls).length).toBeGreaterThan(before));
    expect(listCalls(calls).at(-1)!.has("type_code")).toBe(false);
  });

  it("restores the filters from the URL after a reload: the request and the form", async () => {
    const { api, calls } = gateway();
    const query = new URLSearchParams({ tab: "registered", date_from: "2026-11-01", type_code: "ke_hoach",
      issuing_agency_code: UBND.code, issuing_agency_name: UBND.name, q: "cải cách hành chính" });
    renderWith(<IncomingList />, { api, path: `/van-ban-den?${query}` });
    await waitFor(() => expect(listCalls(calls).some((q) => q.get("status") === "registered")).toBe(true));
    expect(Object.fromEntries(listCalls(calls).find((q) => q.get("status") === "registered")!)).toMatchObject({
      date_from: "2026-11-01", date_field: "arrival", type_code: "ke_hoach", issuing_agency_code: UBND.code,
      q: "cải cách hành chính" });
    await waitFor(() => expect(screen.getByLabelText("Từ ngày")).toHaveValue("01/11/2026"));
    expect(screen.getByLabelText("Trích yếu có chứa")).toHaveValue("cải cách hành chính");
    expect(await screen.findByTitle("Kế hoạch")).toBeInTheDocument();
    expect(screen.getByTitle(UBND.name)).toBeInTheDocument();
  });

  it("saves the filters on screen under a Vietnamese name (NFC) for this person and list, and applies them", async () => {
    const { api, calls } = gateway();
    // the filters on screen (here from a link) are what is saved
    renderWith(<><IncomingList /><Location /></>, { api,
      path: `/van-ban-den?${new URLSearchParams({ type_code: "ke_hoach", q: "chuyển đổi số" })}` });
    await screen.findByText("15/UBND-VP");  // the list is shown (a text query: a role query walks the whole table)
    const user = userEvent.setup({ delay: null });
    await waitFor(() => expect(screen.getByLabelText("Trích yếu có chứa")).toHaveValue("chuyển đổi số"));
    await user.click(button("Lưu bộ lọc"));
    const dialog = await screen.findByRole("dialog");
    await user.click(within(dialog).getByRole("button", { name: "Lưu bộ lọc" }));
    expect(await within(dialog).findByText("Hãy nhập tên bộ lọc.")).toBeInTheDocument();
    const decomposed = "Kế hoạch tháng mười hai".normalize("NFD");
    fireEvent.change(within(dialog).getByRole("textbox", { name: "Tên bộ lọc" }), { target: { value: ` ${decomposed} ` } });
    await user.click(within(dialog).getByRole("button", { name: "Lưu bộ lọc" }));

    const stored = JSON.parse(window.localStorage.getItem(savedKey("vanthu.snv", "incoming")) ?? "[]");
    expect(stored).toEqual([{ name: "Kế hoạch tháng mười hai", filters: { type_code: "ke_hoach", q: "chuyển đổi số" } }]);
    expect(stored[0].name).toBe("Kế hoạch tháng mười hai".normalize("NFC"));
    expect(window.localStorage.getItem(savedKey("vanthu.snv", "outgoing"))).toBeNull();
    await waitFor(() => expect(listCalls(calls).some((q) => q.get("type_code") === "ke_hoach")).toBe(true));
  });

  it("applies a saved filter chosen by name and deletes it", async () => {
    window.localStorage.setItem(savedKey("vanthu.snv", "incoming"), JSON.stringify([
      { name: "Kế hoạch tháng mười hai", filters: { type_code: "ke_hoach", q: "chuyển đổi số" } }]));
    const { api, calls } = gateway();
    renderWith(<><IncomingList /><Location /></>, { api, path: "/van-ban-den" });
    await screen.findByText("15/UBND-VP");  // the list is shown (a text query: a role query walks the whole table)
    const user = userEvent.setup({ delay: null });
    const before = listCalls(calls).length;
    await pick("Bộ lọc đã lưu", "Kế hoạch tháng mười hai");
    await waitFor(() => expect(screen.getByTestId("location").textContent).toContain("type_code=ke_hoach"));
    await waitFor(() => expect(listCalls(calls).slice(before).some((q) => q.get("type_code") === "ke_hoach"
      && q.get("q") === "chuyển đổi số")).toBe(true));

    await user.click(button("Xóa bộ lọc đã lưu"));
    expect(JSON.parse(window.localStorage.getItem(savedKey("vanthu.snv", "incoming")) ?? "null")).toEqual([]);
    fireEvent.mouseDown(screen.getByRole("combobox", { name: "Bộ lọc đã lưu" }));
    expect(screen.queryByTitle("Kế hoạch tháng mười hai")).not.toBeInTheDocument();
  });

  it("keeps each person's saved filters apart", async () => {
    window.localStorage.setItem(savedKey("lanhdao.snv", "incoming"),
      JSON.stringify([{ name: "Của lãnh đạo", filters: { q: "x" } }]));
    window.localStorage.setItem(savedKey("vanthu.snv", "incoming"),
      JSON.stringify([{ name: "Văn bản của Ủy ban", filters: { issuing_agency_code: UBND.code } }]));
    const { api } = gateway();
    renderWith(<IncomingList />, { api, path: "/van-ban-den" });
    fireEvent.mouseDown(await screen.findByRole("combobox", { name: "Bộ lọc đã lưu" }));
    expect(await screen.findByTitle("Văn bản của Ủy ban")).toBeInTheDocument();
    expect(screen.queryByTitle("Của lãnh đạo")).not.toBeInTheDocument();
  });

  it("keeps the work tabs' saved filters apart from the documents list's and applies them without a register",
    async () => {
      window.localStorage.setItem(savedKey("vanthu.snv", "incoming"),
        JSON.stringify([{ name: "Danh sách văn bản", filters: { q: "x" } }]));
      window.localStorage.setItem(savedKey("vanthu.snv", "incoming-work"),
        JSON.stringify([{ name: "Việc chuyển đổi số", filters: { q: "chuyển đổi số", register_id: "reg-den" } }]));
      const { api, calls } = gateway({ "GET /api/v1/workflow/inbox": { tasks: [], next_page_token: "",
        counts: { todo: 0, due_soon: 0, overdue: 0, done: 0 } } });
      renderWith(<><IncomingList /><Location /></>, { api, path: "/van-ban-den",
        person: { ...CLERK, roles: ["officer"] } });
      fireEvent.mouseDown(await screen.findByLabelText("Bộ lọc đã lưu", { selector: "input" }));
      expect(await screen.findByTitle("Việc chuyển đổi số")).toBeInTheDocument();
      expect(screen.queryByTitle("Danh sách văn bản")).not.toBeInTheDocument();
      fireEvent.click(screen.getByTitle("Việc chuyển đổi số"));
      await waitFor(() => expect(calls.some((c) => c.path.startsWith("/api/v1/workflow/inbox?")
        && new URLSearchParams(c.path.split("?")[1]).get("q") === "chuyển đổi số")).toBe(true));
      expect(screen.getByTestId("location").textContent).not.toContain("register_id");
    });

  it("exports the list as filtered, with the tab's status, and saves the file the gateway names", async () => {
    const { api, calls } = gateway({
      "GET /api/v1/documents/export": new Response(new Blob(["PK"]), { status: 200, headers: {
        "Content-Type": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Content-Disposition": "attachment; filename=\"Van ban den_2026-11-01.xlsx\"; "
          + "filename*=UTF-8''V%C4%83n%20b%E1%BA%A3n%20%C4%91%E1%BA%BFn_2026-11-01.xlsx" } }),
    });
    URL.createObjectURL = () => "blob:van-ban-den";
    URL.revokeObjectURL = () => {};
    const saved: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      saved.push(this.download);
    });
    renderWith(<IncomingList />, { api, path: `/van-ban-den?tab=registered&date_from=2026-11-01&type_code=cong_van` });
    await userEvent.setup({ delay: null }).click(await findClickable("button", { name: "Xuất Excel" }));
    await waitFor(() => expect(saved).toEqual(["Văn bản đến_2026-11-01.xlsx"]));
    const exported = calls.find((c) => c.path.startsWith("/api/v1/documents/export?"))!;
    expect(Object.fromEntries(new URLSearchParams(exported.path.split("?")[1]))).toEqual({
      direction: "incoming", status: "registered", format: "xlsx", date_from: "2026-11-01", type_code: "cong_van",
      date_field: "arrival" });
    click.mockRestore();
  });

  it("says why an export was refused", async () => {
    const { api } = gateway({
      "GET /api/v1/documents/export": new Response(JSON.stringify({ status: 422, title: "Không thực hiện được",
        detail: "Danh sách lọc được có hơn 10.000 văn bản, quá số dòng một lần xuất Excel: hãy thu hẹp bộ lọc." }),
      { status: 422, headers: { "Content-Type": "application/problem+json" } }),
    });
    renderWith(<IncomingList />, { api, path: "/van-ban-den" });
    await userEvent.setup({ delay: null }).click(await findClickable("button", { name: "Xuất Excel" }));
    expect(await screen.findByText(/hơn 10\.000 văn bản/)).toBeInTheDocument();
  });

  it("pages the outgoing list with its filters and offers no issuing agency there", async () => {
    const { api, calls } = gateway({
      "GET /api/v1/documents": (url: URL) => url.searchParams.get("page_token")
        ? { items: [draft({ id: "d-2", abstract: "V/v kế hoạch tháng sau" })], next_page_token: null }
        : { items: [draft()], next_page_token: "trang-2" },
      "GET /api/v1/registers": [],
    });
    renderWith(<OutgoingList />, { api, path: "/van-ban-di?tab=draft&q=quy%20tr%C3%ACnh", person: { ...CLERK,
      username: "chuyenvien.snv", roles: ["officer"] } });
    await screen.findByRole("link", { name: "V/v triển khai quy trình văn bản đi qua hệ thống" });
    expect(screen.queryByRole("combobox", { name: "Cơ quan ban hành" })).not.toBeInTheDocument();
    await userEvent.setup({ delay: null }).click(await findClickable("button", { name: "Xem thêm văn bản" }));
    expect(await screen.findByRole("link", { name: "V/v kế hoạch tháng sau" })).toBeInTheDocument();
    const second = listCalls(calls).find((q) => q.get("page_token") === "trang-2")!;
    expect(Object.fromEntries(second)).toMatchObject({ direction: "outgoing", status: "draft", q: "quy trình" });
    expect(second.has("date_field")).toBe(false);
  });
});
