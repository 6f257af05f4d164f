// Rows of the result table, budget verdicts, and the printed table.
import { Summary } from './stats';

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
  readonly budget?: string;
  readonly verdict?: 'PASS' | 'MISS';
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

export function table(rows: Row[]): string {
  const head = ['what', 'node', 'handler/case', 'config', 'unit', 'median', 'min', 'max', 'p99', 'Δ vs (1)', 'ratio', 'budget', 'verdict'];
  const body = rows.map((r) => [
    r.what, r.node, r.subject, r.config, r.unit,
    fmt(r.value.median), fmt(r.value.min), fmt(r.value.max), fmt(r.value.p99),
    r.delta === undefined ? '' : `${signed(r.delta)}${r.stat === 'p99' ? ' (p99)' : ''}`,
    r.ratio === undefined ? '' : r.ratio.toFixed(3),
    r.budget ?? '', r.verdict ?? '',
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(head), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...body.map(line)].join('\n');
}
