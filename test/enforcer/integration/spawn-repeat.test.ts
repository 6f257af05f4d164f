// A spawn the engine allowed, whose decision read nothing but the request and
// a few environment variables (every file on an immutable mount), is let
// through again by the preload without the engine while the environment list
// differs at most in the values of unread names (late.ts, fastSpawn). That
// shortcut must not let through what the engine would refuse or change: each
// check below first makes the engine allow and remember a spawn, then repeats
// it with one thing changed, and looks at the effect (did the process run,
// what environment did it get). Real Node 20/22/24, in a private mount
// namespace whose root is read-only and /tmp a fresh tmpfs, as on Lambda (on
// a rw root no decision is remembered this way).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOnlyRoot } from '../../../src/harness/sandbox';
import { PRELOAD } from '../../support/enforced-node';
import { NODE_VERSIONS, cacheDir, nodeBinary } from '../../support/node-binaries';

const SCRIPT = String.raw`
const fs = require('fs');
const cp = require('child_process');
const out = {};
const T = '/tmp';
const exists = (f) => fs.existsSync(f);
const base = { PATH: '/usr/bin:/bin', NODE_OPTIONS: process.env.NODE_OPTIONS, NANO_ENFORCER_POLICY: process.env.NANO_ENFORCER_POLICY };
const libc = ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libc.so.6'].find(exists);
// The same command and arguments each time (the remembered key), env lists in the same order; the
// marker is removed before each run, so that it shows whether that run happened.
const touch = (marker, env) => {
  try { fs.unlinkSync(marker); } catch {}
  const r = cp.spawnSync('/usr/bin/touch', [marker], { env });
  return { code: r.error && r.error.code, status: r.status, ran: exists(marker) };
};

// An unread variable changes: allowed every time.
out.unread = ['1', '2', '3'].map((v) => touch(T + '/unread', { ...base, X: v }));

// LD_PRELOAD (read) changes from a read-only library to a file in /tmp, at the same place in the list.
fs.writeFileSync(T + '/evil.so', 'not a library');
out.preload = [libc, libc, T + '/evil.so'].map((v) => touch(T + '/preload', { ...base, LD_PRELOAD: v }));

// NODE_OPTIONS changes to one without the preload: the engine puts the preload back in the child's.
out.nodeOptions = ['keep', 'keep', 'drop'].map((how) => {
  const r = cp.spawnSync('/usr/bin/printenv', ['NODE_OPTIONS'], { env: { ...base, NODE_OPTIONS: how === 'keep' ? base.NODE_OPTIONS : '--max-old-space-size=64' }, encoding: 'utf8' });
  return { status: r.status, childNodeOptions: r.stdout.trim() };
});

// Through the raw binding: the remembered list, then its first entry renamed to repeat NODE_OPTIONS
// (a child reads the first), then a NUL in the first entry's value.
const stdio = [{ type: 'ignore' }, { type: 'ignore' }, { type: 'ignore' }];
const pairs = ['A=1', ...Object.entries(base).map(([k, v]) => k + '=' + v)];
const raw = (marker, p) => {
  try { fs.unlinkSync(marker); } catch {}
  const r = process.binding('spawn_sync').spawn({ file: '/usr/bin/touch', args: ['touch', marker], envPairs: p, stdio });
  return { error: r.error, status: r.status, ran: exists(marker) };
};
out.duplicate = [pairs, ['A=2', ...pairs.slice(1)], ['NODE_OPTIONS=--require ' + T + '/evil.js', ...pairs.slice(1)]].map((p) => raw(T + '/dup', p));
out.nul = [pairs, ['A=2', ...pairs.slice(1)], ['A=3\0x', ...pairs.slice(1)]].map((p) => raw(T + '/nul', p));
// An unread entry renamed to repeat another unread one (B, last in the list).
const withB = [...pairs, 'B=1'];
out.renamed = [withB, ['A=2', ...withB.slice(1)], ['B=2', ...withB.slice(1)]].map((p) => raw(T + '/renamed', p));
process.stdout.write('RESULT ' + JSON.stringify(out) + '\n');
`;

// With honeypots: the engine remembers a spawn only when their scan of it
// was clean, and a repeat whose changed value carries a decoy (in any
// encoding) must still trip the wire. Each list makes the engine remember the
// spawn (the first run) and repeat it once clean, then puts a decoy into the
// changing variable; each list changes a variable of its own, which the
// events name (detail.as).
const HONEYPOT_SCRIPT = String.raw`
const fs = require('fs');
const cp = require('child_process');
const out = {};
const T = '/tmp';
const ID = process.env.BACKUP_AWS_ACCESS_KEY_ID;
const SECRET = process.env.BACKUP_AWS_SECRET_ACCESS_KEY;
const base = { ...process.env, PATH: '/usr/bin:/bin' };
const exists = (f) => fs.existsSync(f);
const touch = (marker, env) => {
  try { fs.unlinkSync(marker); } catch {}
  const r = cp.spawnSync('/usr/bin/touch', [marker], { env });
  return { code: r.error && r.error.code, status: r.status, ran: exists(marker) };
};
out.clean = ['1', '2', '3', '4'].map((v) => touch(T + '/clean', { ...base, X_CLEAN: v }));
out.plain = ['1', '2', 'pre-' + SECRET].map((v) => touch(T + '/plain', { ...base, X_PLAIN: v }));
out.base64 = ['1', '2', Buffer.from(SECRET).toString('base64')].map((v) => touch(T + '/b64', { ...base, X_B64: v }));
out.hex = ['1', '2', Buffer.from(SECRET).toString('hex')].map((v) => touch(T + '/hex', { ...base, X_HEX: v }));
// The decoy in the arguments (part of what is remembered): reported, so never repeated silently.
out.args = [1, 2, 3].map(() => cp.spawnSync('/bin/true', ['--token=' + SECRET]).status);
// The runtime's own key id changes between repeats, then becomes the decoy's: BLOCK refuses the child.
out.key = ['ASIAREALSESSIONKEY01', 'ASIAREALSESSIONKEY02', ID].map((v) => touch(T + '/key', { ...base, AWS_ACCESS_KEY_ID: v }));
process.stdout.write('RESULT ' + JSON.stringify(out) + '\n');
`;
const KEY_ID = 'AKIAZ7QK3M5XRTW2LPNE';
const SECRET = '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';
const DECOYS = { BACKUP_AWS_ACCESS_KEY_ID: KEY_ID, BACKUP_AWS_SECRET_ACCESS_KEY: SECRET };

let dir: string;
beforeAll(() => {
  // Under the cache directory, on the root mount: read-only inside the namespace, like /var/task.
  dir = mkdtempSync(join(cacheDir(), 'repeat-'));
  writeFileSync(join(dir, 'repeat.js'), SCRIPT);
  writeFileSync(join(dir, 'honeypots.js'), HONEYPOT_SCRIPT);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run { code?: string; error?: number; status: number | null; ran: boolean }
interface Out {
  unread: Run[];
  preload: Run[];
  nodeOptions: { status: number; childNodeOptions: string }[];
  duplicate: Run[];
  nul: Run[];
  renamed: Run[];
}

describe.each(NODE_VERSIONS)('a repeated spawn on a read-only root, Node %s', (version) => {
  let out: Out;
  let logs: string[];
  beforeAll(() => {
    const { command, args } = readOnlyRoot(`mount -t tmpfs tmpfs /tmp && exec ${nodeBinary(version)} ${join(dir, 'repeat.js')}`);
    const r = spawnSync(command, args, {
      encoding: 'utf8',
      env: { PATH: '/usr/bin:/bin', NODE_OPTIONS: `--require ${PRELOAD}`, NANO_ENFORCER_POLICY: '{"v":1}' },
    });
    // Events are log lines on stdout or stderr; the result is the line marked RESULT.
    logs = `${r.stdout}\n${r.stderr}`.split('\n');
    const result = logs.find((l) => l.startsWith('RESULT '));
    if (r.status !== 0 || result === undefined) throw new Error(`status ${r.status}: ${r.stdout.slice(-1000)} ${r.stderr.slice(-2000)}`);
    out = JSON.parse(result.slice(7)) as Out;
  }, 120_000);

  const events = (): { detail?: { rule?: string } }[] => logs.filter((l) => l.startsWith('{"source":"nano-enforcer"')).map((l) => JSON.parse(l));

  const ran: Run = { status: 0, ran: true };

  test('an unread variable that changes between repeats: each runs', () => {
    expect(out.unread).toEqual([ran, ran, ran]);
  });

  test('LD_PRELOAD changed to a file in /tmp at the same place in the list: refused, the command does not run', () => {
    expect(out.preload).toEqual([ran, ran, { status: null, code: 'EACCES', ran: false }]);
    expect(events()).toContainEqual(expect.objectContaining({ detail: expect.objectContaining({ rule: 'loader-env' }) }));
  });

  test('NODE_OPTIONS changed to one without the preload: the child still gets the preload', () => {
    expect(out.nodeOptions.map((r) => r.status)).toEqual([0, 0, 0]);
    expect(out.nodeOptions[2].childNodeOptions).toContain(`--require ${PRELOAD}`);
  });

  test('an entry renamed to repeat NODE_OPTIONS (raw binding): refused, the command does not run', () => {
    expect(out.duplicate).toEqual([ran, ran, { error: -13, status: null, ran: false }]);
    expect(events()).toContainEqual(expect.objectContaining({ detail: expect.objectContaining({ rule: 'duplicate-env' }) }));
  });

  test('an unread entry renamed to repeat another unread name (raw binding): refused, the command does not run', () => {
    expect(out.renamed).toEqual([ran, ran, { error: -13, status: null, ran: false }]);
  });

  test('a NUL in the changed value of an unread variable (raw binding): refused', () => {
    expect(out.nul).toEqual([ran, ran, { error: -13, status: null, ran: false }]);
    expect(events()).toContainEqual(expect.objectContaining({ detail: expect.objectContaining({ rule: 'nul-byte' }) }));
  });
});

describe.each(NODE_VERSIONS)('a repeated spawn with honeypots, on a read-only root, Node %s', (version) => {
  let out: Record<'clean' | 'plain' | 'base64' | 'hex' | 'key', Run[]> & { args: number[] };
  let events: { control: string; action: string; reason: string; detail?: { as?: string; encoding?: string } }[];
  beforeAll(() => {
    const { command, args } = readOnlyRoot(`mount -t tmpfs tmpfs /tmp && exec ${nodeBinary(version)} ${join(dir, 'honeypots.js')}`);
    const r = spawnSync(command, args, {
      encoding: 'utf8',
      env: {
        PATH: '/usr/bin:/bin',
        NODE_OPTIONS: `--require ${PRELOAD}`,
        NANO_ENFORCER_POLICY: JSON.stringify({ v: 1, h: { n: Object.keys(DECOYS) } }),
        AWS_ACCESS_KEY_ID: 'ASIAREALSESSIONKEY01',
        ...DECOYS,
      },
    });
    const logs = `${r.stdout}\n${r.stderr}`.split('\n');
    const result = logs.find((l) => l.startsWith('RESULT '));
    if (r.status !== 0 || result === undefined) throw new Error(`status ${r.status}: ${r.stdout.slice(-1000)} ${r.stderr.slice(-2000)}`);
    out = JSON.parse(result.slice(7));
    events = logs.filter((l) => l.startsWith('{"source":"nano-enforcer"')).map((l) => JSON.parse(l));
  }, 120_000);

  const ran: Run = { status: 0, ran: true };
  const about = (as: string) => events.filter((e) => e.detail?.as === as);

  test('a clean variable that changes between repeats: each runs, nothing is reported', () => {
    expect(out.clean).toEqual([ran, ran, ran, ran]);
    expect(about('X_CLEAN')).toEqual([]);
  });

  test.each([['plain', 'X_PLAIN', 'plain'], ['base64', 'X_B64', 'base64'], ['hex', 'X_HEX', 'hex']] as const)(
    'the decoy secret (%s) put into the changing variable of a remembered spawn: it runs, and the wire trips once',
    (key, as, encoding) => {
      expect(out[key]).toEqual([ran, ran, ran]);
      expect(about(as)).toEqual([expect.objectContaining({ control: 'honeypot', action: 'detected', detail: expect.objectContaining({ encoding }) })]);
    },
  );

  test('the decoy key id put into AWS_ACCESS_KEY_ID of a remembered spawn: refused, the command does not run', () => {
    expect(out.key).toEqual([ran, ran, { status: null, code: 'EACCES', ran: false }]);
    expect(about('AWS_ACCESS_KEY_ID')).toEqual([expect.objectContaining({ control: 'honeypot', action: 'blocked' })]);
  });

  test('the decoy in the arguments of the same spawn three times: each runs, each is reported', () => {
    expect(out.args).toEqual([0, 0, 0]);
    expect(events.filter((e) => e.reason.includes('child\'s arguments'))).toHaveLength(3);
  });

  test('no other event', () => {
    const expected = (e: (typeof events)[number]) => ['X_PLAIN', 'X_B64', 'X_HEX', 'AWS_ACCESS_KEY_ID'].includes(e.detail?.as ?? '') || e.reason.includes('child\'s arguments');
    expect(events.filter((e) => !expected(e))).toEqual([]);
  });
});
