/**
 * The PDF engine (pdf.js), loaded on demand: its ~400 KB (gzip ~120 KB) stay out of the first load, and its worker
 * is a file of our own assets (`/assets/pdf.worker.min-*.mjs`, which the CSP's `worker-src 'self'` allows): nothing
 * comes from a CDN, and no `eval` (isEvalSupported false: the CSP forbids it).
 */

/** A page as the viewer draws it: its size at a scale (CSS pixels) and drawing it onto a canvas. */
export interface PdfPage {
  /** Width and height in CSS pixels at ``scale`` (1 = 72 dpi: PDF points). */
  size(scale: number): { width: number; height: number };
  /** A rectangle of the page's user space (PDF points, origin bottom-left: [x1, y1, x2, y2]) in CSS pixels from the
   * drawn page's top-left corner at ``scale`` (the page's rotation and crop box applied, as pdf.js draws it). */
  rect(box: [number, number, number, number], scale: number): { left: number; top: number; width: number; height: number };
  /** Draws the page at ``scale`` onto ``canvas`` (sharp on high-density screens): ``done`` resolves when drawn;
   * ``cancel`` stops it (the next page or zoom draws on the same canvas). */
  render(canvas: HTMLCanvasElement, scale: number): { done: Promise<void>; cancel(): void };
}

/** An open PDF: its page count and its pages (1-based). */
export interface PdfDocument {
  numPages: number;
  page(number: number): Promise<PdfPage>;
  /** Frees the worker's copy. */
  close(): void;
}

/** Opens a copy of ``data`` (the file's bytes: pdf.js hands its copy to the worker) in pdf.js; rejects when it is
 * not a readable PDF. */
export async function openPdf(data: ArrayBuffer): Promise<PdfDocument> {
  const [pdfjs, worker] = await Promise.all([
    import("pdfjs-dist"),
    import("pdfjs-dist/build/pdf.worker.min.mjs?url"),
  ]);
  pdfjs.GlobalWorkerOptions.workerSrc = worker.default;
  const doc = await pdfjs.getDocument({
    data: new Uint8Array(data.slice(0)), isEvalSupported: false, disableAutoFetch: true, enableXfa: false,
  }).promise;
  return {
    numPages: doc.numPages,
    close: () => void doc.destroy(),
    page: async (number: number) => {
      const page = await doc.getPage(number);
      return {
        size: (scale: number) => {
          const viewport = page.getViewport({ scale });
          return { width: viewport.width, height: viewport.height };
        },
        rect: (box: [number, number, number, number], scale: number) => {
          const [a, b, c, d] = page.getViewport({ scale }).convertToViewportRectangle(box);
          return { left: Math.min(a, c), top: Math.min(b, d), width: Math.abs(c - a), height: Math.abs(d - b) };
        },
        render: (canvas: HTMLCanvasElement, scale: number) => {
          const ratio = window.devicePixelRatio || 1;
          const viewport = page.getViewport({ scale: scale * ratio });
          canvas.width = Math.floor(viewport.width);
          canvas.height = Math.floor(viewport.height);
          canvas.style.width = `${Math.floor(viewport.width / ratio)}px`;
          canvas.style.height = `${Math.floor(viewport.height / ratio)}px`;
          const context = canvas.getContext("2d");
          if (!context) return { done: Promise.resolve(), cancel: () => {} };
          const task = page.render({ canvasContext: context, viewport });
          return { done: task.promise, cancel: () => task.cancel() };
        },
      };
    },
  };
}
