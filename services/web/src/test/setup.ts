import "@testing-library/jest-dom/vitest";
import { configure } from "@testing-library/react";
import { keepCompiledSelectors, skipRulesByClass } from "./selectorCache";

// the machine is shared (2 cores, several test runs at once): give the UI time to show what it was given (a wait,
// not a speed assertion; 5 s ran out once with the machine at load 19)
configure({ asyncUtilTimeout: 15_000 });

// jsdom recompiles every style rule's selector on each getComputedStyle once a page has over 1000 (see selectorCache)
keepCompiledSelectors(document);
// and matches each rule against elements with the classes it names only, as browsers do
skipRulesByClass(document);

// jsdom lacks these; Ant Design's responsive grid and tables use them
Object.defineProperty(window, "matchMedia", {
  writable: true,
  value: (query: string) => ({
    matches: false,
    media: query,
    onchange: null,
    addListener: () => {},
    removeListener: () => {},
    addEventListener: () => {},
    removeEventListener: () => {},
    dispatchEvent: () => false,
  }),
});
window.getComputedStyle = ((original) => (element: Element) => original(element))(window.getComputedStyle);
