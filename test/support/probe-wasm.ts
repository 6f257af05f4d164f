// The honeypots' probe loop (lambda-layer/src/honeypots/probe.wat), assembled
// as build.mjs assembles it into the layer, and instantiated through the
// layer's own instantiateProbe() with this process's WebAssembly.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import wabt from 'wabt';
import type { WasmProbe } from '../../lambda-layer/src/honeypots/scanner';
import { instantiateProbe } from '../../lambda-layer/src/honeypots/wasm';

const WAT = join(__dirname, '..', '..', 'lambda-layer', 'src', 'honeypots', 'probe.wat');

export async function assembleProbe(): Promise<Uint8Array> {
  return new Uint8Array((await wabt()).parseWat(WAT, readFileSync(WAT, 'utf8')).toBinary({}).buffer);
}

/** What the preload captures at start (Captured's `wasm`), read here. */
export function wasmParts(): unknown[] {
  type Api = { Module: unknown; Instance: { prototype: object }; Memory: { prototype: object } };
  const wasm = (globalThis as unknown as { WebAssembly: Api }).WebAssembly;
  return [wasm.Module, wasm.Instance, Object.getOwnPropertyDescriptor(wasm.Instance.prototype, 'exports')!.get,
    Object.getOwnPropertyDescriptor(wasm.Memory.prototype, 'buffer')!.get];
}

/** A fresh instance (its own zeroed memory: a scanner's tables live in it). */
export function probeInstance(bytes: Uint8Array): WasmProbe {
  const probe = instantiateProbe({ apply: Reflect.apply, construct: Reflect.construct, wasm: wasmParts() }, bytes);
  if (probe === undefined) throw new Error('probe.wat did not instantiate');
  return probe;
}
