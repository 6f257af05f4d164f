import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Aspects, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { EnforcementMode, EnforcerPolicy, NanoEnforcer, NanoEnforcerAspect } from '../src';

// A function's code directory, with files as a bundle would hold them.
function bundle(files: Record<string, { content: string | Buffer; mode?: number }>): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nano-enforcer-bundle-'));
  for (const [rel, { content, mode }] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.writeFileSync(path.join(dir, rel), content, { mode: mode ?? 0o644 });
  }
  return dir;
}

function synth(codeDir: string, policy?: EnforcerPolicy) {
  const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nano-enforcer-out-')) });
  const stack = new Stack(app, 'Stack');
  new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromAsset(codeDir) });
  Aspects.of(app).add(new NanoEnforcerAspect({ policy }));
  const annotations = Annotations.fromStack(stack);
  return {
    errors: annotations.findError('*', Match.stringLikeRegexp('bundles a blocked executable')),
    warnings: annotations.findWarning('*', Match.stringLikeRegexp('bundles a blocked executable')),
  };
}

const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);

describe('the deny list checked against the function bundle at synth', () => {
  test('fails synth for a default-listed miner shipped in the bundle', () => {
    const dir = bundle({ 'index.js': { content: 'exports.handler = 1' }, 'bin/xmrig': { content: ELF, mode: 0o755 } });
    const { errors } = synth(dir);
    expect(errors).toHaveLength(1);
    expect(errors[0].entry.data).toBe(
      'cdk-nano-enforcer: Stack/Fn bundles a blocked executable: bin/xmrig matches \'xmrig\' in policy.blockedExecutables. '
      + 'Remove it from the bundle, or, if it is legitimate, from blockedExecutables.',
    );
  });

  test('finds a blocked binary by sha256 whatever its name', () => {
    const payload = Buffer.concat([ELF, Buffer.from('renamed miner')]);
    const hash = createHash('sha256').update(payload).digest('hex');
    const dir = bundle({ 'index.js': { content: 'x' }, 'vendor/helper': { content: payload, mode: 0o755 } });
    const { errors } = synth(dir, { blockedExecutables: [`sha256:${hash}`] });
    expect(errors.map(e => e.entry.data)).toEqual([expect.stringContaining(`vendor/helper matches 'sha256:${hash}'`)]);
  });

  test('finds a blocked binary by an absolute glob under /var/task', () => {
    const dir = bundle({ 'index.js': { content: 'x' }, 'tools/scan/run.sh': { content: '#!/bin/sh\necho', mode: 0o644 } });
    const { errors } = synth(dir, { blockedExecutables: ['/var/task/tools/**'] });
    expect(errors.map(e => e.entry.data)).toEqual([expect.stringContaining('tools/scan/run.sh matches \'/var/task/tools/**\'')]);
  });

  test('ignores a data file that only shares a blocked name', () => {
    const dir = bundle({ 'index.js': { content: 'x' }, 'data/nc': { content: 'just text, not executable' } });
    expect(synth(dir).errors).toEqual([]);
  });

  test('ignores blocked binaries in an excluded function', () => {
    const dir = bundle({ 'index.js': { content: 'x' }, 'bin/xmrig': { content: ELF, mode: 0o755 } });
    const app = new App({ outdir: fs.mkdtempSync(path.join(os.tmpdir(), 'nano-enforcer-out-')) });
    const stack = new Stack(app, 'Stack');
    const fn = new lambda.Function(stack, 'Fn', { runtime: lambda.Runtime.NODEJS_22_X, handler: 'index.handler', code: lambda.Code.fromAsset(dir) });
    NanoEnforcer.exclude(fn, 'ships a miner on purpose, for a test');
    Aspects.of(app).add(new NanoEnforcerAspect());
    expect(Annotations.fromStack(stack).findError('*', Match.anyValue())).toEqual([]);
  });

  test('warns instead of failing in ALERT mode', () => {
    const dir = bundle({ 'index.js': { content: 'x' }, 'bin/socat': { content: ELF, mode: 0o755 } });
    const { errors, warnings } = synth(dir, { mode: EnforcementMode.ALERT });
    expect(errors).toEqual([]);
    expect(warnings).toHaveLength(1);
    expect(warnings[0].entry.data).toMatch(/bin\/socat matches 'socat'.*\[ack: cdk-nano-enforcer:blockedExecutableInBundle\]/);
  });
});
