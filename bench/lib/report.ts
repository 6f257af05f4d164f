// Rows of the result table, budget verdicts, and the printed table.
import { Paired, Summary } from './stats';

export interface Row {
  readonly what: string;
  readonly node: string;
  readonly subject: string;
  readonly config: string;
  readonly unit: string;
  readonly value: Summary;
  /** Which statistic the delta and the budget use (median by default). */
  readonly stat?: 'median' | 'p99';
  readonly delta?: number;
  readonly ratio?: number;
  /**
   * The per-round (or per-block) comparison with the baseline the verdict
   * rests on: its median and ~95 % confidence interval, as a difference or a
   * ratio (`pairedAs`).
   */
  readonly paired?: Paired;
  readonly pairedAs?: 'delta' | 'ratio';
  readonly budget?: string;
  /** UNSURE: the budget lies inside the paired comparison's confidence interval (the machine's noise is larger than the margin). */
  readonly verdict?: 'PASS' | 'MISS' | 'UNSURE';
  readonly note?: string;
}

export function compare(value: Summary, base: Summary, stat: 'median' | 'p99' = 'median'): { delta: number; ratio: number } {
  const v = value[stat]!;
  const b = base[stat]!;
  return { delta: v - b, ratio: v / b };
}

const fmt = (x: number | undefined, digits = 2): string => {
  if (x === undefined || Number.isNaN(x)) return '';
  const a = Math.abs(x);
  return a >= 1e6 ? x.toExponential(3) : a >= 100 ? x.toFixed(0) : a >= 10 ? x.toFixed(1) : x.toFixed(digits);
};
const signed = (x: number | undefined): string => (x === undefined ? '' : `${x >= 0 ? '+' : ''}${fmt(x)}`);

function pairedCell(r: Row): string {
  const p = r.paired;
  if (!p) return '';
  return r.pairedAs === 'ratio'
    ? `${p.median.toFixed(3)} [${p.low.toFixed(3)}, ${p.high.toFixed(3)}]`
    : `${signed(p.median)} [${signed(p.low)}, ${signed(p.high)}]`;
}

/** PASS when the whole interval is within the budget, MISS when none of it is, else UNSURE. */
export function pairedVerdict(p: Paired, limit: number): 'PASS' | 'MISS' | 'UNSURE' {
  return p.high <= limit ? 'PASS' : p.low > limit ? 'MISS' : 'UNSURE';
}

export function table(rows: Row[]): string {
  const head = ['what', 'node', 'handler/case', 'config', 'unit', 'median', 'min', 'max', 'p99', 'Δ vs (1)', 'ratio', 'paired [95 % CI]', 'budget', 'verdict'];
  const body = rows.map((r) => [
    r.what, r.node, r.subject, r.config, r.unit,
    fmt(r.value.median), fmt(r.value.min), fmt(r.value.max), fmt(r.value.p99),
    r.delta === undefined ? '' : `${signed(r.delta)}${r.stat === 'p99' ? ' (p99)' : ''}`,
    r.ratio === undefined ? '' : r.ratio.toFixed(3),
    pairedCell(r),
    r.budget ?? '', r.verdict ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
