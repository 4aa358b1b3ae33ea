import "@testing-library/jest-dom/vitest";

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
