// The enforcer's entry, loaded before user code by
// NODE_OPTIONS=--require /opt/nano-enforcer/preload.js, in the main thread
// and in every worker. It only installs hooks: nothing heavy loads at init
// (no child_process, no worker_threads, no decision code).
import { emit } from './events';
import { initGate } from './gate';
import { installAddonHook } from './hooks/addon';
import { initChildEnv } from './hooks/child-env';
import { installChildProcessHooks } from './hooks/child-process';
import { installExecveHook } from './hooks/execve';
import { installFsHooks } from './hooks/fs';
import { installWorkerHooks } from './hooks/worker';
import { mark } from './hooks/wrap';
import { decodePolicy } from './policy';

function install(): void {
  // Idempotent: loaded twice (two --require, or required by user code), hooks once.
  if (!mark(process, Symbol.for('nano-enforcer.installed'))) return;
  const started = Date.now();
  const raw = process.env.NANO_ENFORCER_POLICY;
  const { policy, fault } = decodePolicy(raw);
  initGate(policy, started);
  initChildEnv(__filename, raw);

  const faults: string[] = [];
  const step = (name: string, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      faults[faults.length] = `${name}: ${e instanceof Error ? e.message : String(e)}`;
    }
  };
  step('child_process', installChildProcessHooks);
  step('execve', installExecveHook);
  step('addon', installAddonHook);
  step('worker_threads', () => installWorkerHooks(module.constructor as never, require));
  if (policy.protectTmp) step('fs', installFsHooks);

  if (fault !== undefined) emit('tamper', 'detected', fault, {});
  for (const f of faults) emit('tamper', 'detected', `internal: hook not installed (${f})`, {});
}

try {
  install();
} catch (e) {
  // Never crash the function's start.
  try {
    emit('tamper', 'detected', `internal: ${e instanceof Error ? e.message : String(e)}`, {});
  } catch {
    // Nothing more to do.
  }
}
