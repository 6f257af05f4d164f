import { createHmac } from 'crypto';
import { Stack, Token } from 'aws-cdk-lib';
import { IConstruct } from 'constructs';
import { HoneypotPolicy } from '../policy';

// base32 for AWS key ids; an alphabet without look-alikes for the rest.
const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const SECRET = `${ALNUM}/+`;

/**
 * Generated decoy values for a function: deterministic (stable across
 * syntheses, so no deployment churn), different for every stack, function and
 * name, and in the format of the real thing.
 */
export function generateDecoys(fn: IConstruct, names: readonly string[], honeypots: HoneypotPolicy): Record<string, string> {
  const stack = Stack.of(fn);
  const concrete = (v: string) => (Token.isUnresolved(v) ? '' : v);
  const seed = honeypots.seed ?? `${stack.stackName}:${concrete(stack.account)}:${concrete(stack.region)}`;
  const decoys: Record<string, string> = {};
  for (const name of names) {
    const bytes = createHmac('sha256', seed).update(`${fn.node.path}\0${name}`).digest();
    decoys[name] = valueFor(name, stream(bytes, seed, name));
  }
  return decoys;
}

function valueFor(name: string, pick: (alphabet: string, n: number) => string): string {
  const upper = name.toUpperCase();
  if (upper.endsWith('ACCESS_KEY_ID')) return `AKIA${pick(BASE32, 16)}`;
  if (upper.endsWith('SECRET_ACCESS_KEY')) return pick(SECRET, 40);
  if (upper.includes('PASSWORD')) return pick(ALNUM, 24);
  if (upper.includes('TOKEN')) return `ghp_${pick(ALNUM, 36)}`;
  return `sk_live_${pick(ALNUM, 32)}`;
}

// An endless HMAC stream, so a long value never runs out of bytes.
function stream(first: Buffer, seed: string, name: string): (alphabet: string, n: number) => string {
  let pool = first;
  let counter = 0;
  let offset = 0;
  return (alphabet, n) => {
    let out = '';
    while (out.length < n) {
      if (offset >= pool.length) {
        pool = createHmac('sha256', seed).update(`${name}\0${++counter}`).update(pool).digest();
        offset = 0;
      }
      const byte = pool[offset++];
      // Rejection sampling keeps the characters uniform.
      if (byte < 256 - (256 % alphabet.length)) out += alphabet[byte % alphabet.length];
    }
    return out;
  };
}
