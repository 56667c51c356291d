import { useId } from 'react';

export type Bar = { label: string; value: number; tone: string };

const ROW = 32;
const BAR = 20;
const LABEL_WIDTH = 110;
const WIDTH = 360;
const VALUE_WIDTH = 40;

/**
 * Horizontal bars in SVG. Assistive technology reads it as one image whose title and description state
 * every value; the same values are drawn as text next to the bars for sighted readers.
 */
export function BarChart({ title, bars }: { title: string; bars: readonly Bar[] }) {
  const id = useId();
  const max = Math.max(1, ...bars.map((b) => b.value));
  const track = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
  const height = bars.length * ROW;
  return (
    <figure className="chart">
      <figcaption>{title}</figcaption>
      <svg
        role="img"
        aria-labelledby={`${id}-title ${id}-desc`}
        viewBox={`0 0 ${WIDTH} ${height}`}
        width="100%"
        preserveAspectRatio="xMinYMin meet"
      >
        <title id={`${id}-title`}>{title}</title>
        <desc id={`${id}-desc`}>{bars.map((b) => `${b.label}: ${b.value}`).join(', ')}</desc>
        {bars.map((b, i) => {
          const y = i * ROW + (ROW - BAR) / 2;
          const width = b.value === 0 ? 0 : Math.max(2, (b.value / max) * track);
          return (
            <g key={b.label}>
              <text x={0} y={y + BAR / 2} dominantBaseline="central" className="chart-label">
                {b.label}
              </text>
              <rect x={LABEL_WIDTH} y={y} width={track} height={BAR} rx={3} className="chart-track" />
              <rect x={LABEL_WIDTH} y={y} width={width} height={BAR} rx={3} fill={b.tone} />
              <text
                x={LABEL_WIDTH + width + 6}
                y={y + BAR / 2}
                dominantBaseline="central"
                className="chart-value"
              >
                {b.value}
              </text>
            </g>
          );
        })}
      </svg>
    </figure>
  );
}
