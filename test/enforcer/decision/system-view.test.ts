import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createSystemView, evaluate, PRELOAD_PATH } from '../../../lambda-layer/src/decision';
import { inspectExecutable } from '../../../lambda-layer/src/decision/executable';
import { decodePolicy } from '../../../lambda-layer/src/policy';
import type { SpawnRequest } from '../../../lambda-layer/src/types';
import { cacheDir } from '../../../src/harness/node-binaries';

const DRIFT = decodePolicy(undefined).policy;
const TRUE = fs.realpathSync('/bin/true');
let tmp: string;
// A directory outside every writable location, for drift: node_modules is ignored by git.
let stable: string;

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nano-decision-'));
  // Not in the checkout: CI may clone it under /tmp, a writable location.
  const cache = path.join(cacheDir(), 'decision-tests');
  fs.mkdirSync(cache, { recursive: true });
  stable = fs.mkdtempSync(path.join(cache, 'nano-decision-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(stable, { recursive: true, force: true });
});

function spawn(file: string, args: string[] = [file]): SpawnRequest {
  const env = { PATH: '/usr/local/bin:/usr/bin:/bin', NODE_OPTIONS: `--require ${PRELOAD_PATH}` };
  return { kind: 'spawn', api: 'spawn', file, args, cwd: '/', env, envExplicit: true };
}

describe('the real SystemView', () => {
  it('allows /usr/bin/ls on a machine whose root filesystem is read-write', () => {
    const view = createSystemView();
    expect(view.isWritableLocation(fs.realpathSync('/usr/bin/ls'))).toBe(false);
    expect(evaluate(DRIFT, spawn('ls', ['ls', '-l']), view)).toEqual({ allow: true });
  });

  it('follows a symlink chain in /tmp to the copy of /bin/true it ends at, and refuses it', () => {
    const target = path.join(tmp, 'true-copy');
    fs.copyFileSync(TRUE, target);
    fs.chmodSync(target, 0o755);
    fs.symlinkSync(target, path.join(tmp, 'b'));
    fs.symlinkSync('b', path.join(tmp, 'a'));
    const view = createSystemView();
    expect(view.realpath(path.join(tmp, 'a'))).toBe(fs.realpathSync(target));
    const d = evaluate(DRIFT, spawn(path.join(tmp, 'a')), view);
    expect(d).toMatchObject({ allow: false, detail: { rule: 'writable-location', resolved: fs.realpathSync(target) } });
  });

  it('resolves .. physically, through a symlinked directory', () => {
    fs.mkdirSync(path.join(tmp, 'real', 'sub'), { recursive: true });
    fs.symlinkSync(path.join(tmp, 'real', 'sub'), path.join(tmp, 'link'));
    fs.writeFileSync(path.join(tmp, 'real', 'f'), '');
    expect(createSystemView().realpath(`${tmp}/link/../f`)).toBe(fs.realpathSync(path.join(tmp, 'real', 'f')));
  });

  it('refuses a file written after the start time outside writable locations as drift', () => {
    const f = path.join(stable, 'late');
    fs.copyFileSync(TRUE, f);
    fs.chmodSync(f, 0o755);
    const before = createSystemView(Date.now() - 60_000);
    expect(before.isWritableLocation(f)).toBe(false);
    expect(before.stat(f)!.mtimeMs).toBeGreaterThan(before.startTimeMs);
    expect(evaluate(DRIFT, spawn(f), before)).toMatchObject({ allow: false, detail: { rule: 'drift' } });
    expect(evaluate(DRIFT, spawn(f), createSystemView(Date.now() + 60_000))).toEqual({ allow: true });
  });

  it('reads PT_INTERP of /bin/ls (the dynamic loader)', () => {
    const info = inspectExecutable(createSystemView(), fs.realpathSync('/bin/ls'));
    expect(info.kind).toBe('elf');
    expect(info.kind === 'elf' && info.interp).toMatch(/\/ld-(linux|musl)[^/]*\.so/);
  });

  it('reads the interpreter and argument of a #! line', () => {
    const f = path.join(tmp, 'script');
    fs.writeFileSync(f, '#!/usr/bin/env  -S node --flag \nrest\n');
    expect(inspectExecutable(createSystemView(), f)).toEqual({ kind: 'script', interp: '/usr/bin/env', arg: '-S node --flag' });
  });

  it('reads a file again after it changed (the cache keys on stat identity)', () => {
    const view = createSystemView();
    const f = path.join(tmp, 'changing');
    fs.writeFileSync(f, '#!/bin/sh\n');
    fs.utimesSync(f, 1000, 1000);
    expect(inspectExecutable(view, f)).toMatchObject({ kind: 'script', interp: '/bin/sh' });
    expect(view.sha256(f)).toBe(createHash('sha256').update('#!/bin/sh\n').digest('hex'));
    fs.writeFileSync(f, '#!/bin/ba\n');
    fs.utimesSync(f, 2000, 2000);
    expect(inspectExecutable(view, f)).toMatchObject({ kind: 'script', interp: '/bin/ba' });
    expect(view.sha256(f)).toBe(createHash('sha256').update('#!/bin/ba\n').digest('hex'));
  });

  it('reports an fd link to a deleted file by its target, which is a writable location', () => {
    const f = path.join(stable, 'gone');
    fs.writeFileSync(f, 'x');
    const fd = fs.openSync(f, 'r');
    try {
      fs.unlinkSync(f);
      const view = createSystemView();
      const real = view.realpath(`/proc/self/fd/${fd}`);
      expect(real).toMatch(/ \(deleted\)$/);
      expect(view.isWritableLocation(real!)).toBe(true);
    } finally {
      fs.closeSync(fd);
    }
  });

  it('counts /tmp, /dev/shm and memfd names as writable, and the root mount as not', () => {
    const view = createSystemView();
    expect(['/tmp/x', '/dev/shm/x', '/memfd:x (deleted)', '/var/tmp/y'].map(p => view.isWritableLocation(p))).toEqual([true, true, true, true]);
    expect(view.isWritableLocation('/usr/lib/x')).toBe(false);
  });

  it('finds the writable place a directory is or holds (a WASI preopen), and none in a read-only one', () => {
    const view = createSystemView();
    expect(view.writableBelow('/')).toBe('/tmp');
    expect(view.writableBelow('/proc')).toBe('/proc');
    expect(view.writableBelow('/dev')).toBe('/dev/shm');
    expect(view.writableBelow('/usr/lib')).toBeUndefined();
    expect(view.writableBelow('/tm')).toBeUndefined();
  });

  it('returns undefined for missing files rather than throwing', () => {
    const view = createSystemView();
    expect([view.realpath('/nope/x'), view.stat('/nope/x'), view.readHead('/nope/x', 4), view.sha256('/nope/x')]).toEqual([undefined, undefined, undefined, undefined]);
  });

  it('defaults the preload path to the layer path when no preload.js sits next to the module', () => {
    expect(createSystemView().preloadPath).toBe(PRELOAD_PATH);
    expect(createSystemView(0, { preloadPath: '/x/preload.js' }).preloadPath).toBe('/x/preload.js');
  });

  it('defaults the start time to the process start', () => {
    expect(Math.abs(createSystemView().startTimeMs - performance.timeOrigin)).toBeLessThan(50);
  });

  it('knows the real path of this node binary', () => {
    expect(createSystemView().execPath).toBe(fs.realpathSync(process.execPath));
  });
});
