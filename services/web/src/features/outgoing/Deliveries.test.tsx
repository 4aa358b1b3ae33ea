import { act, screen, within } from "@testing-library/react";
import { afterEach, beforeEach, vi } from "vitest";
import type { components } from "../../api/schema";
import { fakeGateway, renderWith } from "../../test/render";
import { ANSWER_REFRESH_MS, Deliveries, deliveriesRefresh, SENDING_REFRESH_MS } from "./Deliveries";

const ID = "0193a000-0000-7000-8000-000000000001";
const PATH = `/api/v1/documents/${ID}/deliveries`;

type Delivery = components["schemas"]["DeliveryOut"];
type Status = components["schemas"]["DeliveryStatusOut"];

function delivery(extra: Partial<Delivery> = {}): Delivery {
  return { id: "d-1", document_id: ID, recipient_code: "000.00.02.H61", recipient_name: "Sở Nội vụ", route: "local",
    state: "pending", attempts: 0, created_at: "2026-11-30T01:00:00+00:00", sent_at: "", last_error: "",
    last_status: "", edxml_document_id: "", revocation: "", revocation_reason: "", statuses: [], ...extra };
}

const ARRIVED: Status = { code: "01", name: "Đã đến", at: "2026-11-30T08:06:00+07:00", description: "",
  received_at: "2026-11-30T01:06:00+00:00", staff: "" };

describe("Tình hình gửi, nhận after phát hành", () => {
  beforeEach(() => vi.useFakeTimers({ shouldAdvanceTime: true }));
  afterEach(() => vi.useRealTimers());

  it("is read again every few seconds until the recipient's arrival is listed, then no more", async () => {
    // right after phát hành interchange has listed nothing yet, then the sending, then the recipient's 01 đã đến
    const answers = [[], [delivery()], [delivery({ state: "sent", sent_at: "2026-11-30T01:05:00+00:00",
      statuses: [ARRIVED] })]];
    let read = 0;
    const { api, calls } = fakeGateway({ [`GET ${PATH}`]: () => answers[Math.min(read++, answers.length - 1)] });
    renderWith(<Deliveries documentId={ID} issued />, { api });
    expect(await screen.findByText("Chưa có thông tin gửi.")).toBeInTheDocument();
    await act(async () => { await vi.advanceTimersByTimeAsync(SENDING_REFRESH_MS); });
    const list = await screen.findByTestId("deliveries");
    expect(await within(list).findByText("Đang chờ gửi")).toBeInTheDocument();
    await act(async () => { await vi.advanceTimersByTimeAsync(SENDING_REFRESH_MS); });
    expect(await within(list).findByText("Đã đến")).toBeInTheDocument();
    expect(list).toHaveTextContent("Đã gửi");
    const reads = calls.filter((c) => c.path === PATH).length;
    expect(reads).toBe(3);
    await act(async () => { await vi.advanceTimersByTimeAsync(10 * ANSWER_REFRESH_MS); });
    expect(calls.filter((c) => c.path === PATH).length).toBe(reads);  // all final: no more reads
  });
});

describe("each recipient's timeline", () => {
  it("says who acted at each step and why, as the recipient's status package gave them", async () => {
    const registered: Status = { code: "03", name: "Đã vào sổ", at: "2026-11-30T09:15:00+07:00", description: "",
      received_at: "2026-11-30T02:15:00+00:00", staff: "Nguyễn Thị Thương" };
    const returned: Status = { code: "02", name: "Từ chối tiếp nhận", at: "2026-11-30T09:20:00+07:00",
      description: "Thiếu phụ lục đính kèm", received_at: "2026-11-30T02:20:00+00:00", staff: "Văn phòng Bộ, Trần Thị Lan" };
    const { api } = fakeGateway({ [`GET ${PATH}`]: () => [delivery({ state: "sent", sent_at: "2026-11-30T01:05:00+00:00",
      statuses: [ARRIVED, registered, returned] })] });
    renderWith(<Deliveries documentId={ID} />, { api });
    const items = await within(await screen.findByTestId("deliveries")).findAllByRole("listitem");
    const steps = items.slice(1).map((item) => item.textContent);  // the recipient's line, then its timeline's steps
    expect(steps).toEqual(["Đã đến — 30/11/2026 08:06",
      "Đã vào sổ — 30/11/2026 09:15Người thực hiện: Nguyễn Thị Thương",
      "Từ chối tiếp nhận — 30/11/2026 09:20Người thực hiện: Văn phòng Bộ, Trần Thị LanThiếu phụ lục đính kèm"]);
  });
});

describe("a take-back (thu hồi) on each recipient's line", () => {
  it("names in Vietnamese a sending the take-back cancelled before it went (no raw state such as \"cancelled\")",
    async () => {
      const { api } = fakeGateway({ [`GET ${PATH}`]: () => [delivery({ state: "cancelled", route: "none",
        revocation: "cancelled", revocation_reason: "Sai số liệu tại Phụ lục 1" })] });
      renderWith(<Deliveries documentId={ID} />, { api });
      const list = await screen.findByTestId("deliveries");
      expect(await within(list).findByText("Không gửi nữa vì đã thu hồi")).toBeInTheDocument();
      expect(list).toHaveTextContent("Đã hủy gửi");
      expect(list).toHaveTextContent("Lý do thu hồi: Sai số liệu tại Phụ lục 1");
      expect(list).not.toHaveTextContent("cancelled");
    });
});

describe("a failed sending on the sender's clerk's page", () => {
  const FAILED = delivery({ id: "d-failed", state: "failed", route: "axis", attempts: 12,
    last_error: "Không gửi được văn bản, hệ thống đã ngừng thử lại; hãy gửi lại hoặc báo quản trị hệ thống." });

  it("is sent again with Gửi lại, and the list read again shows it waiting to go", async () => {
    let resent = false;
    const { api, calls } = fakeGateway({
      [`GET ${PATH}`]: () => [resent ? { ...FAILED, state: "pending", last_error: "" } : FAILED],
      "POST /api/v1/deliveries/d-failed/resend": () => { resent = true; return { ...FAILED, state: "pending" }; },
    });
    renderWith(<Deliveries documentId={ID} issued canRevoke />, { api });
    const list = await screen.findByTestId("deliveries");
    expect(await within(list).findByText("Gửi không thành công")).toBeInTheDocument();
    (await within(list).findByRole("button", { name: "Gửi lại" })).click();
    expect(await within(list).findByText("Đang chờ gửi")).toBeInTheDocument();
    expect(calls.filter((c) => c.method === "POST").map((c) => c.path)).toEqual(["/api/v1/deliveries/d-failed/resend"]);
    expect(await screen.findByText(/Đã gửi lại/)).toBeInTheDocument();
    expect(within(list).queryByRole("button", { name: "Gửi lại" })).toBeNull();  // pending: nothing to resend
  });

  it("offers no Gửi lại to a reader who may not send it (not the clerk)", async () => {
    const { api } = fakeGateway({ [`GET ${PATH}`]: () => [FAILED] });
    renderWith(<Deliveries documentId={ID} issued />, { api });
    const list = await screen.findByTestId("deliveries");
    expect(await within(list).findByText("Gửi không thành công")).toBeInTheDocument();
    expect(within(list).queryByRole("button", { name: "Gửi lại" })).toBeNull();
  });
});

describe("when the deliveries are read again", () => {
  it("quickly while none is listed or one is being sent, slowly while an answer is awaited, never once final", () => {
    expect(deliveriesRefresh(true, [])).toBe(SENDING_REFRESH_MS);
    expect(deliveriesRefresh(true, [delivery({ state: "sent", statuses: [ARRIVED] }), delivery()]))
      .toBe(SENDING_REFRESH_MS);
    expect(deliveriesRefresh(true, [delivery({ state: "sent" })])).toBe(ANSWER_REFRESH_MS);
    expect(deliveriesRefresh(true, [delivery({ state: "sent", statuses: [ARRIVED] }), delivery({ state: "failed" }),
      delivery({ state: "cancelled" })])).toBe(false);
    expect(deliveriesRefresh(false, [delivery({ state: "sent", statuses: [ARRIVED], revocation: "pending" })]))
      .toBe(ANSWER_REFRESH_MS);
    expect(deliveriesRefresh(false, [])).toBe(false);  // revoked, nothing pending
    expect(deliveriesRefresh(true, undefined)).toBe(false);
  });

  it("quickly for a minute after one went without a word back yet (its 01 comes within a second), then slowly", () => {
    const sent = delivery({ state: "sent", sent_at: "2026-11-30T01:05:00+00:00" });
    const at = (iso: string) => Date.parse(iso);
    expect(deliveriesRefresh(true, [sent], at("2026-11-30T01:05:02+00:00"))).toBe(SENDING_REFRESH_MS);
    expect(deliveriesRefresh(true, [sent], at("2026-11-30T01:06:30+00:00"))).toBe(ANSWER_REFRESH_MS);
    expect(deliveriesRefresh(true, [{ ...sent, statuses: [ARRIVED] }], at("2026-11-30T01:05:02+00:00"))).toBe(false);
  });
});
