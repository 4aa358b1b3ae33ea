import { fireEvent, screen, waitFor, within } from "@testing-library/react";
import userEvent from "@testing-library/user-event";
import { useLocation } from "react-router-dom";
import { arrival, outTask } from "../../test/fixtures";
import { CLERK, fakeGateway, renderWith, typeDate } from "../../test/render";
import { IncomingList } from "./IncomingList";

/** Where the app is (its path and query string), as a reload would find it. */
function Location() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname + location.search}</output>;
}

/** The button showing ``text`` (a text query: role queries walk the whole table, slow on these pages). */
function button(text: string): HTMLElement {
  const found = screen.getByText(text, { selector: "button span" }).closest("button");
  if (!found) throw new Error(`no button "${text}"`);
  return found;
}

function inboxCalls(calls: { path: string }[]): URLSearchParams[] {
  return calls.filter((c) => c.path.startsWith("/api/v1/workflow/inbox?"))
    .map((c) => new URLSearchParams(c.path.split("?")[1]));
}

describe("Văn bản đến", () => {
  it("lists the arrivals waiting with their signature report, count and Vietnamese dates", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/documents": {
        items: [arrival(), arrival({ id: "b", number_symbol: "7/SNV", signature_check: "invalid",
          signature_note: "chữ ký không khớp nội dung", urgency: "express" })],
        next_page_token: null,
      },
    });
    renderWith(<IncomingList />, { api, path: "/van-ban-den" });
    const table = await screen.findByRole("link", { name: "15/UBND-VP" });
    expect(table).toHaveAttribute("href", "/van-ban/0192f0a1-7c3e-7b1a-9c1d-2f3e4a5b6c7d");
    expect(screen.getByText("Hợp lệ")).toBeInTheDocument();
    expect(screen.getByText("Không hợp lệ")).toBeInTheDocument();
    expect(screen.getByText("Hỏa tốc")).toBeInTheDocument();
    expect(screen.getAllByText("30/11/2026").length).toBeGreaterThan(0); // arrived 17:30 UTC = 00:30 next day
    // dates stay on one line in narrow columns (a phone): their cells carry base.css's nowrap class
    for (const cell of screen.getAllByText("30/11/2026")) expect(cell.closest("td")).toHaveClass("date-cell");
    const tab = screen.getByRole("tab", { name: /Chờ vào sổ/ });
    expect(within(tab).getByText("2")).toBeInTheDocument();
    const list = calls.find((c) => c.path.startsWith("/api/v1/documents?") && !c.path.includes("revocation="))?.path;
    expect(list).toContain("direction=incoming");
    expect(list).toContain("status=arrived");
  });

  it("says so when nothing waits; offers the clerk to enter a paper arrival", async () => {
    const { api } = fakeGateway({ "GET /api/v1/documents": { items: [], next_page_token: null } });
    renderWith(<IncomingList />, { api, path: "/van-ban-den" });
    expect(await screen.findByText("Không có văn bản nào chờ vào sổ.")).toBeInTheDocument();
    expect(screen.getByRole("button", { name: "Nhập văn bản giấy" })).toBeInTheDocument();
  });

  it("offers a leader no paper arrival", async () => {
    const { api } = fakeGateway({ "GET /api/v1/workflow/inbox": { tasks: [], counts: {}, next_page_token: "" } });
    renderWith(<IncomingList />, { api, path: "/van-ban-den", person: { ...CLERK, roles: ["leader"] } });
    expect(await screen.findByText("Không có văn bản đến nào chờ đồng chí xử lý.")).toBeInTheDocument();
    expect(screen.queryByRole("button", { name: "Nhập văn bản giấy" })).not.toBeInTheDocument();
  });

  it("shows a head their own work on arrivals — chờ xử lý, để biết, đã xử lý — not the clerk's tabs", async () => {
    // issue 14 review: a head's Văn bản đến showed Chờ vào sổ / Đã vào sổ / Đã trả lại
    const lead = outTask("lead", { id: "t-1", case_kind: "incoming", abstract: "V/v rà soát thủ tục hành chính năm 2026",
      document_id: "doc-1", deadline: "2026-12-08", deadline_state: "due_soon" });
    const informed = outTask("for_information", { id: "t-2", case_kind: "incoming", document_id: "doc-2",
      abstract: "V/v lịch tiếp công dân tháng 12", state: "done" });
    const { api, calls } = fakeGateway({
      "GET /api/v1/workflow/inbox": (url: URL) => ({
        tasks: url.searchParams.getAll("kind").includes("for_information") ? [informed] : [lead],
        counts: { todo: 1, due_soon: 1, overdue: 0, done: 0 }, next_page_token: "" }),
      "GET /api/v1/documents": { items: [], next_page_token: null },
    });
    renderWith(<IncomingList />, { api, path: "/van-ban-den", person: { ...CLERK, roles: ["head"] } });
    const link = await screen.findByRole("link", { name: "V/v rà soát thủ tục hành chính năm 2026" });
    expect(link).toHaveAttribute("href", "/van-ban/doc-1");
    expect(screen.getByText("Chủ trì")).toBeInTheDocument();
    expect(screen.getByText("08/12/2026")).toBeInTheDocument();
    expect(screen.queryByRole("tab", { name: /Chờ vào sổ/ })).not.toBeInTheDocument();
    expect(within(screen.getByRole("tab", { name: /Chờ xử lý/ })).getByText("1")).toBeInTheDocument();
    const first = calls.find((c) => c.path.startsWith("/api/v1/workflow/inbox"))?.path ?? "";
    expect(first).toContain("case_kind=incoming");
    expect(first).toContain("bucket=todo");
    expect(first).not.toContain("kind=for_information");
    await userEvent.setup({ delay: null }).click(screen.getByRole("tab", { name: /Để biết/ }));
    expect(await screen.findByRole("link", { name: "V/v lịch tiếp công dân tháng 12" })).toBeInTheDocument();
  });

  it("shows no 0 beside Chờ xử lý when nothing is left to do, nor beside Chờ vào sổ when nothing waits", async () => {
    // trial 17: a leader's Chờ xử lý showed a "0" badge, read as something to do
    const leader = fakeGateway({ "GET /api/v1/workflow/inbox": { tasks: [],
      counts: { todo: 0, due_soon: 0, overdue: 0, done: 4 }, next_page_token: "" } });
    const { unmount } = renderWith(<IncomingList />, { api: leader.api, path: "/van-ban-den",
      person: { ...CLERK, roles: ["leader"] } });
    expect(await screen.findByText("Không có văn bản đến nào chờ đồng chí xử lý.")).toBeInTheDocument();
    await waitFor(() => expect(leader.calls.some((c) => c.path.includes("bucket=todo"))).toBe(true));
    const todo = screen.getByRole("tab", { name: /Chờ xử lý/ });
    expect(todo).toHaveTextContent(/^Chờ xử lý$/);
    expect(todo.querySelector(".ant-badge")).toBeNull();
    unmount();

    const clerk = fakeGateway({ "GET /api/v1/documents": { items: [], next_page_token: null } });
    renderWith(<IncomingList />, { api: clerk.api, path: "/van-ban-den" });
    expect(await screen.findByText("Không có văn bản nào chờ vào sổ.")).toBeInTheDocument();
    const waiting = screen.getByRole("tab", { name: /Chờ vào sổ/ });
    expect(waiting).toHaveTextContent(/^Chờ vào sổ$/);
    expect(waiting.querySelector(".ant-badge")).toBeNull();
  });

  describe("a person's work tabs, filtered on the server", () => {
    const TYPES = [{ code: "ke_hoach", name: "Kế hoạch", abbreviation: "KH", agency_code: "" }];
    const digital = outTask("lead", { id: "t-1", case_kind: "incoming", document_id: "doc-1",
      abstract: "Kế hoạch chuyển đổi số năm 2027" });
    const meeting = outTask("cooperating", { id: "t-2", case_kind: "incoming", document_id: "doc-2",
      abstract: "V/v tổ chức hội nghị tổng kết" });
    const older = outTask("lead", { id: "t-3", case_kind: "incoming", document_id: "doc-3",
      abstract: "Báo cáo chuyển đổi số quý III" });

    /** The inbox as the workflow answers: the words narrow the tasks and the count; a page token gives page two. */
    function gateway() {
      return fakeGateway({
        "GET /api/v1/workflow/inbox": (url: URL) => {
          const q = url.searchParams.get("q") ?? "";
          const all = q ? [digital, older] : [digital, meeting, older];
          const second = url.searchParams.get("page_token") === "p2";
          return { tasks: second ? all.slice(2) : all.slice(0, 2), next_page_token: !second && all.length > 2 ? "p2" : "",
            counts: { todo: all.length, due_soon: 0, overdue: 0, done: 0 } };
        },
        "GET /api/v1/documents": { items: [], next_page_token: null },
        "GET /api/v1/document-types": TYPES,
        "GET /api/v1/registers": [],
      });
    }

    it("sends the officer's typed trích yếu to the inbox, narrows the list and its count, and keeps it in the URL",
      async () => {
        const { api, calls } = gateway();
        renderWith(<><IncomingList /><Location /></>, { api, path: "/van-ban-den",
          person: { ...CLERK, roles: ["officer"] } });
        await screen.findByText("V/v tổ chức hội nghị tổng kết");
        // a list of tasks: the days it was given, no register, no export of documents
        expect(screen.getByLabelText("Giao từ ngày")).toBeInTheDocument();
        expect(screen.queryByLabelText("Sổ")).not.toBeInTheDocument();
        expect(screen.queryByText("Xuất Excel")).not.toBeInTheDocument();
        expect(within(screen.getByText("Chờ xử lý").closest("[role=tab]") as HTMLElement).getByText("3"))
          .toBeInTheDocument();

        fireEvent.change(screen.getByLabelText("Trích yếu có chứa"), { target: { value: "chuyển đổi số" } });
        typeDate(screen.getByLabelText("Giao từ ngày"), "01/11/2026");
        await userEvent.setup({ delay: null }).click(button("Lọc"));
        await waitFor(() => expect(screen.queryByText("V/v tổ chức hội nghị tổng kết")).not.toBeInTheDocument());
        expect(screen.getByText("Kế hoạch chuyển đổi số năm 2027")).toBeInTheDocument();
        const sent = inboxCalls(calls).find((q) => q.get("q") === "chuyển đổi số");
        expect(sent && Object.fromEntries(sent)).toMatchObject({ case_kind: "incoming", bucket: "todo",
          date_from: "2026-11-01", page_size: "50" });
        expect(within(screen.getByText("Chờ xử lý").closest("[role=tab]") as HTMLElement).getByText("2"))
          .toBeInTheDocument();
        const location = new URLSearchParams(screen.getByTestId("location").textContent?.split("?")[1]);
        expect([location.get("q"), location.get("date_from")]).toEqual(["chuyển đổi số", "2026-11-01"]);
      });

    it("reads the filters from the URL (a link, a reload), pages with them and keeps them across the tabs",
      async () => {
        const { api, calls } = gateway();
        renderWith(<><IncomingList /><Location /></>, { api, person: { ...CLERK, roles: ["leader"] },
          path: "/van-ban-den?tab=done&q=chuy%E1%BB%83n+%C4%91%E1%BB%95i&type_code=ke_hoach&register_id=reg-1" });
        await screen.findByText("Kế hoạch chuyển đổi số năm 2027");
        expect(screen.getByLabelText("Trích yếu có chứa")).toHaveValue("chuyển đổi");
        const first = inboxCalls(calls).find((q) => q.get("bucket") === "done");
        expect(first && Object.fromEntries(first)).toMatchObject({ q: "chuyển đổi", type_code: "ke_hoach" });
        expect(first?.has("register_id")).toBe(false);  // a task has no register

        // the words and the type stay on the tab of registered arrivals (a list of documents: the register shows)
        // (named "Đã vào sổ" on a phone, as jsdom's screen is, "Đã vào sổ (được xem)" from 768 px)
        await userEvent.setup({ delay: null }).click(screen.getByText("Đã vào sổ"));
        // (the list of registered arrivals, not the work tab's documents asked for by id)
        const listed = (c: { path: string }) => c.path.startsWith("/api/v1/documents?") && c.path.includes("status=");
        await waitFor(() => expect(calls.some(listed)).toBe(true));
        const documents = new URLSearchParams(calls.find(listed)?.path.split("?")[1]);
        expect(Object.fromEntries(documents)).toMatchObject({ q: "chuyển đổi", type_code: "ke_hoach", status: "registered" });
        expect(await screen.findByLabelText("Sổ")).toBeInTheDocument();
        // back on a list of tasks, the register is dropped from the URL, the rest kept
        await userEvent.setup({ delay: null }).click(screen.getByText("Chờ xử lý"));
        await waitFor(() => expect(screen.getByTestId("location").textContent).toContain("tab=todo"));
        expect(screen.getByTestId("location").textContent).not.toContain("register_id");
        expect(screen.getByTestId("location").textContent).toContain("type_code=ke_hoach");
      });

    it("shows the next page with the same filters", async () => {
      const { api, calls } = gateway();
      renderWith(<IncomingList />, { api, path: "/van-ban-den?type_code=ke_hoach&date_to=2026-11-30",
        person: { ...CLERK, roles: ["head"] } });
      await screen.findByText("V/v tổ chức hội nghị tổng kết");
      await userEvent.setup({ delay: null }).click(await screen.findByText("Xem thêm văn bản"));
      expect(await screen.findByText("Báo cáo chuyển đổi số quý III")).toBeInTheDocument();
      const next = inboxCalls(calls).find((q) => q.get("page_token") === "p2");
      expect(next && Object.fromEntries(next)).toMatchObject({ type_code: "ke_hoach", date_to: "2026-11-30",
        bucket: "todo" });
    });
  });

  it("names who signed each arrival and when in its signature report", async () => {
    const signer = "Nguyễn Văn Hưởng — Chủ tịch (Ủy ban nhân dân tỉnh Vĩnh Long), ký lúc 09:31 01/12/2026";
    const { api } = fakeGateway({
      "GET /api/v1/documents": { items: [arrival({ signature_signers: [signer] })], next_page_token: null },
    });
    renderWith(<IncomingList />, { api, path: "/van-ban-den" });
    const row = (await screen.findByText("15/UBND-VP")).closest("tr") as HTMLElement;
    expect(within(within(row).getByTestId("signature-signers")).getByText(signer)).toBeInTheDocument();
  });

  describe("a person's work tabs show each arrival's số, ký hiệu, sender, date and urgency", () => {
    const task = outTask("lead", { id: "t-1", case_kind: "incoming", document_id: "doc-1",
      abstract: "V/v phòng chống lụt bão năm 2026" });
    const doc = arrival({ id: "doc-1", number_symbol: "112/UBND-KT", issuing_agency_name: "Ủy ban nhân dân huyện Mang Thít",
      document_date: "2026-11-27", urgency: "very_urgent", status: "registered" });

    function gateway() {
      return fakeGateway({
        "GET /api/v1/workflow/inbox": { tasks: [task], next_page_token: "",
          counts: { todo: 1, due_soon: 0, overdue: 0, done: 0 } },
        "GET /api/v1/documents": (url: URL) => ({ items: url.searchParams.getAll("ids").includes("doc-1") ? [doc] : [],
          next_page_token: null }),
        "GET /api/v1/document-types": [],
        "GET /api/v1/registers": [],
      });
    }

    /** The documents asked for by id (one request for the tasks on screen, never a GetDocument per row). */
    function byIds(calls: { path: string }[]): string[][] {
      return calls.filter((c) => c.path.startsWith("/api/v1/documents?"))
        .map((c) => new URLSearchParams(c.path.split("?")[1]).getAll("ids")).filter((ids) => ids.length);
    }

    const narrow = window.matchMedia;
    afterEach(() => { window.matchMedia = narrow; });

    it("as table columns on a wide screen", async () => {
      // a 1280 px screen: every min-width breakpoint up to xl matches
      window.matchMedia = ((query: string) => ({ ...narrow(query),
        matches: /min-width:\s*(\d+)px/.test(query) && Number(/min-width:\s*(\d+)px/.exec(query)?.[1]) <= 1280 })) as typeof window.matchMedia;
      const { api, calls } = gateway();
      renderWith(<IncomingList />, { api, path: "/van-ban-den", person: { ...CLERK, roles: ["leader"] } });
      const number = await screen.findByText("112/UBND-KT");
      const row = number.closest("tr") as HTMLElement;
      expect(within(row).getByText("Ủy ban nhân dân huyện Mang Thít")).toBeInTheDocument();
      expect(within(row).getByText("27/11/2026")).toBeInTheDocument();
      expect(within(row).getByText("Thượng khẩn")).toBeInTheDocument();
      const headers = [...document.querySelectorAll("thead th")].map((th) => th.textContent);
      expect(headers).toEqual(expect.arrayContaining(["Số, ký hiệu", "Cơ quan ban hành", "Ngày văn bản", "Độ khẩn"]));
      expect(byIds(calls)).toEqual([["doc-1"]]);
    });

    it("keeps the four tabs on one line on a phone, short enough to fit, and folds the filters behind Bộ lọc",
      async () => {
        const { api } = gateway();
        renderWith(<IncomingList />, { api, path: "/van-ban-den", person: { ...CLERK, roles: ["officer"] } });
        await screen.findByTestId("task-card");
        // trial 17: the bar wrapped onto two lines; one line now (ListTabs), the last tab's name short on a phone
        expect(screen.getAllByRole("tab").map((t) => t.textContent)).toEqual(["Chờ xử lý 1", "Để biết", "Đã xử lý",
          "Đã vào sổ"]);
        expect(document.querySelector(".ant-tabs")).toHaveClass("vt-list-tabs");
        const toggle = screen.getByRole("button", { name: "Bộ lọc" });
        expect(toggle).toHaveAttribute("aria-expanded", "false");
        expect(document.getElementById(toggle.getAttribute("aria-controls") ?? ""))
          .toContainElement(screen.getByRole("button", { name: "Lọc" }));
      });

    it("as compact cards on a phone, with nothing to scroll sideways", async () => {
      // jsdom answers no media query: Ant Design's breakpoints see a phone (narrower than md, 768 px)
      const { api, calls } = gateway();
      renderWith(<IncomingList />, { api, path: "/van-ban-den", person: { ...CLERK, roles: ["officer"] } });
      const card = await screen.findByTestId("task-card");
      expect(await within(card).findByText("112/UBND-KT · 27/11/2026")).toBeInTheDocument();
      expect(within(card).getByRole("link", { name: "V/v phòng chống lụt bão năm 2026" })).toBeInTheDocument();
      expect(within(card).getByText(/Ủy ban nhân dân huyện Mang Thít/)).toBeInTheDocument();
      expect(within(card).getByText("Thượng khẩn")).toBeInTheDocument();
      expect(screen.queryByLabelText("Chờ xử lý", { selector: "table" })).not.toBeInTheDocument();
      expect(document.querySelector(".ant-table-content")).toBeNull();  // no table, so no sideways scroll
      expect(byIds(calls)).toEqual([["doc-1"]]);
    });
  });
});
