import { fireEvent, screen, within } from "@testing-library/react";
import { fakeGateway, renderWith } from "../../test/render";
import { SearchPage } from "./SearchPage";

const HIT = {
  document_id: "0192f0a1-7c3e-7b1a-9c1d-2f3e4a5b6c7d", direction: "outgoing", status: "issued", type_code: "QD",
  number_symbol: "123/QĐ-UBND", abstract: "Quyết định phê duyệt Đề án du lịch", issuing_agency_code: "000.00.00.H61",
  issuing_agency_name: "UBND tỉnh Vĩnh Long", document_date: "2026-03-12", score: 12.5,
  highlights: [
    { field: "abstract", text: "Quyết định phê duyệt Đề án du lịch", spans: [{ start: 21, end: 23 }, { start: 24, end: 26 }] },
    { field: "content", text: "đề án phát triển du lịch cộng đồng", spans: [{ start: 0, end: 2 }, { start: 3, end: 5 }] },
  ],
};

function page(cursor: string | null, hits = [HIT]) {
  return {
    hits, total: 2, next_cursor: cursor,
    facets: { type_code: [{ value: "QD", count: 2 }], year: [{ value: "2026", count: 2 }],
      direction: [{ value: "outgoing", count: 2 }], status: [{ value: "issued", count: 2 }], issuing_agency_code: [] },
  };
}

describe("Tra cứu văn bản", () => {
  it("searches what was typed and shows hits with the matched words marked, counts and facets", async () => {
    const { api, calls } = fakeGateway({ "GET /api/v1/search": page(null) });
    renderWith(<SearchPage />, { api, path: "/tra-cuu" });
    expect(screen.getByText(/Nhập từ khóa/)).toBeInTheDocument();
    fireEvent.change(screen.getByRole("searchbox", { name: "Tra cứu văn bản" }), { target: { value: "de an" } });
    fireEvent.click(screen.getByRole("button", { name: /Tìm/ }));
    expect(await screen.findByText("Tìm thấy 2 văn bản")).toBeInTheDocument();
    const link = screen.getByRole("link", { name: /123\/QĐ-UBND/ });
    expect(link).toHaveAttribute("href", `/van-ban/${HIT.document_id}`);
    expect(within(link).getAllByText(/^(Đề|án)$/).map((m) => m.tagName)).toEqual(["MARK", "MARK"]);
    expect(screen.getByText("Nội dung: …", { exact: false })).toBeInTheDocument();
    expect(screen.getByText("Văn bản đi (2)")).toBeInTheDocument();
    expect(screen.getByText("Đã phát hành (2)")).toBeInTheDocument();
    expect(calls[0]?.path).toContain("q=de%20an");
  });

  it("narrows by a facet and pages with the cursor the gateway gave", async () => {
    const { api, calls } = fakeGateway({
      "GET /api/v1/search": (url: URL) => (url.searchParams.get("cursor") === "next-1"
        ? page(null, [{ ...HIT, document_id: "second", number_symbol: "5/QĐ-UBND" }])
        : page("next-1")),
    });
    renderWith(<SearchPage />, { api, path: "/tra-cuu?q=quyết+định" });
    fireEvent.click(await screen.findByText("2026 (2)"));
    expect(await screen.findByRole("button", { name: "Bỏ lọc" })).toBeInTheDocument();
    expect(calls.some((c) => c.path.includes("year=2026"))).toBe(true);
    fireEvent.click(await screen.findByRole("button", { name: "Xem thêm" }));
    expect(await screen.findByRole("link", { name: /5\/QĐ-UBND/ })).toBeInTheDocument();
    expect(calls.at(-1)?.path).toContain("cursor=next-1");
  });

  it("names the types and issuing agencies of the facets instead of their codes", async () => {
    const facets = { ...page(null).facets, issuing_agency_code: [{ value: "000.00.00.H61", count: 1 },
      { value: "000.00.41.H61", count: 1 }] };
    const { api, calls } = fakeGateway({ "GET /api/v1/search": { ...page(null), facets },
      "GET /api/v1/document-types": [{ code: "QD", name: "Quyết định", abbreviation: "QĐ" }],
      "GET /api/v1/agencies/000.00.41.H61": { code: "000.00.41.H61", name: "UBND phường Long Châu" } });
    renderWith(<SearchPage />, { api, path: "/tra-cuu?q=de+an" });
    expect(await screen.findByText("Quyết định (2)")).toBeInTheDocument();
    const agencies = screen.getByRole("group", { name: "Cơ quan ban hành" });
    expect(within(agencies).getByText("UBND tỉnh Vĩnh Long (1)")).toBeInTheDocument(); // named by the hit
    expect(await within(agencies).findByText("UBND phường Long Châu (1)")).toBeInTheDocument(); // looked up
    expect(screen.queryByText(/^QD \(/)).not.toBeInTheDocument();
    expect(calls.filter((c) => c.path.startsWith("/api/v1/agencies/")).map((c) => c.path))
      .toEqual(["/api/v1/agencies/000.00.41.H61"]);
  });

  it("says so when nothing is found", async () => {
    const { api } = fakeGateway({ "GET /api/v1/search": { ...page(null, []), total: 0 } });
    renderWith(<SearchPage />, { api, path: "/tra-cuu?q=tàu+vũ+trụ" });
    expect(await screen.findByText("Không tìm thấy văn bản nào phù hợp.")).toBeInTheDocument();
  });
});
