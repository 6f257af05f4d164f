// Loads the decision bundle (decision.js, next to engine.js) the first time
// something needs a decision: it holds the shell parser and the hashing. It
// is read and compiled by the preload (with the globals as they were at start), so code
// that later patches require, Module._load or fs cannot substitute it.
import { c } from './captured';
import type { Decision, Policy, Request, SystemView } from './types';

export interface DecisionModule {
  evaluate(policy: Policy, request: Request, system: SystemView): Decision;
  createSystemView(startTimeMs?: number): SystemView;
  /** The environment names the last spawn decision depends on, when it depends on nothing else (decision/cache.ts). */
  lastStableNames(): readonly string[] | undefined;
}

let loaded: DecisionModule | undefined;

/**
 * Whether loading a bundle failed because code generation from strings is
 * disallowed: the only failure that falls back to the module loader. By
 * prototype, not instanceof: user code can give EvalError a
 * Symbol.hasInstance, make a read fail (EMFILE) and answer require itself.
 */
export function codeGenRefused(e: unknown): boolean {
  return e !== null && typeof e === 'object' && Object.getPrototypeOf(e) === EvalError.prototype;
}

/** The decision module; throws if it cannot be loaded (the caller treats that as an internal fault). */
export const decisionModule = (function decisionModule(): DecisionModule {
  if (loaded) return loaded;
  const file = `${__dirname}/decision.js`;
  let exports: DecisionModule;
  try {
    exports = c.loadBundle(file) as DecisionModule;
  } catch (e) {
    // --disallow-code-generation-from-strings: fall back to the module loader.
    if (!codeGenRefused(e)) throw e;
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    exports = require(file) as DecisionModule;
  }
  if (typeof exports.evaluate !== 'function' || typeof exports.createSystemView !== 'function') {
    throw new Error(`${file} does not export evaluate and createSystemView`);
  }
  loaded = exports;
  return exports;
});
