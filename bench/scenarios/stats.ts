export interface Quantiles {
  p50: number;
  p99: number;
}

/** Nearest-rank percentile (q in 0..1) of the samples; NaN when there are none. */
export function percentile(samples: readonly number[], q: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))] ?? Number.NaN;
}

export function quantiles(samples: readonly number[]): Quantiles {
  return { p50: round(percentile(samples, 0.5)), p99: round(percentile(samples, 0.99)) };
}

const round = (ms: number) => Math.round(ms * 100) / 100;
