import { bookNumber } from "./numbers";

describe("bookNumber", () => {
  it("prints a register's number as the book exports do (01 … 09, 10, 125); unnumbered is empty", () => {
    // the same cases as services/registry tests (test_registry_exports: format_number)
    expect([1, 9, 10, 125].map(bookNumber)).toEqual(["01", "09", "10", "125"]);
    expect([0, null, undefined].map(bookNumber)).toEqual(["", "", ""]);
  });
});
