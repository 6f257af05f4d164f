// What the preload captured at load, before any user code, handed to the
// lazily loaded engine (engine.js) when it starts: the engine runs later,
// when user code may have replaced Reflect.apply, fs.writeSync, Buffer.from...
/* eslint-disable @typescript-eslint/no-require-imports */
import type fsModule = require('fs');
import type pathModule = require('path');

type AnyFn = (...a: any[]) => any;

/** The primitives, in the order of the preload's CAPTURED array. */
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
}

/** Filled by setCaptured() before anything else in the engine runs. */
export const c = {} as Captured;

export function setCaptured(from: Captured): void {
  for (const k of Object.keys(from) as (keyof Captured)[]) (c as unknown as Record<string, unknown>)[k] = from[k];
}
