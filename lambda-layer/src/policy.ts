// Decodes NANO_ENFORCER_POLICY (docs/wire-format.md, v1). Bundled into the
// preload, so it stays tiny and does no work at load beyond defining constants.
import type { Policy } from './types';

/** Common miners and attack tools, refused unless the policy gives its own deny list. */
export const DEFAULT_BLOCKED: readonly string[] = Object.freeze([
  'xmrig', 'xmr-stak', 'xmr-stak-cpu', 'xmr-stak-rx', 'minerd', 'cpuminer', 'cpuminer-multi',
  'cgminer', 'bfgminer', 'ethminer', 't-rex', 'nbminer', 'lolminer', 'phoenixminer', 'nanominer',
  'nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd', 'socat', 'nmap', 'masscan', 'zmap',
  'hydra', 'chisel', 'ngrok', 'frpc',
]);

/** The policy of a process without NANO_ENFORCER_POLICY: block, drift prevention, default deny list, /tmp protected, fail closed. */
export const DEFAULT_POLICY: Policy = Object.freeze({
  mode: 'block',
  blocked: DEFAULT_BLOCKED,
  protectTmp: true,
  allowedWritablePaths: Object.freeze([]) as readonly string[],
  allowInlineCode: Object.freeze([]) as readonly string[],
  failOpen: false,
});

// A bare name, an absolute path or glob, or sha256:<64 hex>.
const EXECUTABLE_ENTRY = /^(?:sha256:[0-9a-fA-F]{64}|(?!sha256:)[^/\0]+|\/[^\0]*)$/;
const ABSOLUTE = /^\/[^\0]*$/;
const NAME = /^[^/\0]+$/;
const KEYS = ['v', 'm', 'a', 'd', 't', 'w', 'i', 'f', 'h'];
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

const list = (function list(o: Record<string, unknown>, key: string, entry: RegExp): readonly string[] | undefined {
  const value = o[key];
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) throw new Error(`"${key}" must be an array of strings`);
  for (const e of value) {
    if (typeof e !== 'string' || e.length === 0 || !entry.test(e)) throw new Error(`"${key}" has an invalid entry ${JSON.stringify(e)}`);
  }
  return Object.freeze(value.slice());
});

/**
 * Decodes the policy JSON. Never throws: an absent value is the default policy;
 * a value that does not parse, has an unknown `v`, an unknown key or a bad
 * value is the default policy plus `fault` (reported as control `tamper`).
 */
export const decodePolicy = (function decodePolicy(json: string | undefined): { policy: Policy; fault?: string } {
  if (json === undefined || json === '') return { policy: DEFAULT_POLICY };
  try {
    const o: unknown = JSON.parse(json);
    if (o === null || typeof o !== 'object' || Array.isArray(o)) throw new Error('not a JSON object');
    const r = o as Record<string, unknown>;
    if (r.v !== 1) throw new Error(`unknown version ${JSON.stringify(r.v)}`);
    for (const k of Object.keys(r)) if (!KEYS.includes(k)) throw new Error(`unknown key "${k}"`);
    if (r.m !== undefined && r.m !== 'b' && r.m !== 'a') throw new Error('"m" must be "b" or "a"');
    if (r.t !== undefined && r.t !== 0 && r.t !== 1) throw new Error('"t" must be 0');
    if (r.f !== undefined && r.f !== 'o' && r.f !== 'c') throw new Error('"f" must be "o"');
    if (r.h !== undefined && (r.h === null || typeof r.h !== 'object' || Array.isArray(r.h))) throw new Error('"h" must be an object');
    const allowed = list(r, 'a', EXECUTABLE_ENTRY);
    const decoyVariables = r.h === undefined ? undefined : list(r.h as Record<string, unknown>, 'n', VARIABLE);
    const policy: Policy = {
      mode: r.m === 'a' ? 'alert' : 'block',
      ...(allowed ? { allowed } : {}),
      blocked: list(r, 'd', EXECUTABLE_ENTRY) ?? DEFAULT_BLOCKED,
      protectTmp: r.t !== 0,
      allowedWritablePaths: list(r, 'w', ABSOLUTE) ?? DEFAULT_POLICY.allowedWritablePaths,
      allowInlineCode: list(r, 'i', NAME) ?? DEFAULT_POLICY.allowInlineCode,
      failOpen: r.f === 'o',
      ...(decoyVariables && decoyVariables.length > 0 ? { decoyVariables } : {}),
    };
    return { policy: Object.freeze(policy) };
  } catch (e) {
    return { policy: DEFAULT_POLICY, fault: `NANO_ENFORCER_POLICY is invalid (${(e as Error).message}); enforcing the default policy` };
  }
});
