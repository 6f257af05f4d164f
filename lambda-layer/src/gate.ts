// Between the hooks and the decision: asks evaluate() about a request, writes
// the event, and says whether the call may proceed. BLOCK refuses, ALERT
// reports and lets through (except a decision marked `always`). An internal
// fault fails open or closed per policy.failOpen and is reported as 'tamper'.
import { c } from './captured';
import { emit } from './events';
import { CLEAN, REFUSE, type SpawnCheck } from './honeypots/host';
import { decisionModule } from './lazy';
import type { Policy, Request, SpawnRequest, SystemView } from './types';

let policy: Policy;
let startTimeMs = 0;
let system: SystemView | undefined;
let busy = false;
let spawnObserver: ((request: SpawnRequest) => SpawnCheck) | undefined;

/** The honeypots' look at every process start (before the decision). */
export function observeSpawns(observer: (request: SpawnRequest) => SpawnCheck): void {
  spawnObserver = observer;
}

export const initGate = (function initGate(p: Policy, start: number): void {
  policy = p;
  startTimeMs = start;
});

export function currentPolicy(): Policy {
  return policy;
}

/** What an event says about a request, before the decision adds its own detail. */
function describe(request: Request): Record<string, unknown> {
  switch (request.kind) {
    case 'spawn': return { api: request.api, file: request.file, argv: request.args, cwd: request.cwd };
    case 'file': return request.source === undefined
      ? { api: request.api, path: request.path }
      : { api: request.api, path: request.path, source: request.source };
    case 'addon': return { api: request.api, path: request.path };
    case 'worker': return { api: request.api, filename: request.eval ? '<inline>' : request.filename, eval: request.eval };
    case 'wasi': return { api: request.api, preopens: request.preopens };
    case 'inspector': return { api: request.api };
    case 'v8-flags': return { api: 'setFlagsFromString' };
  }
}

/** True while the decision runs: the files it reads (/proc/self/environ, executables) are the enforcer's own reads. */
export function deciding(): boolean {
  return busy;
}

/**
 * Runs fn as the enforcer's own file access (the fs hooks reading the first
 * bytes of a copy's source): the honeypots do not take it for the user's
 * read of a decoy file, which they report once, for the call itself.
 */
export function ownAccess<T>(fn: () => T): T {
  const was = busy;
  busy = true;
  try {
    return fn();
  } finally {
    busy = was;
  }
}

/** The reason of the last refusal, for the error message of the refused call. */
export let lastReason = '';

/**
 * After permit() allowed a spawn without an event: the environment names its
 * decision depends on, when it depends on nothing else (the request and those
 * variables: decision/cache.ts); undefined otherwise. With honeypots, only
 * when their scan of the spawn was CLEAN: the preload then repeats it only if
 * every value that changed passes their quick text check (late.ts, sameList).
 */
export let stableSpawnNames: readonly string[] | undefined;

/**
 * Builds the request and asks permit(). A fault while building it (user code
 * that ran in a getter or toString and threw) is an internal fault like one
 * in the decision. Never throws.
 */
export const permitBuilt = (function permitBuilt<A, B, C, D, E>(
  build: (a: A, b: B, c: C, d: D, e: E) => Request, a: A, b: B, x3: C, d: D, e: E,
): boolean {
  let request: Request;
  stableSpawnNames = undefined;
  try {
    request = build(a, b, x3, d, e);
  } catch (x) {
    const reason = `internal: ${x instanceof Error ? x.message : String(x)}`;
    lastReason = reason;
    emit('tamper', policy.failOpen ? 'detected' : 'blocked', reason, { api: typeof a === 'string' ? a : 'spawn' });
    return policy.failOpen;
  }
  return permit(request);
});

/** True when the call may proceed. Never throws. */
export const permit = (function permit(request: Request): boolean {
  // The decision itself reads files (stat, hashing): those calls are ours.
  if (busy) return true;
  busy = true;
  stableSpawnNames = undefined;
  try {
    const observed = spawnObserver !== undefined && request.kind === 'spawn' ? spawnObserver(request) : CLEAN;
    if (observed === REFUSE) {
      lastReason = 'the decoy access key handed to a child';
      return false;
    }
    // Worker options, execve's arguments and an addon's filename are read inside the window, where
    // user code may run (a getter, a toString): the built-ins must still be the originals. (The
    // preload copies a spawn's arguments before the window; fs calls carry strings and buffers.)
    if (request.kind === 'worker' || request.kind === 'addon' || (request.kind === 'spawn' && request.api === 'execve')) c.verify();
    const m = decisionModule();
    if (!system) system = m.createSystemView(startTimeMs);
    const d = m.evaluate(policy, request, system);
    if (d.allow) {
      if (request.kind === 'spawn' && observed === CLEAN) stableSpawnNames = m.lastStableNames();
      return true;
    }
    const refuse = policy.mode === 'block' || d.always === true;
    lastReason = d.reason;
    emit(d.control, refuse ? 'blocked' : 'detected', d.reason, { ...describe(request), ...d.detail });
    return !refuse;
  } catch (e) {
    const reason = `internal: ${e instanceof Error ? e.message : String(e)}`;
    // (The window restored the built-ins: instanceof and String are the originals here.)
    lastReason = reason;
    emit('tamper', policy.failOpen ? 'detected' : 'blocked', reason, describe(request));
    return policy.failOpen;
  } finally {
    busy = false;
  }
});
