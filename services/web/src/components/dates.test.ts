import { formatDate, formatDateTime } from "./dates";

describe("dates in Vietnam time, dd/mm/yyyy", () => {
  it("writes a calendar date as dd/mm/yyyy without moving it", () => {
    expect(formatDate("2026-01-05")).toBe("05/01/2026");
  });
  it("shows an instant on the Vietnam calendar day (UTC+7), not the browser's", () => {
    expect(formatDate("2026-12-31T17:30:00+00:00")).toBe("01/01/2027");
    expect(formatDateTime("2026-12-31T17:30:00+00:00")).toBe("01/01/2027 00:30");
    expect(formatDateTime("2026-11-30T08:05:00+07:00")).toBe("30/11/2026 08:05");
  });
  it("leaves empty values empty", () => {
    expect(formatDate("")).toBe("");
    expect(formatDateTime(undefined)).toBe("");
  });
});
