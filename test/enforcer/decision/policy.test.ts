import { decodePolicy, DEFAULT_BLOCKED, DEFAULT_POLICY } from '../../../lambda-layer/src/policy';

describe('decodePolicy', () => {
  it('gives the default policy without a fault when the variable is absent', () => {
    expect(decodePolicy(undefined)).toEqual({ policy: DEFAULT_POLICY });
    expect(DEFAULT_POLICY).toEqual({ mode: 'block', blocked: DEFAULT_BLOCKED, protectTmp: true, allowedWritablePaths: [], allowInlineCode: [], failOpen: false });
  });

  it('decodes every key of version 1', () => {
    const { policy, fault } = decodePolicy(JSON.stringify({
      v: 1, m: 'a', a: ['curl', '/var/task/bin/catdoc', '/var/task/**', `sha256:${'a'.repeat(64)}`], d: ['xmrig'], t: 0, w: ['/tmp/bin'], i: ['python'], f: 'o', h: {},
    }));
    expect(fault).toBeUndefined();
    expect(policy).toEqual({
      mode: 'alert',
      allowed: ['curl', '/var/task/bin/catdoc', '/var/task/**', `sha256:${'a'.repeat(64)}`],
      blocked: ['xmrig'],
      protectTmp: false,
      allowedWritablePaths: ['/tmp/bin'],
      allowInlineCode: ['python'],
      failOpen: true,
    });
  });

  it('fills absent keys with their defaults (drift prevention, built-in deny list)', () => {
    const { policy } = decodePolicy('{"v":1}');
    expect(policy.allowed).toBeUndefined();
    expect(policy.blocked).toBe(DEFAULT_BLOCKED);
    expect(policy.mode).toBe('block');
  });

  it('returns a deeply frozen policy', () => {
    const { policy } = decodePolicy('{"v":1,"a":["ls"]}');
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.allowed)).toBe(true);
    expect(Object.isFrozen(policy.blocked)).toBe(true);
    expect(Object.isFrozen(DEFAULT_POLICY.allowInlineCode)).toBe(true);
  });

  it.each([
    ['not JSON', '{v:1'],
    ['not an object', '[1]'],
    ['an unknown version', '{"v":2}'],
    ['no version', '{"m":"b"}'],
    ['an unknown mode', '{"v":1,"m":"x"}'],
    ['a non-array list', '{"v":1,"a":"curl"}'],
    ['a non-string entry', '{"v":1,"d":[1]}'],
    ['a relative path entry', '{"v":1,"a":["bin/x"]}'],
    ['a short sha256 entry', '{"v":1,"a":["sha256:abc"]}'],
    ['a relative writable path', '{"v":1,"w":["tmp"]}'],
    ['an interpreter with a slash', '{"v":1,"i":["/usr/bin/python"]}'],
    ['a bad t', '{"v":1,"t":"no"}'],
    ['an unknown key', '{"v":1,"x":1}'],
  ])('falls back to the default policy with a fault on %s', (_name, json) => {
    const r = decodePolicy(json);
    expect(r.policy).toBe(DEFAULT_POLICY);
    expect(r.fault).toMatch(/^NANO_ENFORCER_POLICY is invalid \(.+\); enforcing the default policy$/);
  });

  it('lists the miners and attack tools the issue names', () => {
    for (const n of ['xmrig', 'xmr-stak', 'xmr-stak-cpu', 'minerd', 'cpuminer', 'cgminer', 'bfgminer', 'ethminer', 't-rex', 'nbminer', 'lolminer',
      'nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd', 'socat', 'nmap', 'masscan', 'zmap', 'hydra', 'chisel', 'ngrok', 'frpc']) {
      expect(DEFAULT_BLOCKED).toContain(n);
    }
  });
});
