// Part of the engine: loads honeypots.js (next to engine.js) when the engine
// starts and the policy names decoys, compiled with the primitives the preload captured,
// and connects it to the gate (process starts) and the fs wrappers.
import { c } from '../captured';
import { emit } from '../events';
import { deciding, observeSpawns } from '../gate';
import { kernelPath } from '../hooks/kernel-path';
import { codeGenRefused } from '../lazy';
import type { Policy } from '../types';
import type { HoneypotHost, Honeypots } from './host';

interface HoneypotsModule { start(host: HoneypotHost): Honeypots }

/** The trip wires, or undefined when no decoy is configured. Never throws. */
export const startHoneypots = (function startHoneypots(
  policy: Policy, environment: Readonly<Record<string, string | undefined>>,
): Honeypots | undefined {
  const names = policy.decoyVariables;
  if (names === undefined || names.length === 0) return undefined;
  const file = `${__dirname}/honeypots.js`;
  try {
    let mod: HoneypotsModule;
    try {
      mod = c.loadBundle(file) as HoneypotsModule;
    } catch (e) {
      // --disallow-code-generation-from-strings: fall back to the module loader.
      if (!codeGenRefused(e)) throw e;
      // eslint-disable-next-line @typescript-eslint/no-require-imports
      mod = require(file) as HoneypotsModule;
    }
    const honeypots = mod.start({
      captured: c,
      block: policy.mode === 'block',
      decoyVariables: names,
      environment,
      layerRoot: c.resolve(__dirname, '..'),
      kernelPath,
      internal: deciding,
      emit: (action, reason, detail) => emit('honeypot', action, reason, detail),
      fault: (reason) => emit('tamper', 'detected', `internal: honeypots: ${reason}`, {}),
    });
    observeSpawns(honeypots.spawn);
    return honeypots;
  } catch (e) {
    emit('tamper', 'detected', `internal: honeypots not started (${e instanceof Error ? e.message : String(e)})`, {});
    return undefined;
  }
});
