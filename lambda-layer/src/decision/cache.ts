// Spawn decisions remembered across evaluations, so that a process that
// starts the same command again and again (a warm function) pays a few stat
// calls instead of a whole evaluation.
//
// evaluate() is a pure function of the policy, the request and what the
// SystemView answers. So an entry is keyed on the policy, the request (api,
// file, argv, cwd) and the system view, and holds every answer the
// evaluation got from the environment and the machine:
// - the value of each environment variable it read (and the list of names,
//   when it looked at them all): under the runtime _X_AMZN_TRACE_ID changes
//   on every invocation, and no decision about `/bin/true` reads it;
// - each realpath() result, and the stat identity (dev, ino, size, mode,
//   mtime, ctime) of every path that was stat'ed, read (readHead) or hashed.
// A hit replays them: the entry is used only if every variable has the same
// value, every realpath is the same and every identity unchanged (a
// rewritten, replaced, renamed or newly created file, a re-pointed symlink,
// a new hard link (ctime) all miss). isWritableLocation() is a function of
// the path and the mount table that the view reads once, so it needs no
// replay.
//
// A realpath() whose resolution never visits a writable location (every
// symlink followed, checked once when the entry is made) is not replayed:
// on Lambda that part of the filesystem is read-only, so the answer cannot
// change. The path's stat identity is replayed instead, which still catches
// a re-pointed symlink on a machine whose root filesystem is writable (it
// then names another file). Replaying realpath was most of a hit's cost.
//
// A path whose whole resolution stays on immutable mounts (read-only, and
// no mount in this namespace writes the same filesystem: mounts.ts), as
// every file but /tmp's is on Lambda, is replayed not at all: nothing this
// process or its children can do changes what it names or holds. A hit on
// such a decision asks the machine nothing (each stat is a system call,
// ~8 µs on these machines: most of a hit's cost before).
//
// Only for views made by createSystemView (their stat returns real
// identities); a test's fake view is evaluated every time.
import { EnvReads, trackedVarsFromEnv, varsFromEnv, VarValue } from './args';
import type { Decision, FileStat, Policy, SpawnRequest, SystemView } from '../types';

const MAX_ENTRIES = 256;
/** Entries for one request that differ in the environment (the same command with several PATHs). */
const MAX_VARIANTS = 4;

type Vars = Map<string, VarValue[]>;

interface Entry {
  readonly decision: Decision;
  /** Environment variables read: name, value (undefined: unset). */
  readonly env: readonly (string | undefined)[];
  /** The names of the environment, when the evaluation listed them. */
  readonly names: ReadonlySet<string> | undefined;
  /** realpath() answers: path, result (undefined: did not exist). */
  readonly real: readonly (string | undefined)[];
  /** stat identities: path, then the IDENTITY fields (all -1 when it did not exist). */
  readonly ids: readonly (string | number)[];
}

interface Cache {
  readonly policy: Policy;
  readonly entries: Map<string, Entry[]>;
  readonly recorder: Recorder;
}

/** The stable view an evaluation sees (caches keyed on the view, e.g. the ELF cache, keep working); it logs into `log` while one runs. */
interface Recorder extends SystemView {
  log: Log | undefined;
  readonly resolution: (p: string) => Resolution;
}

/** Where resolving a path goes (every symlink followed). */
export const enum Resolution {
  /** Through or into a writable location. */
  WRITABLE,
  /** Nowhere writable, but through a mount that something could write (a developer's rw root). */
  READ_ONLY,
  /** Only through immutable mounts. */
  IMMUTABLE,
}

/** Cacheable views, with their classification of a path's resolution. */
const cacheable = new WeakMap<SystemView, (p: string) => Resolution>();
const caches = new WeakMap<SystemView, Cache>();

/** Marks a view whose stat() answers real identities (createSystemView). */
export const markCacheable = (function markCacheable(system: SystemView, resolution: (p: string) => Resolution): void {
  cacheable.set(system, resolution);
});

interface Log {
  readonly real: (string | undefined)[];
  readonly ids: (string | number)[];
  readonly seen: Set<string>;
}

/** The fields of a stat identity, compared as numbers (no string is built on a hit). */
const IDENTITY = 6;

const pushIdentity = (function pushIdentity(ids: (string | number)[], p: string, st: FileStat | undefined): void {
  if (!st) {
    ids.push(p, -1, -1, -1, -1, -1, -1);
    return;
  }
  ids.push(p, st.dev, st.ino, st.size ?? -1, st.mode, st.mtimeMs, st.ctimeMs);
});

/** Whether the stat answer has the identity recorded at ids[at + 1 .. at + IDENTITY]. */
function sameIdentity(st: FileStat | undefined, ids: readonly (string | number)[], at: number): boolean {
  if (!st) return ids[at + 1] === -1 && ids[at + 2] === -1;
  return st.dev === ids[at + 1] && st.ino === ids[at + 2] && (st.size ?? -1) === ids[at + 3]
    && st.mode === ids[at + 4] && st.mtimeMs === ids[at + 5] && st.ctimeMs === ids[at + 6];
}

const recorder = (function recorder(base: SystemView, resolution: (p: string) => Resolution): Recorder {
  const r: Recorder = {
    log: undefined,
    resolution,
    realpath: (p) => {
      const v = base.realpath(p);
      const log = r.log;
      if (log && !log.seen.has('r' + p)) {
        log.seen.add('r' + p);
        const where = resolution(p);
        if (where === Resolution.READ_ONLY) noteIdentity(r, base, p, where);
        else if (where === Resolution.WRITABLE) log.real.push(p, v);
      }
      return v;
    },
    stat: (p) => {
      const v = base.stat(p);
      const log = r.log;
      if (log && !log.seen.has('s' + p)) {
        log.seen.add('s' + p);
        if (resolution(p) !== Resolution.IMMUTABLE) pushIdentity(log.ids, p, v);
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
    writableBelow: (d) => base.writableBelow(d),
    startTimeMs: base.startTimeMs,
    preloadPath: base.preloadPath,
    execPath: base.execPath,
    nodeOptions: base.nodeOptions,
  };
  return r;
});

/** Records p's identity once per evaluation (stat'ed only when not recorded yet, and not at all on immutable mounts). */
const noteIdentity = (function noteIdentity(r: Recorder, base: SystemView, p: string, where?: Resolution): void {
  const log = r.log;
  if (!log || log.seen.has('s' + p)) return;
  log.seen.add('s' + p);
  if ((where ?? r.resolution(p)) !== Resolution.IMMUTABLE) pushIdentity(log.ids, p, base.stat(p));
});

const part = (function part(s: string): string {
  return `${s.length}:${s}`;
});

const keyOf = (function keyOf(request: SpawnRequest): string {
  let k = part(request.api) + part(request.file) + part(request.cwd) + request.args.length + ';';
  for (const a of request.args) k += part(a);
  return k;
});

function sameNames(names: ReadonlySet<string>, env: Readonly<Record<string, string>>): boolean {
  let n = 0;
  for (const name in env) {
    if (!names.has(name)) return false;
    n++;
  }
  return n === names.size;
}

/** Whether the environment holds what the entry's evaluation read of it. */
function sameEnv(e: Entry, env: Readonly<Record<string, string>>): boolean {
  const vars = e.env;
  for (let i = 0; i < vars.length; i += 2) if (env[vars[i] as string] !== vars[i + 1]) return false;
  return e.names === undefined || sameNames(e.names, env);
}

/** Whether the machine still answers what it answered the entry's evaluation. */
function fresh(base: SystemView, e: Entry): boolean {
  const real = e.real;
  for (let i = 0; i < real.length; i += 2) if (base.realpath(real[i] as string) !== real[i + 1]) return false;
  const ids = e.ids;
  for (let i = 0; i < ids.length; i += IDENTITY + 1) if (!sameIdentity(base.stat(ids[i] as string), ids, i)) return false;
  return true;
}

/**
 * The entry of the last decision cachedSpawnDecision() returned (undefined:
 * none). Its decision is a function of the request and the environment
 * variables it read alone when it has nothing to replay (every file on
 * immutable mounts) and did not list the names.
 */
let lastEntry: Entry | undefined;

/** See lastEntry: what the preload's repeat check for this spawn must compare (preload.ts, fastSpawn). Made only when asked. */
export const lastStableNames = (function lastStableNames(): readonly string[] | undefined {
  const e = lastEntry;
  if (e === undefined || e.real.length !== 0 || e.ids.length !== 0 || e.names !== undefined) return undefined;
  const names: string[] = [];
  for (let i = 0; i < e.env.length; i += 2) names.push(e.env[i] as string);
  return names;
});

/**
 * The decision on a spawn request: a remembered one whose answers from the
 * environment and the machine still hold, or `compute` run on a view and
 * variables that record them.
 */
export const cachedSpawnDecision = (function cachedSpawnDecision(
  policy: Policy, request: SpawnRequest, system: SystemView, compute: (system: SystemView, vars: Vars) => Decision,
): Decision {
  lastEntry = undefined;
  const env = request.env ?? {};
  const resolution = cacheable.get(system);
  if (!resolution) return compute(system, varsFromEnv(env));
  let cache = caches.get(system);
  if (!cache || cache.policy !== policy) {
    cache = { policy, entries: new Map(), recorder: recorder(system, resolution) };
    caches.set(system, cache);
  }
  const key = keyOf(request);
  const variants = cache.entries.get(key);
  if (variants) {
    for (let i = 0; i < variants.length; i++) {
      const v = variants[i];
      if (!sameEnv(v, env)) continue;
      if (fresh(system, v)) {
        lastEntry = v;
        return v.decision;
      }
      // A file changed: this variant never holds again.
      variants.splice(i--, 1);
    }
  }
  const rec = cache.recorder;
  // Nested evaluations do not happen (evaluate is synchronous and not re-entered), but never share a log.
  if (rec.log) return compute(system, varsFromEnv(env));
  const log: Log = { real: [], ids: [], seen: new Set() };
  const reads: EnvReads = { names: new Set(), listed: false };
  rec.log = log;
  let decision: Decision;
  try {
    decision = compute(rec, trackedVarsFromEnv(env, reads));
  } finally {
    rec.log = undefined;
  }
  const envRead: (string | undefined)[] = [];
  // Read back the way sameEnv() compares.
  for (const name of reads.names) envRead.push(name, env[name]);
  const entry: Entry = { decision, env: envRead, names: reads.listed ? new Set(Object.keys(env)) : undefined, real: log.real, ids: log.ids };
  if (!variants) {
    if (cache.entries.size >= MAX_ENTRIES) cache.entries.clear();
    cache.entries.set(key, [entry]);
  } else {
    if (variants.length >= MAX_VARIANTS) variants.shift();
    variants.push(entry);
  }
  lastEntry = entry;
  return decision;
});
