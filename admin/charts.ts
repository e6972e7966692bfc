// Horizontal bar charts in plain SVG, with a dashed reference line for the service target.
import { html } from "./ui";

export type Bar = { label: string; value: number | null };

export function BarChart(props: {
  title: string;
  bars: Bar[];
  target: number;
  targetLabel: string;
  format: (v: number) => string;
  /** "lower" when smaller values are better (response times). */
  better: "lower" | "higher";
  max?: number;
}) {
  const rowH = 28;
  const labelW = 84;
  const width = 460;
  const plotW = width - labelW - 70;
  const top = 26;
  const height = top + props.bars.length * rowH + 14;
  const max = props.max ?? Math.max(props.target * 1.25, ...props.bars.map((b) => b.value ?? 0)) * 1.05;
  const x = (v: number) => labelW + (v / max) * plotW;
  const meets = (v: number) => (props.better === "lower" ? v < props.target : v > props.target);
  return html`<figure class="chart">
    <figcaption>${props.title}</figcaption>
    <svg viewBox=${`0 0 ${width} ${height}`} width="100%" role="img" aria-label=${props.title}>
      ${props.bars.map((b, i) => {
        const y = top + i * rowH;
        return html`<g>
          <text x=${labelW - 8} y=${y + 17} text-anchor="end" class="axis">${b.label}</text>
          <rect x=${labelW} y=${y + 5} width=${plotW} height="16" class="track" rx="3" />
          ${b.value === null
            ? html`<text x=${labelW + 6} y=${y + 17} class="axis muted">无数据</text>`
            : html`<rect x=${labelW} y=${y + 5} width=${Math.max(2, x(b.value) - labelW)} height="16" rx="3" class=${meets(b.value) ? "bar good" : "bar bad"} />
                <text x=${x(b.value) + 6} y=${y + 17} class="value">${props.format(b.value)}</text>`}
        </g>`;
      })}
      <line x1=${x(props.target)} x2=${x(props.target)} y1=${top - 6} y2=${height - 8} class="target" />
      <text x=${x(props.target)} y=${top - 10} text-anchor="middle" class="target-label">${props.targetLabel}</text>
    </svg>
  </figure>`;
}

/** Columns over time (one per day or hour), with the value above each column. */
export function ColumnChart(props: { title: string; points: { label: string; value: number }[] }) {
  const width = 760;
  const height = 200;
  const left = 34;
  const bottom = 28;
  const top = 18;
  const n = Math.max(1, props.points.length);
  const step = (width - left - 8) / n;
  const max = Math.max(1, ...props.points.map((p) => p.value));
  const y = (v: number) => top + (height - top - bottom) * (1 - v / max);
  // Label every k-th column so the axis stays readable.
  const every = Math.ceil(n / 16);
  return html`<figure class="chart">
    <figcaption>${props.title}</figcaption>
    <svg viewBox=${`0 0 ${width} ${height}`} width="100%" role="img" aria-label=${props.title}>
      <line x1=${left} x2=${width - 4} y1=${height - bottom} y2=${height - bottom} class="target-axis" stroke="#4a5362" />
      <text x=${left - 4} y=${top + 4} text-anchor="end" class="axis">${max}</text>
      ${props.points.map((p, i) => {
        const x = left + i * step;
        return html`<g>
          <rect x=${x + step * 0.15} y=${y(p.value)} width=${Math.max(1, step * 0.7)} height=${height - bottom - y(p.value)} class="bar column" rx="2"><title>${p.label}：${p.value}</title></rect>
          ${i % every === 0 ? html`<text x=${x + step / 2} y=${height - 10} text-anchor="middle" class="axis">${p.label}</text>` : null}
        </g>`;
      })}
    </svg>
  </figure>`;
}
