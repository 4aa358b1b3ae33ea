import { fireEvent, screen, waitFor } from "@testing-library/react";
import { vi } from "vitest";
import { createApi } from "../../api/client";
import { fakeGateway, renderWith } from "../../test/render";
import { PICKER_DELAY_MS, RecipientPicker } from "./RecipientPicker";

function agency(code: string, name: string, level = 2, parent: string | null = "000.00.00.H61") {
  return { code, name, short_name: "", parent_code: parent, level, valid_from: null, valid_to: null,
    code_conforms: true, address: "", email: "", phone: "", source: "", place: "" };
}

describe("the recipient picker", () => {
  it("searches the directory on the server with what was typed and offers the matches", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/agencies": (url: URL) => ({
        items: url.searchParams.get("q")
          ? [agency("000.00.41.H61", "Ủy ban nhân dân phường Long Châu", 3, "000.00.00.H61")]
          : [agency("000.00.00.H61", "Ủy ban nhân dân tỉnh Vĩnh Long", 1, null)],
        next_page_token: null,
      }),
    });
    const onChange = vi.fn();
    renderWith(<RecipientPicker onChange={onChange} value={[]} />, { api });
    const input = screen.getByRole("combobox");
    fireEvent.mouseDown(input);
    fireEvent.change(input, { target: { value: "long chau" } });
    const option = await screen.findByTitle("Ủy ban nhân dân phường Long Châu");
    const searches = calls.filter((c) => c.path.startsWith("/api/v1/agencies?") && c.path.includes("q="));
    expect(searches).toHaveLength(1);
    expect(new URL(searches[0]?.path ?? "", "http://x").searchParams.get("q")).toBe("long chau");
    fireEvent.click(option);
    await waitFor(() => expect(onChange).toHaveBeenCalledWith([
      { agency_code: "000.00.41.H61", name: "Ủy ban nhân dân phường Long Châu" }]));
    // the picked agency clears the search: the next name typed is searched alone, not appended to "long chau"
    await waitFor(() => expect(input).toHaveValue(""));
  });

  it("searches by an agency's code too and says so in Vietnamese when nothing is found", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/agencies": (url: URL) => ({
      items: url.searchParams.get("q") === "01.H62" ? [agency("000.00.01.H62", "Văn phòng UBND tỉnh Điện Biên")] : [],
      next_page_token: null }) });
    renderWith(<RecipientPicker value={[]} />, { api });
    const input = screen.getByRole("combobox");
    fireEvent.mouseDown(input);
    fireEvent.change(input, { target: { value: "01.H62" } });
    expect(await screen.findByTitle("Văn phòng UBND tỉnh Điện Biên")).toBeInTheDocument();
    fireEvent.change(input, { target: { value: "999.99.99.Z99" } });
    expect(await screen.findByText("Không tìm thấy cơ quan")).toBeInTheDocument();
    expect(screen.queryByText("Trống")).not.toBeInTheDocument();
    expect(calls.some((c) => c.path.includes("q=999.99.99.Z99"))).toBe(true);
  });

  it("does not search for a single letter", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/agencies": { items: [], next_page_token: null } });
    renderWith(<RecipientPicker value={[]} />, { api });
    const input = screen.getByRole("combobox");
    fireEvent.mouseDown(input);
    fireEvent.change(input, { target: { value: "l" } });
    await waitFor(() => expect(calls.some((c) => c.path.includes("level=1"))).toBe(true)); // the tree's top level
    await new Promise((r) => setTimeout(r, 400)); // past the typing pause
    expect(calls.filter((c) => c.path.includes("q="))).toHaveLength(0);
  });

  it("loads a branch's children when it is opened", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/agencies": (url: URL) => ({
        items: url.searchParams.get("parent_code")
          ? [agency("000.00.02.H61", "Sở Nội vụ")]
          : [agency("000.00.00.H61", "Ủy ban nhân dân tỉnh Vĩnh Long", 1, null)],
        next_page_token: null,
      }),
    });
    renderWith(<RecipientPicker value={[]} />, { api });
    fireEvent.mouseDown(screen.getByRole("combobox"));
    await screen.findByTitle("Ủy ban nhân dân tỉnh Vĩnh Long");
    expect(calls.some((c) => c.path.includes("parent_code="))).toBe(false);
    fireEvent.click(document.querySelector(".ant-select-tree-switcher") as HTMLElement);
    expect(await screen.findByTitle("Sở Nội vụ")).toBeInTheDocument();
    expect(calls.some((c) => c.path.includes("parent_code=000.00.00.H61"))).toBe(true);
  });

  it("picks the first match with Enter, as the sender picker does, once the search answered", async () => {
    const { api } = fakeGateway({ "GET /api/v1/agencies": (url: URL) => ({
      items: url.searchParams.get("q") ? [agency("000.00.02.H61", "Sở Nội vụ tỉnh Vĩnh Long"),
        agency("000.00.03.H61", "Sở Nội vụ tỉnh Trà Vinh")] : [], next_page_token: null }) });
    const onChange = vi.fn();
    renderWith(<RecipientPicker onChange={onChange} value={[{ agency_code: "000.00.09.H61", name: "Sở Tài chính" }]} />,
      { api });
    const input = screen.getByRole("combobox");
    fireEvent.mouseDown(input);
    fireEvent.change(input, { target: { value: "noi vu" } });
    await screen.findByTitle("Sở Nội vụ tỉnh Vĩnh Long");
    fireEvent.keyDown(input, { key: "Enter", code: "Enter", keyCode: 13, which: 13 });
    await waitFor(() => expect(onChange).toHaveBeenCalledWith([{ agency_code: "000.00.09.H61", name: "Sở Tài chính" },
      { agency_code: "000.00.02.H61", name: "Sở Nội vụ tỉnh Vĩnh Long" }]));
    expect(onChange).toHaveBeenCalledTimes(1);
    await waitFor(() => expect(input).toHaveValue(""));
  });

  it("searches after a short pause and cancels the search the next keystrokes made stale", async () => {
    // a gateway that answers the top level at once and holds every search until the test lets it go (or it is
    // aborted), so the first search is still under way when the person types on
    const searches: { q: string; signal: AbortSignal; answer: () => void }[] = [];
    const fetchImpl = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
      const request = input instanceof Request ? input : new Request(input, init);
      const q = new URL(request.url).searchParams.get("q");
      const json = (items: unknown[]) => new Response(JSON.stringify({ items, next_page_token: null }),
        { status: 200, headers: { "Content-Type": "application/json" } });
      if (!q) return json([agency("000.00.00.H61", "Ủy ban nhân dân tỉnh Vĩnh Long", 1, null)]);
      return new Promise<Response>((resolve, reject) => {
        request.signal.addEventListener("abort", () => reject(new DOMException("aborted", "AbortError")));
        searches.push({ q, signal: request.signal,
          answer: () => resolve(json([agency("000.00.02.H61", `Sở Nội vụ (${q})`)])) });
      });
    };
    const api = createApi(() => "token", () => {}, fetchImpl as typeof fetch);
    expect(PICKER_DELAY_MS).toBeLessThanOrEqual(120);
    renderWith(<RecipientPicker value={[]} />, { api });
    const input = screen.getByRole("combobox");
    fireEvent.mouseDown(input);
    await screen.findByTitle("Ủy ban nhân dân tỉnh Vĩnh Long");
    fireEvent.change(input, { target: { value: "so n" } });
    await waitFor(() => expect(searches.map((s) => s.q)).toEqual(["so n"]));  // sent after the short pause
    fireEvent.change(input, { target: { value: "so noi" } });
    fireEvent.change(input, { target: { value: "so noi vu" } });  // typed within the pause: no search of "so noi"
    await waitFor(() => expect(searches.map((s) => s.q)).toEqual(["so n", "so noi vu"]));
    expect(searches[0]?.signal.aborted).toBe(true);  // the stale search is cancelled, not left to queue
    expect(searches[1]?.signal.aborted).toBe(false);
    searches[1]?.answer();
    expect(await screen.findByTitle("Sở Nội vụ (so noi vu)")).toBeInTheDocument();
    expect(screen.queryByTitle("Sở Nội vụ (so n)")).not.toBeInTheDocument();
  });
});
