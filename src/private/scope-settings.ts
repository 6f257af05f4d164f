import { IConstruct } from 'constructs';
import { EnforcerPolicy } from '../policy';

/** What NanoEnforcer.exclude / overridePolicy recorded on a construct. */
export interface ScopeSettings {
  readonly excludedBecause?: string;
  readonly policy?: EnforcerPolicy;
}

// A global symbol, so that two copies of this library in one app still agree.
const SETTINGS = Symbol.for('cdk-nano-enforcer.scope-settings');

export function recordSettings(scope: IConstruct, settings: ScopeSettings): void {
  const host = scope as unknown as Record<symbol, ScopeSettings | undefined>;
  host[SETTINGS] = { ...host[SETTINGS], ...settings };
}

/** The settings nearest to the construct: its own, else its closest ancestor's. */
export function settingsFor(construct: IConstruct): ScopeSettings {
  let excludedBecause: string | undefined;
  let policy: EnforcerPolicy | undefined;
  for (const scope of construct.node.scopes) {
    const own = (scope as unknown as Record<symbol, ScopeSettings | undefined>)[SETTINGS];
    if (own?.excludedBecause !== undefined) excludedBecause = own.excludedBecause;
    if (own?.policy !== undefined) policy = own.policy;
  }
  return { excludedBecause, policy };
}
