import { localTool, ToolError } from "./tool";

function fakeFetch(status: number, body: unknown) {
  const seen: { url: string; init?: RequestInit }[] = [];
  const impl = async (url: RequestInfo | URL, init?: RequestInit) => {
    seen.push({ url: String(url), init });
    return new Response(typeof body === "string" ? body : JSON.stringify(body), { status });
  };
  return { seen, impl: impl as typeof fetch };
}

const REQUEST = { to_sign: "MTIz", digest: "YWJj", digest_algorithm: "sha256", signature_algorithm: "sha256_rsa",
  description: "VanThu — tờ trình.pdf" };

describe("the local signing tool's protocol", () => {
  it("posts what to sign to /v1/sign without credentials and returns the base64 signature value", async () => {
    const f = fakeFetch(200, { signature_value: "c2lnbmF0dXJl" });
    expect(await localTool("http://127.0.0.1:18777/", f.impl).sign(REQUEST)).toBe("c2lnbmF0dXJl");
    expect(f.seen[0]?.url).toBe("http://127.0.0.1:18777/v1/sign");
    expect(f.seen[0]?.init?.credentials).toBe("omit");
    expect(JSON.parse(String(f.seen[0]?.init?.body))).toEqual(REQUEST);
  });

  it("names each refusal in Vietnamese and refuses an answer that is not base64", async () => {
    const refused = localTool("http://t", fakeFetch(409, { code: "wrong_pin", error: "CKR_PIN_INCORRECT" }).impl);
    await expect(refused.sign(REQUEST)).rejects.toThrow("Mã PIN của USB token không đúng.");
    const odd = localTool("http://t", fakeFetch(500, { code: "weird", error: "boom" }).impl);
    await expect(odd.sign(REQUEST)).rejects.toThrow("Công cụ ký số báo lỗi khi ký. boom");
    const bad = localTool("http://t", fakeFetch(200, { signature_value: "<script>" }).impl);
    await expect(bad.sign(REQUEST)).rejects.toMatchObject({ code: "bad_answer" });
    const down = localTool("http://t", (async () => { throw new TypeError("Failed to fetch"); }) as typeof fetch);
    const error = await down.status().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).message).toMatch(/Không kết nối được công cụ ký số/);
  });

  it("reads the tool's status", async () => {
    const f = fakeFetch(200, { name: "VanThu dev tool", version: "1", ready: true });
    expect(await localTool("http://t", f.impl).status()).toEqual({ name: "VanThu dev tool", version: "1", ready: true });
    expect(f.seen[0]?.url).toBe("http://t/v1/status");
  });
});
