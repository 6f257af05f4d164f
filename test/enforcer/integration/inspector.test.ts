// The V8 inspector reads every closure in the process and calls any function
// it finds there: with a session, code walks a hook's [[Scopes]], finds the
// original binding function the hook holds, and calls it, which no hook then
// sees. The checks run that attack for real (it starts /bin/sh, which writes a
// marker) and every other way into the inspector: a session from
// node:inspector, its promise API and the raw binding, a worker's session on
// the main thread, opening the port, and SIGUSR1 (which makes Node open the
// port) from process.kill, process._debugProcess and a child's shell.
// The effect is checked: the marker, whether a session answered, whether the
// port opened (inspector.url(), Node's "Debugger listening" on stderr).
// Real Node 20/22/24.
import { Batch, CheckResult, runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, nodeBinary } from '../../support/node-binaries';

const COMMON = String.raw`
const inspector = require('node:inspector');
// Walks the closures of the hooked spawn_sync.spawn through a session and calls every native 'spawn' found in them.
const leakAndSpawn = async (post, marker) => {
  const ss = process.binding('spawn_sync');
  const leaked = [];
  globalThis.__leak = (f) => leaked.push(f);
  globalThis.__target = ss.spawn;
  const seen = new Set();
  const walk = async (objectId, depth) => {
    if (depth > 4 || seen.has(objectId)) return;
    seen.add(objectId);
    const r = await post('Runtime.getProperties', { objectId, ownProperties: true });
    for (const p of r.internalProperties || []) if (p.value && p.value.objectId) await walk(p.value.objectId, depth + 1);
    for (const p of r.result || []) {
      if (!p.value || !p.value.objectId) continue;
      if (p.value.type === 'function') await post('Runtime.callFunctionOn', { objectId: p.value.objectId, functionDeclaration: 'function () { globalThis.__leak(this); }' });
      if (depth < 3) await walk(p.value.objectId, depth + 1);
    }
  };
  const { result } = await post('Runtime.evaluate', { expression: 'globalThis.__target' });
  await walk(result.objectId, 0);
  const natives = leaked.filter((f) => typeof f === 'function' && f !== ss.spawn && f.name === 'spawn' && /\[native code\]/.test(Function.prototype.toString.call(f)));
  for (const f of natives) {
    try {
      f.call(ss, { file: '/bin/sh', args: ['sh', '-c', 'echo ran > ' + marker], envPairs: ['PATH=/usr/bin:/bin'],
        stdio: [{ type: 'pipe', readable: true }, { type: 'pipe', writable: true }, { type: 'pipe', writable: true }] });
    } catch {}
  }
  return natives.length;
};
const callbackPost = (session) => (method, params) => new Promise((resolve, reject) => session.post(method, params, (e, r) => (e ? reject(e) : resolve(r))));
const attack = async (connect) => {
  const marker = TMP + '/marker-' + Math.random().toString(36).slice(2);
  let code;
  let found = 0;
  try { found = await leakAndSpawn(connect(), marker); } catch (e) { code = e.code; }
  return { code, found: found > 0, ran: exists(marker) };
};
const afterSignal = async (send) => {
  send();
  await sleep(300);
  return { url: inspector.url() ?? 'none' };
};
`;

const BLOCK_CHECKS = String.raw`
check('an inspector session walks the hook closures and calls the original spawn', () => attack(() => {
  const s = new inspector.Session();
  s.connect();
  return callbackPost(s);
}));
check('the same through node:inspector/promises', () => attack(() => {
  const s = new (require('node:inspector/promises').Session)();
  s.connect();
  return (m, p) => s.post(m, p);
}));
check('a connection made on the raw binding', async () => {
  const answers = [];
  let code;
  try {
    const c = new (process.binding('inspector').Connection)((m) => answers.push(m));
    c.dispatch(JSON.stringify({ id: 1, method: 'Runtime.evaluate', params: { expression: '6 * 7' } }));
  } catch (e) { code = e.code; }
  await sleep(50);
  return { code, answered: answers.length > 0 };
});
check("a worker's session on the main thread", async () => {
  const { Worker } = require('node:worker_threads');
  const w = new Worker(__dirname + '/main-thread-session.js');
  const [answer] = await Promise.all([new Promise((r) => w.once('message', r)), new Promise((r) => w.once('exit', r))]);
  return answer;
});
check('inspector.open()', async () => {
  let code;
  try { inspector.open(0, '127.0.0.1'); } catch (e) { code = e.code; }
  return { code, url: inspector.url() ?? 'none' };
});
check('SIGUSR1 from process.kill', () => afterSignal(() => process.kill(process.pid, 'SIGUSR1')));
check('SIGUSR1 from process._debugProcess', () => afterSignal(() => process._debugProcess(process.pid)));
check("SIGUSR1 from a child's shell (kill -USR1 $PPID)", async () => {
  const r = require('node:child_process').spawnSync('/bin/sh', ['-c', 'kill -USR1 $PPID']);
  return { status: r.status, ...(await afterSignal(() => {})) };
});
check('a listener of the function gets its SIGUSR1', async () => {
  let got = 0;
  const mine = () => { got++; };
  process.on('SIGUSR1', mine);
  const r = await afterSignal(() => process.kill(process.pid, 'SIGUSR1'));
  process.off('SIGUSR1', mine);
  return { got, ...r };
});
check('node:inspector loads, and what needs no session works', async () => {
  const p = await import('node:inspector');
  return { url: p.url() ?? 'none', console: typeof p.console.log, promises: typeof require('node:inspector/promises').Session };
});
check('still running', () => 'yes');
`;

const WORKER = String.raw`
const { parentPort } = require('node:worker_threads');
const s = new (require('node:inspector').Session)();
let answer;
try {
  s.connectToMainThread();
  s.post('Runtime.evaluate', { expression: '6 * 7' }, (e, r) => parentPort.postMessage({ value: r && r.result.value }));
} catch (e) {
  parentPort.postMessage({ code: e.code });
}
`;

const ALERT_CHECKS = String.raw`
check('an inspector session in ALERT mode', () => new Promise((resolve) => {
  const s = new inspector.Session();
  s.connect();
  s.post('Runtime.evaluate', { expression: '6 * 7' }, (e, r) => { s.disconnect(); resolve(r.result.value); });
}));
check('SIGUSR1 in ALERT mode', () => afterSignal(() => process.kill(process.pid, 'SIGUSR1')));
check('still running', () => 'yes');
`;

// Last, alone: the function's code removes every SIGUSR1 listener, ours with them, and signals itself.
const REMOVED_CHECKS = String.raw`
check('SIGUSR1 after every listener was removed', async () => {
  process.removeAllListeners('SIGUSR1');
  return afterSignal(() => process.kill(process.pid, 'SIGUSR1'));
});
`;

const LISTENING = /Debugger listening/;

function expectInspectorEvent(r: CheckResult, api: string, action = 'blocked'): void {
  expect(r.events).toEqual([expect.objectContaining({ source: 'nano-enforcer', control: 'tamper', action, detail: { api, rule: 'inspector' } })]);
}

describe.each(NODE_VERSIONS)('the inspector on Node %s', (version) => {
  describe('default policy (BLOCK)', () => {
    let batch: Batch;
    beforeAll(() => {
      batch = runChecks(nodeBinary(version), `${COMMON}\n${BLOCK_CHECKS}`, { policy: { v: 1 }, files: { 'main-thread-session.js': WORKER } });
    });

    test.each([
      'an inspector session walks the hook closures and calls the original spawn',
      'the same through node:inspector/promises',
    ])('%s: the session is refused, so no original is reached and /bin/sh does not run', (name) => {
      const r = batch.result(name);
      expect(r.value).toEqual({ code: 'ERR_ACCESS_DENIED', found: false, ran: false });
      expectInspectorEvent(r, 'Connection');
    });

    test('a connection on the raw binding is refused and never answers', () => {
      const r = batch.result('a connection made on the raw binding');
      expect(r.value).toEqual({ code: 'ERR_ACCESS_DENIED', answered: false });
      expectInspectorEvent(r, 'Connection');
    });

    test("a worker's session on the main thread is refused (the enforcer runs in the worker)", () => {
      const r = batch.result("a worker's session on the main thread");
      expect(r.value).toEqual({ code: 'ERR_ACCESS_DENIED' });
      expectInspectorEvent(r, 'MainThreadConnection');
    });

    test('inspector.open() is refused and no port opens', () => {
      const r = batch.result('inspector.open()');
      expect(r.value).toEqual({ code: 'ERR_ACCESS_DENIED', url: 'none' });
      expectInspectorEvent(r, 'open');
    });

    test.each([
      'SIGUSR1 from process.kill',
      'SIGUSR1 from process._debugProcess',
    ])('%s opens no port, and is reported', (name) => {
      const r = batch.result(name);
      expect(r.value).toEqual({ url: 'none' });
      expectInspectorEvent(r, 'SIGUSR1');
    });

    test("SIGUSR1 from a child's shell opens no port, and is reported", () => {
      const r = batch.result("SIGUSR1 from a child's shell (kill -USR1 $PPID)");
      expect(r.value).toEqual({ status: 0, url: 'none' });
      expectInspectorEvent(r, 'SIGUSR1');
    });

    test('no debugger ever listened', () => {
      expect(batch.stderr).not.toMatch(LISTENING);
    });

    test("look-alike: the function's own SIGUSR1 listener is called, with no event (Node would not have opened the port either)", () => {
      const r = batch.result('a listener of the function gets its SIGUSR1');
      expect(r.value).toEqual({ got: 1, url: 'none' });
      expect(r.events).toEqual([]);
    });

    test('look-alike: node:inspector loads and its session-free parts work, with no event', () => {
      const r = batch.result('node:inspector loads, and what needs no session works');
      expect(r.value).toEqual({ url: 'none', console: 'function', promises: 'function' });
      expect(r.events).toEqual([]);
    });

    test('the function kept running', () => {
      expect(batch.result('still running').value).toBe('yes');
      expect(batch.done).toBe(true);
    });
  });

  describe('ALERT mode', () => {
    let batch: Batch;
    beforeAll(() => {
      batch = runChecks(nodeBinary(version), `${COMMON}\n${ALERT_CHECKS}`, { policy: { v: 1, m: 'a' } });
    });

    test('a session works and is reported as detected', () => {
      const r = batch.result('an inspector session in ALERT mode');
      expect(r.value).toBe(42);
      expectInspectorEvent(r, 'Connection', 'detected');
    });

    test('SIGUSR1 still opens no port: it is reported as blocked', () => {
      const r = batch.result('SIGUSR1 in ALERT mode');
      expect(r.value).toEqual({ url: 'none' });
      expectInspectorEvent(r, 'SIGUSR1');
      expect(batch.stderr).not.toMatch(LISTENING);
      expect(batch.done).toBe(true);
    });
  });

  test("SIGUSR1 once every listener is removed: the signal's default ends the process, and no port opens", () => {
    const batch = runChecks(nodeBinary(version), `${COMMON}\n${REMOVED_CHECKS}`, { policy: { v: 1 } });
    expect(batch.stdout).toContain('CHECK SIGUSR1 after every listener was removed');
    expect(batch.done).toBe(false);
    expect(batch.status).toBeNull();
    expect(batch.stderr).not.toMatch(LISTENING);
  });
});
