// An SVG line chart of latency over time (log scale), for the benchmark's results.

export type Line = { label: string; color: string; dashed?: boolean; points: { t: number; v: number }[] };

const W = 900;
const H = 420;
const M = { left: 64, right: 16, top: 40, bottom: 96 };

const esc = (s: string) => s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");

export function latencyChart(title: string, lines: Line[]): string {
  const all = lines.flatMap((l) => l.points).filter((p) => Number.isFinite(p.v) && p.v > 0);
  const tMax = Math.max(1, ...all.map((p) => p.t));
  const lo = Math.pow(10, Math.floor(Math.log10(Math.max(0.01, Math.min(...all.map((p) => p.v), 1)))));
  const hi = Math.pow(10, Math.ceil(Math.log10(Math.max(...all.map((p) => p.v), 10))));
  const x = (t: number) => M.left + (t / tMax) * (W - M.left - M.right);
  const y = (v: number) => {
    const f = (Math.log10(Math.max(v, lo)) - Math.log10(lo)) / (Math.log10(hi) - Math.log10(lo));
    return H - M.bottom - f * (H - M.top - M.bottom);
  };
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${esc(title)}</text>`,
  ];
  for (let v = lo; v <= hi; v *= 10) {
    out.push(`<line x1="${M.left}" x2="${W - M.right}" y1="${y(v)}" y2="${y(v)}" stroke="#ddd"/>`);
    out.push(`<text x="${M.left - 6}" y="${y(v) + 4}" text-anchor="end">${v >= 1 ? v : v.toFixed(2)} ms</text>`);
  }
  const step = Math.max(1, Math.ceil(tMax / 10 / 5) * 5);
  for (let t = 0; t <= tMax; t += step) {
    out.push(`<line x1="${x(t)}" x2="${x(t)}" y1="${M.top}" y2="${H - M.bottom}" stroke="#f0f0f0"/>`);
    out.push(`<text x="${x(t)}" y="${H - M.bottom + 16}" text-anchor="middle">${t}s</text>`);
  }
  out.push(`<text x="${W / 2}" y="${H - M.bottom + 34}" text-anchor="middle">seconds since traffic started (per-second buckets)</text>`);
  lines.forEach((l, i) => {
    const pts = l.points.filter((p) => Number.isFinite(p.v)).map((p) => `${x(p.t).toFixed(1)},${y(p.v).toFixed(1)}`);
    if (pts.length > 0) {
      out.push(`<polyline fill="none" stroke="${l.color}" stroke-width="1.6" ${l.dashed ? 'stroke-dasharray="5 3"' : ""} points="${pts.join(" ")}"/>`);
    }
    const lx = M.left + (i % 3) * 270;
    const ly = H - 36 + Math.floor(i / 3) * 18;
    out.push(`<line x1="${lx}" x2="${lx + 24}" y1="${ly - 4}" y2="${ly - 4}" stroke="${l.color}" stroke-width="2" ${l.dashed ? 'stroke-dasharray="5 3"' : ""}/>`);
    out.push(`<text x="${lx + 30}" y="${ly}">${esc(l.label)}</text>`);
  });
  out.push("</svg>");
  return out.join("\n");
}
