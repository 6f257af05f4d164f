// Tamper resistance, internal faults and the event stream, on real Node 20,
// 22 and 24: hooks cannot be removed or bypassed by code loaded later, look
// like the originals, install once; a fault fails closed (or open, per
// policy) and never hides the user's own error; each event carries the
// request id of its own invocation; a loop cannot flood the log.
import { spawnSync } from 'node:child_process';
import { Batch, PRELOAD, preloadOnlyLayer, runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, nodeBinary } from '../../support/node-binaries';

const POLICY = { v: 1, t: 0 };

const PRELUDE = String.raw`
const cp = require('node:child_process');
const attack = (name) => {
  const f = TMP + '/' + name;
  fs.writeFileSync(f, '#!/bin/sh\ntouch ' + f + '.ran\n', { mode: 0o755 });
  return f;
};
const tryRun = (name) => { const f = attack(name); const r = cp.spawnSync(f); return { code: r.error && r.error.code, ran: exists(f + '.ran') }; };
`;

const TAMPER = PRELUDE + String.raw`
check('wrappers look like the originals', () => {
  const { Process } = process.binding('process_wrap');
  const fsb = process.binding('fs');
  const { Worker } = require('node:worker_threads');
  const d = (o, k) => { const x = Object.getOwnPropertyDescriptor(o, k); return { writable: x.writable, configurable: x.configurable }; };
  return {
    spawn: [Process.prototype.spawn.name, Process.prototype.spawn.length],
    spawnSync: [process.binding('spawn_sync').spawn.name],
    open: [fsb.open.name, fsb.open.length],
    dlopen: [process.dlopen.name, process.dlopen.length],
    worker: [Worker.name, Worker.length, new Worker(__dirname + '/noop.js') instanceof Worker],
    spawnDescriptor: d(Process.prototype, 'spawn'),
  };
});
check('overwriting and deleting the hooks changes nothing', () => {
  const { Process } = process.binding('process_wrap');
  const ss = process.binding('spawn_sync');
  const noop = function spawn() { return 0; };
  const attempts = [
    () => { Process.prototype.spawn = noop; },
    () => { delete ss.spawn; },
    () => Object.defineProperty(ss, 'spawn', { value: noop }),
    () => { process.dlopen = noop; },
  ].map((f) => { try { f(); return 'done'; } catch (e) { return e.constructor.name; } });
  return { attempts, after: tryRun('overwritten') };
});
check('poisoning Function.prototype.call/apply and Reflect.apply changes nothing', () => {
  const saved = [Function.prototype.call, Function.prototype.apply, Reflect.apply];
  const pass = function () { return undefined; };
  Function.prototype.call = pass; Function.prototype.apply = pass; Reflect.apply = pass;
  let r;
  try { const f = attack('poisoned'); const s = cp.spawnSync(f); r = { code: s.error && s.error.code, ran: fs.existsSync(f + '.ran') }; }
  finally { [Function.prototype.call, Function.prototype.apply, Reflect.apply] = saved; }
  return r;
});
check('loading the preload again installs nothing twice', () => { require(process.env.PRELOAD_PATH); return tryRun('twice'); });
check('changing NANO_ENFORCER_POLICY at run time does not switch to ALERT', () => {
  process.env.NANO_ENFORCER_POLICY = '{"v":1,"m":"a","t":0}';
  return tryRun('envchange');
});
check('the user\'s own errors are unchanged', () => {
  const r = cp.spawnSync('/nonexistent/tool');
  let e2; try { fs.writeFileSync('/nonexistent-dir/x', 'x'); } catch (e) { e2 = e; }
  return [r.error.code, r.error.message, e2.code, e2.message];
});
check('a loop of refusals', () => { for (let i = 0; i < 200; i++) cp.spawnSync(attack('loop')); return 'looped'; });
`;

const REQUEST_IDS = PRELUDE + String.raw`
// What aws-lambda-ric >= 4 installs: globalThis.awslambda.InvokeStore, an
// AsyncLocalStorage when several invocations share the process.
const { AsyncLocalStorage } = require('node:async_hooks');
const als = new AsyncLocalStorage();
globalThis.awslambda = { InvokeStore: { getRequestId() { return als.getStore()?.requestId ?? '-'; } } };
check('two concurrent invocations', async () => {
  const invoke = (requestId, delay) => als.run({ requestId }, async () => { await sleep(delay); return tryRun(requestId); });
  return Promise.all([invoke('req-A', 60), invoke('req-B', 20)]);
});
check('outside an invocation', () => tryRun('none'));
`;

const EVERY = String.raw`check('spawn', () => { const f = TMP + '/x'; fs.writeFileSync(f, '#!/bin/sh\ntouch ' + f + '.ran\n', { mode: 0o755 }); const r = require('child_process').spawnSync(f); return { code: r.error && r.error.code, ran: exists(f + '.ran') }; });`;

// Every binding function the preload wraps, in a process without it. The
// preload gives their wrappers the name and length but copies no other own
// property (listing them would cost allocations at start): this pins that
// there is none to copy.
const BINDING_KEYS = String.raw`
const b = (n) => process.binding(n);
const fsb = b('fs');
const own = {};
const add = (label, o, keys) => { for (const k of keys.split(' ')) { const f = o && o[k]; own[label + '.' + k] = typeof f === 'function' ? Reflect.ownKeys(f).map(String) : null; } };
add('process_wrap', b('process_wrap').Process.prototype, 'spawn');
add('spawn_sync', b('spawn_sync'), 'spawn');
add('process', process, 'dlopen');
add('fs', fsb, 'open openFileHandle close writeBuffer writeBuffers writeString writeFileUtf8 copyFile rename link cpSyncOverrideFile cpSyncCopyDir chmod fchmod readFileUtf8');
add('FileHandle', fsb.FileHandle.prototype, 'close');
const stream = 'writeBuffer writeUtf8String writeLatin1String writeAsciiString writeUcs2String writev';
add('tcp', b('tcp_wrap').TCP.prototype, stream);
add('tls', b('tls_wrap').TLSWrap.prototype, stream);
add('udp', b('udp_wrap').UDP.prototype, 'send send6');
add('cares', b('cares_wrap'), 'getaddrinfo');
add('ChannelWrap', b('cares_wrap').ChannelWrap.prototype, 'queryAny queryA queryAaaa queryCaa queryCname queryMx queryNs queryTxt querySrv queryPtr queryNaptr querySoa getHostByAddr');
process.stdout.write(JSON.stringify(own));
`;

test.each(NODE_VERSIONS)('Node %s: the binding functions the preload wraps have no own property but length and name', (version) => {
  const r = spawnSync(nodeBinary(version), ['--no-deprecation', '-e', BINDING_KEYS], { encoding: 'utf8', env: { PATH: '/usr/bin:/bin' } });
  expect(r.stderr).toBe('');
  const own = JSON.parse(r.stdout) as Record<string, string[] | null>;
  const present = Object.entries(own).filter(([, keys]) => keys !== null);
  // Most exist on every version (writeFileUtf8, cpSyncOverrideFile, cpSyncCopyDir and readFileUtf8 are newer).
  expect(present.length).toBeGreaterThanOrEqual(40);
  for (const [name, keys] of present) expect([name, keys]).toEqual([name, ['length', 'name']]);
});

// The preload compiles its lazily loaded files (late.js, window.js, engine.js)
// itself; only when code generation from strings is disallowed does it fall
// back to the module loader, which user code can hook. User code here gives
// EvalError a Symbol.hasInstance that answers true, makes the read of the
// first lazily loaded file fail (every fd taken: EMFILE) and answers that
// require with a stand-in that runs everything. The failed read must count as
// an internal fault (fail closed), not as a refusal of code generation.
const LOADER_FALLBACK = PRELUDE + String.raw`
check('a failed read of a layer file with a faked EvalError', () => {
  const Module = require('node:module');
  Object.defineProperty(EvalError, Symbol.hasInstance, { value: () => true });
  const load = Module._load;
  const fds = [];
  const asked = [];
  const release = () => { while (fds.length) fs.closeSync(fds.pop()); };
  Module._load = function (request) {
    if (/(late|window|engine)\.js$/.test(String(request))) {
      asked.push(require('node:path').basename(String(request)));
      release();
      const engine = { start() {}, initFaults() {}, handle: (name, orig, self, args) => Reflect.apply(orig, self, args) };
      if (/late/.test(request)) return (core) => ({ run: (i, self, a) => Reflect.apply(core.originals[i], self, a), load: () => engine });
      if (/window/.test(request)) return () => ({ enter() {}, leave() {}, verify() {}, load: () => engine });
      return engine;
    }
    return load.apply(this, arguments);
  };
  const f = attack('loader-fallback');
  let r;
  try {
    try { for (;;) fds.push(fs.openSync('/dev/null', 'r')); } catch {}
    r = cp.spawnSync(f);
  } finally {
    release();
    Module._load = load;
  }
  return { code: r.error && r.error.code, ran: exists(f + '.ran'), asked };
});
`;

test.each(NODE_VERSIONS)('Node %s: a layer file that fails to load is a fault, never handed to the module loader user code hooks', (version) => {
  const b = runChecks(nodeBinary(version), LOADER_FALLBACK, { policy: POLICY });
  const r = b.result('a failed read of a layer file with a faked EvalError');
  expect(r.value).toEqual({ code: 'EACCES', ran: false, asked: [] });
  expect(r.events).toEqual([expect.objectContaining({ control: 'tamper', action: 'blocked', reason: expect.stringMatching(/^internal: EMFILE/) })]);
  expect(b.done).toBe(true);
});

test.each(NODE_VERSIONS)('Node %s: with --disallow-code-generation-from-strings the layer loads through the module loader and still refuses', (version) => {
  const b = runChecks(nodeBinary(version), PRELUDE + "check('a script from /tmp', () => tryRun('no-codegen'));", {
    policy: POLICY, nodeArgs: ['--disallow-code-generation-from-strings'],
  });
  const r = b.result('a script from /tmp');
  expect(r.value).toEqual({ code: 'EACCES', ran: false });
  expect(r.events).toEqual([expect.objectContaining({ control: 'process', action: 'blocked' })]);
  expect(b.done).toBe(true);
});

describe.each(NODE_VERSIONS)('tamper resistance on Node %s', (version) => {
  let batch: Batch;
  beforeAll(() => {
    batch = runChecks(nodeBinary(version), TAMPER, { policy: POLICY, env: { PRELOAD_PATH: PRELOAD }, files: { 'noop.js': '' } });
  });

  test('hooked functions keep their name and length, Worker keeps instanceof, and the binding property is locked', () => {
    expect(batch.result('wrappers look like the originals').value).toEqual({
      spawn: ['spawn', 0],
      spawnSync: ['spawn'],
      open: ['open', 0],
      dlopen: ['dlopen', 0],
      worker: ['Worker', 1, true],
      spawnDescriptor: { writable: false, configurable: false },
    });
  });

  test('overwriting, deleting or redefining a hook fails and the attack is still refused', () => {
    const r = batch.result('overwriting and deleting the hooks changes nothing');
    expect(r.value.attempts).toEqual(['done', 'done', 'TypeError', 'done']);
    expect(r.value.after).toEqual({ code: 'EACCES', ran: false });
    expect(r.events).toHaveLength(1);
  });

  test('poisoned Function.prototype.call/apply and Reflect.apply do not open a bypass', () => {
    expect(batch.result('poisoning Function.prototype.call/apply and Reflect.apply changes nothing').value).toEqual({ code: 'EACCES', ran: false });
  });

  test('a second load of the preload logs one event per refusal, not two', () => {
    const r = batch.result('loading the preload again installs nothing twice');
    expect(r.value).toEqual({ code: 'EACCES', ran: false });
    expect(r.events).toHaveLength(1);
  });

  test('changing NANO_ENFORCER_POLICY at run time does not switch the enforcer to ALERT', () => {
    const r = batch.result('changing NANO_ENFORCER_POLICY at run time does not switch to ALERT');
    expect(r.value).toEqual({ code: 'EACCES', ran: false });
    expect(r.events).toEqual([expect.objectContaining({ action: 'blocked' })]);
  });

  test('ENOENT from spawnSync and writeFileSync reach the user unchanged', () => {
    const [spawnCode, spawnMessage, fsCode, fsMessage] = batch.result('the user\'s own errors are unchanged').value;
    expect([spawnCode, fsCode]).toEqual(['ENOENT', 'ENOENT']);
    expect(spawnMessage).not.toContain('nano-enforcer');
    expect(fsMessage).not.toContain('nano-enforcer');
    expect(batch.result('the user\'s own errors are unchanged').events).toEqual([]);
  });

  test('200 identical refusals write about 20 events, the rest counted in summary events', () => {
    const r = batch.result('a loop of refusals');
    expect(r.value).toBe('looped');
    const written = r.events.filter((e) => e.detail.suppressed === undefined);
    // A burst of 20, plus what the bucket refills (one per 5 s) while the loop runs.
    expect(written.length).toBeGreaterThanOrEqual(20);
    expect(written.length).toBeLessThanOrEqual(25);
    const summaries = batch.stdout.split('\n').filter((l) => l.includes('"suppressed"')).map((l) => JSON.parse(l));
    expect(summaries.length).toBeGreaterThanOrEqual(1);
    expect(summaries.every((e) => e.control === 'process' && e.action === 'blocked')).toBe(true);
    expect(written.length + summaries.reduce((n, e) => n + e.detail.suppressed, 0)).toBe(200);
  });
});

describe.each(NODE_VERSIONS)('request ids on Node %s', (version) => {
  let batch: Batch;
  beforeAll(() => {
    batch = runChecks(nodeBinary(version), REQUEST_IDS, { policy: POLICY });
  });

  test('each event carries the request id of the invocation that caused it, with two invocations in flight', () => {
    const r = batch.result('two concurrent invocations');
    expect(r.value).toEqual([{ code: 'EACCES', ran: false }, { code: 'EACCES', ran: false }]);
    // req-B finishes its wait first.
    expect(r.events.map((e) => [e.requestId, e.detail.file.split('/').pop()])).toEqual([['req-B', 'req-B'], ['req-A', 'req-A']]);
  });

  test('an event outside an invocation has no requestId', () => {
    const [event] = batch.result('outside an invocation').events;
    expect(event).toBeDefined();
    expect(event).not.toHaveProperty('requestId');
  });
});

describe.each(NODE_VERSIONS)('internal faults on Node %s', (version) => {
  // A layer whose decision bundle is missing: every decision is an internal fault.
  const brokenPreload = preloadOnlyLayer();
  const run = (policy: object | string) => runChecks(nodeBinary(version), EVERY, {
    policy, env: { NODE_OPTIONS: `--require ${brokenPreload()}` },
  });

  test('fail closed by default: the spawn is refused and reported as tamper/blocked', () => {
    const batch = run(POLICY);
    expect(batch.result('spawn').value).toEqual({ code: 'EACCES', ran: false });
    expect(batch.result('spawn').events).toEqual([expect.objectContaining({ control: 'tamper', action: 'blocked', reason: expect.stringMatching(/^internal/) })]);
  });

  test('fail open with f:"o": the spawn runs and is reported as tamper/detected', () => {
    const batch = run({ ...POLICY, f: 'o' });
    expect(batch.result('spawn').value).toEqual({ code: undefined, ran: true });
    expect(batch.result('spawn').events).toEqual([expect.objectContaining({ control: 'tamper', action: 'detected' })]);
  });

  test('a policy that does not parse is reported at init and the default policy is enforced', () => {
    const batch = runChecks(nodeBinary(version), EVERY, { policy: '{"v":1,"t":0' });
    expect(batch.initEvents).toEqual([expect.objectContaining({ control: 'tamper', action: 'detected' })]);
    expect(batch.done).toBe(true);
  });
});
