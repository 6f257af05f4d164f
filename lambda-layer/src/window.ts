// The enforcer's window (see intrinsics.ts): loaded by the preload the first
// time a call goes to the engine, before the engine itself, so that its few
// kilobytes are not parsed at every cold start. Its top level only defines
// functions (nothing it runs at load can have been replaced); all it uses
// comes from the preload, as read at start.
//
// Until the window has removed them, Array.prototype or Object.prototype may
// carry index properties with setters, which a plain `a[a.length] = x` would
// call: the lists here are objects without a prototype, with their own count.
import type { WindowApi, WindowHost } from './intrinsics';

type List = Record<number, unknown>;

module.exports = function install(host: WindowHost): WindowApi {
  const { gopd, defineProperty, deleteProperty, setPrototypeOf, firstIndex, apply, construct, ErrorCtor } = host;
  const list = (): List => ({ __proto__: null }) as unknown as List;
  const ABSENT = {};
  /** The guarded properties: holder, key, original, name (parallel arrays); then the keys Object.prototype must not have. */
  let built = false;
  const holders: object[] = [];
  const keys: PropertyKey[] = [];
  const originals: unknown[] = [];
  /** Whether the original is a getter ('^' keys): its descriptor's get, not its value. */
  const getters: boolean[] = [];
  const names: string[] = [];
  const absent: string[] = [];
  /** The prototypes whose index properties (setters on a[i] = x) the window removes. */
  const indexed = [host.holders[1], host.holders[host.objectPrototype]];

  /** The table, from the originals read at start (after the window removed index properties: it writes by index). */
  function build(): void {
    const hn = host.holderNames;
    for (let j = 0; j < host.absentKeys.length; j++) absent[j] = host.absentKeys[j];
    let n = 0;
    let m = 0;
    for (let h = 0; h <= host.guard.length; h++) {
      const ks = h < host.guard.length ? host.guard[h] : host.fsKeys;
      for (let j = 0; j < ks.length; j++) {
        const v = host.originals[n];
        if (typeof v === 'function') {
          const getter = ks[j][0] === '^';
          holders[m] = host.holders[h];
          keys[m] = host.properties[n] ?? ks[j];
          originals[m] = v;
          getters[m] = getter;
          names[m] = getter ? `${hn[h]}.${keys[m] as string} (getter)` : `${hn[h]}.${ks[j]}`;
          m++;
        }
        n++;
      }
    }
    built = true;
  }

  /** The first key Object.prototype has and must not, or -1. */
  function firstPresent(): number {
    const o = host.holders[host.objectPrototype];
    for (let j = 0; j < absent.length; j++) if (gopd(o, absent[j]) !== undefined) return j;
    return -1;
  }

  /**
   * Index of the first guarded property from `from` that is not its
   * original, or -1. Reads own descriptors, which no accessor can lie to
   * (a plain read can be answered with the original by a getter that lies
   * to the next read).
   */
  function firstChanged(from: number): number {
    for (let i = from; i < holders.length; i++) {
      const d = gopd(holders[i], keys[i]);
      if (d === undefined || (getters[i] ? d.get : d.value) !== originals[i]) return i;
    }
    return -1;
  }

  let depth = 0;
  /** [holder, key, descriptor or undefined] of each property put back or removed, to restore when the window closes. */
  const saved = list();
  let savedSize = 0;
  const seen: boolean[] = [];
  const fresh = list();
  let freshSize = 0;

  function tampered(message: string): Error {
    return construct(ErrorCtor, [message]) as Error;
  }

  /** Puts the original back (or removes what must not be there); remembers what was there. */
  function restore(h: object, k: PropertyKey, original: unknown, name: string, getter = false): void {
    const d = gopd(h, k);
    if (d !== undefined) setPrototypeOf(d, null);
    const restored = original === ABSENT
      ? d === undefined || deleteProperty(h, k)
      : getter
        ? (d === undefined || d.configurable === true)
          && defineProperty(h, k, { __proto__: null, get: original, set: undefined, enumerable: false, configurable: true } as PropertyDescriptor)
        : d === undefined || d.configurable
          ? defineProperty(h, k, { __proto__: null, value: original, writable: true, enumerable: false, configurable: true } as PropertyDescriptor)
          : d.writable === true && defineProperty(h, k, { __proto__: null, value: original } as PropertyDescriptor);
    if (!restored) throw tampered(`${name} was replaced and cannot be put back`);
    saved[savedSize++] = h;
    saved[savedSize++] = k;
    saved[savedSize++] = d;
  }

  function enter(report: (name: string) => void): void {
    // A window inside a window (the engine's own file reads go through the hooks): nothing new to check.
    // User code that ran meanwhile (a getter) is caught by verify() before the decision.
    if (depth++ !== 0) return;
    // Index properties first: building the table and the lists below write by index.
    for (let p = 0; p < indexed.length; p++) {
      for (let k = firstIndex(indexed[p]); k !== undefined; k = firstIndex(indexed[p])) {
        const name = `${host.holderNames[p === 0 ? 1 : host.objectPrototype]}[${k}]`;
        restore(indexed[p], k, ABSENT, name);
        fresh[freshSize++] = name;
      }
    }
    if (!built) build();
    // Then the keys Object.prototype must not have: the descriptor checks read `value`.
    for (let j = firstPresent(); j >= 0; j = firstPresent()) {
      const name = `${host.holderNames[host.objectPrototype]}.${absent[j]}`;
      restore(host.holders[host.objectPrototype], absent[j], ABSENT, name);
      fresh[freshSize++] = name;
    }
    for (let i = firstChanged(0); i >= 0; i = firstChanged(i + 1)) {
      restore(holders[i], keys[i], originals[i], names[i], getters[i]);
      if (seen[i] !== true) {
        seen[i] = true;
        fresh[freshSize++] = names[i];
      }
    }
    // Reported once all are back: reporting writes, through hooks that open windows of their own.
    for (let j = 0; j < freshSize; j++) report(fresh[j] as string);
    freshSize = 0;
  }

  function leave(): void {
    if (--depth !== 0) return;
    for (let j = savedSize - 3; j >= 0; j -= 3) {
      const h = saved[j] as object;
      const k = saved[j + 1] as PropertyKey;
      const d = saved[j + 2] as PropertyDescriptor | undefined;
      if (d === undefined) deleteProperty(h, k);
      else defineProperty(h, k, d);
    }
    savedSize = 0;
  }

  /** Throws if something changed since the window opened. */
  function check(): void {
    for (let p = 0; p < indexed.length; p++) {
      if (firstIndex(indexed[p]) !== undefined) throw tampered('an index property was added to a prototype while the enforcer was deciding');
    }
    if (firstPresent() >= 0) throw tampered('Object.prototype changed while the enforcer was deciding');
    const i = firstChanged(0);
    if (i >= 0) throw tampered(`${names[i]} was replaced while the enforcer was deciding`);
  }

  /**
   * Compiles and runs a layer bundle as a CommonJS module, with the globals
   * as they were at start as parameters (a replaced `globalThis.String` is not
   * the one it calls); its exports.
   */
  function load(file: string, source: string): unknown {
    const params = ['exports', 'require', 'module', '__filename', '__dirname'];
    for (let i = 0; i < host.globalNames.length; i++) params[params.length] = host.globalNames[i];
    params[params.length] = source;
    const fn = construct(host.FunctionCtor, params) as (...a: unknown[]) => unknown;
    const mod = { __proto__: null, exports: { __proto__: null } as unknown };
    const args: unknown[] = [mod.exports, host.requireBuiltin, mod, file, host.dirname];
    for (let i = 0; i < host.globals.length; i++) args[args.length] = host.globals[i];
    apply(fn, undefined, args);
    return mod.exports;
  }

  return { __proto__: null, enter, leave, verify: () => { if (built) check(); }, load } as unknown as WindowApi;
};
