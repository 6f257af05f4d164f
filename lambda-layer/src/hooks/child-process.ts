// Every process start in Node goes through one of two bindings:
// process_wrap's Process.prototype.spawn (spawn, exec, execFile, fork and
// their promisified forms) and spawn_sync's spawn (the *Sync forms).
// child_process looks both up at call time on the very objects that
// process.binding returns, so patching them here covers child_process loaded
// later, ESM imports, and attackers who call the bindings directly.
// The preload wraps them; these are the wrappers' bodies, in the engine.
import { c } from '../captured';
import { permitBuilt, stableSpawnNames } from '../gate';
import type { SpawnRequest } from '../types';
import { pairsChanged, protectEnvPairs } from './child-env';
import type { Handler } from './handler';

const UV_EACCES = -13;
// A refused spawn execs this instead, which the kernel refuses with EACCES
// (not a regular file): the handle, its stdio pipes and child_process's
// 'error' event then go exactly the native way. The error names the
// caller's file, since child_process takes it from its own options.
const REFUSED = '/dev/null';

interface SpawnOptions { file?: unknown; args?: unknown; cwd?: unknown; envPairs?: unknown }

const strings = (function strings(a: unknown): string[] {
  if (!Array.isArray(a)) return [];
  const out: string[] = [];
  for (let i = 0; i < a.length; i++) out[i] = String(a[i]);
  return out;
});

// Without envPairs the binding lets the child inherit environ; made explicit
// so that it can be checked and keep the enforcer.
function inheritedPairs(): string[] {
  const pairs: string[] = [];
  const env = process.env;
  for (const k in env) pairs[pairs.length] = `${k}=${env[k]}`;
  return pairs;
}

/**
 * A spawn request. A class, not an object literal with a getter: a literal
 * accessor makes a new closure and a slow object on every spawn.
 */
class Spawn implements SpawnRequest {
  readonly kind = 'spawn';
  constructor(
    readonly api: string,
    readonly file: string,
    readonly args: readonly string[],
    readonly cwd: string,
    readonly env: Record<string, string>,
    readonly envDuplicates: readonly string[] | undefined,
  ) {}
  // Enumerating process.env costs tens of µs per spawn and no decision reads it: computed when asked.
  get envExplicit(): boolean {
    return differsFromProcessEnv(this.env);
  }
}

const request = (function request(api: string, file: unknown, args: unknown, cwd: unknown, envPairs: string[]): SpawnRequest {
  const duplicates: string[] = [];
  const env = protectEnvPairs(envPairs, duplicates);
  const base = c.apply(c.cwd, process, []) as string;
  // Not normalized: the child's chdir() follows symlinks before '..' ('/proc/self/cwd/../../tmp' is /tmp, not
  // /proc/tmp), and the decision resolves it the same way; a NUL stays for the decision to refuse.
  const cwdAbs = typeof cwd === 'string' && cwd !== '' ? (cwd[0] === '/' ? cwd : `${base}/${cwd}`) : base;
  return new Spawn(api, String(file), strings(args), cwdAbs, env, duplicates.length === 0 ? undefined : duplicates);
});

function differsFromProcessEnv(env: Record<string, string>): boolean {
  const own = process.env;
  let n = 0;
  for (const k in env) {
    if (k === 'NODE_OPTIONS' || k === 'NANO_ENFORCER_POLICY') continue;
    if (own[k] !== env[k]) return true;
    n++;
  }
  let m = 0;
  for (const k in own) if (k !== 'NODE_OPTIONS' && k !== 'NANO_ENFORCER_POLICY') m++;
  return n !== m;
}

/**
 * Whether the spawn may proceed. An allowed one whose decision depends only
 * on the request and a few environment variables, and whose list the engine
 * did not change, is handed to the preload, which lets the same spawn
 * through again without the engine (preload.ts, fastSpawn).
 */
const permitted = (function permitted(api: string, file: unknown, args: unknown, cwd: unknown, envPairs: string[]): boolean {
  if (!permitBuilt(request, api, file, args, cwd, envPairs)) return false;
  if (!pairsChanged && stableSpawnNames !== undefined) c.rememberSpawn(stableSpawnNames);
  return true;
});

/** process_wrap's Process.prototype.spawn. */
export const spawn: Handler = (origSpawn) => {
  const apply = c.apply;
  // Node 20/22: spawn(options); Node 24: spawn(file, args, cwd, envPairs, stdio, flags, uid, gid).
  return function (this: unknown, a: unknown[]): unknown {
    if (a.length === 1 && a[0] !== null && typeof a[0] === 'object') {
      const o = a[0] as SpawnOptions;
      if (!Array.isArray(o.envPairs)) o.envPairs = inheritedPairs();
      if (permitted('spawn', o.file, o.args, o.cwd, o.envPairs as string[])) return apply(origSpawn, this, a);
      const { file, cwd } = o;
      o.file = REFUSED;
      o.cwd = '/';
      try {
        return apply(origSpawn, this, a);
      } finally {
        o.file = file;
        o.cwd = cwd;
      }
    }
    if (!Array.isArray(a[3])) a[3] = inheritedPairs();
    if (permitted('spawn', a[0], a[1], a[2], a[3] as string[])) return apply(origSpawn, this, a);
    const b = a.slice();
    b[0] = REFUSED;
    b[2] = '/';
    return apply(origSpawn, this, b);
  };
};

/** spawn_sync's spawn. */
export const spawnSync: Handler = (origSync) => {
  const apply = c.apply;
  return function (this: unknown, a: unknown[]): unknown {
    const o = a[0] as SpawnOptions | undefined;
    if (o === null || typeof o !== 'object') return apply(origSync, this, a);
    if (!Array.isArray(o.envPairs)) o.envPairs = inheritedPairs();
    if (permitted('spawnSync', o.file, o.args, o.cwd, o.envPairs as string[])) return apply(origSync, this, a);
    // The shape spawn_sync returns when exec fails (spawnSync gives { error }, execSync throws).
    return { error: UV_EACCES, status: null, signal: null, output: null, pid: 0 };
  };
};
