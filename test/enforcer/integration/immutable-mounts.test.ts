// A cached spawn decision about a file on an immutable mount asks the
// machine nothing (decision/cache.ts, mounts.ts): on Lambda, where the root
// and /var/task are read-only, a repeated spawn costs no stat system call.
// Checked by its effect, the system calls themselves (strace), in a private
// mount namespace whose root is remounted read-only, as the local harness
// runs functions; the same script with the root left rw still re-checks the
// file on every spawn.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readOnlyRoot } from '../../../src/harness/sandbox';
import { PRELOAD } from '../../support/enforced-node';
import { NODE_VERSIONS, cacheDir, nodeBinary } from '../../support/node-binaries';

// Stat-family calls between two marker stats, in the main thread (strace without -f: not the children).
const SCRIPT = String.raw`
const fs = require('fs');
const { spawnSync } = require('child_process');
const run = () => { const r = spawnSync('/bin/true'); if (r.status !== 0) throw new Error('spawn failed: ' + (r.error && r.error.code)); };
run();
fs.statSync('/nano-marker-begin', { throwIfNoEntry: false });
for (let i = 0; i < 20; i++) run();
fs.statSync('/nano-marker-end', { throwIfNoEntry: false });
process.stdout.write('ran 21\n');
`;

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(cacheDir(), 'immutable-'));
  writeFileSync(join(dir, 'spawns.js'), SCRIPT);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The stat-family system calls the enforced process made during 20 repeated spawns. */
function statsDuringRepeats(remountRoot: boolean): { ran: string; stats: string[] } {
  const node = nodeBinary(NODE_VERSIONS[1]);
  // strace writes its trace to stderr: the root may be read-only, and the trace dies with the namespace's /tmp.
  const inner = `exec strace -qq -e signal=none -e trace=statx,newfstatat,stat,lstat,readlink,readlinkat ${node} ${join(dir, 'spawns.js')}`;
  const { command, args } = remountRoot ? readOnlyRoot(inner) : { command: 'unshare', args: ['-m', '--propagation', 'private', 'sh', '-c', inner] };
  const r = spawnSync(command, args, {
    encoding: 'utf8',
    env: { PATH: '/usr/bin:/bin', NODE_OPTIONS: `--require ${PRELOAD}`, NANO_ENFORCER_POLICY: '{"v":1}' },
  });
  const lines = r.stderr.split('\n');
  const begin = lines.findIndex((l) => l.includes('/nano-marker-begin'));
  const end = lines.findIndex((l) => l.includes('/nano-marker-end'));
  if (begin < 0 || end < begin) throw new Error(`no markers in the trace (status ${r.status}): ${r.stderr.slice(-2000)}`);
  return { ran: r.stdout.trim(), stats: lines.slice(begin + 1, end).filter((l) => /^(\w*stat|readlink)/.test(l)) };
}

test('on a read-only root, 20 repeated spawns of /bin/true make no stat call', () => {
  const { ran, stats } = statsDuringRepeats(true);
  expect(ran).toBe('ran 21');
  expect(stats).toEqual([]);
}, 60_000);

test('on a rw root, each repeated spawn re-checks the file it runs', () => {
  const { ran, stats } = statsDuringRepeats(false);
  expect(ran).toBe('ran 21');
  expect(stats.length).toBeGreaterThanOrEqual(20);
  expect(stats.some((l) => l.includes('/true') || l.includes('/bin'))).toBe(true);
}, 60_000);
