// System tools that run a command given in their options or program text:
// GNU sed's e command, tar's --checkpoint-action=exec= and -I, split
// --filter, sort --compress-program, make's makefiles and --eval, run-parts;
// and tools that run the command they are given: setpriv, prlimit, setarch
// (also under a personality name), start-stop-daemon, capsh, valgrind.
// Each is asked to run a script in /tmp that marks its run; the marker must
// not appear. The same tools used the ordinary way must work, with no event.
// Real Node 20/22/24 and the machine's own GNU tools.
import { Batch, CheckResult, runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, nodeBinary } from '../../support/node-binaries';

// protectTmp off: the checks put their script into /tmp themselves.
const POLICY = { v: 1, t: 0 };

const CHECKS = String.raw`
const cp = require('node:child_process');
const has = (tool) => cp.spawnSync('/bin/sh', ['-c', 'command -v ' + tool]).status === 0;
// A script in /tmp that marks its run (under its own name, wherever a copy of it runs); each attack gets its own.
const evil = (name) => {
  const f = TMP + '/' + name;
  fs.writeFileSync(f, '#!/bin/sh\ntouch ' + f + '.ran\ncat > /dev/null\n', { mode: 0o755 });
  return f;
};
const attack = (tool, name, args) => {
  if (!has(tool)) return 'absent';
  const f = evil(name);
  const r = cp.spawnSync(tool, args(f), { cwd: TMP, input: 'x\n'.repeat(2000), timeout: 10000 });
  return { code: r.error && r.error.code, ran: exists(f + '.ran') };
};
const input = () => { const f = TMP + '/input.txt'; fs.writeFileSync(f, 'b\na\nc\n'); return f; };
check("sed's e command", () => attack('sed', 'sed-e', (f) => ['-n', '1e ' + f, input()]));
check("sed's e command in a shell line", () => attack('sh', 'sed-sh', (f) => ['-c', "sed -n '$e " + f + "' " + input()]));
check("sed's s///e", () => attack('sed', 'sed-s', (f) => ['s|.*|' + f + '|e', input()]));
check('tar --checkpoint-action=exec=', () => attack('tar', 'tar-cp', (f) => ['-cf', '/dev/null', '--checkpoint=1', '--checkpoint-action=exec=' + f, input()]));
check('tar -I', () => attack('tar', 'tar-i', (f) => ['-I', f, '-cf', TMP + '/x.tar', input()]));
// tar -xf of a gzip archive, not told so: it runs 'gzip -d' from the child's PATH, where a planted gzip comes first.
check("tar -xf finding a planted gzip first on the child's PATH", () => {
  if (!has('tar') || !has('gzip')) return 'absent';
  fs.mkdirSync(TMP + '/bin');
  const f = evil('bin/gzip');
  cp.spawnSync('tar', ['-czf', TMP + '/a.tgz', '-C', __dirname, 'fix.sed']);
  const r = cp.spawnSync('tar', ['-xf', TMP + '/a.tgz', '-C', TMP], { env: { ...process.env, PATH: TMP + '/bin:/usr/bin:/bin' } });
  return { code: r.error && r.error.code, ran: exists(f + '.ran') };
});
check('find with -exec hidden in a variable of the line', () => attack('sh', 'find-var', (f) => ['-c', 'X=-exec; find ' + input() + ' "$X" ' + f + ' ";"']));
// A login bash reads $HOME/.profile (text: protectTmp lets it be written), which runs whatever it names.
check('a login bash whose HOME is /tmp', () => {
  const f = evil('login');
  fs.writeFileSync(TMP + '/.profile', f + '\n');
  const r = cp.spawnSync('bash', ['-lc', 'true'], { env: { ...process.env, HOME: TMP } });
  return { code: r.error && r.error.code, ran: exists(f + '.ran') };
});
check('a shell reading its script from /dev/stdin', () => {
  const f = evil('stdin');
  const r = cp.spawnSync('bash', ['/dev/stdin'], { input: f + '\n' });
  return { code: r.error && r.error.code, ran: exists(f + '.ran') };
});
// bash evaluates a value as arithmetic, and expands an array subscript in it (command substitutions included).
check("bash's arithmetic on a value whose subscript runs a command", () => attack('bash', 'arith', (f) => ['-c', "x='a[$(" + f + ")]'; echo $(( x ))"]));
check("bash's printf -v of a name whose subscript runs a command", () => attack('bash', 'printfv', (f) => ['-c', "printf -v 'a[$(" + f + ")]' x"]));
check("bash's declare of an array assignment quoted as one word", () => attack('bash', 'declare', (f) => ['-c', 'declare -a "a=([0]=\\$(' + f + '))"']));
check('split --filter', () => attack('split', 'split-f', (f) => ['--filter=' + f, input()]));
check('sort --compress-program', () => {
  fs.writeFileSync(TMP + '/big.txt', 'line\n'.repeat(300000));
  return attack('sort', 'sort-c', (f) => ['--compress-program=' + f, '-S', '1', '-T', TMP, TMP + '/big.txt']);
});
check('make --eval', () => attack('make', 'make-e', (f) => ['-f', '/dev/null', '--eval=x:;' + f, 'x']));
check('make with a Makefile in /tmp', () => attack('make', 'make-m', (f) => { fs.writeFileSync(TMP + '/Makefile', 'all:\n\t' + f + '\n'); return []; }));
check('run-parts', () => attack('run-parts', 'rp', (f) => { fs.mkdirSync(TMP + '/parts'); fs.copyFileSync(f, TMP + '/parts/a'); fs.chmodSync(TMP + '/parts/a', 0o755); return [TMP + '/parts']; }));
check('setpriv', () => attack('setpriv', 'setpriv', (f) => ['--nnp', f]));
check('prlimit', () => attack('prlimit', 'prlimit', (f) => ['--nofile=1024', f]));
check('setarch', () => attack('setarch', 'setarch', (f) => ['x86_64', '-R', f]));
check('x86_64 (setarch under a personality name)', () => attack('x86_64', 'x86-64', (f) => [f]));
check('start-stop-daemon', () => attack('start-stop-daemon', 'ssd', (f) => ['--start', '--exec', f]));
check('capsh --', () => attack('capsh', 'capsh', (f) => ['--', '-c', f]));
check('valgrind (a shell script)', () => attack('valgrind', 'valgrind', (f) => ['-q', f]));
// Look-alikes.
const ok = (tool, args, opts = {}) => {
  if (!has(tool)) return 'absent';
  const r = cp.spawnSync(tool, args, { cwd: TMP, encoding: 'utf8', ...opts });
  return { code: r.error && r.error.code, status: r.status, out: (r.stdout || '').trim() };
};
check('sed scripts that run nothing', () => ok('sed', ['-n', '-e', 's/a/A/p', '-e', '$=', input()]));
check('sed -f of a script of the function', () => ok('sed', ['-f', __dirname + '/fix.sed', input()]));
check('tar -czf and -xzf (gzip) in /tmp', () => {
  fs.mkdirSync(TMP + '/out');
  const c = ok('tar', ['-czf', TMP + '/x.tgz', '-C', __dirname, 'fix.sed']);
  const x = ok('tar', ['xzf', TMP + '/x.tgz', '-C', TMP + '/out']);
  return { c: c.status, x: x.status, restored: exists(TMP + '/out/fix.sed') };
});
check('split --filter of gzip', () => ok('split', ['-l', '1', '--filter=gzip > $FILE.gz', input(), TMP + '/part-']));
check('sort by a key', () => ok('sort', [input()]));
check("make with the function's Makefile", () => ok('make', ['-s', '-C', __dirname]));
check('prlimit and setarch of a trusted command', () => {
  const p = ok('prlimit', ['--nofile=1024', 'echo', 'limited']);
  const a = ok('setarch', ['x86_64', '-R', 'echo', 'personality']);
  return [p, a];
});
check('still running', () => 'yes');
`;

const FILES = { 'fix.sed': 's/b/B/\n', 'Makefile': 'all:\n\t@echo made\n' };

function expectRefused(r: CheckResult, rule: string): void {
  expect(r.value).toEqual({ code: 'EACCES', ran: false });
  expect(r.events).toEqual([expect.objectContaining({ source: 'nano-enforcer', control: 'process', action: 'blocked', detail: expect.objectContaining({ rule }) })]);
}

describe.each(NODE_VERSIONS)('tools that run commands on Node %s', (version) => {
  let batch: Batch;
  beforeAll(() => {
    // sbin too: start-stop-daemon and capsh live there. Each tool must be installed (.ci/run installs them): 'absent' fails.
    batch = runChecks(nodeBinary(version), CHECKS, { policy: POLICY, files: FILES, env: { PATH: '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' } });
  });

  test.each([
    "sed's e command",
    "sed's e command in a shell line",
    'tar --checkpoint-action=exec=',
    'tar -I',
    "tar -xf finding a planted gzip first on the child's PATH",
    'find with -exec hidden in a variable of the line',
    'a login bash whose HOME is /tmp',
    'split --filter',
    'sort --compress-program',
    'make with a Makefile in /tmp',
    'setpriv',
    'prlimit',
    'setarch',
    'x86_64 (setarch under a personality name)',
    'start-stop-daemon',
    'capsh --',
    'valgrind (a shell script)',
  ])('%s: the /tmp script does not run', (name) => {
    expectRefused(batch.result(name), 'writable-location');
  });

  test.each(["sed's s///e", 'make --eval', 'run-parts', "bash's arithmetic on a value whose subscript runs a command",
    "bash's printf -v of a name whose subscript runs a command", "bash's declare of an array assignment quoted as one word"])('%s: cannot be known, refused, and nothing runs', (name) => {
    expectRefused(batch.result(name), 'dynamic-command');
  });

  test('a shell reading its script from /dev/stdin is inline code, refused, and nothing runs', () => {
    expectRefused(batch.result('a shell reading its script from /dev/stdin'), 'inline-code');
  });

  test.each([
    ['sed scripts that run nothing', { status: 0, out: 'A\n3' }],
    ['sed -f of a script of the function', { status: 0, out: 'B\na\nc' }],
    ['sort by a key', { status: 0, out: 'a\nb\nc' }],
    ["make with the function's Makefile", { status: 0, out: 'made' }],
  ])('look-alike: %s works, with no event', (name, expected) => {
    const r = batch.result(name);
    expect(r.value).toEqual({ code: undefined, ...expected });
    expect(r.events).toEqual([]);
  });

  test('look-alike: tar with gzip, and split --filter of gzip, work with no event', () => {
    const t = batch.result('tar -czf and -xzf (gzip) in /tmp');
    expect(t.value).toEqual({ c: 0, x: 0, restored: true });
    expect(t.events).toEqual([]);
    const s = batch.result('split --filter of gzip');
    expect(s.value).toEqual({ code: undefined, status: 0, out: '' });
    expect(s.events).toEqual([]);
  });

  test('look-alike: prlimit and setarch of a trusted command work, with no event', () => {
    const r = batch.result('prlimit and setarch of a trusted command');
    expect(r.value).toEqual([{ status: 0, out: 'limited' }, { status: 0, out: 'personality' }]);
    expect(r.events).toEqual([]);
  });

  test('the function kept running', () => {
    expect(batch.result('still running').value).toBe('yes');
    expect(batch.done).toBe(true);
  });
});
