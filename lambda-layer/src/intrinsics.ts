// The built-ins the enforcer's own code calls (String.prototype.includes,
// Map.prototype.get, Object.freeze, Array.prototype[Symbol.iterator], ...)
// and the fs binding functions behind its file checks, as they were when the
// preload loaded, before any user code.
//
// User code can replace them later (`String.prototype.includes = () => false`
// was enough to let a refused executable run). The engine, the decision and
// the honeypots run only inside a window the preload opens around each call
// into them: the window puts back every original that differs and, when it
// closes, the user's replacements. A legitimate polyfill keeps working for the
// function; the enforcer never runs on it. What cannot be put back (a
// non-configurable, non-writable replacement) fails per policy as a fault.
//
// Which built-ins: the names the bundles call or read after a dot, found by
// the build in their code (build.mjs, NANO_GUARD), on the holders below, plus
// the ones the language calls implicitly (iterators of for-of and spread,
// RegExp's exec behind replace/split, toString/valueOf of conversions,
// Promise's then).
//
// Cost at start is only reading the originals (plain reads into one array);
// the table the windows check is built at the first window.

/** One list of keys per holder, in the order of holders(); '@@x' is Symbol.x. */
declare const NANO_GUARD: string[][];
const GUARD = NANO_GUARD;

/** The fs binding functions the decision's stat, lstat, readlink, realpath, exists and reads end in. */
const FS_KEYS = ['stat', 'lstat', 'readlink', 'realpath', 'existsSync', 'access', 'read', 'fstat'];

/**
 * Keys that Object.prototype must not have while the enforcer decides: a
 * descriptor's fields (a data descriptor that inherits `get` is an accessor
 * to defineProperty, and `value` would answer for an accessor's missing one),
 * `then` (every object would be a thenable) and `toJSON` (events).
 */
const ABSENT_KEYS = ['value', 'get', 'set', 'writable', 'then', 'toJSON'];
const ABSENT = {};

/** For messages only, in the order of holders(); the fs binding is last. */
const HOLDER_NAMES = 'String.prototype Array.prototype RegExp.prototype Map.prototype Set.prototype WeakMap.prototype WeakSet.prototype '
  + 'Object Array JSON Math Number String Reflect Function.prototype Object.prototype Promise.prototype Promise '
  + 'Buffer Buffer.prototype TypedArray.prototype TypedArray DataView.prototype Symbol ArrayIterator MapIterator SetIterator StringIterator '
  + 'fs-binding';

const gopd = Reflect.getOwnPropertyDescriptor;
const defineProperty = Reflect.defineProperty;
const deleteProperty = Reflect.deleteProperty;
const setPrototypeOf = Reflect.setPrototypeOf;
const split = String.prototype.split;
const apply = Reflect.apply;

let hs: readonly object[] = [];
/** The originals, in the order of GUARD then FS_KEYS. */
const originals: unknown[] = [];
/** The symbol of a '@@x' key, at its index in originals. */
const symbols: symbol[] = [];

/** At the preload's load: the holders and the originals, by plain reads (nothing can have replaced them yet). */
export function captureIntrinsics(fsBinding: object | undefined): void {
  const typedArray = Reflect.getPrototypeOf(Uint8Array) as { prototype: object };
  hs = [
    String.prototype, Array.prototype, RegExp.prototype, Map.prototype, Set.prototype, WeakMap.prototype, WeakSet.prototype,
    Object, Array, JSON, Math, Number, String, Reflect, Function.prototype, Object.prototype, Promise.prototype, Promise,
    Buffer, Buffer.prototype, typedArray.prototype, typedArray, DataView.prototype, Symbol,
    Reflect.getPrototypeOf([][Symbol.iterator]()) as object,
    Reflect.getPrototypeOf(new Map()[Symbol.iterator]()) as object,
    Reflect.getPrototypeOf(new Set()[Symbol.iterator]()) as object,
    Reflect.getPrototypeOf(''[Symbol.iterator]()) as object,
    fsBinding ?? {},
  ];
  let n = 0;
  for (let h = 0; h < GUARD.length; h++) {
    const keys = GUARD[h];
    const o = hs[h] as Record<PropertyKey, unknown>;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j];
      if (k[0] === '@') originals[n] = o[symbols[n] = (Symbol as unknown as Record<string, symbol>)[k.slice(2)]];
      else originals[n] = o[k];
      n++;
    }
  }
  const b = hs[hs.length - 1] as Record<string, unknown>;
  for (let j = 0; j < FS_KEYS.length; j++) originals[n++] = b[FS_KEYS[j]];
}

/** [holder, key, original (or ABSENT), name] per guarded property; built at the first window. */
let table: unknown[] | undefined;
const STRIDE = 4;

function add(t: unknown[], holder: object, key: PropertyKey, original: unknown, name: string): void {
  t[t.length] = holder;
  t[t.length] = key;
  t[t.length] = original;
  t[t.length] = name;
}

/** The table, from the originals read at start. Uses no method user code can have replaced by now. */
function build(): unknown[] {
  const t: unknown[] = [];
  const names = apply(split, HOLDER_NAMES, [' ']) as string[];
  // First: the descriptor checks below read `value`, which must not be inherited.
  for (let j = 0; j < ABSENT_KEYS.length; j++) add(t, Object.prototype, ABSENT_KEYS[j], ABSENT, `${names[15]}.${ABSENT_KEYS[j]}`);
  let n = 0;
  for (let h = 0; h < GUARD.length; h++) {
    const keys = GUARD[h];
    for (let j = 0; j < keys.length; j++) {
      const v = originals[n];
      if (typeof v === 'function') add(t, hs[h], symbols[n] ?? keys[j], v, `${names[h]}.${keys[j]}`);
      n++;
    }
  }
  const last = hs.length - 1;
  for (let j = 0; j < FS_KEYS.length; j++) {
    const v = originals[n++];
    if (typeof v === 'function') add(t, hs[last], FS_KEYS[j], v, `${names[last]}.${FS_KEYS[j]}`);
  }
  return t;
}

/** Thrown when a replaced built-in cannot be put back, or changes while the enforcer decides. */
export class Tampered extends Error {}

/**
 * Index of the first guarded property that is not its original, or -1.
 * `full` reads own descriptors, which no accessor can lie to; otherwise a
 * plain read, which an accessor installed in place of a method can answer
 * with the original (used only on the honeypots' per-write path).
 */
function firstChanged(t: unknown[], full: boolean, from: number): number {
  for (let i = from; i < t.length; i += STRIDE) {
    const original = t[i + 2];
    if (original === ABSENT) {
      if (gopd(t[i] as object, t[i + 1] as PropertyKey) !== undefined) return i;
    } else if (full) {
      const d = gopd(t[i] as object, t[i + 1] as PropertyKey);
      if (d === undefined || d.value !== original) return i;
    } else if ((t[i] as Record<PropertyKey, unknown>)[t[i + 1] as PropertyKey] !== original) {
      return i;
    }
  }
  return -1;
}

let depth = 0;
/** [holder, key, descriptor or undefined] of each property put back, to restore when the window closes. */
const saved: unknown[] = [];
const seen: boolean[] = [];
const fresh: number[] = [];

/**
 * Opens a window in which every guarded property is its original. Calls
 * `report` once per property the first time it is found replaced. Throws
 * Tampered when one cannot be put back, or when one changed inside an open
 * window (user code that ran during a decision: a getter, a toString).
 * Always pair with leaveWindow(), also when this throws.
 */
export function enterWindow(full: boolean, report: (name: string) => void): void {
  const t = table ??= build();
  if (depth++ !== 0) {
    const i = firstChanged(t, full, 0);
    if (i >= 0) throw new Tampered(`${t[i + 3] as string} was replaced while the enforcer was deciding`);
    return;
  }
  for (let i = firstChanged(t, full, 0); i >= 0; i = firstChanged(t, full, i + STRIDE)) {
    const h = t[i] as object;
    const k = t[i + 1] as PropertyKey;
    const d = gopd(h, k);
    if (d !== undefined) setPrototypeOf(d, null);
    const restored = t[i + 2] === ABSENT
      ? d === undefined || deleteProperty(h, k)
      : d === undefined || d.configurable
        ? defineProperty(h, k, { __proto__: null, value: t[i + 2], writable: true, enumerable: false, configurable: true } as PropertyDescriptor)
        : d.writable === true && defineProperty(h, k, { __proto__: null, value: t[i + 2] } as PropertyDescriptor);
    if (!restored) throw new Tampered(`${t[i + 3] as string} was replaced and cannot be put back`);
    saved[saved.length] = h;
    saved[saved.length] = k;
    saved[saved.length] = d;
    if (seen[i] !== true) {
      seen[i] = true;
      fresh[fresh.length] = i;
    }
  }
  // Reported once all are back: reporting writes, through hooks that open windows of their own.
  for (let j = 0; j < fresh.length; j++) report(t[fresh[j] + 3] as string);
  fresh.length = 0;
}

/** Closes the window: the user's replacements come back when the outermost one closes. */
export function leaveWindow(): void {
  if (--depth !== 0) return;
  for (let j = saved.length - 3; j >= 0; j -= 3) {
    const h = saved[j] as object;
    const k = saved[j + 1] as PropertyKey;
    const d = saved[j + 2] as PropertyDescriptor | undefined;
    if (d === undefined) deleteProperty(h, k);
    else defineProperty(h, k, d);
  }
  saved.length = 0;
}

/** In an open window: throws Tampered if a guarded property changed since it opened. */
export function verifyWindow(): void {
  const t = table ??= build();
  const i = firstChanged(t, true, 0);
  if (i >= 0) throw new Tampered(`${t[i + 3] as string} was replaced while the enforcer was deciding`);
}
