// Every way to start a process, on real Node 20, 22 and 24: the process does
// not run (its marker file is not created), the API fails the way it fails
// natively, one 'process' event is logged, and the function keeps running.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Batch, CheckResult, PRELOAD, runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, nodeBinary } from '../../support/node-binaries';

// protectTmp off: the attack writes its own executable to /tmp first.
const POLICY = { v: 1, t: 0 };

const CHECKS = String.raw`
const cp = require('node:child_process');
const util = require('node:util');
// A script written after start to /tmp that records that it ran.
const attack = (name) => {
  const f = TMP + '/' + name;
  fs.writeFileSync(f, '#!/bin/sh\ntouch ' + f + '.ran\n', { mode: 0o755 });
  return f;
};
const ran = (f) => exists(f + '.ran');
const stdio = [{ type: 'pipe', readable: true, writable: false }, { type: 'pipe', readable: false, writable: true }, { type: 'pipe', readable: false, writable: true }];

check('execSync', () => { const f = attack('execSync'); try { cp.execSync(f); } finally { globalThis.last = f; } });
check('execSync ran', () => ran(globalThis.last));
check('execFileSync', () => { const f = attack('execFileSync'); try { cp.execFileSync(f); } finally { globalThis.last = f; } });
check('execFileSync ran', () => ran(globalThis.last));
check('spawnSync', () => { const f = attack('spawnSync'); const r = cp.spawnSync(f); return { code: r.error && r.error.code, status: r.status, ran: ran(f) }; });
check('spawn', async () => {
  const f = attack('spawn');
  const child = cp.spawn(f);
  let sync = true;
  const exit = exitOf(child).then((r) => ({ ...r, async: !sync }));
  sync = false;
  return { ...(await exit), ran: ran(f) };
});
check('exec', async () => { const f = attack('exec'); const e = await new Promise((r) => cp.exec(f, (err) => r(err))); return { code: e && e.code, ran: ran(f) }; });
check('execFile', async () => { const f = attack('execFile'); const e = await new Promise((r) => cp.execFile(f, (err) => r(err))); return { code: e && e.code, ran: ran(f) }; });
check('promisified exec', async () => { const f = attack('pexec'); try { await util.promisify(cp.exec)(f); return { resolved: true }; } catch (e) { return { code: e.code, ran: ran(f) }; } });
check('promisified execFile', async () => { const f = attack('pexecFile'); try { await util.promisify(cp.execFile)(f); return { resolved: true }; } catch (e) { return { code: e.code, ran: ran(f) }; } });
check('fork with execPath in /tmp', async () => { const f = attack('forkExecPath'); const r = await exitOf(cp.fork(__filename, [], { execPath: f, stdio: 'ignore' })); return { ...r, ran: ran(f) }; });
check('fork of a script in /tmp', async () => {
  const f = TMP + '/forked.js';
  fs.writeFileSync(f, "require('fs').writeFileSync(__filename + '.ran', '')");
  const r = await exitOf(cp.fork(f, [], { stdio: 'ignore' }));
  return { ...r, ran: ran(f) };
});
check('shell option naming the executable', async () => { const f = attack('shell'); const r = await exitOf(cp.spawn('echo hi', { shell: f })); return { ...r, ran: ran(f) }; });
check('relative file resolved against the cwd option', () => { attack('relative'); const r = cp.spawnSync('./relative', { cwd: TMP }); return { code: r.error && r.error.code, ran: ran(TMP + '/relative') }; });
check('bare name found through env.PATH', () => { attack('onpath'); const r = cp.spawnSync('onpath', { env: { PATH: TMP } }); return { code: r.error && r.error.code, ran: ran(TMP + '/onpath') }; });
check('argv0 disguising the executable', () => { const f = attack('argv0'); const r = cp.spawnSync(f, { argv0: '/bin/ls' }); return { code: r.error && r.error.code, ran: ran(f) }; });
check('dynamic import of node:child_process', async () => { const m = await import('node:child_process'); const f = attack('esm'); const r = m.spawnSync(f); return { code: r.error && r.error.code, ran: ran(f) }; });
check('raw spawn_sync binding', () => {
  const f = attack('rawSync');
  const r = process.binding('spawn_sync').spawn({ file: f, args: [f], envPairs: [], stdio });
  return { error: r.error, ran: ran(f) };
});
check('raw process_wrap binding', async () => {
  const f = attack('rawWrap');
  const { Process } = process.binding('process_wrap');
  const p = new Process();
  p.onexit = () => {};
  const ignore = [{ type: 'ignore' }, { type: 'ignore' }, { type: 'ignore' }];
  const err = process.versions.node.split('.')[0] >= 24
    ? p.spawn(f, [f], undefined, [], ignore, 0, undefined, undefined)
    : p.spawn({ file: f, args: [f], envPairs: [], stdio: ignore });
  await sleep(200);
  return { err, ran: ran(f) };
});
// A variable given twice in a binding's list: node (getenv) reads the first NODE_OPTIONS, here one that
// drops the preload and requires a file from /tmp; a check of the last one alone would let it through.
const envTwice = (name, first) => {
  const evil = TMP + '/' + name + '.js';
  fs.writeFileSync(evil, "require('fs').writeFileSync(__filename + '.ran', '')");
  const childRan = TMP + '/' + name + '.child';
  const pairs = [...(first ? ['NODE_OPTIONS=--require ' + evil] : []), ...Object.entries(process.env).map(([k, v]) => k + '=' + v)];
  return { file: process.execPath, args: [process.execPath, __dirname + '/child.js', childRan], pairs, evil, childRan };
};
const envTwiceResult = (t) => ({ evilRan: exists(t.evil + '.ran'), childRan: exists(t.childRan) });
check('NODE_OPTIONS twice, raw spawn_sync binding', () => {
  const t = envTwice('twiceSync', true);
  const r = process.binding('spawn_sync').spawn({ file: t.file, args: t.args, envPairs: t.pairs, stdio });
  return { error: r.error, ...envTwiceResult(t) };
});
check('NODE_OPTIONS twice, raw process_wrap binding', async () => {
  const t = envTwice('twiceWrap', true);
  const { Process } = process.binding('process_wrap');
  const p = new Process();
  p.onexit = () => {};
  const ignore = [{ type: 'ignore' }, { type: 'ignore' }, { type: 'ignore' }];
  const err = process.versions.node.split('.')[0] >= 24
    ? p.spawn(t.file, t.args, undefined, t.pairs, ignore, 0, undefined, undefined)
    : p.spawn({ file: t.file, args: t.args, envPairs: t.pairs, stdio: ignore });
  await sleep(1500);
  return { err, ...envTwiceResult(t) };
});
check('NODE_OPTIONS once, raw spawn_sync binding', () => {
  const t = envTwice('onceSync', false);
  const r = process.binding('spawn_sync').spawn({ file: t.file, args: t.args, envPairs: t.pairs, stdio });
  return { status: r.status, ...envTwiceResult(t) };
});
// A NUL in a raw binding's cwd: the kernel changes to what precedes it (TMP) and runs ./nulcwd there,
// while the whole string resolves to /usr, where ./nulcwd does not exist.
check('NUL in the cwd of a raw spawn_sync call', () => {
  const f = attack('nulcwd');
  const r = process.binding('spawn_sync').spawn({ file: './nulcwd', args: ['./nulcwd'], cwd: TMP + '\0' + '/..'.repeat(30) + '/usr', envPairs: [], stdio });
  return { error: r.error, ran: ran(f) };
});
// From a cwd two levels deep (as /var/task), /proc/self/cwd/../.. is '/' to the kernel, which follows
// the link before each '..', so the path below reaches TMP; a lexical join makes it /proc/<TMP>.
const VIA_PROC_CWD = '/proc/self/cwd/../..';
const fromUsrLib = (f) => { const was = process.cwd(); process.chdir('/usr/lib'); try { return f(); } finally { process.chdir(was); } };
check('cwd option with .. after the /proc/self/cwd link', () => fromUsrLib(() => {
  const f = attack('proccwd');
  const r = cp.spawnSync('./proccwd', { cwd: VIA_PROC_CWD + TMP });
  return { code: r.error && r.error.code, ran: ran(f) };
}));
check("bash's cd to .. after the /proc/self/cwd link", () => fromUsrLib(() => {
  const f = attack('bashcd');
  const r = cp.spawnSync('/bin/bash', ['-c', 'cd ' + VIA_PROC_CWD + TMP + ' && ./bashcd']);
  return { code: r.error && r.error.code, ran: ran(f) };
}));
// A startup snapshot built (before this process, without the enforcer) into /tmp: node runs its main
// function instead of the script. The spaced form makes the blob look like the script; '=' does not.
check('node --snapshot-blob= of a snapshot in /tmp', () => {
  const blob = process.env.SNAPSHOT_BLOB;
  if (!blob) return 'no snapshot';
  const marker = process.env.SNAPSHOT_MARKER;
  const r = cp.spawnSync(process.execPath, ['--snapshot-blob=' + blob, __dirname + '/child.js', TMP + '/snapshot-child']);
  return { code: r.error && r.error.code, snapshotRan: exists(marker), childRan: exists(TMP + '/snapshot-child') };
});
// PERL5OPT=-d makes perl run the debugger that PERL5DB holds: code from the environment.
check('perl given PERL5DB code through the environment', () => {
  const m = TMP + '/perl5db.ran';
  const r = cp.spawnSync('/usr/bin/perl', [__dirname + '/child.pl'], { env: { ...process.env, PERL5OPT: '-d', PERL5DB: 'BEGIN { open(my $f, ">", "' + m + '") }' } });
  return { code: r.error && r.error.code, ran: exists(m) };
});
// bash (not as root, as on Lambda) reads SHELLOPTS and PS4 from the environment and expands PS4 before
// each traced command. The child runs as nobody here, so that bash does; its marker is in /tmp itself.
check('bash tracing with a PS4 that runs a command, as nobody', () => {
  const m = '/tmp/ne-ps4-' + process.pid + '-' + Date.now();
  const r = cp.spawnSync('/bin/bash', ['-c', 'true'], { uid: 65534, gid: 65534, env: { ...process.env, SHELLOPTS: 'xtrace', PS4: '$(touch ' + m + ')' } });
  const ran = exists(m);
  try { fs.unlinkSync(m); } catch {}
  return { code: r.error && r.error.code, ran };
});
// node 22.1+ compiles the preload, like every CommonJS module, from the V8 code cache NODE_COMPILE_CACHE names.
check('a node child with NODE_COMPILE_CACHE in /tmp', () => {
  const m = TMP + '/compile-cache-child';
  const r = cp.spawnSync(process.execPath, [__dirname + '/child.js', m], { env: { ...process.env, NODE_COMPILE_CACHE: TMP + '/cc' } });
  return { code: r.error && r.error.code, ran: exists(m), cache: exists(TMP + '/cc') };
});
check('an allowed command after the refusals', () => cp.execFileSync('/bin/echo', ['still running'], { encoding: 'utf8' }).trim());
`;

// The child node of the NODE_OPTIONS checks: records that it ran.
const FILES = { 'child.js': "require('fs').writeFileSync(process.argv[2], '')", 'child.pl': 'print "hi\\n";\n' };

function expectBlocked(r: CheckResult): void {
  expect(r.events).toEqual([expect.objectContaining({ source: 'nano-enforcer', version: 1, control: 'process', action: 'blocked' })]);
}

/** A startup snapshot in /tmp whose main function writes `marker`, built by this node without the enforcer. */
function snapshotIn(dir: string, version: string): { blob: string; marker: string } {
  const entry = join(dir, 'entry.js');
  const blob = join(dir, 'x.blob');
  const marker = join(dir, 'snapshot.ran');
  writeFileSync(entry, `require('v8').startupSnapshot.setDeserializeMainFunction(() => require('fs').writeFileSync(${JSON.stringify(marker)}, ''));`);
  const r = spawnSync(nodeBinary(version), ['--snapshot-blob', blob, '--build-snapshot', entry], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  if (r.status !== 0) throw new Error(`building the snapshot failed: ${r.stderr}`);
  return { blob, marker };
}

describe.each(NODE_VERSIONS)('process control on Node %s', (version) => {
  let batch: Batch;
  let snapshotDir: string;
  beforeAll(() => {
    snapshotDir = mkdtempSync(join(tmpdir(), 'ne-snapshot-'));
    const { blob, marker } = snapshotIn(snapshotDir, version);
    batch = runChecks(nodeBinary(version), CHECKS, { policy: POLICY, files: FILES, env: { SNAPSHOT_BLOB: blob, SNAPSHOT_MARKER: marker } });
  }, 60_000);
  afterAll(() => rmSync(snapshotDir, { recursive: true, force: true }));

  test('node --snapshot-blob= of a snapshot in /tmp is refused: neither its main function nor the script runs', () => {
    const r = batch.result('node --snapshot-blob= of a snapshot in /tmp');
    expect(r.value).toEqual({ code: 'EACCES', snapshotRan: false, childRan: false });
    expectBlocked(r);
    expect(r.events[0]).toMatchObject({ detail: { rule: 'writable-location' } });
  });

  test('a node child whose NODE_COMPILE_CACHE is in /tmp is refused: it does not run and writes no cache', () => {
    const r = batch.result('a node child with NODE_COMPILE_CACHE in /tmp');
    expect(r.value).toEqual({ code: 'EACCES', ran: false, cache: false });
    expectBlocked(r);
    expect(r.events[0]).toMatchObject({ detail: { rule: 'loader-env' }, reason: expect.stringMatching(/^NODE_COMPILE_CACHE points at/) });
  });

  test('execSync throws EACCES, the script does not run and one event is logged', () => {
    expect(batch.result('execSync').error).toMatchObject({ code: 'EACCES' });
    expect(batch.result('execSync ran').value).toBe(false);
    expectBlocked(batch.result('execSync'));
  });

  test('execFileSync throws EACCES and the file does not run', () => {
    expect(batch.result('execFileSync').error).toMatchObject({ code: 'EACCES', syscall: expect.stringMatching(/^spawnSync /) });
    expect(batch.result('execFileSync ran').value).toBe(false);
    expectBlocked(batch.result('execFileSync'));
  });

  test('spawnSync returns { error: EACCES } instead of throwing', () => {
    expect(batch.result('spawnSync').value).toEqual({ code: 'EACCES', status: null, ran: false });
    expectBlocked(batch.result('spawnSync'));
  });

  test('spawn emits error EACCES asynchronously, like ENOENT', () => {
    expect(batch.result('spawn').value).toEqual({ error: expect.objectContaining({ code: 'EACCES', syscall: expect.stringMatching(/^spawn /) }), async: true, ran: false });
    expectBlocked(batch.result('spawn'));
  });

  test.each(['exec', 'execFile', 'promisified exec', 'promisified execFile'])('%s fails with EACCES and the file does not run', (name) => {
    expect(batch.result(name).value).toEqual({ code: 'EACCES', ran: false });
    expectBlocked(batch.result(name));
  });

  test('fork with an execPath in /tmp emits EACCES', () => {
    expect(batch.result('fork with execPath in /tmp').value).toMatchObject({ error: { code: 'EACCES' }, ran: false });
    expectBlocked(batch.result('fork with execPath in /tmp'));
  });

  test('fork of a script written to /tmp is refused', () => {
    expect(batch.result('fork of a script in /tmp').value).toMatchObject({ error: { code: 'EACCES' }, ran: false });
    expectBlocked(batch.result('fork of a script in /tmp'));
  });

  test.each([
    'shell option naming the executable',
    'relative file resolved against the cwd option',
    'bare name found through env.PATH',
    'argv0 disguising the executable',
    'dynamic import of node:child_process',
    'cwd option with .. after the /proc/self/cwd link',
    "bash's cd to .. after the /proc/self/cwd link",
  ])('%s: the real file is refused', (name) => {
    const r = batch.result(name);
    expect(r.value).toMatchObject({ ran: false });
    expect(r.value.code ?? r.value.error?.code).toBe('EACCES');
    expectBlocked(r);
  });

  test('the raw spawn_sync binding returns UV_EACCES', () => {
    expect(batch.result('raw spawn_sync binding').value).toEqual({ error: -13, ran: false });
    expectBlocked(batch.result('raw spawn_sync binding'));
  });

  test('the raw process_wrap binding (options object on 20/22, positional on 24) returns UV_EACCES', () => {
    expect(batch.result('raw process_wrap binding').value).toEqual({ err: -13, ran: false });
    expectBlocked(batch.result('raw process_wrap binding'));
  });

  test.each([
    ['NODE_OPTIONS twice, raw spawn_sync binding', { error: -13 }],
    ['NODE_OPTIONS twice, raw process_wrap binding', { err: -13 }],
  ])('%s: refused, neither the required file nor the child runs', (name, failure) => {
    const r = batch.result(name);
    expect(r.value).toEqual({ ...failure, evilRan: false, childRan: false });
    expectBlocked(r);
    expect(r.events[0]).toMatchObject({ detail: { rule: 'duplicate-env', variables: ['NODE_OPTIONS'] } });
  });

  test('a NUL in the cwd of a raw binding call is refused: the script in /tmp that the kernel would run does not run', () => {
    const r = batch.result('NUL in the cwd of a raw spawn_sync call');
    expect(r.value).toEqual({ error: -13, ran: false });
    expectBlocked(r);
    expect(r.events[0]).toMatchObject({ detail: { rule: 'nul-byte' }, reason: expect.stringContaining('the working directory holds a NUL') });
  });

  test('the same child with NODE_OPTIONS once (the inherited environment) runs, with no event', () => {
    const r = batch.result('NODE_OPTIONS once, raw spawn_sync binding');
    expect(r.value).toEqual({ status: 0, evilRan: false, childRan: true });
    expect(r.events).toEqual([]);
  });

  test('perl given PERL5DB code through the environment is refused: the code does not run', () => {
    const r = batch.result('perl given PERL5DB code through the environment');
    expect(r.value).toEqual({ code: 'EACCES', ran: false });
    expectBlocked(r);
    expect(r.events[0]).toMatchObject({ detail: { rule: 'inline-code' } });
  });

  test('bash given a PS4 with a command substitution is refused: the command does not run', () => {
    const r = batch.result('bash tracing with a PS4 that runs a command, as nobody');
    expect(r.value).toEqual({ code: 'EACCES', ran: false });
    expectBlocked(r);
    expect(r.events[0]).toMatchObject({ detail: { rule: 'loader-env' } });
  });

  test('the function keeps running after every refusal', () => {
    expect(batch.result('an allowed command after the refusals').value).toBe('still running');
    expect(batch.result('an allowed command after the refusals').events).toEqual([]);
    expect(batch.done).toBe(true);
    expect(batch.status).toBe(0);
  });
});

describe.each(NODE_VERSIONS)('ALERT mode on Node %s', (version) => {
  let batch: Batch;
  beforeAll(() => {
    batch = runChecks(nodeBinary(version), CHECKS, { policy: { ...POLICY, m: 'a' }, files: FILES });
  });

  test('spawnSync of a file written to /tmp runs and is logged as detected', () => {
    expect(batch.result('spawnSync').value).toEqual({ code: undefined, status: 0, ran: true });
    expect(batch.result('spawnSync').events).toEqual([expect.objectContaining({ control: 'process', action: 'detected' })]);
  });

  test('NODE_OPTIONS given twice is refused in ALERT mode too: which value the child reads cannot be known', () => {
    expect(batch.result('NODE_OPTIONS twice, raw spawn_sync binding').value).toEqual({ error: -13, evilRan: false, childRan: false });
    expect(batch.result('NODE_OPTIONS twice, raw spawn_sync binding').events).toEqual([
      expect.objectContaining({ control: 'process', action: 'blocked', detail: expect.objectContaining({ rule: 'duplicate-env' }) }),
    ]);
  });

  test('spawn of a file written to /tmp runs and is logged as detected', () => {
    expect(batch.result('spawn').value).toMatchObject({ code: 0, ran: true });
    expect(batch.result('spawn').events).toEqual([expect.objectContaining({ control: 'process', action: 'detected' })]);
  });
});

// Why NODE_COMPILE_CACHE is checked: node 22.1+ compiles the preload itself through it (what it writes
// there it reads back on the next start, and a cache it reads is bytecode it runs).
test.each(NODE_VERSIONS.filter((v) => Number(v.split('.')[0]) >= 22))('Node %s compiles the preload through the NODE_COMPILE_CACHE directory', (version) => {
  const dir = mkdtempSync(join(tmpdir(), 'ne-compile-cache-'));
  try {
    const env = { PATH: '/usr/bin:/bin', NODE_OPTIONS: `--require ${PRELOAD}`, NANO_ENFORCER_POLICY: '{"v":1}', NODE_COMPILE_CACHE: dir };
    const r = spawnSync(nodeBinary(version), ['-e', '0'], { env, encoding: 'utf8' });
    expect(r.stderr).toBe('');
    const written = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(written.length).toBeGreaterThan(0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
