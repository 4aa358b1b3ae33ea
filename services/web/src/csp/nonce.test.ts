import { readNonce, nonceStyles } from "./nonce";
import { updateCSS, removeCSS } from "rc-util/es/Dom/dynamicCSS";

describe("the page's CSP nonce", () => {
  afterEach(() => document.head.querySelectorAll('meta[name="csp-nonce"]').forEach((m) => m.remove()));

  it("is read from the meta the gateway fills in, and is absent without it or when empty", () => {
    expect(readNonce()).toBeUndefined();
    const meta = document.createElement("meta");
    meta.name = "csp-nonce";
    meta.content = "";
    document.head.append(meta);
    expect(readNonce()).toBeUndefined();
    meta.content = "q3Zb-7_xYwA1nN0pR8sT2uVw";
    expect(readNonce()).toBe("q3Zb-7_xYwA1nN0pR8sT2uVw");
  });

  it("is given to the <style> elements libraries create without asking (rc-util's scroll lock), not to others", () => {
    const undo = nonceStyles("q3Zb-7_xYwA1nN0pR8sT2uVw");
    try {
      const style = updateCSS("html body { overflow-y: hidden; }", "rc-util-locker-test");
      expect(style.nonce).toBe("q3Zb-7_xYwA1nN0pR8sT2uVw");
      expect(document.createElement("div").getAttribute("nonce")).toBeNull();
      expect((document.createElement("script") as HTMLScriptElement).nonce).toBe("");
      removeCSS("rc-util-locker-test");
    } finally {
      undo();
    }
    expect(document.createElement("style").nonce).toBe("");
  });
});
