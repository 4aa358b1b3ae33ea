import { selectorEngines } from "./selectorCache";

/** Whether ``selector`` is still compiled in an engine's match caches. */
function compiled(engine: Record<string, unknown>, selector: string): boolean {
  const resolvers = engine.matchResolvers as { has: (key: string) => boolean };
  return resolvers.has(selector);
}

describe("jsdom's compiled selectors (setup.ts keeps them all)", () => {
  it("finds jsdom's two selector engines", () => {
    expect(selectorEngines(document)).toHaveLength(2);
  });

  it("keeps the first of 1500 style rules compiled after computing an element's style (nwsapi alone keeps 1000)", () => {
    const style = document.createElement("style");
    style.textContent = Array.from({ length: 1500 }, (_, i) => `.rule-${i} .probe { margin-left: ${i}px; }`).join("\n");
    document.head.append(style);
    const probe = document.createElement("div");
    probe.className = "rule-1499";
    probe.innerHTML = '<span class="probe">Văn bản đến</span>';
    document.body.append(probe);
    try {
      const span = probe.querySelector("span") as HTMLElement;
      expect(getComputedStyle(span).marginLeft).toBe("1499px"); // the same answer
      const [, styleEngine] = selectorEngines(document);
      expect(compiled(styleEngine as Record<string, unknown>, ".rule-0 .probe")).toBe(true);
      expect(compiled(styleEngine as Record<string, unknown>, ".rule-1499 .probe")).toBe(true);
    } finally {
      style.remove();
      probe.remove();
    }
  });

  it("keeps the first of 1500 selectors an element was matched against", () => {
    for (let i = 0; i < 1500; i += 1) document.body.matches(`.selector-${i}`);
    const [queryEngine] = selectorEngines(document);
    expect(compiled(queryEngine as Record<string, unknown>, ".selector-0")).toBe(true);
  });
});
