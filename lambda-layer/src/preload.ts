/* eslint-disable no-bitwise */ // open flags and file modes are bit fields
// The enforcer's entry, loaded before user code by
// NODE_OPTIONS=--require /opt/nano-enforcer/preload.js, in the main thread
// and in every worker. Its size is cold start (V8 parses every byte of it),
// so it holds only what must exist before user code: the captured
// primitives, thin wrappers on the choke points and the cheap /tmp
// prefilter. The first time a wrapper has something to decide it loads
// engine.js (gate, events, requests, write analysis) with functions
// captured here, so code loaded later cannot substitute it.
import type { Engine, Preload } from './engine';
import { DECOY_FILE_PATHS } from './honeypots/paths';
import { apply, binding, construct, defineProperty, disguise, getOwnPropertyDescriptor, getPrototypeOf, ownKeys } from './hooks/wrap';
import { isWritablePath } from './hooks/writable';
import { captureIntrinsics, windowHost, type WindowApi } from './intrinsics';

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
const readFileSync = fs.readFileSync;
const writeSync = fs.writeSync;
const stringify = JSON.stringify;
const nextTick = proc.nextTick;
const reject = Promise.reject;
const bufToString = Buffer.prototype.toString;
const slice = Array.prototype.slice;
const strIndexOf = String.prototype.indexOf;
const strSlice = String.prototype.slice;
const isView = ArrayBuffer.isView;
// The C++ behind Buffer#toString('utf8'), which takes any Uint8Array; toString itself looks up this.utf8Slice.
const utf8Slice = (Buffer.prototype as unknown as { utf8Slice: AnyFn }).utf8Slice;
const assign = Object.assign;
const deleteProperty = Reflect.deleteProperty;
const setPrototypeOf = Reflect.setPrototypeOf;
const ErrorCtor = Error;
const PromiseCtor = Promise;
/** In the order of CAPTURED_KEYS (captured.ts). */
const captured = [
  apply, construct, fs, path, writeSync, readFileSync, fs.openSync, fs.readSync, fs.closeSync, fs.fstatSync,
  fs.readlinkSync, resolve, cwd, nextTick, Buffer.from, Buffer.byteLength, bufToString, Promise.prototype.then, reject, stringify,
  Date.now, proc._rawDebug, FunctionCtor, requireBuiltin, verifyWindow, inWindow, fs.statSync, fs.lstatSync, fs.realpathSync.native,
  fs.existsSync, fs.realpathSync, track, rememberSpawn,
];
/**
 * The globals the bundles name, as they were at start: each bundle is
 * compiled with them as parameters (see compile()), so a replaced global
 * (`globalThis.String = ...`) is not the one the enforcer calls.
 */
const GLOBAL_NAMES = ['Object', 'Array', 'String', 'Number', 'Boolean', 'Symbol', 'Map', 'Set', 'WeakMap', 'WeakSet', 'JSON', 'Math',
  'Reflect', 'Promise', 'RegExp', 'Error', 'TypeError', 'RangeError', 'EvalError', 'Buffer', 'Uint8Array', 'Int32Array', 'DataView',
  'Date', 'parseInt', 'encodeURIComponent', 'decodeURIComponent', 'process'];
const GLOBALS = [Object, Array, String, Number, Boolean, Symbol, Map, Set, WeakMap, WeakSet, JSON, Math,
  Reflect, Promise, RegExp, Error, TypeError, RangeError, EvalError, Buffer, Uint8Array, Int32Array, DataView,
  Date, parseInt, encodeURIComponent, decodeURIComponent, process];

let win: WindowApi | undefined;

/** window.js (the window's code, see intrinsics.ts), compiled with the functions captured above; throws if it cannot load. */
function windowApi(): WindowApi {
  if (win) return win;
  const file = `${__dirname}/window.js`;
  let install: (host: unknown) => WindowApi;
  // Its own read is not a hooked call (a layer in /tmp, with decoys: the read would ask for the window again).
  const was = loading;
  loading = true;
  try {
    const fn = construct(FunctionCtor, ['module', apply(readFileSync, fs, [file, 'utf8']) as string]) as AnyFn;
    const mod = { __proto__: null, exports: undefined as unknown };
    apply(fn, undefined, [mod]);
    install = mod.exports as typeof install;
  } catch (e) {
    // --disallow-code-generation-from-strings: the module loader.
    if (!(e instanceof EvalError)) throw e;
    install = nativeRequire(file) as typeof install;
  } finally {
    loading = was;
  }
  return (win = install(windowHost({
    apply,
    construct,
    gopd: getOwnPropertyDescriptor,
    defineProperty,
    deleteProperty,
    setPrototypeOf,
    firstIndex,
    ErrorCtor,
    FunctionCtor,
    globalNames: GLOBAL_NAMES,
    globals: GLOBALS,
    requireBuiltin,
    dirname: __dirname,
  })));
}

/** For the engine (captured): throws if a built-in changed since the window opened. */
function verifyWindow(): void {
  windowApi().verify();
}

/** Compiles and runs a bundle of the layer (engine, decision, honeypots) in the window; its exports. */
function bundle(file: string): unknown {
  return windowApi().load(file, apply(readFileSync, fs, [file, 'utf8']) as string);
}

let engine: Engine | undefined;
/** The parsed policy when it passed the cheap check; undefined: default or decoded by the engine at init. */
let parsed: Record<string, unknown> | undefined;
let fsHooked = false;

/**
 * What the bundles get for require('fs'): the functions they use, as they
 * were at start (user code may replace the module's own properties). The fs
 * binding functions behind them are restored in each window (intrinsics.ts).
 */
const pinnedFs = {
  __proto__: null,
  statSync: fs.statSync,
  lstatSync: fs.lstatSync,
  realpathSync: fs.realpathSync,
  realpathNative: fs.realpathSync.native,
  readlinkSync: fs.readlinkSync,
  openSync: fs.openSync,
  readSync: fs.readSync,
  closeSync: fs.closeSync,
  readFileSync,
  existsSync: fs.existsSync,
  fstatSync: fs.fstatSync,
  writeSync,
  constants: fs.constants,
};

/** Builtins for the engine and the decision: the ones captured here, others without Module._load. */
function requireBuiltin(id: string): unknown {
  const name = id.length > 5 && id[0] === 'n' && id[1] === 'o' && id[2] === 'd' && id[3] === 'e' && id[4] === ':' ? id.slice(5) : id;
  if (name === 'fs') return pinnedFs;
  if (name === 'path') return path;
  const m = getBuiltin ? apply(getBuiltin, process, [name]) : undefined;
  return m === undefined ? nativeRequire(id) : m;
}

/** The honeypots' quick path for network writes, once the engine has started them (Honeypots.quick). */
let quick: ((kind: number, self: unknown, a: readonly unknown[]) => boolean) | undefined;
/** Per hook, the quick path's kind of call (Honeypots.quick): 1 writeBuffer, 2 writev, 3 UDP send; 0 none. */
const quickKinds: number[] = [];
/** Set while engine.js loads: its own reads (readFileUtf8 of a layer in /tmp, in tests) are not hooked calls. */
let loading = false;
/** Why engine.js could not load: it is not tried again. */
let loadError: unknown;

/** engine.js, read and compiled with the functions captured above; throws if it cannot load. */
function load(): Engine {
  if (engine) return engine;
  if (loadError !== undefined) throw loadError;
  const file = `${__dirname}/engine.js`;
  let exports: Engine;
  loading = true;
  try {
    try {
      exports = bundle(file) as Engine;
    } catch (e) {
      // --disallow-code-generation-from-strings: fall back to the module loader.
      if (!(e instanceof EvalError)) throw e;
      exports = nativeRequire(file) as Engine;
    }
    if (typeof exports.start !== 'function') throw new Error(`${file} does not export start`);
    const self: Preload = {
      captured,
      raw,
      started,
      preload: __filename,
      installFs,
      usePromises: () => fsb?.kUsePromises,
      decoyEnvironment,
      load: bundle,
      setQuick: (f) => { quick = f; },
    };
    exports.start(self);
  } catch (e) {
    loadError = e;
    throw e;
  } finally {
    loading = false;
  }
  return (engine = exports);
}

/**
 * engine.js failed to load: an internal fault, reported as `tamper` (without
 * the engine's rate limit) and failing open or closed per policy.
 */
function fault(e: unknown, api: string): boolean {
  const open = parsed?.f === 'o';
  report(open ? 'detected' : 'blocked', `internal: ${message(e)}`, api);
  return open;
}

/** A tamper event, written by the preload itself (no engine, no rate limit). */
function report(action: string, reason: string, api: string): void {
  try {
    const line = stringify({ __proto__: null, source: 'nano-enforcer', version: 1, control: 'tamper', action, reason, detail: { __proto__: null, api } });
    apply(writeSync, fs, [1, `${line}\n`]);
  } catch {
    // Nowhere to report; never fail the caller for it.
  }
}

/** An EACCES error shaped like Node's own, for a refusal without the engine. */
function eacces(syscall: string, p: unknown): Error {
  const e = new ErrorCtor(`EACCES: permission denied, ${syscall} '${p}' (refused by nano-enforcer: internal fault)`);
  return assign(e, { errno: -13, code: 'EACCES', syscall, path: p }) as Error;
}

/** Fails an fs binding call the way it fails natively for its calling convention. */
function fail(req: unknown, err: Error): unknown {
  if (req !== undefined && req === fsb?.kUsePromises) return apply(reject, PromiseCtor, [err]);
  const done = (req as { oncomplete?: AnyFn } | null)?.oncomplete;
  if (typeof done !== 'function') throw err;
  apply(nextTick, process, [() => apply(done, req, [err])]);
  return undefined;
}

/**
 * A path argument (string or bytes) made absolute against the working
 * directory; undefined for an fd. An absolute path without '.', '..' or
 * empty segments is already what path.resolve would return (but for a
 * trailing '/', which no check here depends on): the loaders' own calls
 * (dlopen of an addon at init) then cost no resolve, whose extra calls
 * were enough to make V8 optimize Node's normalizeString during init.
 */
function absolute(p: unknown): string | undefined {
  let s: string;
  if (typeof p === 'string') s = p;
  else if (isView(p)) s = apply(utf8Slice, p, []) as string;
  else return undefined;
  const f = form(s);
  return f === NORMAL ? s : f === RESOLVE ? resolve(apply(cwd, proc, []) as string, s) : UNSURE;
}

/** What absolute() answers for a path with a NUL or a '..' segment: the engine finds where it leads (hooks/kernel-path.ts). */
const UNSURE = '\0';
const NORMAL = 0;
const RESOLVE = 1;
const KERNEL = 2;

/**
 * NORMAL: absolute, without '.', '..' or empty segments. RESOLVE: relative,
 * or with '.' or empty segments, which path.resolve() settles as the kernel
 * would. KERNEL: a NUL (the kernel reads up to it) or a '..' segment (the
 * kernel follows a symlink before the '..' after it: /proc/self/cwd/../../tmp),
 * where the string as written does not tell where the path goes. One pass;
 * like everything the wrappers run before the engine's window, it calls no
 * method user code can replace (the prefilter decides what the engine never sees).
 */
function form(s: string): number {
  let f = s[0] === '/' ? NORMAL : RESOLVE;
  for (let i = 0; i < s.length; i++) {
    const ch = s[i];
    if (ch === '\0') return KERNEL;
    if (i === 0 || s[i - 1] !== '/' || (ch !== '.' && ch !== '/')) continue;
    if (ch === '.' && s[i + 1] === '.' && (i + 2 === s.length || s[i + 2] === '/')) return KERNEL;
    f = RESOLVE;
  }
  // A relative path that starts with '..' ('../tmp/x'): its first segment has no '/' before it.
  return f === RESOLVE && s[0] === '.' && s[1] === '.' && (s.length === 2 || s[2] === '/') ? KERNEL : f;
}

function inWritable(p: unknown): boolean {
  const s = absolute(p);
  return s !== undefined && (s === UNSURE || isWritablePath(s));
}

/** The hooks, in the order of their tables below; the network hooks (honeypots) follow ReadFileUtf8. */
const enum H {
  Spawn, SpawnSync, Execve, Dlopen,
  Open, OpenFileHandle, Close, WriteBuffer, WriteBuffers, WriteString, FhClose, WriteFileUtf8,
  CopyFile, Rename, Link, CpSyncOverrideFile, Chmod, Fchmod,
  Worker, GetBuiltinModule, ReadFileUtf8,
}
/** The engine's handler name of each hook, and the property it replaces (the network hooks' are added with them). */
// Array literals, not split(): their strings are constants of the script, not new ones made at start.
const NAMES = ['spawn', 'spawnSync', 'execve', 'dlopen', 'open', 'openFileHandle', 'close', 'writeBuffer', 'writeBuffers', 'writeString', 'fhClose',
  'writeFileUtf8', 'copyFile', 'rename', 'link', 'cpSyncOverrideFile', 'chmod', 'fchmod', 'Worker', 'getBuiltinModule', 'readFileUtf8'];
const KEYS = NAMES.slice();
KEYS[H.SpawnSync] = 'spawn';
KEYS[H.FhClose] = 'close';
const originals: AnyFn[] = [];
const targets: unknown[] = [];

/**
 * The body of every wrapper: calls that `needs` says have something to
 * decide go to the engine; `refuse` is the native failure when the engine is
 * missing and the policy fails closed.
 */
function run(i: H, self: unknown, a: unknown[], newTarget?: unknown): unknown {
  const orig = originals[i];
  // Also once the engine is loaded: a call with nothing to decide opens no window (a write to an fd it does not track).
  if ((!engine && loading) || !needs(i, a)) return apply(orig, self, a);
  const kind = i > H.ReadFileUtf8 ? quickKinds[i] : 0;
  // A list of buffers (writev, a datagram's) is read once: what the scan sees is what the binding sends.
  if (kind >= 2) a = listCopy(a);
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
      if (!watchFault) fault(x, NAMES[i]);
      watchFault = true;
      return apply(orig, self, a);
    }
    return fault(x, NAMES[i]) ? apply(orig, self, a) : refuse(i, a);
  }
  try {
    return e.handle(NAMES[i], orig, self, a, newTarget as AnyFn | undefined);
  } finally {
    w.leave();
    pendingKey = pendingPairs = undefined;
  }
}

/**
 * Spawns the engine allowed whose decision depends only on the request and
 * the environment variables it read (decision/cache.ts: every file on
 * immutable mounts), and whose environment list it did not change: by key
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
 * every invocation): it then goes straight to the binding, without the
 * window. Otherwise notes its key for rememberSpawn(). No method user code
 * can replace; the copies' elements are own properties.
 */
function fastSpawn(i: H, a: unknown[]): boolean {
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
  const base = apply(cwd, proc, []) as string;
  key += `${base.length}:${base}${list.length}`;
  for (let j = 0; j < list.length; j++) key += `:${list[j].length}:${list[j]}`;
  const now = pairs as string[];
  const f = fastCount === 0 ? undefined : fastSpawns[key];
  if (f !== undefined && sameList(f, now)) return true;
  pendingKey = key;
  pendingPairs = now;
  return false;
}

/** An entry that differs from the remembered list only in the value of a name not read (no NUL, the same name at the same place). */
function sameList(f: FastSpawn, now: string[]): boolean {
  const was = f.pairs;
  if (now.length !== was.length) return false;
  for (let j = 0; j < now.length; j++) {
    const p = now[j];
    if (p === was[j]) continue;
    const eq = apply(strIndexOf, p, ['=']) as number;
    if (eq <= 0 || (apply(strIndexOf, p, ['\0']) as number) >= 0) return false;
    const name = apply(strSlice, p, [0, eq]) as string;
    if (f.read[name] === true) return false;
    // The same name as the entry it replaces: the list's names, unique when the engine allowed it, stay so.
    const w = was[j];
    if (apply(strIndexOf, w, ['=']) !== eq || apply(strSlice, w, [0, eq]) !== name) return false;
  }
  return true;
}

/** For the engine (captured): the spawn being decided was allowed, and its decision read only these names of its environment. */
function rememberSpawn(names: readonly string[]): void {
  const key = pendingKey;
  const pairs = pendingPairs;
  if (key === undefined || pairs === undefined) return;
  const read = { __proto__: null, NODE_OPTIONS: true, NANO_ENFORCER_POLICY: true } as unknown as Record<string, true | undefined>;
  for (let j = 0; j < names.length; j++) read[names[j]] = true;
  if (fastCount >= FAST_SPAWNS) {
    fastSpawns = { __proto__: null } as unknown as Record<string, FastSpawn | undefined>;
    fastCount = 0;
  }
  if (fastSpawns[key] === undefined) fastCount++;
  fastSpawns[key] = { pairs, read };
}

/**
 * A spawn's arguments as the binding will read them, read once: options
 * whose getters (or a Proxy) answer one thing to the enforcer and another
 * to the binding would otherwise run what was never checked. Plain copies
 * (no prototype: an inherited Object.prototype.file is not read either),
 * the executable and cwd as strings, args and envPairs as arrays of strings.
 * Runs before the window: it may run user code (getters, toString), and it
 * calls no method user code can have replaced.
 */
function snapshot(a: unknown[]): unknown[] {
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
}

/**
 * A network hook's arguments with its list (a[1]: writev's chunks, UDP
 * send's buffers) copied, each element read once: a getter or a Proxy in
 * the list cannot show the outbound scan one buffer and the binding another.
 */
function listCopy(a: unknown[]): unknown[] {
  const list = a[1];
  if (!isArray(list)) return a;
  checkPlain();
  const b = copyOf(a, false);
  const copy = copyOf(list as unknown[], false);
  put1(b, 1, copy);
  // The binding writes the buffers later; Node keeps the caller's list alive until then, this keeps the copy's.
  if (a[0] !== null && typeof a[0] === 'object') apply(weakSet, retained ??= new WeakMapCtor(), [a[0], copy]);
  return b;
}
const WeakMapCtor = WeakMap;
const weakSet = WeakMap.prototype.set;
/** Each copied list, by its write request, while the request lives. */
let retained: WeakMap<object, unknown> | undefined;

const ArrayCtor = Array;
const isArray = Array.isArray;
const ArrayProto = Array.prototype;
const ObjectProto = Object.prototype;
/** Set by checkPlain(): no index property on Array.prototype or Object.prototype, so `b[j] = v` calls no setter. */
let plain = false;

function checkPlain(): void {
  plain = firstIndex(ArrayProto) === undefined && firstIndex(ObjectProto) === undefined;
}

/** A copy of v, each element read once (as a string if asText), as own elements (after checkPlain()). */
function copyOf(v: unknown[], asText: boolean): unknown[] {
  const n = v.length;
  const out = new ArrayCtor(n);
  for (let j = 0; j < n; j++) put1(out, j, asText ? text(v[j]) : v[j]);
  return out;
}

/** The first own index property of o ('0', '17'), or undefined: ownKeys lists them first. Also window.js's. */
function firstIndex(o: object): string | undefined {
  // Array.prototype is an array: without an index property its length is 0 (length cannot become an accessor).
  if (o === ArrayProto && ArrayProto.length === 0) return undefined;
  const keys = ownKeys(o);
  const k = keys.length === 0 ? undefined : keys[0];
  if (typeof k !== 'string' || k.length === 0) return undefined;
  for (let i = 0; i < k.length; i++) if (k[i] < '0' || k[i] > '9') return undefined;
  return k;
}
const ELEMENT = { __proto__: null, value: undefined, writable: true, enumerable: true, configurable: true } as PropertyDescriptor;

/** b[j] = v as an own element: an index setter on Array.prototype is not called. */
function put1(b: unknown[], j: number, v: unknown): void {
  if (plain) {
    b[j] = v;
    return;
  }
  ELEMENT.value = v;
  defineProperty(b, j, ELEMENT);
  ELEMENT.value = undefined;
}

/** ToString without a replaceable global (String): a template literal. */
function text(v: unknown): string {
  return typeof v === 'string' ? v : `${v as string}`;
}

/** A copy of an array as strings (each element read once); anything else as is (the binding rejects it). */
function strings(v: unknown): unknown {
  return isArray(v) ? copyOf(v as unknown[], true) : v;
}

/** A built-in the engine uses was found replaced (once per built-in): reported, not refused. */
function replaced(name: string): void {
  report('detected', `built-in ${name} was replaced; the enforcer restores its original while it decides`, 'intrinsics');
}

/**
 * Runs fn(arg) in a window (the engine's callbacks that Node calls later: an
 * async open's completion, the exit summary). Never throws: a fault is reported.
 */
function inWindow(fn: AnyFn, arg: unknown): unknown {
  // Called by the engine's code only, so window.js is loaded.
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

const X_BITS = 0o111;
let watchFault = false;

/** Honeypots: the decoy variables' values at start, and the decoy files' paths; undefined without decoys. */
let decoyFiles: string[] | undefined;
const decoyEnvironment: Record<string, string | undefined> = {};

/**
 * Before the engine is loaded: could reading p trip a honeypot? A decoy
 * file, /proc (environ), or a scratch place where a symlink to one may be.
 */
function mayBeDecoy(p: unknown): boolean {
  if (decoyFiles === undefined) return false;
  const s = absolute(p);
  if (s === undefined) return false;
  if (s === UNSURE || isWritablePath(s)) return true;
  for (let i = 0; i < decoyFiles.length; i++) if (decoyFiles[i] === s) return true;
  return false;
}

/**
 * Whether text written as UTF-8 starts with the engine's magic numbers ('#!',
 * '\x7fELF'): a character below 0x80 is its own byte, and any other encodes
 * to bytes of 0xc2 and above. Plain text written into /tmp (a JSON cache at
 * init) then needs no engine.
 */
function magicText(s: string): boolean {
  // Past the end, s[i] reads String.prototype (user code can define '1'): at worst a needless check.
  return (s[0] === '#' && s[1] === '!') || (s[0] === '\x7f' && s[1] === 'E' && s[2] === 'L' && s[3] === 'F');
}

/**
 * The fds the engine tracks (opened for writing in a writable place),
 * mirrored here by the engine: a write or a close on any other fd has
 * nothing to decide. 1: every write goes to the engine; 2: the fd's offset
 * is past the first four bytes (and only moves forward), so only a write at
 * an explicit position below 4 does. No prototype: the lookup reads nothing
 * user code set.
 */
const trackedFds = { __proto__: null } as unknown as Record<number, number | undefined>;
let trackedCount = 0;

function track(fd: number, state: number): void {
  const was = trackedFds[fd] ?? 0;
  if (state === was) return;
  trackedFds[fd] = state;
  if (was === 0) trackedCount++;
  else if (state === 0) trackedCount--;
}

function isTracked(fd: unknown): boolean {
  return trackedCount !== 0 && typeof fd === 'number' && (trackedFds[fd] ?? 0) !== 0;
}

/** A write on fd at `position`: does it need the engine? */
function writeNeeds(fd: unknown, position: unknown): boolean {
  if (trackedCount === 0 || typeof fd !== 'number') return false;
  const state = trackedFds[fd] ?? 0;
  return state === 1 || (state === 2 && typeof position === 'number' && position >= 0 && position < 4);
}

/** Does this call have something to decide? (Writes and closes matter only on fds the engine tracks.) */
function needs(i: H, a: unknown[]): boolean {
  switch (i) {
    case H.Open: case H.OpenFileHandle: return (typeof a[1] === 'number' && (a[1] & 3) !== 0 && inWritable(a[0])) || mayBeDecoy(a[0]);
    case H.CopyFile: case H.CpSyncOverrideFile: return inWritable(a[1]) || mayBeDecoy(a[0]);
    case H.ReadFileUtf8: return mayBeDecoy(a[0]);
    case H.Dlopen: case H.Rename: case H.Link: return inWritable(a[1]);
    case H.WriteFileUtf8: return typeof a[0] === 'number' ? writeNeeds(a[0], undefined) : inWritable(a[0])
      && (typeof a[1] !== 'string' || magicText(a[1]) || (typeof a[3] === 'number' && (a[3] & X_BITS) !== 0));
    case H.Chmod: return typeof a[1] === 'number' && (a[1] & X_BITS) !== 0 && inWritable(a[0]);
    case H.Fchmod: return typeof a[1] === 'number' && (a[1] & X_BITS) !== 0;
    case H.Close: return isTracked(a[0]);
    // writeBuffer(fd, buffer, offset, length, position), writeBuffers(fd, buffers, position), writeString(fd, s, position, encoding)
    case H.WriteBuffer: return writeNeeds(a[0], a[4]);
    case H.WriteBuffers: case H.WriteString: return writeNeeds(a[0], a[2]);
    // FileHandle#close: its fd is the handle's; any tracked fd sends it to the engine.
    case H.FhClose: return trackedCount !== 0;
    default: return true;
  }
}

const UV_EACCES = -13;

/** The native failure of hook i, without the engine. */
function refuse(i: H, a: unknown[]): unknown {
  switch (i) {
    // The refusal execs /dev/null, which the kernel refuses with EACCES.
    case H.Spawn: return UV_EACCES;
    case H.SpawnSync: return { error: UV_EACCES, status: null, signal: null, output: null, pid: 0 };
    case H.Execve: throw eacces('execve', a[0]);
    case H.Dlopen: throw assign(new ErrorCtor(`${a[1]}: cannot load a native addon from a writable location (refused by nano-enforcer)`), { code: 'ERR_DLOPEN_FAILED' });
    case H.Worker: throw assign(new ErrorCtor(`Worker initialization failure: ${a[0]} refused by nano-enforcer`), { code: 'ERR_WORKER_INIT_FAILED' });
    case H.Open: case H.OpenFileHandle: return fail(a[3], eacces('open', a[0]));
    case H.WriteFileUtf8: return fail(undefined, eacces('open', a[0]));
    case H.CopyFile: return fail(a[3], eacces('copyfile', a[0]));
    case H.CpSyncOverrideFile: return fail(undefined, eacces('cp', a[0]));
    // Their names are the syscalls'.
    case H.Rename: case H.Link: case H.Chmod: case H.Fchmod: return fail(a[2], eacces(NAMES[i], a[0]));
    // Writes and closes go to the engine only once it is loaded.
    default: return true;
  }
}

const DESCRIPTOR = { __proto__: null, value: undefined, writable: false, configurable: false, enumerable: false } as PropertyDescriptor;
const isEnumerable = Object.prototype.propertyIsEnumerable;

/**
 * Installs hooks [from, to): a wrapper named like the property (a computed
 * key, so that nothing is redefined) replaces it, non-writable and
 * non-configurable when the property allows it, keeping its enumerability.
 * Binding functions are methods, like their wrappers: no prototype, not
 * constructors. Inline, so that no helper runs once per hook.
 */
function put(from: H, to: H): void {
  for (let i = from; i < to; i++) {
    const o = (i >= H.Open && i <= H.Fchmod && i !== H.FhClose ? fsb : targets[i]) as Record<string, unknown> | undefined;
    const k = KEYS[i];
    const f = o?.[k] as AnyFn;
    if (typeof f !== 'function') continue;
    originals[i] = f;
    // execve, Worker and getBuiltinModule are JS functions of length 1, with a prototype.
    const w = i === H.GetBuiltinModule
      ? { [k]: function (this: unknown, id: unknown) { return seen(apply(f, this, arguments), id); } }[k]
      : i === H.Execve || i === H.Worker
        ? { [k]: function (this: unknown, _: unknown) { return run(i, this, apply(slice, arguments, []) as unknown[], new.target); } }[k]
        : { [k](this: unknown, ...a: unknown[]) { return run(i, this, a); } }[k];
    // The JS functions (execve, Worker, getBuiltinModule) get all their own
    // properties copied. A binding function (C++) has only 'length' and
    // 'name' on every supported Node (tamper-and-events.test.ts pins it):
    // listing its keys would allocate two arrays per hook at start, enough to
    // pull a garbage collection into init on Node 24.
    if (i === H.Execve || i === H.Worker || i === H.GetBuiltinModule
      || w.name !== f.name || w.length !== f.length || getPrototypeOf(w) !== getPrototypeOf(f)) disguise(w, f);
    // Without a descriptor object per hook: defineProperty fails on a non-configurable property, which may still be writable.
    DESCRIPTOR.value = w;
    DESCRIPTOR.enumerable = apply(isEnumerable, o, [k]) as boolean;
    if (!defineProperty(o!, k, DESCRIPTOR)) {
      try {
        o![k] = w;
      } catch {
        // Read-only and locked: the original stays.
      }
    }
  }
  DESCRIPTOR.value = undefined;
}

let fsb: Record<string, unknown> | undefined;


/** protectTmp: the fs binding, below every fs export. Only writes in a writable place go to the engine. */
function installFs(): void {
  if (fsHooked) return;
  fsHooked = true;
  fsb ??= binding('fs');
  targets[H.FhClose] = (fsb?.FileHandle as { prototype?: unknown } | undefined)?.prototype;
  put(H.Open, H.Worker);
}

/** Honeypots: reads the decoys' values now and hooks the choke points of outbound bytes and of file reads. */
function installHoneypots(h: unknown, faults: string[]): void {
  const names = (h as { n?: unknown } | null)?.n;
  if (!Array.isArray(names)) return;
  for (const n of names) if (typeof n === 'string') decoyEnvironment[n] = proc.env[n];
  const root = resolve(__dirname, '..');
  decoyFiles = DECOY_FILE_PATHS.map((f) => `${root}/${f}`);
  installFs();
  targets[H.ReadFileUtf8] = fsb;
  const tcp = binding<{ TCP?: { prototype: unknown } }>('tcp_wrap')?.TCP?.prototype;
  const tls = binding<{ TLSWrap?: { prototype: unknown } }>('tls_wrap')?.TLSWrap?.prototype;
  const udp = binding<{ UDP?: { prototype: unknown } }>('udp_wrap')?.UDP?.prototype;
  const cares = binding<{ ChannelWrap?: { prototype: unknown } }>('cares_wrap');
  if (!tcp) faults[faults.length] = 'honeypots: tcp_wrap';
  if (!tls) faults[faults.length] = 'honeypots: tls_wrap';
  if (!udp) faults[faults.length] = 'honeypots: udp_wrap';
  if (!cares) faults[faults.length] = 'honeypots: cares_wrap';
  // The StreamBase writes of TCP and TLSWrap handles (own properties on TCP.prototype: its
  // parent's are shared with pipes and TTYs), UDP's sends, c-ares' getaddrinfo and queries.
  const net = (o: unknown, kind: string, keys: string): void => {
    for (const k of keys.split(' ')) {
      targets[KEYS.length] = o;
      quickKinds[KEYS.length] = k === 'writeBuffer' ? 1 : k === 'writev' ? 2 : kind === 'udp' ? 3 : 0;
      NAMES[NAMES.length] = `${kind}.${k}`;
      KEYS[KEYS.length] = k;
    }
  };
  const stream = 'writeBuffer writeUtf8String writeLatin1String writeAsciiString writeUcs2String writev';
  net(tcp, 'tcp', stream);
  net(tls, 'tls', stream);
  net(udp, 'udp', 'send send6');
  net(cares, 'dns', 'getaddrinfo');
  net(cares?.ChannelWrap?.prototype, 'dns', 'queryAny queryA queryAaaa queryCaa queryCname queryMx queryNs queryTxt querySrv queryPtr queryNaptr querySoa getHostByAddr');
  put(H.ReadFileUtf8, KEYS.length as H);
}

// Worker threads have their own bindings; the Worker constructor is wrapped
// when worker_threads is first loaded (it costs milliseconds at init):
// require / createRequire (Module._load), process.getBuiltinModule, and ESM
// `import 'node:worker_threads'`, whose loading assigns process.chdir in the
// main thread, which an accessor sees; a microtask then patches the exports
// and syncs the ESM bindings before the importing module evaluates.
let workerPatched = false;

function seen(result: unknown, id: unknown): unknown {
  if (!workerPatched && (id === 'worker_threads' || id === 'node:worker_threads')) patchWorkerThreads(result);
  return result;
}

function patchWorkerThreads(exportsObj: unknown): void {
  if (workerPatched || exportsObj === null || typeof exportsObj !== 'object') return;
  workerPatched = true;
  const x = exportsObj as Record<string, unknown>;
  const Original = x.Worker as AnyFn & { prototype: { constructor: unknown } };
  targets[H.Worker] = x;
  put(H.Worker, H.Worker + 1);
  const wrapper = x.Worker as AnyFn & { prototype: unknown };
  if (wrapper === Original) return;
  wrapper.prototype = Original.prototype;
  try {
    Original.prototype.constructor = wrapper;
  } catch {
    // Keeps working; only `w.constructor === Worker` would differ.
  }
}

function installWorkerHooks(): void {
  // Inside a worker, worker_threads is part of its bootstrap.
  if ((proc.moduleLoadList as unknown as string[] | undefined)?.includes('NativeModule worker_threads')) return patchWorkerThreads(nativeRequire('worker_threads'));
  const moduleCtor = module.constructor as unknown as ModuleCtor;
  const load_ = moduleCtor._load;
  // Anonymous (a property assignment names nothing) and of the same length, like the original.
  moduleCtor._load = function (this: unknown, request: unknown, _parent: unknown, _isMain: unknown) {
    return seen(apply(load_, this, arguments), request);
  };
  disguise(moduleCtor._load, load_);
  targets[H.GetBuiltinModule] = proc;
  put(H.GetBuiltinModule, H.GetBuiltinModule + 1);

  let chdir = proc.chdir;
  const d = getOwnPropertyDescriptor(proc, 'chdir');
  if (!d?.configurable) return;
  defineProperty(proc, 'chdir', {
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

/** An error's message, without a lookup user code can replace (instanceof, String). */
function message(e: unknown): string {
  if (e !== null && typeof e === 'object') {
    const d = getOwnPropertyDescriptor(e, 'message');
    if (d !== undefined && typeof d.value === 'string') return d.value;
  }
  return typeof e === 'string' ? e : typeof e;
}

/**
 * The policy's shape, cheaply: a value that is not a v1 object with known
 * keys is decoded (and reported) by the engine at init. Its list entries are
 * checked when the engine first loads.
 */
const POLICY_KEYS = 'vmadtwifh';

// Inline at the top level: parsed once.
// Idempotent: loaded twice (two --require, or required by user code), hooks once.
const MARK = Symbol.for('nano-enforcer.installed');
try {
  if (getOwnPropertyDescriptor(process, MARK) === undefined && defineProperty(process, MARK, { value: true })) {
    captureIntrinsics(fsb = binding('fs'));
    const faults: string[] = [];
    if (raw !== undefined && raw !== '') {
      try {
        const o: unknown = JSON.parse(raw);
        // A JSON object has only own enumerable keys.
        let known = o !== null && typeof o === 'object' && (o as { v?: unknown }).v === 1;
        if (known) for (const k in o as object) if (k.length !== 1 || POLICY_KEYS.indexOf(k) < 0) known = false;
        if (known) parsed = o as Record<string, unknown>;
      } catch {
        // Not JSON: the engine reports it.
      }
    }
    const withFs = raw === undefined || raw === '' || (parsed !== undefined && parsed.t !== 0);
    if (parsed?.h !== undefined) {
      try {
        installHoneypots(parsed.h, faults);
      } catch (e) {
        faults[faults.length] = `honeypots: ${message(e)}`;
      }
    }
    targets[H.Spawn] = binding<{ Process?: { prototype: unknown } }>('process_wrap')?.Process?.prototype;
    targets[H.SpawnSync] = binding('spawn_sync');
    targets[H.Execve] = targets[H.Dlopen] = proc;
    try {
      put(H.Spawn, H.Open);
    } catch (e) {
      faults[faults.length] = `child_process: ${message(e)}`;
    }
    try {
      installWorkerHooks();
    } catch (e) {
      faults[faults.length] = `worker_threads: ${message(e)}`;
    }
    if (withFs) {
      try {
        installFs();
      } catch (e) {
        faults[faults.length] = `fs: ${message(e)}`;
      }
    }
    // An implausible policy, or a hook that failed: the engine reports it now (and installs the fs hooks the default policy needs).
    if (faults.length !== 0 || (raw !== undefined && raw !== '' && parsed === undefined)) {
      try {
        load().initFaults(faults);
      } catch (e) {
        fault(e, 'init');
      }
    }
  }
} catch (e) {
  // Never crash the function's start.
  fault(e, 'init');
}
