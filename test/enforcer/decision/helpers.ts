// What the decision tests share: policies from their wire form, the preload
// option a protected child keeps, and the refusal a row expects.
import { decodePolicy } from '../../../lambda-layer/src/policy';
import type { Decision, Policy } from '../../../lambda-layer/src/types';

export const PRELOAD_OPTION = '--require /opt/nano-enforcer/preload.js';

/** The policy of a v1 JSON body (the default policy without one); throws if it does not decode. */
export function policy(json?: object): Policy {
  const { policy: p, fault } = decodePolicy(json ? JSON.stringify({ v: 1, ...json }) : undefined);
  if (fault) throw new Error(fault);
  return p;
}

export type Refused = Extract<Decision, { allow: false }>;

export function refused(d: Decision): Refused {
  if (d.allow) throw new Error('expected a refusal, got allow');
  return d;
}
