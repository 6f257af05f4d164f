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
// Promise's then). Getters as well as methods: `bytes.length` on a Uint8Array
// is %TypedArray%.prototype's length getter, and a getter answering 0 let an
// ELF be written to /tmp.
//
// Cost at start is only reading the originals (plain reads into one array).
// The window itself (window.ts) is a bundle of its own, loaded with the
// engine: the table it checks is built at the first window.

/** One list of keys per holder, in the order of holders(); '@@x' is Symbol.x, '^x' the getter of x (an accessor without a setter). */
declare const NANO_GUARD: string[][];
const GUARD = NANO_GUARD;

/** The fs binding functions the decision's stat, lstat, readlink, realpath, exists, reads and directory listings end in. */
const FS_KEYS = ['stat', 'lstat', 'readlink', 'realpath', 'existsSync', 'access', 'read', 'fstat', 'readdir'];

/**
 * Keys that Object.prototype must not have while the enforcer decides: a
 * descriptor's fields (a data descriptor that inherits `get` is an accessor
 * to defineProperty, and `value` would answer for an accessor's missing one),
 * `then` (every object would be a thenable) and `toJSON` (events).
 */
const ABSENT_KEYS = ['value', 'get', 'set', 'writable', 'then', 'toJSON'];

/** For messages only, in the order of holders(); the fs binding is last. */
const split = String.prototype.split;
export const HOLDER_NAMES = 'String.prototype Array.prototype RegExp.prototype Map.prototype Set.prototype WeakMap.prototype WeakSet.prototype '
  + 'Object Array JSON Math Number String Reflect Function.prototype Object.prototype Promise.prototype Promise '
  + 'Buffer Buffer.prototype TypedArray.prototype TypedArray DataView.prototype Symbol ArrayIterator MapIterator SetIterator StringIterator '
  + 'fs-binding';

let hs: readonly object[] = [];
/** The originals, in the order of GUARD then FS_KEYS. */
const originals: unknown[] = [];
/** The property of each original, at its index in originals: the symbol of a '@@x' key, the name of a '^x' one (else undefined: the key as listed). */
const properties: PropertyKey[] = [];

// Parenthesized function expressions: compiled with the preload's script (see preload.ts).
/** The holders, in the order of HOLDER_NAMES (build.mjs reads the same list to find NANO_GUARD's keys). */
export const holderList = (function holderList(fsBinding: object | undefined): object[] {
  const typedArray = Reflect.getPrototypeOf(Uint8Array) as { prototype: object };
  return [
    String.prototype, Array.prototype, RegExp.prototype, Map.prototype, Set.prototype, WeakMap.prototype, WeakSet.prototype,
    Object, Array, JSON, Math, Number, String, Reflect, Function.prototype, Object.prototype, Promise.prototype, Promise,
    Buffer, Buffer.prototype, typedArray.prototype, typedArray, DataView.prototype, Symbol,
    Reflect.getPrototypeOf([][Symbol.iterator]()) as object,
    Reflect.getPrototypeOf(new Map()[Symbol.iterator]()) as object,
    Reflect.getPrototypeOf(new Set()[Symbol.iterator]()) as object,
    Reflect.getPrototypeOf(''[Symbol.iterator]()) as object,
    fsBinding ?? {},
  ];
});

/** At the preload's load: the holders and the originals, by plain reads (nothing can have replaced them yet). */
export const captureIntrinsics = (function captureIntrinsics(fsBinding: object | undefined): void {
  hs = holderList(fsBinding);
  let n = 0;
  for (let h = 0; h < GUARD.length; h++) {
    const keys = GUARD[h];
    const o = hs[h] as Record<PropertyKey, unknown>;
    for (let j = 0; j < keys.length; j++) {
      const k = keys[j];
      if (k[0] === '@') originals[n] = o[properties[n] = (Symbol as unknown as Record<string, symbol>)[k.slice(2)]];
      else if (k[0] === '^') originals[n] = Reflect.getOwnPropertyDescriptor(o, properties[n] = k.slice(1))?.get;
      else originals[n] = o[k];
      n++;
    }
  }
  const b = hs[hs.length - 1] as Record<string, unknown>;
  for (let j = 0; j < FS_KEYS.length; j++) originals[n++] = b[FS_KEYS[j]];
});

/** What window.js gets from the preload: everything as read at start. */
export interface WindowHost {
  readonly guard: readonly (readonly string[])[];
  /** The fs binding's keys: its holder follows the guard's. */
  readonly fsKeys: readonly string[];
  readonly originals: readonly unknown[];
  /** The property of a '@@x' or '^x' key (the symbol, the name), by index in originals. */
  readonly properties: readonly (PropertyKey | undefined)[];
  readonly holders: readonly object[];
  readonly holderNames: readonly string[];
  readonly objectPrototype: number;
  readonly absentKeys: readonly string[];
  readonly gopd: typeof Reflect.getOwnPropertyDescriptor;
  readonly defineProperty: typeof Reflect.defineProperty;
  readonly deleteProperty: typeof Reflect.deleteProperty;
  readonly setPrototypeOf: typeof Reflect.setPrototypeOf;
  /** The first own index property of an object, or undefined (the preload's). */
  readonly firstIndex: (o: object) => string | undefined;
  readonly apply: typeof Reflect.apply;
  readonly construct: typeof Reflect.construct;
  readonly ErrorCtor: ErrorConstructor;
  readonly FunctionCtor: FunctionConstructor;
  readonly globalNames: readonly string[];
  readonly globals: readonly unknown[];
  readonly requireBuiltin: (id: string) => unknown;
  readonly dirname: string;
}

export interface WindowApi {
  /**
   * Opens a window in which every guarded property is its original. Calls
   * `report` once per property the first time it is found replaced. Throws
   * when one cannot be put back, or when one changed inside an open window
   * (user code that ran during a decision: a getter, a toString). Always
   * pair with leave(), also when this throws.
   */
  enter(report: (name: string) => void): void;
  /** Closes the window: the user's replacements come back when the outermost one closes. */
  leave(): void;
  /** In an open window: throws if a guarded property changed since it opened. */
  verify(): void;
  /** Compiles and runs a layer bundle (CommonJS) with the globals as at start as parameters; its exports. */
  load(file: string, source: string): unknown;
}

/** The host for window.js, from what captureIntrinsics() read. */
export function windowHost(rest: Pick<WindowHost, 'apply' | 'construct' | 'gopd' | 'defineProperty' | 'deleteProperty' | 'setPrototypeOf' | 'firstIndex'
| 'ErrorCtor' | 'FunctionCtor' | 'globalNames' | 'globals' | 'requireBuiltin' | 'dirname'>): WindowHost {
  // An object literal and a spread of an object: neither writes by index nor iterates (user code may have changed both by now).
  return {
    ...rest,
    guard: GUARD,
    fsKeys: FS_KEYS,
    originals,
    properties,
    holders: hs,
    holderNames: rest.apply(split, HOLDER_NAMES, [' ']) as string[],
    objectPrototype: 15,
    absentKeys: ABSENT_KEYS,
  };
}
