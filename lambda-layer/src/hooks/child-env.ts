// Keeps the enforcer in every child process and worker: their environment
// always carries `--require <this preload>` in NODE_OPTIONS and the policy
// this process started with, even when the caller built the environment
// itself (env: {}) or changed process.env after start.
let preloadPath = '';
let policyJson: string | undefined;
let requireFlag = '';

export const initChildEnv = (function initChildEnv(preload: string, policy: string | undefined): void {
  preloadPath = preload;
  policyJson = policy;
  requireFlag = /[\s"'\\]/.test(preload) ? `--require "${preload.replace(/(["\\])/g, '\\$1')}"` : `--require ${preload}`;
});

export const withPreload = (function withPreload(nodeOptions: string | undefined): string {
  if (nodeOptions === undefined || nodeOptions === '') return requireFlag;
  return nodeOptions.includes(preloadPath) ? nodeOptions : `${nodeOptions} ${requireFlag}`;
});

/** A copy of `env` that keeps the enforcer. */
export function protectedEnv(env: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const k of Object.keys(env)) {
    const v = env[k];
    if (v !== undefined) out[k] = String(v);
  }
  out.NODE_OPTIONS = withPreload(out.NODE_OPTIONS);
  if (policyJson === undefined) delete out.NANO_ENFORCER_POLICY;
  else out.NANO_ENFORCER_POLICY = policyJson;
  return out;
}

/**
 * Fixes a binding's envPairs ("K=V" strings) in place and returns the
 * environment as a record, for the request. A name given more than once is
 * added to `duplicates`: the record holds its last value, but a child may
 * read either (getenv, and so node reading NODE_OPTIONS, takes the first;
 * the dynamic loader the last), so the decision refuses it.
 */
/** Whether the last protectEnvPairs() call changed its list. */
export let pairsChanged = false;

export const protectEnvPairs = (function protectEnvPairs(pairs: string[], duplicates: string[]): Record<string, string> {
  pairsChanged = false;
  // No prototype: every name is an own key, `in` tells a repeat ('__proto__' and 'constructor' too).
  const env = { __proto__: null } as unknown as Record<string, string>;
  let nodeOptions = -1;
  let policyAt = -1;
  for (let i = 0; i < pairs.length; i++) {
    const p = String(pairs[i]);
    const eq = p.indexOf('=');
    const k = eq < 0 ? p : p.slice(0, eq);
    if (k in env) duplicates.push(k);
    env[k] = eq < 0 ? '' : p.slice(eq + 1);
    if (k === 'NODE_OPTIONS') nodeOptions = i;
    else if (k === 'NANO_ENFORCER_POLICY') policyAt = i;
  }
  const opts = withPreload(env.NODE_OPTIONS);
  if (opts !== env.NODE_OPTIONS) {
    pairsChanged = true;
    env.NODE_OPTIONS = opts;
    if (nodeOptions < 0) pairs[pairs.length] = `NODE_OPTIONS=${opts}`;
    else pairs[nodeOptions] = `NODE_OPTIONS=${opts}`;
  }
  if (policyJson === undefined) {
    if (policyAt >= 0) {
      pairsChanged = true;
      pairs.splice(policyAt, 1);
      delete env.NANO_ENFORCER_POLICY;
    }
  } else if (env.NANO_ENFORCER_POLICY !== policyJson) {
    pairsChanged = true;
    env.NANO_ENFORCER_POLICY = policyJson;
    if (policyAt < 0) pairs[pairs.length] = `NANO_ENFORCER_POLICY=${policyJson}`;
    else pairs[policyAt] = `NANO_ENFORCER_POLICY=${policyJson}`;
  }
  return env;
});
