import { addWorkingDays, vietnamToday } from "./deadline";

describe("a deadline in working days", () => {
  it("skips Saturdays and Sundays", () => {
    expect(addWorkingDays("2026-11-27", 1)).toBe("2026-11-30"); // Friday + 1 → Monday
    expect(addWorkingDays("2026-11-30", 5)).toBe("2026-12-07");
    expect(addWorkingDays("2026-11-28", 1)).toBe("2026-11-30"); // from a Saturday
  });
  it("gives nothing for a count that is not a positive integer", () => {
    expect(addWorkingDays("2026-11-30", 0)).toBe("");
    expect(addWorkingDays("2026-11-30", 1.5)).toBe("");
    expect(addWorkingDays("30/11/2026", 1)).toBe("");
  });
  it("takes today in Vietnam time, not the browser's", () => {
    expect(vietnamToday(new Date("2026-11-29T17:30:00Z"))).toBe("2026-11-30");
  });
});
