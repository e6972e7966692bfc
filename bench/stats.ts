// Latency and timing summaries for the benchmark.

export type Summary = { count: number; p50: number; p95: number; p99: number; max: number; mean: number };

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) return { count: 0, p50: NaN, p95: NaN, p99: NaN, max: NaN, mean: NaN };
  const sorted = Float64Array.from(samples).sort();
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)];
  let sum = 0;
  for (const v of sorted) sum += v;
  return { count: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99), max: sorted[sorted.length - 1], mean: sum / sorted.length };
}

/** Samples bucketed by whole seconds since `start`, for the latency-over-time chart. */
export class TimeSeries {
  private readonly buckets = new Map<number, number[]>();

  constructor(private readonly start: number) {}

  add(at: number, value: number) {
    const second = Math.floor((at - this.start) / 1000);
    let bucket = this.buckets.get(second);
    if (!bucket) this.buckets.set(second, (bucket = []));
    bucket.push(value);
  }

  points(): { t: number; p50: number; p99: number; max: number; count: number }[] {
    return [...this.buckets.entries()]
      .sort(([a], [b]) => a - b)
      .map(([t, values]) => {
        const s = summarize(values);
        return { t, p50: s.p50, p99: s.p99, max: s.max, count: s.count };
      });
  }
}

export const round = (v: number, digits = 1) => (Number.isFinite(v) ? Number(v.toFixed(digits)) : v);
