// probe.wat (assembled by build.mjs into this bundle) instantiated with the
// WebAssembly constructors and getters the preload read at start: user code
// that replaced WebAssembly.Instance or Memory#buffer before the first
// network write does not see, or feed, the scanner's memory.
import type { Captured } from '../captured';
import type { WasmProbe } from './scanner';

/**
 * probe.wat's module, or undefined where WebAssembly does not run (--jitless,
 * no address space for its memory, parts missing): the scanner then probes
 * in JavaScript, finding the same. Never throws.
 */
export function instantiateProbe(c: Pick<Captured, 'apply' | 'construct' | 'wasm'>, bytes: Uint8Array): WasmProbe | undefined {
  const parts = c.wasm;
  if (parts === undefined) return undefined;
  try {
    const module = c.construct(parts[0] as new (b: Uint8Array) => object, [bytes]);
    const instance = c.construct(parts[1] as new (m: object, i: object) => object, [module, { __proto__: null }]);
    // An instance's exports are a frozen object without a prototype: plain reads.
    const exports = c.apply(parts[2] as () => Record<string, unknown>, instance, []);
    const { probe, check } = exports;
    if (typeof probe !== 'function' || typeof check !== 'function') return undefined;
    const memory = c.apply(parts[3] as () => ArrayBuffer, exports.memory, []);
    return { memory, probe: probe as WasmProbe['probe'], check: check as WasmProbe['check'] };
  } catch {
    return undefined;
  }
}
