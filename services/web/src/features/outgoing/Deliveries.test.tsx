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
});
