import { createApi, unwrap, ApiError } from "./client";

function gateway(status: number, body: unknown, seen: Request[]) {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = input instanceof Request ? input : new Request(input, init);
    seen.push(request);
    return new Response(JSON.stringify(body), { status, headers: { "Content-Type": "application/problem+json" } });
  }) as typeof fetch;
}

describe("the gateway client", () => {
  it("sends the person's token and ends the session when the gateway answers 401", async () => {
    const seen: Request[] = [];
    let ended = 0;
    const api = createApi(() => "the-token", () => { ended += 1; },
      gateway(401, { title: "Unauthorized", status: 401, detail: "the token has expired" }, seen));
    const reply = await api.GET("/api/v1/me");
    expect(seen[0]?.headers.get("Authorization")).toBe("Bearer the-token");
    expect(ended).toBe(1);
    expect(() => unwrap(reply)).toThrow(new ApiError(401, { detail: "the token has expired" }));
  });

  it("shows the problem's detail for a refusal, and keeps the session", async () => {
    let ended = 0;
    const api = createApi(() => "t", () => { ended += 1; },
      gateway(422, { title: "Unprocessable", status: 422, detail: "văn bản đã được vào sổ" }, []));
    const reply = await api.GET("/api/v1/me");
    expect(() => unwrap(reply)).toThrow("văn bản đã được vào sổ");
    expect(ended).toBe(0);
  });

  it("says in Vietnamese what to do next when the answer carries no problem of its own", async () => {
    const proxy = (async () => new Response("<html>Bad Gateway</html>", { status: 502 })) as typeof fetch;
    const reply = await createApi(() => "t", () => {}, proxy).GET("/api/v1/me");
    expect(() => unwrap(reply)).toThrow("Một dịch vụ của hệ thống đang lỗi: hãy thử lại sau ít phút.");
    expect(new ApiError(409, {}).message).toBe("Dữ liệu vừa được người khác thay đổi: hãy tải lại trang rồi làm lại.");
    expect(new ApiError(418, {}).message).toContain("mã 418");
  });
});
