/** One bar: its label, value and the text written after it. */
export interface Bar {
  label: string;
  value: number;
  text: string;
  color?: string;
}

const ROW = 28;
const LABEL = 42; // % of the width given to the labels

/**
 * Horizontal bars in inline SVG (no chart library: the bundle stays small). ``max``: the value of a full bar
 * (default the largest value; 0 gives empty bars). Accessible: the SVG is an image named by ``title`` and each bar
 * carries its label and text; the same numbers are in the table beside it.
 */
export function BarChart({ title, bars, max, testId }: { title: string; bars: Bar[]; max?: number; testId?: string }) {
  const top = max ?? Math.max(0, ...bars.map((b) => b.value));
  const height = Math.max(bars.length, 1) * ROW;
  return (
    <figure style={{ margin: 0 }} data-testid={testId}>
      <figcaption style={{ fontWeight: 600, marginBottom: 8 }}>{title}</figcaption>
      <svg role="img" aria-label={title} width="100%" height={height} style={{ display: "block", overflow: "visible" }}>
        {bars.map((bar, i) => {
          const share = top > 0 ? Math.min(bar.value / top, 1) : 0;
          const width = (100 - LABEL - 18) * share;
          const y = i * ROW;
          return (
            <g key={`${bar.label}-${i}`}>
              <title>{`${bar.label}: ${bar.text}`}</title>
              <text x="0" y={y + 18} fontSize="13" fill="#262626">
                {bar.label.length > 28 ? `${bar.label.slice(0, 27)}…` : bar.label}
              </text>
              <rect x={`${LABEL}%`} y={y + 6} width={`${width}%`} height={16} rx={2} fill={bar.color ?? "#0958d9"}
                data-value={bar.value} />
              <text x={`${LABEL + width + 1}%`} y={y + 18} fontSize="13" fill="#262626">{bar.text}</text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
