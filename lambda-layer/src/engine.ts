// The enforcer's engine (engine.js): everything the preload's wrappers need
// once they have something to decide. The preload loads it lazily, with the
// functions it captured before user code ran, and hands it those.
//
// Here and in the decision code, the functions that a first spawn runs are
// parenthesized function expressions, `const f = (function f() {...})`: V8
// compiles them with the bundle instead of one by one at their first call
// (see preload.ts). Found with node's --log-function-events during a first
// spawnSync('/bin/true'); -4 M instructions at the first spawn. A function
// that only some decisions need stays a declaration.
import { isBytes, setCaptured, type Captured } from './captured';
import { emit } from './events';
import { initGate } from './gate';
import type { Honeypots } from './honeypots/host';
import { startHoneypots } from './honeypots/load';
import { dlopen, loadExtension } from './hooks/addon';
import { initChildEnv } from './hooks/child-env';
import { spawn, spawnSync } from './hooks/child-process';
import { execve } from './hooks/execve';
import { urlFrom } from './hooks/file-url';
import { fsHandlers, setUsePromises } from './hooks/fs';
import type { AnyFn, Handler } from './hooks/handler';
import { Connection, MainThreadConnection, SIGUSR1, inspectorOpen, setFlagsFromString } from './hooks/inspector';
import { WASI } from './hooks/wasi';
import { Worker } from './hooks/worker';
import { decodePolicy } from './policy';

/** What the preload hands the engine. */
export interface Preload {
  /** The primitives, in the order of CAPTURED_KEYS. */
  readonly captured: readonly unknown[];
  /** NANO_ENFORCER_POLICY as it was at start. */
  readonly raw: string | undefined;
  readonly started: number;
  /** The preload's own path, kept in children's NODE_OPTIONS. */
  readonly preload: string;
  /** The decoy variables' values as they were at start (honeypots), by name. */
  readonly decoyEnvironment: Readonly<Record<string, string | undefined>>;
  /** Installs the fs hooks (idempotent). */
  installFs(): void;
  /** The fs binding's kUsePromises. */
  usePromises(): unknown;
  /** Compiles and runs another bundle of the layer with the globals as at start; its exports. */
  load(file: string): unknown;
  /** Hands the preload the honeypots' quick path for network writes (see Honeypots.quick). */
  setQuick(quick: (kind: number, self: unknown, args: readonly unknown[]) => boolean): void;
}

export interface Engine {
  start(preload: Preload): void;
  /** Reports the hooks the preload could not install. */
  initFaults(faults: readonly string[]): void;
  /** The body of the wrapper `name`. */
  handle(name: string, orig: AnyFn, self: unknown, args: unknown[], newTarget: AnyFn | undefined): unknown;
}

const handlers: Record<string, Handler> = {
  spawn,
  spawnSync,
  execve,
  dlopen,
  loadExtension,
  Worker,
  WASI,
  Connection,
  MainThreadConnection,
  inspectorOpen,
  SIGUSR1,
  setFlagsFromString,
  ...fsHandlers,
};
const made = new Map<AnyFn, ReturnType<Handler>>();
let c: Captured;
let honeypots: Honeypots | undefined;

export const start = (function start(p: Preload): void {
  c = setCaptured(p.captured);
  c.loadBundle = p.load;
  setUsePromises(p.usePromises);
  const { policy, fault } = decodePolicy(p.raw);
  initGate(policy, p.started);
  initChildEnv(p.preload, p.raw);
  // A policy the preload's cheap check let through may still be invalid: the default policy protects /tmp.
  if (fault !== undefined) emit('tamper', 'detected', fault, {});
  // Decoys: the preload installed the trip wires' hooks at start and read the values; this is their first use.
  honeypots = startHoneypots(policy, p.decoyEnvironment);
  if (honeypots !== undefined) p.setQuick(honeypots.quick);
  if (policy.protectTmp || honeypots) p.installFs();
});

export function initFaults(faults: readonly string[]): void {
  for (const f of faults) emit('tamper', 'detected', `internal: hook not installed (${f})`, {});
}

/**
 * The path fs.openAsBlob and process.loadEnvFile read: a string or bytes as given; an object's href, read
 * once, as the path of its file: URL (another URL goes to Node as a URL
 * made from it, which Node refuses); an object without one as an object
 * Node refuses too, whatever its getters answer Node later.
 */
function fileArg(p: unknown): unknown {
  if (typeof p === 'string' || isBytes(c, p) || p === null || typeof p !== 'object') return p;
  const href = (p as { href?: unknown }).href;
  if (typeof href !== 'string') return {};
  const u = urlFrom(href);
  return u.path ?? u.url;
}

export const handle = (function handle(name: string, orig: AnyFn, self: unknown, args: unknown[], newTarget: AnyFn | undefined): unknown {
  // fs.openAsBlob and process.loadEnvFile take a file: URL: read once, here, and Node gets its path, which the honeypots check.
  if (name === 'openAsBlob' || name === 'loadEnvFile') args = [fileArg(args[0]), ...args.slice(1)];
  if (honeypots !== undefined) honeypots.file(name, args);
  let body = made.get(orig);
  if (!body) {
    // The network hooks ('tcp.writeBuffer', 'dns.getaddrinfo', ...) are the honeypots' own.
    const make = handlers[name] ?? honeypots?.handler(name);
    if (!make) return c.apply(orig, self, args);
    body = make(orig);
    made.set(orig, body);
  }
  return c.apply(body, self, [args, newTarget]);
});
