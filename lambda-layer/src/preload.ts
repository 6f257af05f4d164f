/* eslint-disable no-bitwise */ // open flags and file modes are bit fields
// The enforcer's entry, loaded before user code by
// NODE_OPTIONS=--require /opt/nano-enforcer/preload.js, in the main thread
// and in every worker. Its size is cold start (V8 parses every byte of it,
// ~150 instructions a byte), so it holds only what must exist before user
// code: the captured primitives, thin wrappers on the choke points and the
// cheap prefilter that tells which calls have something to decide. The first
// such call loads late.js (late.ts: the rest of the wrappers' work, which
// loads the window and engine.js: gate, events, requests, write analysis),
// with functions captured here, so code loaded later cannot substitute them.
//
// The functions every cold start runs (installing the hooks, and the
// prefilter, which the runtime client's own dlopen of its addon goes
// through) are parenthesized function expressions, `const f = (function f()
// {...})`, here and in the modules they call: V8 compiles those with the
// script instead of preparsing them and compiling each at its first call,
// which costs a second parse and a fixed ~30-100 K instructions a function
// (esbuild keeps the parentheses). Under the runtime client, -0.8 M
// instructions of init. Functions that most starts never call stay
// declarations: compiling them up front would cost more than preparsing.
import { QUICK_UDP, QUICK_WRITE, QUICK_WRITEV } from './honeypots/host';
import { DECOY_FILE_PATHS } from './honeypots/paths';
import { apply, binding, construct, defineProperty, disguise, getOwnPropertyDescriptor, getPrototypeOf, ownKeys } from './hooks/wrap';
import { isWritablePath } from './hooks/writable';
import { captureIntrinsics, windowHost } from './intrinsics';
import { H, type Core, type Late, type LateState } from './late-api';

type AnyFn = (...a: unknown[]) => unknown;
/** The global, where there is one (not under --jitless); the layer's TypeScript libs do not declare it. */
declare const WebAssembly: { Module: unknown; Instance: { prototype: object }; Memory: { prototype: object } } | undefined;
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
/** In the order of CAPTURED_KEYS (captured.ts); late.js fills the slots of its own functions (undefined here). */
const captured = [
  apply, construct, fs, path, writeSync, readFileSync, fs.openSync, fs.readSync, fs.closeSync, fs.fstatSync,
  fs.readlinkSync, resolve, cwd, nextTick, Buffer.from, Buffer.byteLength, bufToString, Promise.prototype.then, reject, stringify,
  Date.now, proc._rawDebug, FunctionCtor, undefined, undefined, undefined, fs.statSync, fs.lstatSync, fs.realpathSync.native,
  fs.existsSync, fs.realpathSync, track, undefined, fs.readdirSync,
  // What the honeypots' scanner instantiates probe.wat with (honeypots/wasm.ts); none under --jitless.
  typeof WebAssembly === 'object' ? [WebAssembly.Module, WebAssembly.Instance,
    getOwnPropertyDescriptor(WebAssembly.Instance.prototype, 'exports')?.get, getOwnPropertyDescriptor(WebAssembly.Memory.prototype, 'buffer')?.get] : undefined,
  // How a worker's URL is read (hooks/worker.ts): as Node reads it, whatever user code later does to URL.
  [URL, getOwnPropertyDescriptor(URL.prototype, 'href')?.get, getOwnPropertyDescriptor(URL.prototype, 'protocol')?.get,
    getOwnPropertyDescriptor(URL.prototype, 'pathname')?.get],
  // What tells a Uint8Array without instanceof (captured.ts, isBytes).
  getOwnPropertyDescriptor(getPrototypeOf(Uint8Array.prototype) as object, Symbol.toStringTag)?.get,
];
const fsConstants = fs.constants;
/** The globals the bundles name, as they were at start, in the order of late.ts's GLOBAL_NAMES. */
const GLOBALS = [Object, Array, String, Number, Boolean, Symbol, Map, Set, WeakMap, WeakSet, JSON, Math,
  Reflect, Promise, RegExp, Error, TypeError, RangeError, EvalError, Buffer, Uint8Array, Int32Array, DataView,
  Date, parseInt, encodeURIComponent, decodeURIComponent, process];
const EvalErrorProto = EvalError.prototype;

/**
 * Whether compiling a layer file failed because code generation from strings
 * is disallowed (--disallow-code-generation-from-strings): the only failure
 * that falls back to the module loader. By prototype, not instanceof: user
 * code can give EvalError a Symbol.hasInstance, make a read fail (EMFILE)
 * and answer the loader's require itself.
 */
function codeGenRefused(e: unknown): boolean {
  return e !== null && typeof e === 'object' && getPrototypeOf(e) === EvalErrorProto;
}

/** What late.js reads and writes too. */
const shared: LateState = { __proto__: null, engine: undefined, loading: false, decoyFiles: undefined } as LateState;
/** The parsed policy when it passed the cheap check; undefined: default or decoded by the engine at init. */
let parsed: Record<string, unknown> | undefined;
let fsHooked = false;
let late: Late | undefined;
/** Why late.js could not load: it is not tried again. */
let lateError: unknown;

/**
 * A layer file that assigns module.exports (late.js, window.js), read and
 * compiled with the functions captured here; its exports. Throws if it
 * cannot load.
 */
function compile(file: string): unknown {
  // Its own read is not a hooked call (a layer in /tmp, with decoys: the read would come back here).
  const was = shared.loading;
  shared.loading = true;
  try {
    const fn = construct(FunctionCtor, ['module', apply(readFileSync, fs, [file, 'utf8']) as string]) as AnyFn;
    const mod = { __proto__: null, exports: undefined as unknown };
    apply(fn, undefined, [mod]);
    return mod.exports;
  } catch (e) {
    // --disallow-code-generation-from-strings: the module loader.
    if (!codeGenRefused(e)) throw e;
    return nativeRequire(file);
  } finally {
    shared.loading = was;
  }
}

/** late.js, started with what the preload read at start; throws if it cannot load. */
function loadLate(): Late {
  if (late) return late;
  if (lateError !== undefined) throw lateError;
  try {
    const install = compile(`${__dirname}/late.js`) as (core: Core) => Late;
    late = install({
      apply,
      construct,
      defineProperty,
      getOwnPropertyDescriptor,
      deleteProperty,
      setPrototypeOf,
      ownKeys,
      FunctionCtor,
      ErrorCtor,
      codeGenRefused,
      compile,
      ArrayCtor,
      isArray,
      ArrayProto,
      ObjectProto,
      WeakMapCtor,
      weakSet,
      strIndexOf,
      strSlice,
      fs,
      fsConstants,
      path,
      cwd,
      proc,
      getBuiltin,
      nativeRequire,
      readFileSync,
      captured,
      globals: GLOBALS,
      raw,
      started,
      filename: __filename,
      dirname: __dirname,
      state: shared,
      originals,
      names: NAMES,
      quickKinds,
      decoyEnvironment,
      installFs,
      fsb: () => fsb,
      fault,
      watchFault,
      report,
      refuse,
      windowHost,
    });
  } catch (e) {
    lateError = e;
    throw e;
  }
  return late;
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
const absolute = (function absolute(p: unknown): string | undefined {
  let s: string;
  if (typeof p === 'string') s = p;
  else if (isView(p)) s = apply(utf8Slice, p, []) as string;
  else return undefined;
  const f = form(s);
  return f === NORMAL ? s : f === RESOLVE ? resolve(apply(cwd, proc, []) as string, s) : UNSURE;
});

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
const form = (function form(s: string): number {
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
});

const inWritable = (function inWritable(p: unknown): boolean {
  const s = absolute(p);
  return s !== undefined && (s === UNSURE || isWritablePath(s));
});

/** The engine's handler name of each hook, and the property it replaces (the network hooks' are added with them). */
// Array literals, not split(): their strings are constants of the script, not new ones made at start.
const NAMES = ['spawn', 'spawnSync', 'execve', 'dlopen', 'open', 'openFileHandle', 'close', 'writeBuffer', 'writeBuffers', 'writeString', 'fhClose',
  'writeFileUtf8', 'copyFile', 'rename', 'link', 'cpSyncOverrideFile', 'cpSyncCopyDir', 'chmod', 'fchmod', 'Worker', 'getBuiltinModule',
  'Connection', 'MainThreadConnection', 'inspectorOpen', 'SIGUSR1', 'setFlagsFromString', 'setFlagsFromString',
  'ContextifyScript', 'compileFunction', 'compileFunction', 'enableCompileCache', 'DatabaseSync', 'loadExtension', 'WASI', 'readFileUtf8', 'openAsBlob', 'loadEnvFile'];
const KEYS = NAMES.slice();
KEYS[H.SpawnSync] = 'spawn';
KEYS[H.FhClose] = 'close';
KEYS[H.InspectorOpen] = 'open';
const originals: AnyFn[] = [];
const targets: unknown[] = [];

const WeakMapCtor = WeakMap;
const weakSet = WeakMap.prototype.set;
const ArrayCtor = Array;
const isArray = Array.isArray;
const ArrayProto = Array.prototype;
const ObjectProto = Object.prototype;

/**
 * The body of every wrapper: a call that `needs` says has something to
 * decide goes to late.js (and from there to the engine); `refuse` is the
 * native failure when it cannot load and the policy fails closed.
 */
const run = (function run(i: H, self: unknown, a: unknown[], newTarget?: unknown): unknown {
  // Also once the engine is loaded: a call with nothing to decide opens no window (a write to an fd it does not track).
  if ((!shared.engine && shared.loading) || !needs(i, a)) {
    return newTarget === undefined ? apply(originals[i], self, a) : construct(originals[i], a, newTarget as AnyFn);
  }
  let l: Late;
  try {
    l = loadLate();
  } catch (x) {
    if (i >= H.ReadFileUtf8) {
      watchFault(x, NAMES[i]);
      return apply(originals[i], self, a);
    }
    return fault(x, NAMES[i]) ? apply(originals[i], self, a) : refuse(i, a);
  }
  return l.run(i, self, a, newTarget);
});

let watchFaulted = false;
/** A honeypot hook could not reach the engine: its call goes through (the honeypots only watch), reported once. */
function watchFault(e: unknown, api: string): void {
  if (watchFaulted) return;
  watchFaulted = true;
  report('detected', `internal: ${message(e)}`, api);
}

const X_BITS = 0o111;

/**
 * Before the engine is loaded: could reading p trip a honeypot? A decoy
 * file, /proc (environ), or a scratch place where a symlink to one may be.
 */
const mayBeDecoy = (function mayBeDecoy(p: unknown): boolean {
  const decoyFiles = shared.decoyFiles;
  if (decoyFiles === undefined) return false;
  const s = absolute(p);
  if (s === undefined) return false;
  if (s === UNSURE || isWritablePath(s)) return true;
  for (let i = 0; i < decoyFiles.length; i++) if (decoyFiles[i] === s) return true;
  return false;
});

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
const needs = (function needs(i: H, a: unknown[]): boolean {
  switch (i) {
    case H.Open: case H.OpenFileHandle: return (typeof a[1] === 'number' && (a[1] & 3) !== 0 && inWritable(a[0])) || mayBeDecoy(a[0]);
    case H.CopyFile: case H.CpSyncOverrideFile: return inWritable(a[1]) || mayBeDecoy(a[0]);
    case H.ReadFileUtf8: return mayBeDecoy(a[0]);
    // fs.openAsBlob and process.loadEnvFile (default: .env) read the file in C++, below the fs binding; a file: URL is read by the engine, once.
    case H.OpenAsBlob: return typeof a[0] === 'string' || isView(a[0]) ? mayBeDecoy(a[0]) : shared.decoyFiles !== undefined;
    case H.LoadEnvFile: return a[0] == null ? mayBeDecoy('.env') : typeof a[0] === 'string' || isView(a[0]) ? mayBeDecoy(a[0]) : shared.decoyFiles !== undefined;
    // process.dlopen turns a filename that is not a string into one itself (its toString): the engine does that once.
    case H.Dlopen: return typeof a[1] !== 'string' || inWritable(a[1]);
    // DatabaseSync#loadExtension(path): SQLite dlopens path, then path + '.so'. A path that is not a string throws natively.
    case H.LoadExtension: return typeof a[0] === 'string' && (inWritable(a[0]) || inWritable(a[0] + '.so'));
    // A code cache handed in (late.js drops it): the binding's cachedData argument, node:vm's options (read once, there).
    case H.ContextifyScript: case H.CompileFunction: return a[4] !== undefined;
    case H.VmCompileFunction: return a[2] !== null && typeof a[2] === 'object';
    case H.DatabaseSync: return held(i, false);
    case H.Wasi: return held(i, true);
    case H.Rename: case H.Link: return inWritable(a[1]);
    // A whole tree copied in C++ (fs.cpSync of a directory without a filter): with decoys, any tree may hold one.
    case H.CpSyncCopyDir: return inWritable(a[1]) || shared.decoyFiles !== undefined;
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
});

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
    case H.LoadExtension: throw assign(new ErrorCtor(`${a[0]}: cannot load an extension from a writable location (refused by nano-enforcer)`), { code: 'ERR_LOAD_SQLITE_EXTENSION' });
    case H.Wasi: throw assign(new ErrorCtor('UVWASI_EACCES, uvwasi_init (refused by nano-enforcer: internal fault)'), { errno: 2, code: 'UVWASI_EACCES', syscall: 'uvwasi_init' });
    case H.Connection: case H.MainThreadConnection: case H.InspectorOpen:
      throw assign(new ErrorCtor('Access to this API has been restricted (refused by nano-enforcer: internal fault)'),
        { code: 'ERR_ACCESS_DENIED', permission: 'Inspector', resource: i === H.InspectorOpen ? 'Open' : 'Connect' });
    case H.Open: case H.OpenFileHandle: return fail(a[3], eacces('open', a[0]));
    case H.WriteFileUtf8: return fail(undefined, eacces('open', a[0]));
    case H.CopyFile: return fail(a[3], eacces('copyfile', a[0]));
    case H.CpSyncOverrideFile: case H.CpSyncCopyDir: return fail(undefined, eacces('cp', a[0]));
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
const put = (function put(from: H, to: H): void {
  for (let i = from; i < to; i++) {
    const o = (i >= H.Open && i <= H.Fchmod && i !== H.FhClose ? fsb : targets[i]) as Record<string, unknown> | undefined;
    const k = KEYS[i];
    const f = o?.[k] as AnyFn;
    if (typeof f !== 'function') continue;
    originals[i] = f;
    // execve, Worker, getBuiltinModule and WASI are JS functions of length 1, with a prototype; DatabaseSync, the
    // inspector's connections and the contextify binding's ContextifyScript are classes from C++.
    const fn = i === H.Execve || i === H.Worker || i === H.GetBuiltinModule || i === H.DatabaseSync || i === H.Wasi
      || i === H.Connection || i === H.MainThreadConnection || i === H.ContextifyScript;
    const w = i === H.GetBuiltinModule
      ? { [k]: function (this: unknown, id: unknown) { return seen(apply(f, this, arguments), id); } }[k]
      : fn
        ? { [k]: function (this: unknown, _: unknown) { return run(i, this, apply(slice, arguments, []) as unknown[], new.target); } }[k]
        : { [k](this: unknown, ...a: unknown[]) { return run(i, this, a); } }[k];
    // Those get all their own properties copied. A binding function (C++)
    // has only 'length' and 'name' on every supported Node
    // (tamper-and-events.test.ts pins it): listing its keys would allocate
    // two arrays per hook at start, enough to pull a garbage collection into
    // init on Node 24.
    if (fn || w.name !== f.name || w.length !== f.length || getPrototypeOf(w) !== getPrototypeOf(f)) disguise(w, f);
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
    // A constructor's wrapper makes the same instances: `new Wrapper()` gets the original's prototype, which points back at it.
    if (fn && i !== H.GetBuiltinModule && i !== H.Execve && o![k] === w) adopt(w, f);
  }
  DESCRIPTOR.value = undefined;
});

let fsb: Record<string, unknown> | undefined;


/** protectTmp: the fs binding, below every fs export. Only writes in a writable place go to the engine. */
const installFs = (function installFs(): void {
  if (fsHooked) return;
  fsHooked = true;
  fsb ??= binding('fs');
  targets[H.FhClose] = (fsb?.FileHandle as { prototype?: unknown } | undefined)?.prototype;
  put(H.Open, H.Worker);
});

/** Per hook, the honeypots' quick path's kind of call (Honeypots.quick: QUICK_WRITE, ...); 0 none. */
const quickKinds: number[] = [];
/** Honeypots: the decoy variables' values at start, by name. */
const decoyEnvironment = { __proto__: null } as unknown as Record<string, string | undefined>;

/** Honeypots: reads the decoys' values now and hooks the choke points of outbound bytes and of file reads. */
function installHoneypots(h: unknown, faults: string[]): void {
  const names = (h as { n?: unknown } | null)?.n;
  if (!Array.isArray(names)) return;
  for (const n of names) if (typeof n === 'string') decoyEnvironment[n] = proc.env[n];
  const root = resolve(__dirname, '..');
  shared.decoyFiles = DECOY_FILE_PATHS.map((f) => `${root}/${f}`);
  installFs();
  targets[H.ReadFileUtf8] = fsb;
  targets[H.OpenAsBlob] = fs;
  targets[H.LoadEnvFile] = proc;
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
      quickKinds[KEYS.length] = k === 'writeBuffer' ? QUICK_WRITE : k === 'writev' ? QUICK_WRITEV : kind === 'udp' ? QUICK_UDP : 0;
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
// node:v8 and node:vm are hooked the same way (onLoad).

/** A built-in module loaded by require or getBuiltinModule: the hook on its exports, if it has one. */
const seen = (function seen(result: unknown, id: unknown): unknown {
  const i = id === 'worker_threads' || id === 'node:worker_threads' ? H.Worker
    : id === 'v8' || id === 'node:v8' ? H.SetFlags
      : id === 'vm' || id === 'node:vm' ? H.VmCompileFunction : undefined;
  if (i !== undefined) patchExports(i, result);
  return result;
});

/** Hooks export i of a built-in module's exports, once (its target is then set). */
function patchExports(i: H, exportsObj: unknown): void {
  if (targets[i] !== undefined || exportsObj === null || typeof exportsObj !== 'object') return;
  targets[i] = exportsObj;
  put(i, i + 1);
}

function builtin(id: string): unknown {
  return getBuiltin ? apply(getBuiltin, proc, [`node:${id}`]) : nativeRequire(id);
}

/**
 * Module `id` is loading without a signal user code could have stopped (an
 * ESM import): a microtask hooks export i and syncs the ESM bindings, before
 * the importing module evaluates.
 */
function patchSoon(i: H, id: string): void {
  if (targets[i] !== undefined) return;
  enqueue(() => {
    if (targets[i] !== undefined) return;
    patchExports(i, builtin(id));
    const loader = module.constructor as unknown as ModuleCtor;
    if (loader.syncBuiltinESMExports) apply(loader.syncBuiltinESMExports, loader, []);
  });
}

/** A constructor's wrapper takes over its prototype. */
function adopt(wrapper: AnyFn, original: AnyFn): void {
  (wrapper as { prototype?: unknown }).prototype = (original as { prototype?: unknown }).prototype;
  try {
    (original as unknown as { prototype: { constructor: unknown } }).prototype.constructor = wrapper;
  } catch {
    // Keeps working; only `w.constructor === Worker` would differ.
  }
}

const installWorkerHooks = (function installWorkerHooks(inWorker: boolean): void {
  if (inWorker) patchExports(H.Worker, builtin('worker_threads'));
  const moduleCtor = module.constructor as unknown as ModuleCtor;
  const load_ = moduleCtor._load;
  // Anonymous (a property assignment names nothing) and of the same length, like the original.
  moduleCtor._load = (function (this: unknown, request: unknown, _parent: unknown, _isMain: unknown) {
    return seen(apply(load_, this, arguments), request);
  });
  disguise(moduleCtor._load, load_);
  targets[H.GetBuiltinModule] = proc;
  put(H.GetBuiltinModule, H.GetBuiltinModule + 1);
  if (inWorker) return;

  let chdir = proc.chdir;
  const d = getOwnPropertyDescriptor(proc, 'chdir');
  if (!d?.configurable) return;
  // Not configurable: deleted or redefined, it would let `import('node:worker_threads')` hand out the original Worker.
  defineProperty(proc, 'chdir', {
    configurable: false,
    enumerable: d.enumerable,
    get: () => chdir,
    set: (v: typeof chdir) => {
      chdir = v;
      patchSoon(H.Worker, 'worker_threads');
    },
  });
});

/**
 * node:wasi and node:sqlite run native code below every other hook: a WASI
 * sandbox reads and writes the directories it is given in C (uvwasi), and
 * SQLite's loadExtension dlopens a file. Nothing user code can observe
 * happens when an ESM import loads them (worker_threads at least assigns
 * process.chdir), so they are loaded and hooked here, before user code:
 * ~0.2-0.5 M instructions each. Loading them emits Node's
 * ExperimentalWarning, where the module has one: it is held, and emitted
 * (through whatever process.emitWarning is then) when the module is first
 * used, which its constructor is: DatabaseSync, WASI.
 */
const heldWarnings: (unknown[] | undefined)[] = [];

const installNativeLoaders = (function installNativeLoaders(): void {
  if (!getBuiltin) return;
  const emitWarning = proc.emitWarning;
  let warning: unknown[] | undefined;
  proc.emitWarning = function () { warning = apply(slice, arguments, []) as unknown[]; } as typeof proc.emitWarning;
  try {
    targets[H.Wasi] = apply(getBuiltin, proc, ['node:wasi']);
    heldWarnings[H.Wasi] = warning;
    warning = undefined;
    // Node 22.13+ (before: behind a flag, and undefined here).
    const sqlite = apply(getBuiltin, proc, ['node:sqlite']) as { DatabaseSync?: { prototype?: unknown } } | undefined;
    targets[H.DatabaseSync] = sqlite;
    targets[H.LoadExtension] = sqlite?.DatabaseSync?.prototype;
    heldWarnings[H.DatabaseSync] = warning;
  } finally {
    proc.emitWarning = emitWarning;
  }
  // DatabaseSync is wrapped only to emit a held warning (none from Node 24.15 on).
  put(warning === undefined ? H.LoadExtension : H.DatabaseSync, H.ReadFileUtf8);
});

/**
 * The V8 inspector reads every closure, the hooks' captured originals among
 * them, and calls what it finds: its sessions and its port are hooked in the
 * binding, which node:inspector reads when it first loads (later than this).
 * SIGUSR1 makes Node open the port (process.kill, process._debugProcess, or
 * `kill -USR1` from a child): a listener of ours takes the signal over (Node's
 * own handler is not restored when listeners are removed: the signal's
 * default, termination, is), so it opens nothing and is reported, unless
 * another listener shows that Node would not have opened it either.
 * Signals reach the main thread only.
 */
const installInspector = (function installInspector(mainThread: boolean): void {
  const ib = binding<Record<string, unknown>>('inspector');
  if (ib !== undefined) {
    targets[H.Connection] = targets[H.MainThreadConnection] = targets[H.InspectorOpen] = ib;
    put(H.Connection, H.Sigusr1);
  }
  if (!mainThread) return;
  originals[H.Sigusr1] = (function () { return undefined; });
  const listenerCount = proc.listenerCount;
  apply(proc.on, proc, ['SIGUSR1', function () {
    if (apply(listenerCount, proc, ['SIGUSR1']) === 1) run(H.Sigusr1, proc, []);
  }]);
});

/**
 * Module `id` reads binding[prop] while it loads, where an ESM import gives
 * no other signal: an accessor there hooks export i (patchSoon). Not
 * configurable: deleted, the module would load without reading it.
 */
const onLoad = (function onLoad(b: object | undefined, prop: string, i: H, id: string): void {
  const d = b === undefined ? undefined : getOwnPropertyDescriptor(b, prop);
  if (!d?.configurable || !('value' in d)) return;
  const value: unknown = d.value;
  defineProperty(b!, prop, {
    configurable: false,
    enumerable: d.enumerable,
    get: () => {
      patchSoon(i, id);
      return value;
    },
  });
});

/**
 * v8.setFlagsFromString: --allow-natives-syntax hands code V8's runtime
 * functions, with which it runs machine code of its own. node:v8's export
 * is hooked when the module loads (after this): require and
 * getBuiltinModule (seen), and an ESM import, which reads the config
 * binding's hasInspector while node:v8 loads (an accessor sees it; a
 * microtask then patches the exports and syncs the ESM bindings before the
 * importing module evaluates; onLoad); in worker threads too. Node 20 and
 * 22 also hand out the v8 binding itself (process.binding('v8')): its
 * function is hooked when it is asked for (creating the binding at start
 * costs more).
 */
const installV8Flags = (function installV8Flags(): void {
  const processBinding = proc.binding as AnyFn | undefined;
  if (typeof processBinding === 'function') {
    const w = disguise(function (this: unknown, _name: unknown) {
      const b: unknown = apply(processBinding, this, arguments);
      if (_name === 'v8') patchExports(H.SetFlagsBinding, b);
      return b;
    }, processBinding);
    DESCRIPTOR.value = w;
    DESCRIPTOR.enumerable = true;
    defineProperty(proc, 'binding', DESCRIPTOR);
    DESCRIPTOR.value = undefined;
  }
  // node:v8 reads the config binding's hasInspector while it loads.
  onLoad(binding<object>('config'), 'hasInspector', H.SetFlags, 'v8');
});

/**
 * Code caches (late.js's noCodeCache): the contextify binding's
 * ContextifyScript (at start: node:vm's Script classes extend it when the
 * module loads, later) and compileFunction, node:vm's compileFunction, and
 * module.enableCompileCache.
 */
const installCodeCaches = (function installCodeCaches(): void {
  const contextify = binding<object>('contextify');
  targets[H.ContextifyScript] = targets[H.CompileFunction] = contextify;
  put(H.ContextifyScript, H.VmCompileFunction);
  // node:module assigns Module.enableCompileCache when it loads (after this, unless a preload before ours loaded it).
  const moduleCtor = module.constructor as unknown as Record<string, unknown>;
  targets[H.EnableCompileCache] = moduleCtor;
  if (typeof moduleCtor.enableCompileCache === 'function') return put(H.EnableCompileCache, H.EnableCompileCache + 1);
  const d = getOwnPropertyDescriptor(moduleCtor, 'enableCompileCache');
  if (d !== undefined && !d.configurable) return;
  let w: unknown;
  defineProperty(moduleCtor, 'enableCompileCache', {
    configurable: false,
    enumerable: true,
    get: () => w,
    set: (v: unknown) => {
      if (w !== undefined || typeof v !== 'function') return;
      originals[H.EnableCompileCache] = v as AnyFn;
      w = disguise(function (this: unknown, _dir: unknown) { return run(H.EnableCompileCache, this, []); }, v as AnyFn);
    },
  });
  // node:vm reads the contextify binding's measureMemory while it loads. Its compileFunction calls the binding's
  // through internal/vm, which took it before this ran: the export is hooked. (node:vm's Script, createScript and
  // the run* functions extend the binding's ContextifyScript, hooked above.)
  onLoad(contextify, 'measureMemory', H.VmCompileFunction, 'vm');
});

/** Emits hook i's held warning, once; answers `answer` (what needs() says). */
function held(i: H, answer: boolean): boolean {
  const w = heldWarnings[i];
  if (w !== undefined) {
    heldWarnings[i] = undefined;
    apply(proc.emitWarning, proc, w);
  }
  return answer;
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
    // Inside a worker, worker_threads is part of its bootstrap.
    const inWorker = (proc.moduleLoadList as unknown as string[] | undefined)?.includes('NativeModule worker_threads') === true;
    try {
      installWorkerHooks(inWorker);
    } catch (e) {
      faults[faults.length] = `worker_threads: ${message(e)}`;
    }
    try {
      installNativeLoaders();
    } catch (e) {
      faults[faults.length] = `wasi, sqlite: ${message(e)}`;
    }
    try {
      installInspector(!inWorker);
    } catch (e) {
      faults[faults.length] = `inspector: ${message(e)}`;
    }
    // Before installV8Flags, which wraps process.binding.
    try {
      installCodeCaches();
    } catch (e) {
      faults[faults.length] = `code caches: ${message(e)}`;
    }
    try {
      installV8Flags();
    } catch (e) {
      faults[faults.length] = `v8: ${message(e)}`;
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
        loadLate().load().initFaults(faults);
      } catch (e) {
        fault(e, 'init');
      }
    }
  }
} catch (e) {
  // Never crash the function's start.
  fault(e, 'init');
}
