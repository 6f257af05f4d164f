// Spawn decisions remembered across evaluations (decision/cache.ts): a hit
// only while every file the decision looked at is unchanged.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { policy } from './helpers';
import { createSystemView, evaluate } from '../../../lambda-layer/src/decision';
import type { SpawnRequest, SystemView } from '../../../lambda-layer/src/types';
import { cacheDir } from '../../../src/harness/node-binaries';

const TRUE = fs.realpathSync('/bin/true');
// Outside every writable location (not /tmp): a directory whose files may be trusted.
let dir: string;


function spawn(file: string, over: Partial<SpawnRequest> = {}): SpawnRequest {
  return { kind: 'spawn', api: 'spawnSync', file, args: [file], cwd: '/', env: { PATH: '/usr/bin:/bin' }, envExplicit: false, ...over };
}

/** Counts the view's realpath calls (a cached decision replays them; an evaluation makes more). */
function counted(s: SystemView): { view: SystemView; calls: () => number } {
  let n = 0;
  const realpath = s.realpath;
  (s as { realpath: SystemView['realpath'] }).realpath = (p: string) => { n++; return realpath(p); };
  return { view: s, calls: () => n };
}

beforeAll(() => {
  const cache = path.join(cacheDir(), 'decision-tests');
  fs.mkdirSync(cache, { recursive: true });
  dir = fs.mkdtempSync(path.join(cache, 'nano-cache-'));
  fs.copyFileSync(TRUE, path.join(dir, 'tool'));
  fs.copyFileSync(TRUE, path.join(dir, 'other'));
  fs.chmodSync(path.join(dir, 'tool'), 0o755);
  fs.chmodSync(path.join(dir, 'other'), 0o755);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

test('a re-pointed symlink is decided again (allowlist by real name)', () => {
  const strict = policy({ a: ['tool'] });
  const system = createSystemView(Date.now() + 60_000);
  const link = path.join(dir, 'link');
  fs.symlinkSync(path.join(dir, 'tool'), link);
  expect(evaluate(strict, spawn(link), system).allow).toBe(true);
  expect(evaluate(strict, spawn(link), system).allow).toBe(true);
  fs.unlinkSync(link);
  fs.symlinkSync(path.join(dir, 'other'), link);
  expect(evaluate(strict, spawn(link), system)).toMatchObject({ allow: false, detail: { rule: 'allowlist' } });
  fs.unlinkSync(link);
});

test('a file rewritten after start is decided again (drift)', async () => {
  const file = path.join(dir, 'drifting');
  fs.copyFileSync(TRUE, file);
  fs.chmodSync(file, 0o755);
  await new Promise((r) => setTimeout(r, 20));
  const system = createSystemView(Date.now());
  const drift = policy();
  expect(evaluate(drift, spawn(file), system).allow).toBe(true);
  expect(evaluate(drift, spawn(file), system).allow).toBe(true);
  // File times are coarser than Date.now(): change it well after the start.
  await new Promise((r) => setTimeout(r, 20));
  fs.appendFileSync(file, 'x');
  expect(evaluate(drift, spawn(file), system)).toMatchObject({ allow: false, detail: { rule: 'drift' } });
});

test('a new file earlier on PATH is found (the search is replayed)', () => {
  const first = path.join(dir, 'first');
  fs.mkdirSync(first, { recursive: true });
  const strict = policy({ a: ['tool'] });
  const system = createSystemView(Date.now() + 60_000);
  const env = { PATH: `${first}:${dir}` };
  expect(evaluate(strict, spawn('tool', { args: ['tool'], env }), system).allow).toBe(true);
  fs.copyFileSync(path.join(dir, 'other'), path.join(first, 'tool'));
  fs.chmodSync(path.join(first, 'tool'), 0o755);
  // Same name, another file: still 'tool' by its real basename, but a different path, so decided again.
  const d = evaluate(strict, spawn('tool', { args: ['tool'], env }), system);
  expect(d.allow).toBe(true);
  fs.rmSync(path.join(first, 'tool'));
  expect(evaluate(policy({ a: ['tool'], d: [path.join(first, '*')] }), spawn('tool', { args: ['tool'], env }), system).allow).toBe(true);
});

test('a hit asks the machine less than an evaluation; the request (argv, env, cwd) is part of the key', () => {
  const strict = policy({ a: ['tool'] });
  const { view, calls } = counted(createSystemView(Date.now() + 60_000));
  const tool = path.join(dir, 'tool');
  evaluate(strict, spawn(tool), view);
  const miss = calls();
  evaluate(strict, spawn(tool), view);
  expect(calls() - miss).toBeLessThanOrEqual(miss);
  // Another argv, env or policy: evaluated on its own.
  const fresh = () => createSystemView(Date.now() + 60_000);
  for (const r of [
    spawn('/bin/sh', { args: ['sh', '-c', 'curl x'] }),
    spawn('/bin/sh', { args: ['sh', '-c', 'tool'], env: { PATH: dir } }),
    spawn('/bin/sh', { args: ['sh', '-c', 'tool'], cwd: dir, env: { PATH: '.' } }),
    spawn(tool, { env: { PATH: '/usr/bin', LD_PRELOAD: '/tmp/x.so' } }),
  ]) {
    expect(evaluate(strict, r, view)).toEqual(evaluate(strict, r, fresh()));
    expect(evaluate(strict, r, view)).toEqual(evaluate(strict, r, fresh()));
  }
  expect(evaluate(strict, spawn(tool), view).allow).toBe(true);
  expect(evaluate(policy({ a: ['other'] }), spawn(tool), view).allow).toBe(false);
});

test('a variable the decision never reads does not defeat the cache (the trace id changes on every invocation)', () => {
  const drift = policy();
  const { view, calls } = counted(createSystemView(Date.now() + 60_000));
  const tool = path.join(dir, 'tool');
  const env = (trace: string) => ({ PATH: '/usr/bin:/bin', NODE_OPTIONS: `--require ${view.preloadPath}`, _X_AMZN_TRACE_ID: trace });
  expect(evaluate(drift, spawn(tool, { env: env('Root=1-a') }), view).allow).toBe(true);
  const evaluation = calls();
  expect(evaluation).toBeGreaterThan(0);
  expect(evaluate(drift, spawn(tool, { env: env('Root=1-b') }), view).allow).toBe(true);
  expect(evaluate(drift, spawn('/bin/sh', { args: ['sh', '-c', `${tool} | ${tool}`], env: env('Root=1-c') }), view).allow).toBe(true);
  const line = calls();
  expect(evaluate(drift, spawn('/bin/sh', { args: ['sh', '-c', `${tool} | ${tool}`], env: env('Root=1-d') }), view).allow).toBe(true);
  // Hits: no path was resolved again (what they resolved stays in read-only places; their stat identities are replayed instead).
  expect(calls()).toBe(line);
  expect(evaluate(drift, spawn(tool, { env: env('Root=1-e') }), view).allow).toBe(true);
  expect(calls()).toBe(line);
});

test('a variable the decision read is part of the key, also when a shell line reads it', () => {
  const drift = policy();
  const system = createSystemView(Date.now() + 60_000);
  const scratch = fs.mkdtempSync('/tmp/nano-cache-');
  try {
    fs.copyFileSync(TRUE, path.join(scratch, 'tool'));
    fs.chmodSync(path.join(scratch, 'tool'), 0o755);
    const line = (tools: string) => spawn('/bin/sh', { args: ['sh', '-c', 'PATH=$TOOLS; tool'], env: { PATH: '/usr/bin:/bin', NODE_OPTIONS: `--require ${system.preloadPath}`, TOOLS: tools } });
    expect(evaluate(drift, line(dir), system).allow).toBe(true);
    expect(evaluate(drift, line(dir), system).allow).toBe(true);
    expect(evaluate(drift, line(scratch), system)).toMatchObject({ allow: false, detail: { rule: 'writable-location' } });
    expect(evaluate(drift, line(dir), system).allow).toBe(true);
    const direct = (p: string) => spawn('tool', { args: ['tool'], env: { PATH: p } });
    expect(evaluate(drift, direct(dir), system).allow).toBe(true);
    expect(evaluate(drift, direct(scratch), system)).toMatchObject({ allow: false, detail: { rule: 'writable-location' } });
  } finally {
    fs.rmSync(scratch, { recursive: true, force: true });
  }
});

test('a shell line that looked at every name is decided again when a name is added (an exported function)', () => {
  const drift = policy();
  const system = createSystemView(Date.now() + 60_000);
  const tool = path.join(dir, 'tool');
  const line = (env: Record<string, string>) => spawn('/bin/sh', { args: ['sh', '-c', tool], env: { PATH: '/usr/bin:/bin', NODE_OPTIONS: `--require ${system.preloadPath}`, ...env } });
  expect(evaluate(drift, line({}), system).allow).toBe(true);
  expect(evaluate(drift, line({ 'BASH_FUNC_ls%%': '() { /tmp/x; }' }), system)).toMatchObject({ allow: false, detail: { rule: 'loader-env' } });
  expect(evaluate(drift, line({}), system).allow).toBe(true);
});
