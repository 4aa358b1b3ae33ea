import { fold, foldFilter } from "./fold";

describe("the pickers' folding", () => {
  it("finds Vietnamese names typed without tones, đ as d, any case", () => {
    expect(fold("Nguyễn Văn Sơn")).toBe("nguyen van son");
    expect(foldFilter("son", { label: "Nguyễn Văn Sơn — Chuyên viên" })).toBe(true);
    expect(foldFilter("to chuc", { label: "Phòng Tổ chức cán bộ" })).toBe(true);
    expect(foldFilter("Tổ chức", { label: "Phòng Tổ chức cán bộ" })).toBe(true);
    expect(foldFilter("DUONG", { label: "Võ Minh Đường" })).toBe(true);
    expect(foldFilter("van phong", { label: "Phòng Tổ chức cán bộ" })).toBe(false);
  });
});
