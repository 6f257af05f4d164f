// The decoys of this process: the values of the policy's decoy variables as
// they were when the enforcer started (before user code could change
// process.env), and the values in the layer's decoy files.
import { DECOY_FILES } from './files';

export interface Decoy {
  /** The variable (or file:<path>:<key>) that holds it. */
  readonly name: string;
  readonly value: string;
  /** An AWS access key id: a request signed with it is a use of the key. */
  readonly keyId: boolean;
}

/** Shorter values would match ordinary traffic. */
export const MIN_DECOY_LENGTH = 12;
const KEY_ID = /^A[KS]IA[A-Z0-9]{16}$/;

export function collectDecoys(names: readonly string[], env: Readonly<Record<string, string | undefined>>): Decoy[] {
  const out: Decoy[] = [];
  const seen = new Set<string>();
  const add = (name: string, value: string | undefined): void => {
    if (value === undefined || value.length < MIN_DECOY_LENGTH || seen.has(value)) return;
    seen.add(value);
    out.push({ name, value, keyId: KEY_ID.test(value) });
  };
  for (const name of names) add(name, env[name]);
  for (const f of DECOY_FILES) for (const name of Object.keys(f.values)) add(name, f.values[name]);
  return out;
}
