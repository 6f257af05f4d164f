// The preload's second half (late.js): what its wrappers run once a call has
// something to decide. Every byte of preload.js is
// parsed at every cold start (~150 instructions a byte), so what no cold
// start needs lives here: the preload reads and compiles this file the first
// time a call has something to decide (the first spawn, an executable write
// into /tmp, the first outbound byte with decoys).
//
// Like the preload, this runs outside the engine's window, where user code
// may have replaced any global or built-in method by now: it names no global
// (build.mjs fails the build if it does) and calls only what the preload read
// at start (Core). Loops are indexed; lists are written with put1().
//
// What the first call to decide runs is written as parenthesized function
// expressions, which V8 compiles with the file rather than one by one at
// their first call (see preload.ts): -0.75 M instructions at the first spawn.
import { CAPTURED_KEYS } from './captured';
import type { Engine, Preload } from './engine';
import { QUICK_TEXT, QUICK_UDP, QUICK_WRITEV } from './honeypots/host';
import type { WindowApi } from './intrinsics';
import { H, type Core, type Late } from './late-api';

type AnyFn = (...a: unknown[]) => unknown;

// What late() is handed, and the parts of it used most (set once, by late()).
let core: Core;
let apply: Core['apply'];
let construct: Core['construct'];
let defineProperty: Core['defineProperty'];
let ownKeys: Core['ownKeys'];
let FunctionCtor: Core['FunctionCtor'];
let ErrorCtor: Core['ErrorCtor'];
let ArrayCtor: Core['ArrayCtor'];
let isArray: Core['isArray'];
let ArrayProto: Core['ArrayProto'];
let ObjectProto: Core['ObjectProto'];
let proc: Core['proc'];
let fs: Core['fs'];
let state: Core['state'];
let originals: Core['originals'];
let names: Core['names'];
let fault: Core['fault'];
let nativeRequire: Core['nativeRequire'];
let quickKinds: Core['quickKinds'];
const fileOf = (name: string): string => `${core.dirname}/${name}`;

/**
 * The globals the bundles name, as they were at start: each bundle is
 * compiled with them as parameters (window.js), so a replaced global
 * (`globalThis.String = ...`) is not the one the enforcer calls. In the
 * order of core.globals.
 */
const GLOBAL_NAMES = ['Object', 'Array', 'String', 'Number', 'Boolean', 'Symbol', 'Map', 'Set', 'WeakMap', 'WeakSet', 'JSON', 'Math',
  'Reflect', 'Promise', 'RegExp', 'Error', 'TypeError', 'RangeError', 'EvalError', 'Buffer', 'Uint8Array', 'Int32Array', 'DataView',
  'Date', 'parseInt', 'encodeURIComponent', 'decodeURIComponent', 'process'];

let win: WindowApi | undefined;

/** window.js (the window's code, see intrinsics.ts), compiled with the functions captured at start; throws if it cannot load. */
const windowApi = (function windowApi(): WindowApi {
  if (win) return win;
  const install = core.compile(fileOf('window.js')) as (host: unknown) => WindowApi;
  return (win = install(core.windowHost({
    apply,
    construct,
    gopd: core.getOwnPropertyDescriptor,
    defineProperty,
    deleteProperty: core.deleteProperty,
    setPrototypeOf: core.setPrototypeOf,
    firstIndex,
    ErrorCtor,
    FunctionCtor,
    globalNames: GLOBAL_NAMES,
    globals: core.globals,
    requireBuiltin,
    dirname: core.dirname,
  })));
});

/** For the engine (captured): throws if a built-in changed since the window opened. */
function verifyWindow(): void {
  windowApi().verify();
}

/** Compiles and runs a bundle of the layer (engine, decision, honeypots) in the window; its exports. */
const bundle = (function bundle(file: string): unknown {
  return windowApi().load(file, apply(core.readFileSync, fs, [file, 'utf8']) as string);
});

/** What the engine's captured array names, by key (a plain loop over the list: no method calls). */
const named = { __proto__: null } as unknown as Record<string, AnyFn>;

/**
 * What the bundles get for require('fs'): the functions they use, as they
 * were at start (user code may replace the module's own properties). The fs
 * binding functions behind them are restored in each window (intrinsics.ts).
 */
let pinnedFs: Record<string, unknown>;

/** Builtins for the engine and the decision: the ones captured at start, others without Module._load. */
const requireBuiltin = (function requireBuiltin(id: string): unknown {
  const name = id.length > 5 && id[0] === 'n' && id[1] === 'o' && id[2] === 'd' && id[3] === 'e' && id[4] === ':' ? apply(core.strSlice, id, [5]) as string : id;
  if (name === 'fs') return pinnedFs;
  if (name === 'path') return core.path;
  const m = core.getBuiltin ? apply(core.getBuiltin, proc, [name]) : undefined;
  return m === undefined ? nativeRequire(id) : m;
});

/** The honeypots' quick path for network writes, once the engine has started them (Honeypots.quick). */
let quick: ((kind: number, self: unknown, a: readonly unknown[]) => boolean) | undefined;
/** Why engine.js could not load: it is not tried again. */
let loadError: unknown;

/** engine.js, read and compiled with the functions captured at start; throws if it cannot load. */
const load = (function load(): Engine {
  if (state.engine) return state.engine;
  if (loadError !== undefined) throw loadError;
  const file = fileOf('engine.js');
  let exports: Engine;
  state.loading = true;
  try {
    try {
      exports = bundle(file) as Engine;
    } catch (e) {
      // --disallow-code-generation-from-strings: fall back to the module loader.
      if (!core.codeGenRefused(e)) throw e;
      exports = nativeRequire(file) as Engine;
    }
    if (typeof exports.start !== 'function') throw new ErrorCtor(`${file} does not export start`);
    const self: Preload = {
      captured: engineCaptured(),
      raw: core.raw,
      started: core.started,
      preload: core.filename,
      installFs: core.installFs,
      usePromises: () => core.fsb()?.kUsePromises,
      decoyEnvironment: core.decoyEnvironment,
      load: bundle,
      setQuick: (f) => { quick = f; },
    };
    exports.start(self);
  } catch (e) {
    loadError = e;
    throw e;
  } finally {
    state.loading = false;
  }
  return (state.engine = exports);
});

/** The preload's captured array, with this file's functions in their slots. */
const engineCaptured = (function engineCaptured(): unknown[] {
  const mine = { __proto__: null, requireBuiltin, verify: verifyWindow, inWindow, rememberSpawn } as unknown as Record<string, unknown>;
  const all = core.captured;
  for (let i = 0; i < CAPTURED_KEYS.length; i++) {
    const f = mine[CAPTURED_KEYS[i]];
    if (f !== undefined) define(all, i, f);
  }
  return all;
});

const REJECTED = { __proto__: null, value: true, writable: true, enumerable: true, configurable: true } as PropertyDescriptor;
const UNSET = { __proto__: null, value: undefined, writable: true, enumerable: true, configurable: true } as PropertyDescriptor;

/**
 * Code caches that code hands in are dropped, and the compile cache is not
 * enabled at run time. V8 checks a code cache's length, version and flags,
 * not its content: a cache whose bytecode was edited ran, for another
 * source of the same length (tested), and V8 trusts bytecode (registers out
 * of the frame read and write memory). The code compiles from its source
 * instead, and says so (cachedDataRejected), as for a stale cache; no event
 * (v8-compile-cache and the like use caches this way).
 */
function noCodeCache(i: H, self: unknown, a: unknown[], newTarget: unknown): unknown {
  const orig = originals[i];
  // module.constants.compileCacheStatus.FAILED
  if (i === H.EnableCompileCache) return { status: 0, message: 'refused by nano-enforcer: code in the function could edit the cache of a module before it loads' };
  let given: boolean;
  if (i === H.VmCompileFunction) {
    // vm.compileFunction(code, params, options): options.cachedData, read once here, shadowed by an own undefined.
    const o = a[2] as { cachedData?: unknown };
    given = o.cachedData !== undefined;
    if (given) {
      const copy = { __proto__: o } as object;
      defineProperty(copy, 'cachedData', UNSET);
      a[2] = copy;
    }
  } else {
    // The contextify binding's ContextifyScript and compileFunction: (code, filename, lineOffset, columnOffset, cachedData, ...).
    given = a[4] !== undefined;
    a[4] = undefined;
  }
  const r = newTarget === undefined ? apply(orig, self, a) : construct(orig, a, newTarget as AnyFn);
  if (given && r !== null && (typeof r === 'object' || typeof r === 'function')) defineProperty(r as object, 'cachedDataRejected', REJECTED);
  return r;
}

/** The body of a wrapper whose call has something to decide (the preload's needs()): the engine, in the window. */
const run = (function run(i: H, self: unknown, a: unknown[], newTarget?: unknown): unknown {
  if (i >= H.ContextifyScript && i <= H.EnableCompileCache) return noCodeCache(i, self, a, newTarget);
  const orig = originals[i];
  const kind = i > H.LoadEnvFile ? quickKinds[i] : 0;
  // A list of buffers (a socket's writev, a datagram's, fs.writev's) is read once: what the scan and the
  // /tmp check see is what the binding writes (an index getter or the list's own iterator could tell them apart).
  if (kind === QUICK_WRITEV || kind === QUICK_UDP) a = listCopy(a, 0);
  else if (i === H.WriteBuffers) a = listCopy(a, 3);
  // The honeypots' network writes: most carry nothing to look at closer, which their quick path tells without a window.
  if (kind !== 0 && quick !== undefined && quick(kind, self, a)) return apply(orig, self, a);
  // What the engine decides on is what the binding gets: a copy, read once, before the window opens.
  if (i === H.Spawn || i === H.SpawnSync) {
    a = snapshot(a);
    if (fastSpawn(i, a)) return apply(orig, self, a);
  }
  let e: Engine;
  // The engine runs on the built-ins as they were at start (intrinsics.ts).
  let w: WindowApi | undefined;
  try {
    w = windowApi();
    w.enter(replaced);
    e = load();
  } catch (x) {
    w?.leave();
    // The honeypots' hooks only watch: without the engine their calls go through, reported once.
    if (i >= H.ReadFileUtf8) {
      core.watchFault(x, names[i]);
      return apply(orig, self, a);
    }
    return fault(x, names[i]) ? apply(orig, self, a) : core.refuse(i, a);
  }
  try {
    return e.handle(names[i], orig, self, a, newTarget as AnyFn | undefined);
  } finally {
    w.leave();
    pendingKey = pendingPairs = undefined;
  }
});

/**
 * Spawns the engine allowed whose decision depends only on the request and
 * the environment variables it read (decision/cache.ts: every file on
 * immutable mounts), whose environment list it did not change, and in which
 * the honeypots (if any) found nothing: by key
 * (api, file, cwd, args), that list and the names read (NODE_OPTIONS and
 * NANO_ENFORCER_POLICY always count as read).
 */
interface FastSpawn {
  readonly pairs: readonly string[];
  readonly read: Record<string, true | undefined>;
}
let fastSpawns = { __proto__: null } as unknown as Record<string, FastSpawn | undefined>;
let fastCount = 0;
const FAST_SPAWNS = 64;
/** The spawn the engine is deciding, for rememberSpawn(). */
let pendingKey: string | undefined;
let pendingPairs: string[] | undefined;

/**
 * Whether this spawn (the snapshot's copy) repeats one the engine allowed,
 * with an environment list that differs at most in the values of names the
 * decision did not read (under the runtime, _X_AMZN_TRACE_ID changes on
 * every invocation), and with honeypots, in values their quick path clears:
 * it then goes straight to the binding, without the window. Otherwise notes
 * its key for rememberSpawn(). No method user code can replace; the copies'
 * elements are own properties.
 */
const fastSpawn = (function fastSpawn(i: H, a: unknown[]): boolean {
  pendingKey = pendingPairs = undefined;
  let file: unknown;
  let args: unknown;
  let cwdArg: unknown;
  let pairs: unknown;
  if (a.length === 1) {
    const o = a[0] as Record<string, unknown>;
    file = o.file;
    args = o.args;
    cwdArg = o.cwd;
    pairs = o.envPairs;
  } else {
    file = a[0];
    args = a[1];
    cwdArg = a[2];
    pairs = a[3];
  }
  if (typeof file !== 'string' || !isArray(args) || !isArray(pairs) || (cwdArg != null && typeof cwdArg !== 'string')) return false;
  const list = args as string[];
  // Lengths first: no string of the key can end another's part.
  let key = `${i}:${file.length}:${file}${cwdArg == null ? -1 : (cwdArg as string).length}:${cwdArg ?? ''}`;
  const base = apply(core.cwd, proc, []) as string;
  key += `${base.length}:${base}${list.length}`;
  for (let j = 0; j < list.length; j++) key += `:${list[j].length}:${list[j]}`;
  const now = pairs as string[];
  const f = fastCount === 0 ? undefined : fastSpawns[key];
  if (f !== undefined && sameList(f, now)) return true;
  pendingKey = key;
  pendingPairs = now;
  return false;
});

/** An entry that differs from the remembered list only in the value of a name not read (no NUL, the same name at the same place). */
function sameList(f: FastSpawn, now: string[]): boolean {
  const was = f.pairs;
  if (now.length !== was.length) return false;
  for (let j = 0; j < now.length; j++) {
    const p = now[j];
    if (p === was[j]) continue;
    const eq = apply(core.strIndexOf, p, ['=']) as number;
    if (eq <= 0 || (apply(core.strIndexOf, p, ['\0']) as number) >= 0) return false;
    const name = apply(core.strSlice, p, [0, eq]) as string;
    if (f.read[name] === true) return false;
    // The same name as the entry it replaces: the list's names, unique when the engine allowed it, stay so.
    const w = was[j];
    if (apply(core.strIndexOf, w, ['=']) !== eq || apply(core.strSlice, w, [0, eq]) !== name) return false;
    // With honeypots (their quick path set): the engine remembered the spawn only if their scan of it was
    // clean, and a new value must certainly be clean too (a decoy put into any variable is a trip wire).
    if (quick !== undefined && !quick(QUICK_TEXT, undefined, [apply(core.strSlice, p, [eq + 1])])) return false;
  }
  return true;
}

/** For the engine (captured): the spawn being decided was allowed, and its decision read only these names of its environment. */
const rememberSpawn = (function rememberSpawn(names_: readonly string[]): void {
  const key = pendingKey;
  const pairs = pendingPairs;
  if (key === undefined || pairs === undefined) return;
  const read = { __proto__: null, NODE_OPTIONS: true, NANO_ENFORCER_POLICY: true } as unknown as Record<string, true | undefined>;
  for (let j = 0; j < names_.length; j++) read[names_[j]] = true;
  if (fastCount >= FAST_SPAWNS) {
    fastSpawns = { __proto__: null } as unknown as Record<string, FastSpawn | undefined>;
    fastCount = 0;
  }
  if (fastSpawns[key] === undefined) fastCount++;
  fastSpawns[key] = { pairs, read };
});

/**
 * A spawn's arguments as the binding will read them, read once: options
 * whose getters (or a Proxy) answer one thing to the enforcer and another
 * to the binding would otherwise run what was never checked. Plain copies
 * (no prototype: an inherited Object.prototype.file is not read either),
 * the executable and cwd as strings, args and envPairs as arrays of strings.
 * Runs before the window: it may run user code (getters, toString), and it
 * calls no method user code can have replaced.
 */
const snapshot = (function snapshot(a: unknown[]): unknown[] {
  // Node 20/22, and spawn_sync: spawn(options). Node 24's process_wrap: spawn(file, args, cwd, envPairs, stdio, ...).
  checkPlain();
  if (a.length === 1 && a[0] !== null && typeof a[0] === 'object') {
    const o = a[0] as Record<string, unknown>;
    const c: Record<string, unknown> = { __proto__: null } as unknown as Record<string, unknown>;
    for (const k in o) c[k] = o[k];
    c.file = text(c.file);
    c.args = strings(c.args);
    if (c.cwd !== undefined && c.cwd !== null) c.cwd = text(c.cwd);
    if (c.envPairs !== undefined) c.envPairs = strings(c.envPairs);
    return [c];
  }
  const b = copyOf(a, false);
  put1(b, 0, text(a[0]));
  put1(b, 1, strings(a[1]));
  if (a[2] !== undefined && a[2] !== null) put1(b, 2, text(a[2]));
  if (a[3] !== undefined) put1(b, 3, strings(a[3]));
  return b;
});

/** Each copied list, by its write request, while the request lives. */
let retained: WeakMap<object, unknown> | undefined;

/**
 * A hook's arguments with its list of buffers (a[1]: a socket's writev
 * chunks, UDP send's buffers, the fs binding's writeBuffers) copied, each
 * element read once: a getter or a Proxy in the list cannot show the check
 * one buffer and the binding another. `req`: where the call's request is
 * (an async write's), which keeps the copy alive.
 */
function listCopy(a: unknown[], req: number): unknown[] {
  const list = a[1];
  if (!isArray(list)) return a;
  checkPlain();
  const b = copyOf(a, false);
  const copy = copyOf(list as unknown[], false);
  put1(b, 1, copy);
  // The binding writes the buffers later; Node keeps the caller's list alive until then, this keeps the copy's.
  const r = a[req];
  if (r !== null && typeof r === 'object') apply(core.weakSet, retained ??= new core.WeakMapCtor(), [r, copy]);
  return b;
}

/** Set by checkPlain(): no index property on Array.prototype or Object.prototype, so `b[j] = v` calls no setter. */
let plain = false;

const checkPlain = (function checkPlain(): void {
  plain = firstIndex(ArrayProto) === undefined && firstIndex(ObjectProto) === undefined;
});

/** A copy of v, each element read once (as a string if asText), as own elements (after checkPlain()). */
const copyOf = (function copyOf(v: unknown[], asText: boolean): unknown[] {
  const n = v.length;
  const out = new ArrayCtor(n);
  for (let j = 0; j < n; j++) put1(out, j, asText ? text(v[j]) : v[j]);
  return out;
});

/** The first own index property of o ('0', '17'), or undefined: ownKeys lists them first. Also window.js's. */
const firstIndex = (function firstIndex(o: object): string | undefined {
  // Array.prototype is an array: without an index property its length is 0 (length cannot become an accessor).
  if (o === ArrayProto && ArrayProto.length === 0) return undefined;
  const keys = ownKeys(o);
  const k = keys.length === 0 ? undefined : keys[0];
  if (typeof k !== 'string' || k.length === 0) return undefined;
  for (let i = 0; i < k.length; i++) if (k[i] < '0' || k[i] > '9') return undefined;
  return k;
});
const ELEMENT = { __proto__: null, value: undefined, writable: true, enumerable: true, configurable: true } as PropertyDescriptor;

/** b[j] = v as an own element: an index setter on Array.prototype is not called. */
const define = (function define(b: unknown[], j: number, v: unknown): void {
  ELEMENT.value = v;
  defineProperty(b, j, ELEMENT);
  ELEMENT.value = undefined;
});

/** b[j] = v as an own element, by assignment when checkPlain() found no index property. */
const put1 = (function put1(b: unknown[], j: number, v: unknown): void {
  if (plain) b[j] = v;
  else define(b, j, v);
});

/** ToString without a replaceable global (String): a template literal. */
const text = (function text(v: unknown): string {
  return typeof v === 'string' ? v : `${v as string}`;
});

/** A copy of an array as strings (each element read once); anything else as is (the binding rejects it). */
const strings = (function strings(v: unknown): unknown {
  return isArray(v) ? copyOf(v as unknown[], true) : v;
});

/** A built-in the engine uses was found replaced (once per built-in): reported, not refused. */
function replaced(name: string): void {
  core.report('detected', `built-in ${name} was replaced; the enforcer restores its original while it decides`, 'intrinsics');
}

/**
 * Runs fn(arg) in a window (the engine's callbacks that Node calls later: an
 * async open's completion, the exit summary). Never throws: a fault is reported.
 */
function inWindow(fn: AnyFn, arg: unknown): unknown {
  const w = windowApi();
  try {
    w.enter(replaced);
    return apply(fn, undefined, [arg]);
  } catch (e) {
    fault(e, 'callback');
    return undefined;
  } finally {
    w.leave();
  }
}

module.exports = (function late(c: Core): Late {
  core = c;
  ({ apply, construct, defineProperty, ownKeys, FunctionCtor, ErrorCtor, ArrayCtor, isArray, ArrayProto, ObjectProto, proc, fs } = c);
  ({ state, originals, names, fault, nativeRequire, quickKinds } = c);
  if (GLOBAL_NAMES.length !== c.globals.length) throw new ErrorCtor('late.js: the preload\'s GLOBALS and GLOBAL_NAMES differ');
  for (let i = 0; i < CAPTURED_KEYS.length; i++) named[CAPTURED_KEYS[i]] = c.captured[i] as AnyFn;
  pinnedFs = {
    __proto__: null,
    statSync: named.statSync,
    lstatSync: named.lstatSync,
    realpathSync: named.realpathSync,
    realpathNative: named.realpathNative,
    readlinkSync: named.readlinkSync,
    openSync: named.openSync,
    readSync: named.readSync,
    closeSync: named.closeSync,
    readFileSync: named.readFileSync,
    existsSync: named.existsSync,
    fstatSync: named.fstatSync,
    writeSync: named.writeSync,
    constants: core.fsConstants,
  };
  return { run, load };
});
