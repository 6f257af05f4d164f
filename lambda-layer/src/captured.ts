// What the preload captured at load, before any user code, handed to the
// lazily loaded engine (engine.js) when it starts: the engine runs later,
// when user code may have replaced Reflect.apply, fs.writeSync, Buffer.from...
/* eslint-disable @typescript-eslint/no-require-imports */
import type fsModule = require('fs');
import type pathModule = require('path');

type AnyFn = (...a: any[]) => any;

/** The primitives the preload captured (it hands them over as an array, in the order of CAPTURED_KEYS). */
export interface Captured {
  readonly apply: typeof Reflect.apply;
  readonly construct: typeof Reflect.construct;
  readonly fs: typeof fsModule;
  readonly path: typeof pathModule;
  readonly writeSync: AnyFn;
  readonly readFileSync: AnyFn;
  readonly openSync: AnyFn;
  readonly readSync: AnyFn;
  readonly closeSync: AnyFn;
  readonly fstatSync: AnyFn;
  readonly readlinkSync: AnyFn;
  readonly resolve: (...p: string[]) => string;
  readonly cwd: () => string;
  readonly nextTick: AnyFn;
  readonly bufferFrom: AnyFn;
  readonly byteLength: AnyFn;
  readonly bufToString: AnyFn;
  readonly then: AnyFn;
  readonly reject: AnyFn;
  readonly stringify: typeof JSON.stringify;
  readonly now: () => number;
  readonly rawDebug: AnyFn | undefined;
  readonly FunctionCtor: FunctionConstructor;
  readonly requireBuiltin: (id: string) => unknown;
  /** Throws if a built-in the enforcer uses changed since the window opened (intrinsics.ts). */
  readonly verify: () => void;
  /** Runs fn(arg) with the built-ins as at start; never throws (reports a fault). For callbacks Node calls later. */
  readonly inWindow: (fn: (arg: any) => unknown, arg: unknown) => unknown;
  readonly statSync: AnyFn;
  readonly lstatSync: AnyFn;
  readonly realpathNative: AnyFn;
  readonly existsSync: AnyFn;
  readonly realpathSync: AnyFn;
  readonly readdirSync: AnyFn;
  /**
   * Tells the preload how to treat writes on an fd: 0 not tracked (writes and
   * closes skip the engine), 1 every write to the engine, 2 only writes at an
   * explicit position below 4 (the fd's offset is past the first bytes).
   */
  readonly track: (fd: number, state: number) => void;
  /**
   * Tells the preload that the spawn being decided was allowed and that the
   * same spawn again needs no engine while the environment variables named
   * here, and every other entry of the list but unread ones, stay the same.
   */
  readonly rememberSpawn: (names: readonly string[]) => void;
  /**
   * WebAssembly.Module, WebAssembly.Instance, the getter of an instance's
   * exports and of a memory's buffer (honeypots/wasm.ts); undefined where
   * there is no WebAssembly (--jitless).
   */
  readonly wasm: readonly unknown[] | undefined;
  /** URL, and the getters of a URL's href, protocol and pathname (hooks/worker.ts). */
  readonly url: readonly unknown[];
  /** %TypedArray%.prototype's Symbol.toStringTag getter: 'Uint8Array' for a Uint8Array or a Buffer (see isBytes). */
  readonly bytesTag: AnyFn;
  /** Compiles and runs a layer bundle (decision.js, honeypots.js) with the globals as at start; its exports. */
  loadBundle: (file: string) => unknown;
}

/** The order of the preload's array (an array literal costs its cold start less than an object's keys). */
export const CAPTURED_KEYS: readonly Exclude<keyof Captured, 'loadBundle'>[] = [
  'apply', 'construct', 'fs', 'path', 'writeSync', 'readFileSync', 'openSync', 'readSync', 'closeSync', 'fstatSync',
  'readlinkSync', 'resolve', 'cwd', 'nextTick', 'bufferFrom', 'byteLength', 'bufToString', 'then', 'reject', 'stringify',
  'now', 'rawDebug', 'FunctionCtor', 'requireBuiltin', 'verify', 'inWindow', 'statSync', 'lstatSync', 'realpathNative',
  'existsSync', 'realpathSync', 'track', 'rememberSpawn', 'readdirSync', 'wasm', 'url',
  'bytesTag',
];

/**
 * Whether x is a Uint8Array (a Buffer is one), by the getter `k` captured at
 * start, which answers from the object's internal slot and runs no user
 * code. Not `x instanceof Uint8Array`: that calls Uint8Array[Symbol.hasInstance],
 * which user code can define (answering false let an ELF be written to /tmp
 * through a Buffer path).
 */
export function isBytes(k: Pick<Captured, 'apply' | 'bytesTag'>, x: unknown): x is Uint8Array {
  return k.apply(k.bytesTag, x, []) === 'Uint8Array';
}

/** Filled by setCaptured() before anything else in the engine runs. */
export const c = {} as Captured;

export const setCaptured = (function setCaptured(from: readonly unknown[]): Captured {
  for (let i = 0; i < CAPTURED_KEYS.length; i++) (c as unknown as Record<string, unknown>)[CAPTURED_KEYS[i]] = from[i];
  return c;
});
