import "@testing-library/jest-dom/vitest";
import { configure } from "@testing-library/react";

// the machine is shared (2 cores, several test runs at once): give the UI time to show what it was given (a wait,
// not a speed assertion)
configure({ asyncUtilTimeout: 5_000 });

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
