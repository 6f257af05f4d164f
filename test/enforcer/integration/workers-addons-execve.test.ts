// The enforcer runs inside every worker thread, however it is created and
// however worker_threads is loaded (require, ESM import, getBuiltinModule);
// native addons from /tmp and process.execve are refused. Real Node 20/22/24.
import { Batch, CheckResult, runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, nodeBinary } from '../../support/node-binaries';

// protectTmp off: the attacks write their own files to /tmp first.
const POLICY = { v: 1, t: 0 };

// Tries to run a /tmp script from wherever it is loaded, and says what happened.
const TRY_SPAWN = String.raw`
const fs = require('fs');
const cp = require('child_process');
module.exports = (tmp, name) => {
  const f = tmp + '/' + name;
  fs.writeFileSync(f, '#!/bin/sh\ntouch ' + f + '.ran\n', { mode: 0o755 });
  const r = cp.spawnSync(f);
  return { code: r.error && r.error.code, ran: fs.existsSync(f + '.ran') };
};
`;

const WORKER = String.raw`
const { parentPort, workerData } = require('worker_threads');
parentPort.postMessage(require('./try-spawn.js')(workerData.tmp, workerData.name));
`;

// A fresh process that gets worker_threads only through an ESM import.
const ESM_MAIN = String.raw`
import { Worker } from 'node:worker_threads';
import { writeFileSync } from 'node:fs';
const [tmp, out] = process.argv.slice(2);
const w = new Worker(new URL('./worker.js', import.meta.url), { workerData: { tmp, name: 'esm' }, env: {} });
w.on('message', (m) => writeFileSync(out, JSON.stringify(m)));
`;

// A fresh process that gets worker_threads only through process.getBuiltinModule.
const BUILTIN_MAIN = String.raw`
const { Worker } = process.getBuiltinModule('node:worker_threads');
const [tmp, out] = process.argv.slice(2);
new Worker(__dirname + '/worker.js', { workerData: { tmp, name: 'builtin' }, env: {} })
  .on('message', (m) => require('fs').writeFileSync(out, JSON.stringify(m)));
`;

const CHECKS = String.raw`
const cp = require('node:child_process');
const runWorker = (file, options) => new Promise((resolve, reject) => {
  const { Worker } = require('node:worker_threads');
  const w = new Worker(file, options);
  w.on('message', resolve);
  w.on('error', reject);
  w.on('exit', () => resolve(undefined));
});
const freshProcess = (script) => {
  const out = TMP + '/' + script + '.json';
  cp.spawnSync(process.execPath, [__dirname + '/' + script, TMP, out], { stdio: ['ignore', 'inherit', 'inherit'] });
  return exists(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : 'no result';
};

// A script in /tmp that marks its own run, and what starting a worker did with it.
const markerScript = (name) => {
  const f = TMP + '/' + name;
  fs.writeFileSync(f, "require('fs').writeFileSync(__filename + '.ran', '')");
  return f;
};
const startedWith = async (f, start) => {
  try { await start(); } catch (e) { return { code: e.code, message: e.message, ran: exists(f + '.ran') }; }
  await sleep(100);
  return { ran: exists(f + '.ran') };
};

// The first bytes of an ELF in /tmp: loading it fails on its header ("too short"), so an error that says so means it was loaded.
const elfStub = (name) => {
  const f = TMP + '/' + name;
  fs.writeFileSync(f, Buffer.from([0x7f, 0x45, 0x4c, 0x46]));
  return f;
};

check('ESM import of node:worker_threads in a fresh process', () => freshProcess('esm-main.mjs'));
check('process.getBuiltinModule in a fresh process', () => freshProcess('builtin-main.js'));
check('worker with default options', () => runWorker(__dirname + '/worker.js', { workerData: { tmp: TMP, name: 'w1' } }));
check('worker with env {} and execArgv []', () => runWorker(__dirname + '/worker.js', { workerData: { tmp: TMP, name: 'w2' }, env: {}, execArgv: [] }));
check('worker with SHARE_ENV after the policy variable was changed', () => {
  const { SHARE_ENV } = require('node:worker_threads');
  process.env.NANO_ENFORCER_POLICY = '{"v":1,"m":"a","t":0}';
  process.env.NODE_OPTIONS = '';
  return runWorker(__dirname + '/worker.js', { workerData: { tmp: TMP, name: 'w3' }, env: SHARE_ENV });
});
check('worker from a file written to /tmp', () => {
  const f = markerScript('evil-worker.js');
  return startedWith(f, () => runWorker(f, {}));
});
// Node takes any object with an href and a protocol for a URL, and loads its pathname.
check('worker from a URL-like object whose href names a shipped file and whose pathname is a /tmp file', () => {
  const f = markerScript('url-worker.js');
  const fake = { href: 'file://' + __dirname + '/noop-worker.js', protocol: 'file:', pathname: f, hostname: '', host: '', search: '', hash: '' };
  return startedWith(f, () => runWorker(fake, {}));
});
check('worker from an object whose href is a string only from its second read', () => {
  const f = markerScript('url3-worker.js');
  let reads = 0;
  const shifty = { get href() { return reads++ === 0 ? undefined : 'file://' + f; }, protocol: 'file:', pathname: f, hostname: '', host: '', search: '', hash: '' };
  return startedWith(f, () => runWorker(shifty, {}));
});
check('worker whose execArgv entry names a /tmp module only from its second toString', () => {
  const f = markerScript('req-module.js');
  let reads = 0;
  const arg = { toString() { return reads++ === 0 ? '--no-warnings' : '--require=' + f; } };
  return startedWith(f, () => runWorker(__dirname + '/noop-worker.js', { execArgv: [arg] }));
});
check('worker from a file: URL of a /tmp file while the global URL names a shipped file', () => {
  const f = markerScript('url2-worker.js');
  const url = new URL('file://' + f);
  const Original = URL;
  const shipped = __dirname + '/noop-worker.js';
  return startedWith(f, async () => {
    globalThis.URL = class extends Original { get pathname() { return shipped; } };
    try { await runWorker(url, {}); } finally { globalThis.URL = Original; }
  });
});
check('worker from a file: URL of a shipped file', () => runWorker(new URL('file://' + __dirname + '/worker.js'), { workerData: { tmp: TMP, name: 'w4' } }));
check('eval worker', async () => {
  const marker = TMP + '/eval.ran';
  try { await runWorker("require('fs').writeFileSync(" + JSON.stringify(marker) + ", '')", { eval: true }); } catch (e) { return { code: e.code, ran: exists(marker) }; }
  await sleep(100);
  return { ran: exists(marker) };
});
check('require of a .node addon in /tmp', () => {
  const f = elfStub('evil.node');
  require(f);
});
check('process.dlopen of a file in /tmp', () => {
  const f = elfStub('evil2.node');
  process.dlopen({ exports: {} }, f);
});
check('process.dlopen of a /tmp file disguised by a NUL', () => {
  const f = elfStub('evil3.node');
  process.dlopen({ exports: {} }, f + '\0' + '/..'.repeat(30) + '/usr/lib/x.node');
});
// process.dlopen turns a filename that is not a string into one with its toString.
check('process.dlopen of an object whose toString names a /tmp file', () => {
  const f = elfStub('evil5.node');
  process.dlopen({ exports: {} }, { toString() { return f; } });
});
check('process.dlopen of a Buffer naming a /tmp file', () => {
  const f = elfStub('evil6.node');
  process.dlopen({ exports: {} }, Buffer.from(f));
});
// /dev/fd is a link into /proc/self/fd on the read-only root: dlopen reaches the /tmp file.
check('process.dlopen of a /tmp file through /dev/fd', () => {
  const f = elfStub('evil4.node');
  const fd = fs.openSync(f, 'r');
  try { process.dlopen({ exports: {} }, '/dev/fd/' + fd); } finally { fs.closeSync(fd); }
});
check('process.execve', () => {
  if (typeof process.execve !== 'function') return 'absent';
  const f = TMP + '/execve';
  fs.writeFileSync(f, '#!/bin/sh\ntouch ' + f + '.ran\n', { mode: 0o755 });
  try { process.execve(f, [f]); } catch (e) { return { code: e.code, syscall: e.syscall, ran: exists(f + '.ran') }; }
});
// module.register runs its hooks module in a thread of Node's own (Node 20.6+): the enforcer runs there too.
check('the ESM hooks thread of module.register', async () => {
  const m = require('node:module');
  if (typeof m.register !== 'function') return 'absent';
  const out = TMP + '/hooks.json';
  const src = "import { createRequire } from 'node:module'; import fs from 'node:fs';\n" +
    'const r = createRequire(' + JSON.stringify(__dirname + '/index.js') + ")('./try-spawn.js')(" + JSON.stringify(TMP) + ", 'hooks');\n" +
    'fs.writeFileSync(' + JSON.stringify(out) + ', JSON.stringify(r));\n' +
    'export async function resolve(s, c, n) { return n(s, c); }';
  m.register('data:text/javascript,' + encodeURIComponent(src));
  await import('node:path');
  for (let i = 0; i < 100 && !exists(out); i++) await sleep(20);
  return exists(out) ? JSON.parse(fs.readFileSync(out, 'utf8')) : 'no result';
});
check('still running', () => 'yes');
`;

function expectBlocked(r: CheckResult, control = 'process'): void {
  expect(r.events).toEqual([expect.objectContaining({ source: 'nano-enforcer', control, action: 'blocked' })]);
}

describe.each(NODE_VERSIONS)('workers, addons and execve on Node %s', (version) => {
  let batch: Batch;
  beforeAll(() => {
    batch = runChecks(nodeBinary(version), CHECKS, {
      policy: POLICY,
      files: { 'try-spawn.js': TRY_SPAWN, 'worker.js': WORKER, 'esm-main.mjs': ESM_MAIN, 'builtin-main.js': BUILTIN_MAIN, 'noop-worker.js': '' },
    });
  });

  test.each([
    'ESM import of node:worker_threads in a fresh process',
    'process.getBuiltinModule in a fresh process',
    'worker with default options',
    'worker with env {} and execArgv []',
    'worker with SHARE_ENV after the policy variable was changed',
    'worker from a file: URL of a shipped file',
    'the ESM hooks thread of module.register',
  ])('%s: the enforcer runs inside the worker and refuses its spawn', (name) => {
    const r = batch.result(name);
    expect(r.value).toEqual({ code: 'EACCES', ran: false });
    expectBlocked(r);
  });

  test('a worker from a file written to /tmp does not start', () => {
    const r = batch.result('worker from a file written to /tmp');
    expect(r.value).toMatchObject({ code: 'ERR_WORKER_INIT_FAILED', message: expect.stringContaining('nano-enforcer'), ran: false });
    expectBlocked(r);
  });

  test.each([
    'worker from a URL-like object whose href names a shipped file and whose pathname is a /tmp file',
    'worker from a file: URL of a /tmp file while the global URL names a shipped file',
    'worker from an object whose href is a string only from its second read',
    'worker whose execArgv entry names a /tmp module only from its second toString',
  ])('%s: the /tmp script does not run', (name) => {
    const r = batch.result(name);
    expect(r.error).toBeUndefined();
    expect(r.value).toMatchObject({ ran: false });
  });

  test('a file: URL of a /tmp script is refused however the global URL reads it', () => {
    const r = batch.result('worker from a file: URL of a /tmp file while the global URL names a shipped file');
    expect(r.value).toMatchObject({ code: 'ERR_WORKER_INIT_FAILED', ran: false });
    expectBlocked(r);
    expect(r.events[0]).toMatchObject({ detail: { filename: expect.stringMatching(/\/url2-worker\.js$/) } });
  });

  test('an eval worker is inline code and does not start', () => {
    const r = batch.result('eval worker');
    expect(r.value).toEqual({ code: 'ERR_WORKER_INIT_FAILED', ran: false });
    expectBlocked(r);
  });

  test.each(['require of a .node addon in /tmp', 'process.dlopen of a file in /tmp'])('%s throws ERR_DLOPEN_FAILED before loading', (name) => {
    const r = batch.result(name);
    expect(r.error).toMatchObject({ code: 'ERR_DLOPEN_FAILED', message: expect.stringContaining('nano-enforcer') });
    expectBlocked(r);
  });

  test('process.dlopen of a /tmp file disguised by a NUL is refused before loading (dlopen would read only the /tmp part)', () => {
    const r = batch.result('process.dlopen of a /tmp file disguised by a NUL');
    // Loading it would fail on its header ("invalid ELF header"), not with the enforcer's refusal.
    expect(r.error).toMatchObject({ code: 'ERR_DLOPEN_FAILED', message: expect.stringContaining('nano-enforcer') });
    expect(r.error?.message).not.toMatch(/ELF header|too short/);
    expectBlocked(r);
    expect(r.events[0]).toMatchObject({ detail: { rule: 'nul-byte' } });
  });

  test.each(['process.dlopen of an object whose toString names a /tmp file', 'process.dlopen of a Buffer naming a /tmp file'])(
    '%s is refused before loading',
    (name) => {
      const r = batch.result(name);
      expect(r.error).toMatchObject({ code: 'ERR_DLOPEN_FAILED', message: expect.stringContaining('nano-enforcer') });
      expect(r.error?.message).not.toMatch(/ELF header|too short/);
      expectBlocked(r);
    },
  );

  test('process.dlopen of a /tmp file through /dev/fd is refused before loading', () => {
    const r = batch.result('process.dlopen of a /tmp file through /dev/fd');
    expect(r.error).toMatchObject({ code: 'ERR_DLOPEN_FAILED', message: expect.stringContaining('nano-enforcer') });
    expect(r.error?.message).not.toMatch(/ELF header|too short/);
    expectBlocked(r);
  });

  test('process.execve of a file written to /tmp throws EACCES where it exists (>= 22.15)', () => {
    const r = batch.result('process.execve');
    if (version.startsWith('20.')) {
      expect(r.value).toBe('absent');
    } else {
      expect(r.value).toEqual({ code: 'EACCES', syscall: 'execve', ran: false });
      expectBlocked(r);
    }
  });

  test('the function kept running', () => {
    expect(batch.result('still running').value).toBe('yes');
    expect(batch.done).toBe(true);
  });
});
