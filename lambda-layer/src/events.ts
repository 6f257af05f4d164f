// Events: one JSON line each on stdout (docs/wire-format.md), written
// synchronously with a write function captured at load, never console (user
// code may patch it). A token bucket per control+action+reason keeps a loop
// from flooding the log; what it suppressed is reported in a summary event.
import { c } from './captured';
import { currentRequestId } from './request-context';
import type { Control } from './types';

export type Action = 'blocked' | 'detected';

/** Burst of identical events let through, then one per REFILL_MS. */
const BURST = 20;
const REFILL_MS = 5_000;
const MAX_BUCKETS = 256;

interface Bucket { tokens: number; last: number; suppressed: number }
const buckets = new Map<string, Bucket>();
let summaryAtExit = false;

function write(line: string): void {
  for (let attempt = 0; attempt < 100; attempt++) {
    try {
      c.apply(c.writeSync, c.fs, [1, line]);
      return;
    } catch (e) {
      // A non-blocking stdout pipe that is full: retry briefly.
      if ((e as { code?: string }).code !== 'EAGAIN') break;
    }
  }
  try {
    if (c.rawDebug) c.apply(c.rawDebug, process, [line.slice(0, -1)]);
  } catch {
    // Nowhere left to report; never fail the caller for it.
  }
}

function eventLine(control: Control, action: Action, reason: string, detail: Record<string, unknown>): string {
  const requestId = currentRequestId();
  const event: Record<string, unknown> = { source: 'nano-enforcer', version: 1, control, action, reason };
  if (requestId !== undefined) event.requestId = requestId;
  event.detail = detail;
  return c.stringify(event) + '\n';
}

/** Writes one event, unless its bucket is empty (then it is counted for the summary). */
export function emit(control: Control, action: Action, reason: string, detail: Record<string, unknown> = {}): void {
  try {
    const key = `${control}\0${action}\0${reason}`;
    const t = c.now();
    let b = buckets.get(key);
    if (!b) {
      if (buckets.size >= MAX_BUCKETS) buckets.clear();
      b = { tokens: BURST, last: t, suppressed: 0 };
      buckets.set(key, b);
    } else {
      b.tokens = Math.min(BURST, b.tokens + (t - b.last) / REFILL_MS);
      b.last = t;
    }
    if (b.tokens < 1) {
      b.suppressed++;
      if (!summaryAtExit) {
        summaryAtExit = true;
        // Node runs exit listeners outside the preload's window.
        process.once('exit', () => c.inWindow(flushSuppressed, undefined));
      }
      return;
    }
    b.tokens -= 1;
    if (b.suppressed > 0) {
      write(eventLine(control, action, reason, { suppressed: b.suppressed }));
      b.suppressed = 0;
    }
    write(eventLine(control, action, reason, detail));
  } catch {
    // An event that cannot be written must not break the call it reports.
  }
}

/** Summaries of what is still suppressed, e.g. at exit. */
export function flushSuppressed(): void {
  for (const [key, b] of buckets) {
    if (b.suppressed === 0) continue;
    const [control, action, reason] = key.split('\0');
    write(eventLine(control as Control, action as Action, reason, { suppressed: b.suppressed }));
    b.suppressed = 0;
  }
}
