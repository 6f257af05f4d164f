// What the preload's two halves share: the preload itself (preload.js, every
// byte of it parsed at each cold start) and late.js, which it loads the first
// time a wrapper has something to decide (see late.ts).
/* eslint-disable @typescript-eslint/no-require-imports */
import type fsModule = require('fs');
import type pathModule = require('path');
import type { Engine } from './engine';
import type { WindowHost } from './intrinsics';

type AnyFn = (...a: any[]) => any;

/** The hooks, in the order of the preload's tables; from ReadFileUtf8 on, the honeypots' (the network hooks follow LoadEnvFile). */
export const enum H {
  Spawn, SpawnSync, Execve, Dlopen,
  Open, OpenFileHandle, Close, WriteBuffer, WriteBuffers, WriteString, FhClose, WriteFileUtf8,
  CopyFile, Rename, Link, CpSyncOverrideFile, CpSyncCopyDir, Chmod, Fchmod,
  Worker, GetBuiltinModule, Connection, MainThreadConnection, InspectorOpen, Sigusr1, SetFlags, SetFlagsBinding,
  ContextifyScript, CompileFunction, VmCompileFunction, EnableCompileCache,
  DatabaseSync, LoadExtension, Wasi, ReadFileUtf8, OpenAsBlob, LoadEnvFile,
}

/** State both halves read and write. */
export interface LateState {
  /** engine.js, once loaded. */
  engine: Engine | undefined;
  /** Set while a layer file loads: its own reads (readFileUtf8 of a layer in /tmp, in tests) are not hooked calls. */
  loading: boolean;
  /** Honeypots: the decoy files' paths; undefined without decoys. */
  decoyFiles: string[] | undefined;
}

/**
 * What the preload hands late.js: everything read at start, before user code
 * (late.js loads later, when user code may have replaced any global or
 * built-in method, so its code names no global and calls no method it does
 * not get from here), and the preload's own tables and functions.
 */
export interface Core {
  readonly apply: typeof Reflect.apply;
  readonly construct: typeof Reflect.construct;
  readonly defineProperty: typeof Reflect.defineProperty;
  readonly getOwnPropertyDescriptor: typeof Reflect.getOwnPropertyDescriptor;
  readonly deleteProperty: typeof Reflect.deleteProperty;
  readonly setPrototypeOf: typeof Reflect.setPrototypeOf;
  readonly ownKeys: typeof Reflect.ownKeys;
  readonly FunctionCtor: FunctionConstructor;
  readonly ErrorCtor: ErrorConstructor;
  /** Whether a layer file failed to compile because code generation from strings is disallowed (by prototype, not instanceof). */
  readonly codeGenRefused: (e: unknown) => boolean;
  /** A layer file that assigns module.exports, compiled like late.js; its exports. Throws if it cannot load. */
  readonly compile: (file: string) => unknown;
  readonly ArrayCtor: ArrayConstructor;
  readonly isArray: (v: unknown) => boolean;
  readonly ArrayProto: unknown[];
  readonly ObjectProto: object;
  readonly WeakMapCtor: WeakMapConstructor;
  readonly weakSet: AnyFn;
  readonly strIndexOf: AnyFn;
  readonly strSlice: AnyFn;
  readonly fs: typeof fsModule;
  readonly fsConstants: unknown;
  readonly path: typeof pathModule;
  readonly cwd: () => string;
  readonly proc: NodeJS.Process;
  readonly getBuiltin: AnyFn | undefined;
  readonly nativeRequire: NodeJS.Require;
  readonly readFileSync: AnyFn;
  /** The primitives for the engine, in the order of CAPTURED_KEYS; late.js fills the slots of its own functions. */
  readonly captured: unknown[];
  /** The globals the bundles name, as they were at start. */
  readonly globals: readonly unknown[];
  readonly raw: string | undefined;
  readonly started: number;
  readonly filename: string;
  readonly dirname: string;
  readonly state: LateState;
  /** Per hook: the original and the engine's handler name. */
  readonly originals: AnyFn[];
  readonly names: string[];
  /** Per hook, the honeypots' quick path's kind of call (Honeypots.quick: QUICK_WRITE, ...); 0 none. */
  readonly quickKinds: number[];
  /** Honeypots: the decoy variables' values at start, by name. */
  readonly decoyEnvironment: Record<string, string | undefined>;
  installFs(): void;
  /** The fs binding (once installFs() ran). */
  fsb(): Record<string, unknown> | undefined;
  /** Reports an internal fault; true: the policy fails open. */
  fault(e: unknown, api: string): boolean;
  /** A honeypot hook could not reach the engine: reported once, as detected (its call goes through). */
  watchFault(e: unknown, api: string): void;
  report(action: string, reason: string, api: string): void;
  /** The native failure of hook i, without the engine. */
  refuse(i: H, a: unknown[]): unknown;
  windowHost(rest: Pick<WindowHost, 'apply' | 'construct' | 'gopd' | 'defineProperty' | 'deleteProperty' | 'setPrototypeOf' | 'firstIndex'
  | 'ErrorCtor' | 'FunctionCtor' | 'globalNames' | 'globals' | 'requireBuiltin' | 'dirname'>): WindowHost;
}

export interface Late {
  /** A wrapper's call that has something to decide: the window, the engine, the repeat path. */
  run(i: H, self: unknown, a: unknown[], newTarget?: unknown): unknown;
  /** engine.js, loaded and started; throws if it cannot load. */
  load(): Engine;
}
