/* eslint-disable no-bitwise */ // open flags and file modes are bit fields
// The enforcer's entry, loaded before user code by
// NODE_OPTIONS=--require /opt/nano-enforcer/preload.js, in the main thread
// and in every worker. Its size is cold start (V8 parses every byte of it),
// so it holds only what must exist before user code: the captured
// primitives, thin wrappers on the choke points and the cheap /tmp
// prefilter. The first time a wrapper has something to decide it loads
// engine.js (gate, events, requests, write analysis) with functions
// captured here, so code loaded later cannot substitute it.
import type { Captured } from './captured';
import type { Engine, Preload } from './engine';
import { apply, binding, construct, disguise, lock, mark } from './hooks/wrap';
import { isWritablePath } from './hooks/writable';

type AnyFn = (...a: unknown[]) => unknown;
interface ModuleCtor { _load: AnyFn; syncBuiltinESMExports?: () => void }

const proc = process as unknown as Record<string, AnyFn> & NodeJS.Process;
const getBuiltin = proc.getBuiltinModule;
const nativeRequire = require;
// getBuiltinModule costs less than require() (no Module._load); Node < 20.16 has only require.
const fs = (getBuiltin ? apply(getBuiltin, proc, ['fs']) : nativeRequire('fs')) as typeof import('fs');
const path = (getBuiltin ? apply(getBuiltin, proc, ['path']) : nativeRequire('path')) as typeof import('path');
const cwd = proc.cwd;
const resolve = path.resolve;
const FunctionCtor = Function;
const enqueue = queueMicrotask;
const raw = proc.env.NANO_ENFORCER_POLICY;
const started = Date.now();
const captured: Captured = {
  apply,
  construct,
  fs,
  path,
  writeSync: fs.writeSync,
  readFileSync: fs.readFileSync,
  openSync: fs.openSync,
  readSync: fs.readSync,
  closeSync: fs.closeSync,
  fstatSync: fs.fstatSync,
  readlinkSync: fs.readlinkSync,
  resolve,
  cwd,
  nextTick: proc.nextTick,
  bufferFrom: Buffer.from,
  byteLength: Buffer.byteLength,
  bufToString: Buffer.prototype.toString,
  then: Promise.prototype.then,
  reject: Promise.reject,
  stringify: JSON.stringify,
  now: Date.now,
  rawDebug: proc._rawDebug,
  FunctionCtor,
  requireBuiltin,
};

let engine: Engine | undefined;
/** The parsed policy when it passed the cheap check; undefined: default or decoded by the engine at init. */
let parsed: Record<string, unknown> | undefined;
let fsHooked = false;

/** Builtins for the engine and the decision: the ones captured here, others without Module._load. */
function requireBuiltin(id: string): unknown {
  const name = id.startsWith('node:') ? id.slice(5) : id;
  if (name === 'fs') return fs;
  if (name === 'path') return path;
  const m = getBuiltin ? apply(getBuiltin, process, [name]) : undefined;
  return m === undefined ? nativeRequire(id) : m;
}

/** engine.js, read and compiled with the functions captured above; throws if it cannot load. */
function load(): Engine {
  if (engine) return engine;
  const file = `${__dirname}/engine.js`;
  const mod = { exports: {} as Engine };
  try {
    const fn = new FunctionCtor('exports', 'require', 'module', '__filename', '__dirname',
      apply(captured.readFileSync, fs, [file, 'utf8']) as string);
    apply(fn, undefined, [mod.exports, requireBuiltin, mod, file, __dirname]);
  } catch (e) {
    // --disallow-code-generation-from-strings: fall back to the module loader.
    if (!(e instanceof EvalError)) throw e;
    mod.exports = nativeRequire(file) as Engine;
  }
  if (typeof mod.exports.start !== 'function') throw new Error(`${file} does not export start`);
  const self: Preload = { captured, raw, started, preload: __filename, installFs, usePromises: () => fsb?.kUsePromises };
  mod.exports.start(self);
  return (engine = mod.exports);
}

/**
 * engine.js failed to load: an internal fault, reported as `tamper` (without
 * the engine's rate limit) and failing open or closed per policy.
 */
function fault(e: unknown, api: string): boolean {
  const open = parsed?.f === 'o';
  try {
    const line = captured.stringify({
      source: 'nano-enforcer',
      version: 1,
      control: 'tamper',
      action: open ? 'detected' : 'blocked',
      reason: `internal: ${e instanceof Error ? e.message : String(e)}`,
      detail: { api },
    });
    apply(captured.writeSync, fs, [1, `${line}\n`]);
  } catch {
    // Nowhere to report; never fail the caller for it.
  }
  return open;
}

/** An EACCES error shaped like Node's own, for a refusal without the engine. */
function eacces(syscall: string, p: unknown): Error {
  const e = new Error(`EACCES: permission denied, ${syscall} '${p}' (refused by nano-enforcer: internal fault)`);
  return Object.assign(e, { errno: -13, code: 'EACCES', syscall, path: p });
}

/** Fails an fs binding call the way it fails natively for its calling convention. */
function fail(req: unknown, err: Error): unknown {
  if (req !== undefined && req === fsb?.kUsePromises) return apply(captured.reject, Promise, [err]);
  const done = (req as { oncomplete?: AnyFn } | null)?.oncomplete;
  if (typeof done !== 'function') throw err;
  apply(captured.nextTick, process, [() => apply(done, req, [err])]);
  return undefined;
}

function inWritable(p: unknown): boolean {
  let s: string;
  if (typeof p === 'string') s = p;
  else if (p instanceof Uint8Array) s = apply(captured.bufToString, p, ['utf8']) as string;
  else return false;
  return isWritablePath(resolve(apply(cwd, process, []) as string, s));
}

/**
 * Wraps obj[key]: calls that `needs` says have something to decide go to the
 * engine's handler `name`; `refuse` is the native failure when the engine is
 * missing and the policy fails closed.
 */
type Test = (a: unknown[]) => unknown;

function hook(obj: Record<string, unknown> | undefined, key: string, name: string, needs: Test, refuse: Test): void {
  const orig = obj?.[key] as AnyFn;
  if (typeof orig !== 'function') return;
  // Named by the computed key, so that disguise() has nothing to redefine.
  const wrapper = {
    [key]: function (this: unknown, ...a: unknown[]): unknown {
      if (!engine && !needs(a)) return apply(orig, this, a);
      let e: Engine;
      try {
        e = load();
      } catch (x) {
        return fault(x, name) ? apply(orig, this, a) : refuse(a);
      }
      return e.handle(name, orig, this, a, new.target);
    },
  }[key]!;
  lock(obj!, key, disguise(wrapper, orig));
}

const always = (): boolean => true;
const UV_EACCES = -13;

function installSpawn(): void {
  const proto = binding<{ Process?: { prototype: Record<string, unknown> } }>('process_wrap')?.Process?.prototype;
  // The refusal execs /dev/null, which the kernel refuses with EACCES.
  hook(proto, 'spawn', 'spawn', always, () => UV_EACCES);
  hook(binding('spawn_sync'), 'spawn', 'spawnSync', always, () => ({ error: UV_EACCES, status: null, signal: null, output: null, pid: 0 }));
  hook(proc, 'execve', 'execve', always, (a) => { throw eacces('execve', a[0]); });
  hook(proc, 'dlopen', 'dlopen', (a) => inWritable(a[1]), (a) => {
    throw Object.assign(new Error(`${a[1]}: cannot load a native addon from a writable location (refused by nano-enforcer)`), { code: 'ERR_DLOPEN_FAILED' });
  });
}

let fsb: Record<string, unknown> | undefined;
const X_BITS = 0o111;

/** protectTmp: the fs binding, below every fs export. Only writes in a writable place go to the engine. */
function installFs(): void {
  if (fsHooked) return;
  fsHooked = true;
  fsb = binding('fs');
  const loaded = (): boolean => engine !== undefined;
  const at = (i: number, syscall = 'open') => (a: unknown[]) => fail(a[i], eacces(syscall, a[0]));
  const open = (a: unknown[]): boolean => typeof a[1] === 'number' && (a[1] & 3) !== 0 && inWritable(a[0]);
  hook(fsb, 'open', 'open', open, at(3));
  hook(fsb, 'openFileHandle', 'openFileHandle', open, at(3));
  for (const k of ['close', 'writeBuffer', 'writeBuffers', 'writeString']) hook(fsb, k, k, loaded, always);
  hook((fsb?.FileHandle as { prototype?: Record<string, unknown> } | undefined)?.prototype, 'close', 'fhClose', loaded, always);
  hook(fsb, 'writeFileUtf8', 'writeFileUtf8', (a) => (typeof a[0] === 'number' ? loaded() : inWritable(a[0])), at(-1));
  const dest = (a: unknown[]): boolean => inWritable(a[1]);
  hook(fsb, 'copyFile', 'copyFile', dest, at(3, 'copyfile'));
  hook(fsb, 'rename', 'rename', dest, at(2, 'rename'));
  hook(fsb, 'link', 'link', dest, at(2, 'link'));
  hook(fsb, 'cpSyncOverrideFile', 'cpSyncOverrideFile', dest, at(-1, 'cp'));
  const x = (a: unknown[]): boolean => typeof a[1] === 'number' && (a[1] & X_BITS) !== 0;
  hook(fsb, 'chmod', 'chmod', (a) => x(a) && inWritable(a[0]), at(2, 'chmod'));
  hook(fsb, 'fchmod', 'fchmod', x, at(2, 'fchmod'));
}

// Worker threads have their own bindings; the Worker constructor is wrapped
// when worker_threads is first loaded (it costs milliseconds at init):
// require / createRequire (Module._load), process.getBuiltinModule, and ESM
// `import 'node:worker_threads'`, whose loading assigns process.chdir in the
// main thread, which an accessor sees; a microtask then patches the exports
// and syncs the ESM bindings before the importing module evaluates.
let workerPatched = false;

function patchWorkerThreads(exportsObj: unknown): void {
  if (workerPatched || exportsObj === null || typeof exportsObj !== 'object') return;
  workerPatched = true;
  const x = exportsObj as Record<string, unknown>;
  const Original = x.Worker as AnyFn & { prototype: { constructor: unknown } };
  hook(x, 'Worker', 'Worker', always, (a) => {
    throw Object.assign(new Error(`Worker initialization failure: ${a[0]} refused by nano-enforcer`), { code: 'ERR_WORKER_INIT_FAILED' });
  });
  const wrapper = x.Worker as AnyFn & { prototype: unknown };
  if (wrapper === Original) return;
  wrapper.prototype = Original.prototype;
  try {
    Original.prototype.constructor = wrapper;
  } catch {
    // Keeps working; only `w.constructor === Worker` would differ.
  }
}

function installWorkerHooks(moduleCtor: ModuleCtor): void {
  const isWorkerThreads = (id: unknown): boolean => id === 'worker_threads' || id === 'node:worker_threads';
  // Inside a worker, worker_threads is part of its bootstrap.
  if ((proc.moduleLoadList as unknown as string[] | undefined)?.includes('NativeModule worker_threads')) return patchWorkerThreads(nativeRequire('worker_threads'));
  const watch = (orig: AnyFn, key: string) => disguise({
    [key]: function (this: unknown, ...a: unknown[]): unknown {
      const result = apply(orig, this, a);
      if (!workerPatched && isWorkerThreads(a[0])) patchWorkerThreads(result);
      return result;
    },
  }[key]!, orig);
  moduleCtor._load = watch(moduleCtor._load, '_load');
  if (typeof getBuiltin === 'function') lock(proc, 'getBuiltinModule', watch(getBuiltin, 'getBuiltinModule'));

  let chdir = proc.chdir;
  const d = Reflect.getOwnPropertyDescriptor(proc, 'chdir');
  if (!d?.configurable) return;
  Reflect.defineProperty(proc, 'chdir', {
    configurable: true,
    enumerable: d.enumerable,
    get: () => chdir,
    set: (v: typeof chdir) => {
      chdir = v;
      if (!workerPatched) {
        enqueue(() => {
          if (workerPatched) return;
          patchWorkerThreads(nativeRequire('worker_threads'));
          if (moduleCtor.syncBuiltinESMExports) apply(moduleCtor.syncBuiltinESMExports, moduleCtor, []);
        });
      }
    },
  });
}

/**
 * The policy's shape, cheaply: a value that is not a v1 object with known
 * keys is decoded (and reported) by the engine at init. Its list entries are
 * checked when the engine first loads.
 */
const KEYS = 'vmadtwifh';
function plausible(): boolean {
  try {
    const o: unknown = JSON.parse(raw!);
    if (o === null || typeof o !== 'object' || (o as { v?: unknown }).v !== 1) return false;
    // A JSON object has only own enumerable keys.
    for (const k in o) if (k.length !== 1 || KEYS.indexOf(k) < 0) return false;
    parsed = o as Record<string, unknown>;
    return true;
  } catch {
    return false;
  }
}

function install(): void {
  // Idempotent: loaded twice (two --require, or required by user code), hooks once.
  if (!mark(process, Symbol.for('nano-enforcer.installed'))) return;
  const faults: string[] = [];
  const step = (name: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      faults[faults.length] = `${name}: ${e instanceof Error ? e.message : String(e)}`;
    }
  };
  step('child_process', installSpawn);
  step('worker_threads', () => installWorkerHooks(module.constructor as never));
  if (raw === undefined || raw === '' || (plausible() && parsed!.t !== 0)) step('fs', installFs);
  // An implausible policy, or a hook that failed: the engine reports it now (and installs the fs hooks the default policy needs).
  if (faults.length !== 0 || (raw !== undefined && raw !== '' && parsed === undefined)) {
    try {
      load().initFaults(faults);
    } catch (e) {
      fault(e, 'init');
    }
  }
}

try {
  install();
} catch (e) {
  // Never crash the function's start.
  fault(e, 'init');
}
