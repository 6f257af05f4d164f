// What one evaluation shares: the policy, the system view, the refusals found
// so far, and the file checks every rule uses (is a file trusted: outside any
// writable location and unchanged since start, or under allowedWritablePaths).
import { Arg, basename, showArgv } from './args';
import { isHashEntry, pathEntryMatches, underAny } from './patterns';
import type { Policy, SystemView } from '../types';

export interface Refusal {
  readonly reason: string;
  /** The rule that refused: blocked, allowlist, writable-location, drift, inline-code, dynamic-command, ... */
  readonly rule: string;
  readonly always?: boolean;
  readonly file?: string;
  readonly resolved?: string;
  readonly argv?: readonly Arg[];
  /** Which command of a shell line. */
  readonly command?: string;
}

export type Distrust = 'writable' | 'drift' | undefined;

export const MAX_DEPTH = 12;
export const MAX_COMMANDS = 2000;

export class Context {
  readonly refusals: Refusal[] = [];
  stopped = false;
  commands = 0;
  private readonly trustCache = new Map<string, Distrust>();

  constructor(readonly policy: Policy, readonly system: SystemView) {}

  refuse(r: Refusal): void {
    this.refusals.push(r);
    if (r.always) this.stopped = true;
  }

  /** The refusal to report: one that holds in every mode first. */
  result(): Refusal | undefined {
    return this.refusals.find(r => r.always) ?? this.refusals[0];
  }

  /** Why an existing file (by real path) may not be trusted, or undefined. */
  distrust(real: string): Distrust {
    let d = this.trustCache.get(real);
    if (d === undefined && !this.trustCache.has(real)) {
      const s = this.system;
      if (underAny(s, this.policy.allowedWritablePaths, real)) {
        d = undefined;
      } else if (s.isWritableLocation(real)) {
        d = 'writable';
      } else {
        const st = s.stat(real);
        d = st && (st.mtimeMs > s.startTimeMs || st.ctimeMs > s.startTimeMs) ? 'drift' : undefined;
      }
      this.trustCache.set(real, d);
    }
    return d;
  }

  /** Distrust of a path that may not exist yet (libraries, loaded files): by its real path, or where it would be. */
  distrustPath(p: string): Distrust {
    const real = this.system.realpath(p);
    if (real !== undefined) return this.distrust(real);
    const dir = p.slice(0, p.lastIndexOf('/')) || '/';
    const rdir = this.system.realpath(dir);
    const where = (rdir === undefined ? dir : rdir.replace(/\/$/, '')) + p.slice(p.lastIndexOf('/'));
    if (underAny(this.system, this.policy.allowedWritablePaths, where)) return undefined;
    return this.system.isWritableLocation(where) ? 'writable' : undefined;
  }

  /**
   * Where the file at a path could still be created or replaced before it is
   * used: the first directory on the path's way (walked as the kernel walks
   * it: '..' after symlinks) that is a writable location, not under
   * allowedWritablePaths. undefined when every step is fixed, or the way
   * stops at a step that does not exist in a fixed directory (the use then
   * fails natively, whatever a line does before it).
   */
  writableOnWay(p: string): string | undefined {
    const s = this.system;
    let cur = '/';
    for (const c of p.split('/')) {
      if (c === '' || c === '.') continue;
      if (c === '..') { cur = cur.slice(0, cur.lastIndexOf('/')) || '/'; continue; }
      const next = (cur === '/' ? '' : cur) + '/' + c;
      if (s.isWritableLocation(cur) && !underAny(s, this.policy.allowedWritablePaths, next)) return cur;
      const r = s.realpath(next);
      if (r === undefined) return undefined;
      cur = r;
    }
    return undefined;
  }

  /** The deny-list entry that names this file, if any. */
  blockedBy(names: readonly string[], paths: readonly string[], real: string | undefined): string | undefined {
    let hash: string | undefined | null = null;
    for (const e of this.policy.blocked) {
      if (isHashEntry(e)) {
        if (real === undefined) continue;
        if (hash === null) hash = this.system.sha256(real)?.toLowerCase();
        if (hash !== undefined && hash === e.slice(7).toLowerCase()) return e;
      } else if (e.startsWith('/')) {
        if (pathEntryMatches(this.system, e, paths)) return e;
      } else if (names.includes(e)) {
        return e;
      }
    }
    return undefined;
  }
}

export function describeDistrust(what: string, real: string, d: Distrust): string {
  return d === 'writable'
    ? `${what} ${real} is in a writable location`
    : `${what} ${real} was created or modified after the process started`;
}

export const namesOf = (function namesOf(...xs: (Arg | undefined)[]): string[] {
  const out: string[] = [];
  for (const x of xs) if (typeof x === 'string' && x) { const b = basename(x); if (b && !out.includes(b)) out.push(b); }
  return out;
});

export { showArgv };
