// The V8 inspector: a session reads every closure of this process (the
// hooks' captured originals among them) and calls any function it finds, so
// it turns every other hook off. The preload hooks the inspector binding's
// Connection, MainThreadConnection and open at start (node:inspector takes
// them from the binding when it first loads), and takes SIGUSR1 over, which
// would open the inspector's port. These are their bodies.
import { c } from '../captured';
import { lastReason, permit } from '../gate';
import type { AnyFn, Handler } from './handler';
import type { InspectorRequest } from '../types';

/** The error Node's permission model throws for the inspector (ERR_ACCESS_DENIED). */
function accessDenied(api: InspectorRequest['api']): Error {
  const e = new Error(`Access to this API has been restricted (refused by nano-enforcer: ${lastReason})`) as Error & Record<string, unknown>;
  e.code = 'ERR_ACCESS_DENIED';
  e.permission = 'Inspector';
  e.resource = api === 'open' ? 'Open' : 'Connect';
  return e;
}

const inspectorHook = (api: InspectorRequest['api']): Handler => (orig) => function (this: unknown, a: unknown[], newTarget?: AnyFn): unknown {
  if (!permit({ kind: 'inspector', api })) throw accessDenied(api);
  if (!newTarget) return c.apply(orig, this, a);
  // `new Connection(cb)` through the wrapper, which has the original's prototype.
  const target = (newTarget as { prototype?: unknown }).prototype === (orig as { prototype?: unknown }).prototype ? orig : newTarget;
  return c.construct(orig, a, target);
};

export const Connection = inspectorHook('Connection');
export const MainThreadConnection = inspectorHook('MainThreadConnection');
export const inspectorOpen = inspectorHook('open');

/**
 * v8.setFlagsFromString (the v8 binding's on Node 20 and 22, the v8
 * module's export on Node 24): a flag that hands code the engine's internals
 * is refused the way the inspector is.
 */
export const setFlagsFromString: Handler = (orig) => function (this: unknown, a: unknown[]): unknown {
  const flags = a[0];
  if (typeof flags === 'string' && !permit({ kind: 'v8-flags', flags })) {
    const e = new Error(`Access to this API has been restricted (refused by nano-enforcer: ${lastReason})`) as Error & Record<string, unknown>;
    e.code = 'ERR_ACCESS_DENIED';
    throw e;
  }
  return c.apply(orig, this, a);
};

/** A SIGUSR1 that Node would have answered by opening the inspector: reported; its original does nothing. */
export const SIGUSR1: Handler = () => function (): void {
  permit({ kind: 'inspector', api: 'SIGUSR1' });
};
