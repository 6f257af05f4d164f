// The fixture app, synthesized by the real cdk CLI, run by the harness with
// the real aws-lambda-ric on real Node 22 and 24: what is tested is what
// `cdk deploy` would ship.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalLambda, detectIsolation, runtimeClientDir } from '../../src/harness';

const REPO = path.join(__dirname, '..', '..');
const appDir = path.join(REPO, 'test', 'fixtures', 'harness-app');
let assemblyDir: string;
const open: LocalLambda[] = [];

async function lambda(functionId: string, nodeVersion: string, enforcer = true, more: { isolation?: 'mapped'; nodeArgs?: string[] } = {}): Promise<LocalLambda> {
  const fn = await LocalLambda.fromAssembly({ assemblyDir, functionId, nodeVersion, enforcer, ...more });
  open.push(fn);
  return fn;
}

beforeAll(() => {
  runtimeClientDir({ log: (m) => process.stderr.write(`${m}\n`) }); // minutes the first time on a machine, then cached
  assemblyDir = fs.mkdtempSync(path.join(os.tmpdir(), 'nano-enforcer-harness-'));
  const synth = spawnSync(path.join(REPO, 'node_modules', '.bin', 'cdk'), ['synth', '--quiet', '--output', assemblyDir], { cwd: appDir, encoding: 'utf8' });
  if (synth.status !== 0) throw new Error(`cdk synth failed: ${synth.stdout}${synth.stderr}`);
}, 900_000);

afterEach(async () => {
  await Promise.all(open.splice(0).map((fn) => fn.stop()));
});

afterAll(() => fs.rmSync(assemblyDir, { recursive: true, force: true }));

const exact = detectIsolation().isolation === 'namespace';
const onlyAsRoot = exact ? test : test.skip;

describe.each(['22', '24'])('on Node %s', (major) => {
  onlyAsRoot('gives the function Lambda\'s layout: read-only /var/task, the layer at /opt, an empty /tmp, node at /var/lang/bin/node', async () => {
    const fn = await lambda('HarnessFixture/Probe', major);
    const r = await fn.invoke({ action: 'layout' });
    expect(r.error).toBeUndefined();
    expect(r.cold).toBe(true);
    expect(r.response).toMatchObject({
      taskWrite: 'EROFS',
      cwd: '/var/task',
      taskRoot: '/var/task',
      preload: true,
      tmpAtInit: [],
      execPath: '/var/lang/bin/node',
      nodeOptions: '--require /opt/nano-enforcer/preload.js --enable-source-maps',
      env: {
        AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x',
        AWS_ACCESS_KEY_ID: 'ASIANANOENFORCERFAKE',
        GREETING: 'hello',
        // An environment-agnostic stack: the region the harness assumes.
        REGION_SEEN: process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
        PATH: '/var/lang/bin:/usr/local/bin:/usr/bin/:/bin:/opt/bin',
      },
      requestId: r.requestId,
    });
    expect((r.response as any).node).toMatch(new RegExp(`^v${major}\\.`));
  });

  test('serves warm invocations from the same process, which keeps /tmp between them', async () => {
    const fn = await lambda('Probe', major);
    const first = await fn.invoke({ action: 'drop' });
    const second = await fn.invoke({ action: 'layout' });
    expect(first.cold).toBe(true);
    expect(second.cold).toBe(false);
    expect(second.requestId).not.toBe(first.requestId);
    expect((second.response as any).tmpNow).toContain('dropped.sh');
    expect((second.response as any).tmpAtInit).toEqual([]);
  });

  test('refuses to start a file an earlier invocation dropped into /tmp, and reports it with the invocation\'s requestId', async () => {
    const fn = await lambda('Probe', major);
    const drop = await fn.invoke({ action: 'drop' });
    const run = await fn.invoke({ action: 'run-dropped' });
    expect(drop.events).toEqual([]);
    expect(run.response).toMatchObject({ error: 'EACCES', marker: false });
    expect(run.events).toEqual([expect.objectContaining({ source: 'nano-enforcer', control: 'process', action: 'blocked', requestId: run.requestId })]);
  });

  test('without the enforcer, the same function runs the dropped file and nothing is reported', async () => {
    const fn = await lambda('Probe', major, false);
    const env = await fn.invoke({ action: 'env' });
    await fn.invoke({ action: 'drop' });
    const run = await fn.invoke({ action: 'run-dropped' });
    expect(env.response).toMatchObject({ nodeOptions: '--enable-source-maps' });
    expect(run.response).toMatchObject({ status: 0, error: null, marker: true });
    expect(run.events).toEqual([]);
  });

  test('starts a cold process with a fresh, empty /tmp after stop', async () => {
    const fn = await lambda('Probe', major);
    await fn.invoke({ action: 'drop' });
    await fn.stop(false);
    const r = await fn.invoke({ action: 'env' });
    const layout = await fn.invoke({ action: 'layout' });
    expect(r.cold).toBe(true);
    expect((layout.response as any).tmpNow).toEqual([]);
  });
});

test('in ALERT mode the dropped file runs, and the event says detected', async () => {
  const fn = await lambda('ProbeAlert', '24');
  await fn.invoke({ action: 'drop' });
  const run = await fn.invoke({ action: 'run-dropped' });
  expect(run.response).toMatchObject({ marker: true });
  expect(run.events).toEqual([expect.objectContaining({ control: 'process', action: 'detected', requestId: run.requestId })]);
});

test('captures the function\'s stdout and stderr lines, formatted by the runtime client, per invocation', async () => {
  const fn = await lambda('Probe', '22');
  const r = await fn.invoke({ action: 'log' });
  expect(r.response).toBe('logged');
  expect(r.logs).toEqual(expect.arrayContaining([
    expect.stringMatching(new RegExp(`\\t${r.requestId}\\tINFO\\thello from ${r.requestId}$`)),
    expect.stringMatching(new RegExp(`\\t${r.requestId}\\tERROR\\tan error line$`)),
  ]));
  const next = await fn.invoke({ action: 'env' });
  expect(next.logs.join('\n')).not.toContain('hello from');
});

test('returns the handler\'s error as Lambda does, and keeps the process warm', async () => {
  const fn = await lambda('Probe', '22');
  const r = await fn.invoke({ action: 'throw' });
  const after = await fn.invoke({ action: 'env' });
  expect(r.error).toMatchObject({ errorType: 'Error', errorMessage: 'probe failure' });
  expect(after.cold).toBe(false);
});

test('times an invocation out, and the next one starts cold', async () => {
  const fn = await lambda('Probe', '22');
  const r = await fn.invoke({ action: 'sleep', ms: 5000 }, { timeoutMs: 300 });
  const after = await fn.invoke({ action: 'env' });
  expect(r.error).toEqual({ errorType: 'Sandbox.Timedout', errorMessage: 'Task timed out after 0.30 seconds' });
  expect(r.durationMs).toBeLessThan(3000);
  expect(after.cold).toBe(true);
});

test('passes nodeArgs to node after the flags Lambda\'s bootstrap gives, and refuses anything but one flag each', async () => {
  const fn = await lambda('Probe', '22', true, { nodeArgs: ['--max-semi-space-size=1', '--min-semi-space-size=1'] });
  const r = await fn.invoke({ action: 'env' });
  expect(r.error).toBeUndefined();
  expect((r.response as any).execArgv).toEqual(['--expose-gc', '--max-http-header-size=81920', expect.stringMatching(/^--max-old-space-size=\d+$/), '--max-semi-space-size=1', '--min-semi-space-size=1']);
  await expect(LocalLambda.fromAssembly({ assemblyDir, functionId: 'Probe', nodeVersion: '22', nodeArgs: ['--max-semi-space-size 1'] }))
    .rejects.toThrow("nodeArgs: '--max-semi-space-size 1' is not one node flag");
  await expect(LocalLambda.fromAssembly({ assemblyDir, functionId: 'Probe', nodeVersion: '22', nodeArgs: ['/tmp/x.js'] })).rejects.toThrow('nodeArgs');
});

test('with mapped paths, the preload is found through the rewritten NODE_OPTIONS and still refuses the dropped file', async () => {
  const fn = await lambda('Probe', '22', true, { isolation: 'mapped' });
  const env = await fn.invoke({ action: 'env' });
  await fn.invoke({ action: 'drop' });
  const run = await fn.invoke({ action: 'run-dropped' });
  expect(fn.notes.join('\n')).toContain('paths are mapped');
  expect(env.response).toMatchObject({ taskRoot: fn.description.codeDir, cwd: fn.description.codeDir });
  expect((env.response as any).nodeOptions).toContain(`--require ${fn.description.layers[0].dir}/nano-enforcer/preload.js`);
  expect(run.response).toMatchObject({ error: 'EACCES', marker: false });
  expect(run.events).toEqual([expect.objectContaining({ control: 'process', action: 'blocked', requestId: run.requestId })]);
});
