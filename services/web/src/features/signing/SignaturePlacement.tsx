import { sign } from "./messages";

/** A signature's place as the signing service reports it: 0-based page, PDF points with the origin bottom-left. */
export interface Box {
  page: number;
  x1: number;
  y1: number;
  x2: number;
  y2: number;
}

/** A4 portrait in PDF points: the page the sketch draws when the document's own size is not known. */
export const A4 = { width: 595, height: 842 };

/**
 * Where the signature image lands: a sketch of the page (inline SVG, to scale) with the signature's box in red, as
 * the signing service placed it (the box of /api/v1/signing/complete, or of prepare once it tells it). The page is
 * A4 unless ``pageSize`` says otherwise; a box reaching beyond it widens the sketch rather than being cut.
 */
export function SignaturePlacement({ box, pageSize = A4 }: { box: Box; pageSize?: { width: number; height: number } }) {
  const width = Math.max(pageSize.width, box.x1, box.x2);
  const height = Math.max(pageSize.height, box.y1, box.y2);
  const left = Math.min(box.x1, box.x2);
  const top = height - Math.max(box.y1, box.y2);
  const w = Math.abs(box.x2 - box.x1);
  const h = Math.abs(box.y2 - box.y1);
  const label = `${sign.page(box.page + 1)}: ${sign.signatureBox}`;
  return (
    <svg role="img" aria-label={label} viewBox={`0 0 ${width} ${height}`} data-testid="signature-placement"
      style={{ width: "100%", maxWidth: 240, height: "auto", border: "1px solid #d9d9d9", background: "#fff" }}>
      {Array.from({ length: 14 }, (_, i) => (
        <rect key={i} x={60} y={80 + i * 40} width={i % 4 === 3 ? 280 : 475} height={10} fill="#f0f0f0" />
      ))}
      <rect x={left} y={top} width={w} height={h} fill="rgba(207,19,34,0.12)" stroke="#cf1322" strokeWidth={3}
        data-testid="signature-box" />
      <text x={left + w / 2} y={top + h / 2 + 6} fontSize={18} textAnchor="middle" fill="#a8071a">{sign.signatureBox}</text>
      <text x={width / 2} y={height - 20} fontSize={20} textAnchor="middle" fill="#595959">{sign.page(box.page + 1)}</text>
    </svg>
  );
}
