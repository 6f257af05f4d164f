import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EnforcerPolicy, NanoEnforcer, NanoEnforcerAspect } from '../src';

function synthEnv(policy?: EnforcerPolicy, opts: { stackName?: string; fnIds?: string[]; fnEnv?: Record<string, string> } = {}) {
  const app = new App();
  const stack = new Stack(app, opts.stackName ?? 'Stack', { env: { account: '111111111111', region: 'eu-west-1' } });
  for (const id of opts.fnIds ?? ['Fn']) {
    new lambda.Function(stack, id, {
      runtime: lambda.Runtime.NODEJS_22_X,
      handler: 'index.handler',
      code: lambda.Code.fromInline('exports.handler = async () => 1;'),
      environment: opts.fnEnv,
    });
  }
  Aspects.of(app).add(new NanoEnforcerAspect({ policy }));
  const fns = Template.fromStack(stack).findResources('AWS::Lambda::Function');
  const byId: Record<string, Record<string, string>> = {};
  for (const id of opts.fnIds ?? ['Fn']) {
    byId[id] = Object.entries(fns).find(([logicalId]) => logicalId.startsWith(id))![1].Properties.Environment.Variables;
  }
  return byId;
}

const ON: EnforcerPolicy = { honeypots: { enabled: true } };

describe('decoy environment variables', () => {
  test('are not planted by default (honeypots are opt-in)', () => {
    const env = synthEnv().Fn;
    expect(Object.keys(env).sort()).toEqual(['NANO_ENFORCER_POLICY', 'NODE_OPTIONS']);
    expect(JSON.parse(env.NANO_ENFORCER_POLICY)).toEqual({ v: 1 });
  });

  test('are planted when enabled, in the format of the real thing', () => {
    const env = synthEnv(ON).Fn;
    expect(env.BACKUP_AWS_ACCESS_KEY_ID).toMatch(/^AKIA[A-Z2-7]{16}$/);
    expect(env.BACKUP_AWS_SECRET_ACCESS_KEY).toMatch(/^[A-Za-z0-9/+]{40}$/);
    expect(env.REPORTING_DB_PASSWORD).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(env.LEGACY_STRIPE_SECRET_KEY).toMatch(/^sk_live_[A-Za-z0-9]{32}$/);
    expect(env.DEPLOY_GITHUB_TOKEN).toMatch(/^ghp_[A-Za-z0-9]{36}$/);
    expect(JSON.parse(env.NANO_ENFORCER_POLICY).h).toEqual({ n: NanoEnforcer.DEFAULT_DECOY_VARIABLE_NAMES });
  });

  test('never touch the runtime\'s real credentials', () => {
    const env = synthEnv(ON).Fn;
    for (const real of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN']) expect(env).not.toHaveProperty(real);
    expect(() => new NanoEnforcerAspect({ policy: { honeypots: { enabled: true, variableNames: ['AWS_ACCESS_KEY_ID'] } } }))
      .toThrow(/policy.honeypots.variableNames\[0\] \('AWS_ACCESS_KEY_ID'\) is a name Lambda or the enforcer uses/);
    expect(() => new NanoEnforcerAspect({ policy: { honeypots: { enabled: true, customDecoys: { AWS_SESSION_TOKEN: 'x'.repeat(20) } } } }))
      .toThrow(/customDecoys\['AWS_SESSION_TOKEN'\] \('AWS_SESSION_TOKEN'\) is a name Lambda or the enforcer uses/);
  });

  test('are stable across syntheses, so a redeploy changes nothing', () => {
    expect(synthEnv(ON).Fn).toEqual(synthEnv(ON).Fn);
  });

  test('differ between functions, stacks and seeds', () => {
    const two = synthEnv(ON, { fnIds: ['A', 'B'] });
    const other = synthEnv(ON, { stackName: 'Other' }).Fn;
    const seeded = synthEnv({ honeypots: { enabled: true, seed: 'a-secret-from-ci' } }).Fn;
    const base = synthEnv(ON).Fn;
    for (const name of NanoEnforcer.DEFAULT_DECOY_VARIABLE_NAMES) {
      const values = new Set([two.A[name], two.B[name], other[name], seeded[name], base[name]]);
      expect(values.size).toBe(5);
    }
  });

  test('skip a name the function sets itself', () => {
    const env = synthEnv(ON, { fnEnv: { REPORTING_DB_PASSWORD: 'the-real-one' } }).Fn;
    expect(env.REPORTING_DB_PASSWORD).toBe('the-real-one');
    expect(JSON.parse(env.NANO_ENFORCER_POLICY).h.n).not.toContain('REPORTING_DB_PASSWORD');
  });

  test('use the names and custom values given', () => {
    const env = synthEnv({ honeypots: { enabled: true, variableNames: ['OLD_ADMIN_PASSWORD'], customDecoys: { PARTNER_API_KEY: 'pk_9d8f7a6b5c4d3e2f1a0b' } } }).Fn;
    expect(env.OLD_ADMIN_PASSWORD).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(env.PARTNER_API_KEY).toBe('pk_9d8f7a6b5c4d3e2f1a0b');
    expect(env).not.toHaveProperty('BACKUP_AWS_ACCESS_KEY_ID');
    expect(JSON.parse(env.NANO_ENFORCER_POLICY).h).toEqual({ n: ['OLD_ADMIN_PASSWORD', 'PARTNER_API_KEY'] });
  });

  test('are absent when honeypots are disabled', () => {
    const env = synthEnv({ honeypots: { enabled: false } }).Fn;
    expect(Object.keys(env).sort()).toEqual(['NANO_ENFORCER_POLICY', 'NODE_OPTIONS']);
    expect(JSON.parse(env.NANO_ENFORCER_POLICY)).toEqual({ v: 1 });
  });

  test.each([
    [{ enabled: true, customDecoys: { SHORT: 'abc' } }, /customDecoys\['SHORT'\] must be a literal of at least 12 characters/],
    [{ enabled: true, variableNames: ['9LIVES'] }, /variableNames\[0\] \('9LIVES'\) is not an environment variable name/],
    [{ enabled: true, variableNames: ['NODE_OPTIONS'] }, /is a name Lambda or the enforcer uses/],
    [{ enabled: true, seed: 'short' }, /policy.honeypots.seed must be a literal of at least 8 characters/],
    [{ customDecoys: { PARTNER_API_KEY: 'pk_9d8f7a6b5c4d3e2f1a0b' } }, /policy.honeypots configures decoys but is not enabled. Add enabled: true/],
  ])('reject bad honeypot props: %j', (honeypots, message) => {
    expect(() => new NanoEnforcerAspect({ policy: { honeypots } })).toThrow(message);
  });
});
