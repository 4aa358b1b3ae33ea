import type { PdfDocument } from "../features/viewer/pdf";

/** What the stand-in for pdf.js drew (page and scale) and how many documents were closed. */
export const fakePdf = { drawn: [] as { page: number; scale: number }[], closed: 0,
  /** While true, a page's drawing is not done until ``finish()`` (a slow preview). */
  hold: false, waiting: [] as (() => void)[], finish: () => fakePdf.waiting.splice(0).forEach((done) => done()) };

/**
 * Stands in for ``features/viewer/pdf``'s ``openPdf`` in component tests (jsdom has no canvas): bytes starting with
 * "not a pdf" are refused; anything else is a three-page A4 document (595 × 842 points) that records each page
 * drawn. Use: ``vi.mock("…/viewer/pdf", async () => (await import("…/test/fakePdf")).module)``.
 */
export async function openPdf(data: ArrayBuffer): Promise<PdfDocument> {
  if (new TextDecoder().decode(data).startsWith("not a pdf")) throw new Error("Invalid PDF structure");
  return {
    numPages: 3,
    close: () => { fakePdf.closed += 1; },
    page: async (page: number) => ({
      size: (scale: number) => ({ width: 595 * scale, height: 842 * scale }),
      rect: ([x1, y1, x2, y2]: [number, number, number, number], scale: number) =>
        ({ left: x1 * scale, top: (842 - y2) * scale, width: (x2 - x1) * scale, height: (y2 - y1) * scale }),
      render: (_canvas: HTMLCanvasElement, scale: number) => {
        fakePdf.drawn.push({ page, scale });
        const done = fakePdf.hold ? new Promise<void>((resolve) => fakePdf.waiting.push(resolve)) : Promise.resolve();
        return { done, cancel: () => {} };
      },
    }),
  };
}

export const module = { openPdf };
