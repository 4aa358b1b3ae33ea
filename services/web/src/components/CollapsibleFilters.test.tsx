/// <reference types="node" />
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { fireEvent, render, screen } from "@testing-library/react";
import { CollapsibleFilters } from "./CollapsibleFilters";

// the app's own stylesheet as the browser gets it (the test environment loads no CSS: css is false in vite.config)
const css = readFileSync(fileURLToPath(new URL("../base.css", `file://${__filename}`)), "utf8");

/** The rules base.css gives inside its ``@media (max-width: 767.98px)`` blocks (a phone), as one text. */
function phoneRules(): string {
  return [...css.matchAll(/@media \(max-width: 767\.98px\) \{([\s\S]*?)\n\}/g)].map((m) => m[1]).join("\n");
}

describe("a list's filter bar on a phone", () => {
  it("folds behind a Bộ lọc button saying how many filters are in force, and unfolds on a tap", () => {
    render(<CollapsibleFilters active={2}><label>Trích yếu có chứa <input /></label></CollapsibleFilters>);
    const toggle = screen.getByRole("button", { name: "Bộ lọc (2)" });
    expect(toggle).toHaveAttribute("aria-expanded", "false");
    const body = document.getElementById(toggle.getAttribute("aria-controls") ?? "");
    expect(body).toHaveAttribute("data-open", "false");
    expect(body).toContainElement(screen.getByLabelText("Trích yếu có chứa"));  // kept, only hidden
    fireEvent.click(toggle);
    expect(toggle).toHaveAttribute("aria-expanded", "true");
    expect(body).toHaveAttribute("data-open", "true");
  });

  it("is hidden by the screen's width: folded on a phone only, the button only there", () => {
    expect(phoneRules()).toContain('.vt-filters-body[data-open="false"] { display: none; }');
    expect(css).toMatch(/@media \(min-width: 768px\) \{\s*\.vt-filters-toggle \{ display: none !important; \}/);
  });

  it("leaves a list's tabs on one line on a phone: no wrapping, Ant Design's … menu not hidden", () => {
    // trial 17: the tabs wrapped onto two or three lines (components/ListTabs.tsx keeps them on one)
    const rules = phoneRules();
    expect(rules).toContain(".vt-list-tabs > .ant-tabs-nav .ant-tabs-tab-btn { white-space: nowrap; }");
    expect(rules).not.toMatch(/flex-wrap: wrap/);
    expect(rules).not.toMatch(/\.ant-tabs-nav-operations/);
  });
});
