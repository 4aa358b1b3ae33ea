import { actorName } from "./actors";

describe("who made a history entry", () => {
  const nameOf = (u: string) => ({ "vanthu.ubnd": "Đặng Thị Mỹ Xuyên" } as Record<string, string>)[u] ?? u;
  it("names people, the platform's services and the demo seeding in words", () => {
    expect(actorName("vanthu.ubnd", nameOf)).toBe("Đặng Thị Mỹ Xuyên");
    expect(actorName("service-account-vanthu-interchange", nameOf)).toBe("Hệ thống (liên thông văn bản)");
    expect(actorName("vanthu-signing", nameOf)).toBe("Hệ thống (kiểm tra chữ ký số)");
    expect(actorName("vanthu-storage", nameOf)).toBe("Hệ thống");
    expect(actorName("seed", nameOf)).toBe("Dữ liệu khởi tạo");
    expect(actorName("nguoi.danghi", nameOf)).toBe("nguoi.danghi"); // someone who left: their username
  });
});
