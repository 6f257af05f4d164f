// The bench's paired comparison (bench/lib/stats.ts): the median of per-round
// comparisons and its distribution-free confidence interval, and the verdict
// it gives (bench/lib/report.ts).
import { pairedVerdict } from '../../bench/lib/report';
import { paired, pairedWith } from '../../bench/lib/stats';

const ranks = (n: number) => Array.from({ length: n }, (_, i) => i + 1);

test.each([
  // n, the 1-based ranks of the ~95 % interval for the median (binomial tables)
  [5, 1, 5],
  [7, 1, 7],
  [11, 2, 10],
  [20, 6, 15],
  [30, 10, 21],
])('%i pairs: the interval runs from rank %i to rank %i', (n, low, high) => {
  // Shuffled, so that the ranks come from sorting.
  const values = ranks(n).reverse();
  expect(paired(values)).toEqual({ n, median: (n + 1) / 2, low, high });
});

test('pairs are compared round by round, as differences or ratios', () => {
  expect(pairedWith([12, 22, 30], [10, 20, 30], 'delta')).toMatchObject({ median: 2 });
  expect(pairedWith([11, 22, 36], [10, 20, 30], 'ratio')).toMatchObject({ median: 1.1 });
  expect(() => pairedWith([1, 2], [1], 'delta')).toThrow(/same rounds/);
});

test('the verdict is PASS or MISS only when the whole interval is on one side of the budget', () => {
  expect(pairedVerdict({ n: 20, median: 5, low: 2, high: 9 }, 10)).toBe('PASS');
  expect(pairedVerdict({ n: 20, median: 15, low: 11, high: 20 }, 10)).toBe('MISS');
  expect(pairedVerdict({ n: 20, median: 8, low: -3, high: 12 }, 10)).toBe('UNSURE');
  expect(pairedVerdict({ n: 20, median: 12, low: 9, high: 14 }, 10)).toBe('UNSURE');
});
