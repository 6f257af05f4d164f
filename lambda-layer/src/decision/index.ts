// The decision half of the enforcer: pure, synchronous, no patching.
import type { Decision, Policy, Request, SystemView } from '../types';

/** Where the layer's preload lives on Lambda; SystemView.preloadPath overrides it. */
export const PRELOAD_PATH = '/opt/nano-enforcer/preload.js';

export function evaluate(_policy: Policy, _request: Request, _system: SystemView): Decision {
  return { allow: true };
}

export function createSystemView(startTimeMs?: number): SystemView {
  throw new Error(`not implemented yet (${startTimeMs})`);
}
