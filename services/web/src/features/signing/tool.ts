/**
 * The local signing tool (công cụ ký số): the program on the signer's own computer that holds the USB token's
 * middleware and signs with the key the server never sees. Vietnamese CAs ship their USB tokens with such a program
 * (VNPT-CA's "Plugin ký số", Viettel-CA's and BkavCA's signer plug-ins, the Government CA's VGCA tools), each a
 * service listening on localhost that web pages call; VanThu speaks one small protocol to it, written out in
 * services/web/SIGNING_TOOL.md, which an adapter beside the vendor's middleware (or a future vendor release) serves:
 *
 * - ``GET  {base}/v1/status`` → ``{"name": str, "version": str, "ready": bool}`` (ready: a token is plugged in)
 * - ``POST {base}/v1/sign`` with ``{"to_sign", "digest", "digest_algorithm", "signature_algorithm", "description"}``
 *   (base64 as the gateway's /api/v1/signing/prepare gave them) → ``{"signature_value": base64}``: RSASSA-PKCS1-v1_5
 *   over SHA-256 of ``to_sign`` (a token that signs digests signs ``digest`` in a DigestInfo). The tool asks for the
 *   PIN itself; the page never sees it. Refusals: 4xx/5xx with ``{"code", "error"}``, code one of ``cancelled``,
 *   ``no_token``, ``wrong_pin``, ``locked``, ``unsupported``.
 */
export interface SignRequest {
  to_sign: string;
  digest: string;
  digest_algorithm: string;
  signature_algorithm: string;
  /** What the tool shows the signer before asking for the PIN (Vietnamese). */
  description: string;
}

export interface ToolStatus {
  name: string;
  version: string;
  ready: boolean;
}

/** A refusal or failure of the tool, with the Vietnamese text to show. */
export class ToolError extends Error {
  constructor(readonly code: string, message: string) {
    super(message);
  }
}

export const TOOL_MESSAGES: Record<string, string> = {
  unreachable: "Không kết nối được công cụ ký số trên máy tính này. Hãy cắm USB token, mở phần mềm ký số rồi thử lại.",
  cancelled: "Bạn đã hủy ký trên công cụ ký số.",
  no_token: "Không tìm thấy USB token. Hãy cắm USB token rồi thử lại.",
  wrong_pin: "Mã PIN của USB token không đúng.",
  locked: "USB token đã bị khóa do nhập sai mã PIN nhiều lần. Hãy liên hệ nhà cung cấp chứng thư số.",
  unsupported: "Công cụ ký số không hỗ trợ thuật toán ký này (cần RSA với SHA-256).",
  bad_answer: "Công cụ ký số trả lời không đúng định dạng.",
  failed: "Công cụ ký số báo lỗi khi ký.",
};

/** The Vietnamese text of a tool's refusal ``code`` (unknown codes: the generic failure). */
export function toolMessage(code: string): string {
  return TOOL_MESSAGES[code] ?? "Công cụ ký số báo lỗi khi ký.";
}

/** The tool at ``base`` (e.g. http://127.0.0.1:18777), called with ``fetchImpl`` (the browser's fetch by default). */
export interface SigningTool {
  status(): Promise<ToolStatus>;
  sign(request: SignRequest): Promise<string>;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export function localTool(base: string, fetchImpl: typeof fetch = (...a) => fetch(...a)): SigningTool {
  const root = base.replace(/\/+$/, "");
  const call = async (path: string, init?: RequestInit): Promise<Record<string, unknown>> => {
    let reply: Response;
    try {
      reply = await fetchImpl(`${root}${path}`, { ...init, mode: "cors", credentials: "omit", cache: "no-store" });
    } catch {
      throw new ToolError("unreachable", toolMessage("unreachable"));
    }
    let body: Record<string, unknown> = {};
    try {
      body = (await reply.json()) as Record<string, unknown>;
    } catch {
      if (reply.ok) throw new ToolError("bad_answer", toolMessage("bad_answer"));
    }
    if (!reply.ok) {
      const code = typeof body.code === "string" && body.code in TOOL_MESSAGES ? body.code : "failed";
      const detail = typeof body.error === "string" && code === "failed" ? `${toolMessage("failed")} ${body.error}` : "";
      throw new ToolError(code, detail || toolMessage(code));
    }
    return body;
  };
  return {
    async status() {
      const body = await call("/v1/status");
      return { name: String(body.name ?? ""), version: String(body.version ?? ""), ready: body.ready === true };
    },
    async sign(request) {
      const body = await call("/v1/sign", { method: "POST", headers: { "Content-Type": "application/json" },
        body: JSON.stringify(request) });
      const value = body.signature_value;
      if (typeof value !== "string" || !BASE64.test(value) || value.length > 4096) {
        throw new ToolError("bad_answer", toolMessage("bad_answer"));
      }
      return value;
    },
  };
}
