// Order statistics over samples; medians with min and max, never means.
export interface Summary {
  readonly n: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
  readonly p99?: number;
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i];
}

export function summarize(samples: number[], withP99 = false): Summary {
  const s = [...samples].sort((a, b) => a - b);
  const mid = s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
  return { n: s.length, median: mid, min: s[0], max: s[s.length - 1], ...(withP99 ? { p99: percentile(s, 99) } : {}) };
}

/** Rotates the order each round, so that drift and warm-up hit every configuration alike. */
export function rotated<T>(items: readonly T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}

/**
 * The median of paired comparisons (one per round or block: the configs ran
 * side by side, so drift on the machine hits both) with a distribution-free
 * confidence interval of at least 95 % for it: order statistics k and n-k+1,
 * k the largest with P(Binomial(n, 1/2) < k) <= 2.5 %. Under ~6 pairs there
 * is no such interval and it spans every pair.
 */
export interface Paired {
  readonly n: number;
  readonly median: number;
  readonly low: number;
  readonly high: number;
}

export function paired(values: number[]): Paired {
  const s = [...values].sort((a, b) => a - b);
  const n = s.length;
  let k = 0;
  let cdf = 0;
  let term = Math.pow(0.5, n); // P(X = 0)
  for (let j = 0; j < n; j++) {
    cdf += term;
    if (cdf > 0.025) break;
    k = j + 1;
    term = (term * (n - j)) / (j + 1);
  }
  const lo = Math.max(0, k - 1);
  return { n, median: summarize(s).median, low: s[k === 0 ? 0 : lo], high: s[k === 0 ? n - 1 : n - 1 - lo] };
}

/** Per-round values of a config, differenced (or divided) with the baseline's same rounds. */
export function pairedWith(values: number[], base: number[], how: 'delta' | 'ratio'): Paired {
  if (values.length !== base.length) throw new Error('paired comparisons need the same rounds');
  return paired(values.map((v, i) => (how === 'delta' ? v - base[i] : v / base[i])));
}
