import { LeftOutlined, RightOutlined, ZoomInOutlined, ZoomOutOutlined, ColumnWidthOutlined } from "@ant-design/icons";
import { Alert, Button, InputNumber, Space, Spin, Typography } from "antd";
import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import { openPdf, type PdfDocument, type PdfPage } from "./pdf";
import { viewer } from "./messages";

/** Zoom steps (1 = 72 dpi); "fit" follows the frame's width (a phone's 360 px as well as a desktop column); "open",
 * how a file opens, is the same but never larger than the page's own size (100 %): an A4 page in a desktop column
 * would open at 150 % or more, wider than a reader needs and taller than the screen. */
const ZOOMS = [0.5, 0.75, 1, 1.25, 1.5, 2, 3] as const;
const OPEN_MAX = 1;
const MIN_ZOOM = 0.5;
const MAX_ZOOM = 3;
/** The frame's padding on each side, in CSS pixels. */
const GUTTER = 8;

/** The frame's inner width in CSS pixels, followed as the window or the layout changes (ResizeObserver). */
function useWidth(element: HTMLElement | null): number {
  const [width, setWidth] = useState(0);
  useEffect(() => {
    if (!element) return;
    setWidth(element.clientWidth);
    if (typeof ResizeObserver === "undefined") return;
    const observer = new ResizeObserver(() => setWidth(element.clientWidth));
    observer.observe(element);
    return () => observer.disconnect();
  }, [element]);
  return width;
}

/** Something drawn over a page: the signature image where it will land (a preview before signing). */
export interface Mark {
  /** 1-based page. */
  page: number;
  /** The page's user space, PDF points, origin bottom-left: [x1, y1, x2, y2]. */
  box: [number, number, number, number];
  /** The image's URL (a data: URL of the PNG). */
  image: string;
  /** What it is, for screen readers (the image's alt text). */
  label: string;
}

/**
 * A PDF shown in the page with pdf.js: one page at a time on a canvas, previous/next and a page number to type,
 * zoom out/in by steps (50–300 %) or fit to the frame's width; it opens fitted to the frame's width, at most at the
 * page's own size (100 %: readable from 360 px wide, not blown up in a desktop column). Keyboard:
 * ←/→ (and PageUp/PageDown) turn pages, + and − zoom, in the focusable frame. ``data``: the file's bytes (kept
 * intact: pdf.js reads a copy); ``name``: the file's name, in the labels; ``mark``: an image drawn over its page
 * (the viewer opens on that page), outlined in red; ``onReady``: called once a page has been drawn (with a mark: its
 * page), so what depends on the preview (Ký số) waits for it.
 */
export function PdfViewer({ data, name, mark, onReady }: { data: ArrayBuffer; name: string; mark?: Mark;
  onReady?: () => void }) {
  const [doc, setDoc] = useState<PdfDocument | null>(null);
  const [failed, setFailed] = useState(false);
  const [pageNumber, setPageNumber] = useState(1);
  const [page, setPage] = useState<PdfPage | null>(null);
  const [zoom, setZoom] = useState<number | "fit" | "open">("open");
  const [frame, setFrame] = useState<HTMLDivElement | null>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const width = useWidth(frame);

  useEffect(() => {
    let open: PdfDocument | null = null;
    let live = true;
    setDoc(null);
    setFailed(false);
    setPageNumber(mark?.page ?? 1);
    openPdf(data).then((d) => {
      if (live) { open = d; setDoc(d); } else d.close();
    }, () => live && setFailed(true));
    return () => { live = false; open?.close(); };
  }, [data, mark?.page]);

  useEffect(() => {
    let live = true;
    setPage(null);
    doc?.page(pageNumber).then((p) => live && setPage(p), () => live && setFailed(true));
    return () => { live = false; };
  }, [doc, pageNumber]);

  const natural = page?.size(1);
  const fitted = natural && width > 2 * GUTTER ? (width - 2 * GUTTER) / natural.width : 1;
  const scale = zoom === "fit" ? fitted : zoom === "open" ? Math.min(fitted, OPEN_MAX) : zoom;

  const ready = useRef(onReady);
  ready.current = onReady;
  const shown = page !== null && (!mark || mark.page === pageNumber);
  useEffect(() => {
    if (!page || !canvas.current) return;
    const drawing = page.render(canvas.current, scale);
    drawing.done.then(() => { if (shown) ready.current?.(); }, () => {}); // cancelled by the next page or zoom
    return () => drawing.cancel();
  }, [page, scale, shown]);

  if (failed) return <Alert type="warning" showIcon message={viewer.failed} />;
  if (!doc) return <Spin tip={viewer.loading}><div style={{ minHeight: 120 }} /></Spin>;

  const pages = doc.numPages;
  const go = (n: number) => setPageNumber(Math.min(pages, Math.max(1, n)));
  const percent = Math.round(scale * 100);
  const zoomBy = (direction: 1 | -1) => {
    const next = direction > 0 ? ZOOMS.find((z) => z > scale + 0.01) : [...ZOOMS].reverse().find((z) => z < scale - 0.01);
    if (next) setZoom(next);
  };
  const keys = (event: KeyboardEvent<HTMLDivElement>) => {
    const action: Record<string, () => void> = {
      ArrowLeft: () => go(pageNumber - 1), PageUp: () => go(pageNumber - 1),
      ArrowRight: () => go(pageNumber + 1), PageDown: () => go(pageNumber + 1),
      "+": () => zoomBy(1), "=": () => zoomBy(1), "-": () => zoomBy(-1),
    };
    const run = action[event.key];
    if (run) { event.preventDefault(); run(); }
  };
  const label = viewer.page(pageNumber, pages, name);
  return (
    <section aria-label={viewer.title(name)} style={{ width: "100%" }}>
      <Space wrap size="small" style={{ marginBottom: 8 }}>
        <Button icon={<LeftOutlined />} aria-label={viewer.previous} title={viewer.previous}
          disabled={pageNumber <= 1} onClick={() => go(pageNumber - 1)} />
        <InputNumber aria-label={viewer.pageNumber} min={1} max={pages} value={pageNumber} size="middle"
          style={{ width: 64 }} onChange={(v) => typeof v === "number" && go(v)} />
        <Typography.Text>{viewer.of(pages)}</Typography.Text>
        <Button icon={<RightOutlined />} aria-label={viewer.next} title={viewer.next}
          disabled={pageNumber >= pages} onClick={() => go(pageNumber + 1)} />
        <Button icon={<ZoomOutOutlined />} aria-label={viewer.zoomOut} title={viewer.zoomOut}
          disabled={scale <= MIN_ZOOM + 0.01} onClick={() => zoomBy(-1)} />
        <Typography.Text data-testid="pdf-zoom" aria-live="polite">{viewer.zoom(percent)}</Typography.Text>
        <Button icon={<ZoomInOutlined />} aria-label={viewer.zoomIn} title={viewer.zoomIn}
          disabled={scale >= MAX_ZOOM - 0.01} onClick={() => zoomBy(1)} />
        <Button icon={<ColumnWidthOutlined />} aria-label={viewer.fitWidth} title={viewer.fitWidth}
          disabled={Math.abs(scale - fitted) < 0.005} onClick={() => setZoom("fit")} />
      </Space>
      <div ref={setFrame} tabIndex={0} onKeyDown={keys} role="group" aria-label={viewer.keys}
        style={{ overflow: "auto", maxHeight: "80vh", padding: GUTTER, background: "#f0f0f0",
          border: "1px solid #d9d9d9", borderRadius: 6 }}>
        <div style={{ position: "relative", width: "fit-content", margin: "0 auto" }}>
          <canvas ref={canvas} role="img" aria-label={label} data-testid="pdf-page"
            style={{ display: "block", background: "#fff", boxShadow: "0 1px 4px rgba(0,0,0,.2)" }} />
          {page && mark && mark.page === pageNumber && (() => {
            const r = page.rect(mark.box, scale);
            return (
              <img src={mark.image} alt={mark.label} data-testid="pdf-mark"
                style={{ position: "absolute", left: r.left, top: r.top, width: r.width, height: r.height,
                  objectFit: "contain", outline: "2px dashed #cf1322", background: "rgba(207,19,34,0.06)" }} />
            );
          })()}
        </div>
      </div>
    </section>
  );
}
