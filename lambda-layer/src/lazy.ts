// Loads the decision bundle (decision.js, next to preload.js) the first time
// something needs a decision, not at init: it holds the shell parser and the
// hashing. It is read and compiled with functions captured at load, so code
// that later patches require, Module._load or fs cannot substitute it.
// `import x = require()`: esbuild turns `import * as` into a getter copy of every
// export at init, which costs cold start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import fs = require('fs');
// eslint-disable-next-line @typescript-eslint/no-require-imports
import path = require('path');
import { apply } from './hooks/wrap';
import type { Decision, Policy, Request, SystemView } from './types';

export interface DecisionModule {
  evaluate(policy: Policy, request: Request, system: SystemView): Decision;
  createSystemView(startTimeMs?: number): SystemView;
}

const readFileSync = fs.readFileSync;
const join = path.join;
const FunctionCtor = Function;
const nativeRequire = require;
const getBuiltinModule = (process as unknown as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
// Builtins the decision uses that are loaded already: handed over as captured.
const captured: Record<string, unknown> = { fs, path };

function requireForDecision(id: string): unknown {
  const name = id.startsWith('node:') ? id.slice(5) : id;
  if (captured[name]) return captured[name];
  if (getBuiltinModule) {
    const m = apply(getBuiltinModule, process, [name]);
    if (m !== undefined) return m;
  }
  return nativeRequire(id);
}

let loaded: DecisionModule | undefined;

/** The decision module; throws if it cannot be loaded (the caller treats that as an internal fault). */
export function decisionModule(): DecisionModule {
  if (loaded) return loaded;
  const file = join(__dirname, 'decision.js');
  let exports: DecisionModule;
  try {
    const source = apply(readFileSync, fs, [file, 'utf8']) as string;
    const mod = { exports: {} as DecisionModule };
    const fn = new FunctionCtor('exports', 'require', 'module', '__filename', '__dirname', source);
    apply(fn, undefined, [mod.exports, requireForDecision, mod, file, __dirname]);
    exports = mod.exports;
  } catch (e) {
    // --disallow-code-generation-from-strings: fall back to the module loader.
    if (!(e instanceof EvalError)) throw e;
    exports = nativeRequire(file) as DecisionModule;
  }
  if (typeof exports.evaluate !== 'function' || typeof exports.createSystemView !== 'function') {
    throw new Error(`${file} does not export evaluate and createSystemView`);
  }
  loaded = exports;
  return exports;
}
