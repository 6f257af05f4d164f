// The construct (src/) and the layer (lambda-layer/) never import each other;
// this holds both to docs/wire-format.md: what the aspect encodes, the layer decodes.
import { DEFAULT_BLOCKED, decodePolicy } from '../lambda-layer/src/policy';
import { EnforcementMode, EnforcerPolicy, InternalErrorBehavior, NanoEnforcer } from '../src';
import { encodePolicy } from '../src/private/policy-encoding';

describe('the policy wire format', () => {
  test('the construct and the layer share one default deny list', () => {
    expect([...DEFAULT_BLOCKED]).toEqual(NanoEnforcer.DEFAULT_BLOCKED_EXECUTABLES);
  });

  test('the default policy travels as {"v":1} and decodes to BLOCK, drift prevention, the default list, /tmp protected, fail closed', () => {
    const json = encodePolicy({});
    expect(json).toBe('{"v":1}');
    const { policy, fault } = decodePolicy(json);
    expect(fault).toBeUndefined();
    expect(policy).toEqual({
      mode: 'block',
      blocked: DEFAULT_BLOCKED,
      protectTmp: true,
      allowedWritablePaths: [],
      allowInlineCode: [],
      failOpen: false,
    });
    expect(policy.allowed).toBeUndefined();
  });

  test.each<[string, EnforcerPolicy, Record<string, unknown>]>([
    ['ALERT mode', { mode: EnforcementMode.ALERT }, { mode: 'alert' }],
    ['an allowlist', { allowedExecutables: ['curl', '/var/task/bin/catdoc', '/usr/bin/*'] }, { allowed: ['curl', '/var/task/bin/catdoc', '/usr/bin/*'] }],
    ['an empty allowlist (nothing may run)', { allowedExecutables: [] }, { allowed: [] }],
    ['a replaced deny list', { blockedExecutables: ['xmrig', `sha256:${'ab'.repeat(32)}`] }, { blocked: ['xmrig', `sha256:${'ab'.repeat(32)}`] }],
    ['/tmp unprotected', { protectTmp: false }, { protectTmp: false }],
    ['trusted writable paths', { allowedWritablePaths: ['/tmp/chromium/**'] }, { allowedWritablePaths: ['/tmp/chromium/**'] }],
    ['inline code for python3', { allowInlineCode: ['python3'] }, { allowInlineCode: ['python3'] }],
    ['fail open', { onInternalError: InternalErrorBehavior.FAIL_OPEN }, { failOpen: true }],
  ])('%s decodes to what was meant', (_name, given, expected) => {
    const { policy, fault } = decodePolicy(encodePolicy(given));
    expect(fault).toBeUndefined();
    expect(policy).toMatchObject(expected);
  });
});
