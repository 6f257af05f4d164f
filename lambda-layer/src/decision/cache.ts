// Spawn decisions remembered across evaluations, so that a process that
// starts the same command again and again (a warm function) pays a few stat
// calls instead of a whole evaluation.
//
// evaluate() is a pure function of the policy, the request and what the
// SystemView answers. So an entry is keyed on the policy, the request (api,
// file, argv, cwd, the whole environment) and the system view, and holds
// every answer the evaluation got from the machine: each realpath() result,
// and the stat identity (dev, ino, size, mode, mtime, ctime) of every path
// that was stat'ed, read (readHead) or hashed. A hit replays them: the entry
// is used only if every realpath is the same and every identity unchanged
// (a rewritten, replaced, renamed or newly created file, a re-pointed
// symlink, a new hard link (ctime) all miss). isWritableLocation() is a
// function of the path and the mount table that the view reads once, so it
// needs no replay.
//
// Only for views made by createSystemView (their stat returns real
// identities); a test's fake view is evaluated every time.
import type { Decision, FileStat, Policy, SpawnRequest, SystemView } from '../types';

const MAX_ENTRIES = 256;

interface Entry {
  readonly decision: Decision;
  /** realpath() answers: path, result (undefined: did not exist). */
  readonly real: readonly (string | undefined)[];
  /** stat identities: path, identity ('' when it did not exist). */
  readonly ids: readonly string[];
}

interface Cache {
  readonly policy: Policy;
  readonly entries: Map<string, Entry>;
  readonly recorder: Recorder;
}

/** The stable view an evaluation sees (caches keyed on the view, e.g. the ELF cache, keep working); it logs into `log` while one runs. */
interface Recorder extends SystemView {
  log: { real: (string | undefined)[]; ids: string[]; seen: Set<string> } | undefined;
}

const cacheable = new WeakSet<SystemView>();
const caches = new WeakMap<SystemView, Cache>();

/** Marks a view whose stat() answers real identities (createSystemView). */
export function markCacheable(system: SystemView): void {
  cacheable.add(system);
}

function identity(st: FileStat | undefined): string {
  if (!st) return '';
  const s = st as FileStat & { size?: number };
  return `${st.dev}:${st.ino}:${s.size}:${st.mode}:${st.mtimeMs}:${st.ctimeMs}`;
}

function recorder(base: SystemView): Recorder {
  const r: Recorder = {
    log: undefined,
    realpath: (p) => {
      const v = base.realpath(p);
      const log = r.log;
      if (log && !log.seen.has('r' + p)) {
        log.seen.add('r' + p);
        log.real.push(p, v);
      }
      return v;
    },
    stat: (p) => {
      const v = base.stat(p);
      const log = r.log;
      if (log && !log.seen.has('s' + p)) {
        log.seen.add('s' + p);
        log.ids.push(p, identity(v));
      }
      return v;
    },
    // Content is a function of the identity (a write changes mtime and ctime; so does utimes, ctime).
    readHead: (p, n) => {
      noteIdentity(r, base, p);
      return base.readHead(p, n);
    },
    sha256: (p) => {
      noteIdentity(r, base, p);
      return base.sha256(p);
    },
    isWritableLocation: (p) => base.isWritableLocation(p),
    startTimeMs: base.startTimeMs,
    preloadPath: base.preloadPath,
    execPath: base.execPath,
    nodeOptions: base.nodeOptions,
  };
  return r;
}

function noteIdentity(r: Recorder, base: SystemView, p: string): void {
  const log = r.log;
  if (log && !log.seen.has('s' + p)) {
    log.seen.add('s' + p);
    log.ids.push(p, identity(base.stat(p)));
  }
}

function part(s: string): string {
  return `${s.length}:${s}`;
}

function keyOf(request: SpawnRequest): string {
  let k = part(request.api) + part(request.file) + part(request.cwd) + request.args.length + ';';
  for (const a of request.args) k += part(a);
  const env = request.env;
  if (env) for (const name in env) k += part(name) + part(env[name]);
  return k;
}

function valid(base: SystemView, e: Entry): boolean {
  const real = e.real;
  for (let i = 0; i < real.length; i += 2) if (base.realpath(real[i] as string) !== real[i + 1]) return false;
  const ids = e.ids;
  for (let i = 0; i < ids.length; i += 2) if (identity(base.stat(ids[i])) !== ids[i + 1]) return false;
  return true;
}

/**
 * The decision on a spawn request: a remembered one whose answers from the
 * machine still hold, or `compute` run on a view that records them.
 */
export function cachedSpawnDecision(
  policy: Policy, request: SpawnRequest, system: SystemView, compute: (system: SystemView) => Decision,
): Decision {
  if (!cacheable.has(system)) return compute(system);
  let cache = caches.get(system);
  if (!cache || cache.policy !== policy) {
    cache = { policy, entries: new Map(), recorder: recorder(system) };
    caches.set(system, cache);
  }
  const key = keyOf(request);
  const hit = cache.entries.get(key);
  if (hit) {
    if (valid(system, hit)) return hit.decision;
    cache.entries.delete(key);
  }
  const rec = cache.recorder;
  // Nested evaluations do not happen (evaluate is synchronous and not re-entered), but never share a log.
  if (rec.log) return compute(system);
  const log = { real: [] as (string | undefined)[], ids: [] as string[], seen: new Set<string>() };
  rec.log = log;
  let decision: Decision;
  try {
    decision = compute(rec);
  } finally {
    rec.log = undefined;
  }
  if (cache.entries.size >= MAX_ENTRIES) cache.entries.clear();
  cache.entries.set(key, { decision, real: log.real, ids: log.ids });
  return decision;
}
