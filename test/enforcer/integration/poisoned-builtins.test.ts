// User code that replaces built-ins cannot change what the enforcer decides,
// on real Node 20, 22 and 24 with the built layer preloaded.
//
// Before intrinsics.ts, one line was enough: `String.prototype.includes =
// () => false` let a refused script in /tmp run (and execSync it, and
// `node -e`), `String.prototype.startsWith = () => false` let a '#!' script
// with mode 0755 be written to /tmp, `Map.prototype.has = () => true` let
// all three run. These tests replace every method of the built-ins the
// enforcer could use, one at a time and in several ways (throws, returns
// false, true, -1, 0, '', null), and after each one try the attacks: the
// effect (the marker file the script writes, the x bit of the written file)
// must not appear, and the function must reach its end.
//
// A spawn's options are read once, before the decision: a getter or a
// Proxy cannot show the enforcer one command and the binding another.
//
// They also check what the window must not break: a polyfill that replaces a
// built-in keeps working for the function (reported once), an allowed command
// still runs, and what cannot be put back (a non-writable replacement) fails
// closed with a tamper event.
import { createHash } from 'node:crypto';
import { readFileSync, realpathSync } from 'node:fs';
import { runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, nodeBinary } from '../../support/node-binaries';

const PRELUDE = String.raw`
const cp = require('node:child_process');
const X = TMP + '/x';
const MARK = X + '.ran';
const typedArray = Object.getPrototypeOf(Uint8Array);
const HOLDERS = {
  'String.prototype': String.prototype, 'Array.prototype': Array.prototype, 'RegExp.prototype': RegExp.prototype,
  'Map.prototype': Map.prototype, 'Set.prototype': Set.prototype, 'WeakMap.prototype': WeakMap.prototype,
  Object, Array, JSON, Math, Number, String, 'Function.prototype': Function.prototype, 'Object.prototype': Object.prototype,
  'Promise.prototype': Promise.prototype, Buffer, 'Buffer.prototype': Buffer.prototype,
  'TypedArray.prototype': typedArray.prototype, TypedArray: typedArray, 'DataView.prototype': DataView.prototype,
  ArrayIterator: Object.getPrototypeOf([][Symbol.iterator]()), MapIterator: Object.getPrototypeOf(new Map()[Symbol.iterator]()),
  SetIterator: Object.getPrototypeOf(new Set()[Symbol.iterator]()), StringIterator: Object.getPrototypeOf(''[Symbol.iterator]()),
};
// Every method (own, data, function-valued) of those holders, constructors
// aside, and every getter (bytes.length on a Uint8Array is a getter of
// %TypedArray%.prototype, RegExp's flags are getters).
const TARGETS = [];
for (const [name, h] of Object.entries(HOLDERS)) {
  for (const k of Reflect.ownKeys(h)) {
    const d = Object.getOwnPropertyDescriptor(h, k);
    if (k !== 'constructor' && typeof d.value === 'function' && d.writable && d.configurable) TARGETS.push([name, h, k, false]);
    if (typeof d.get === 'function' && d.configurable && typeof k === 'string' && k !== '__proto__') TARGETS.push([name, h, k, true]);
  }
}
const VARIANTS = {
  throws() { throw new Error('poisoned'); },
  false: () => false, true: () => true, minus1: () => -1, zero: () => 0, empty: () => '', null: () => null,
};
// Replaces h[k] by v while attack() runs; returns what the attack achieved. Each attack looks at
// its effect even when the call throws (a throwing call may still have started the process).
const getDescriptor = Object.getOwnPropertyDescriptor;
const define = Object.defineProperty;
// A key h does not have as its own (a constructor's Symbol.hasInstance) is defined, then deleted.
const poisoned = (h, k, v, attack, getter = false) => {
  const d = getDescriptor(h, k);
  if (getter) define(h, k, { get: v, configurable: true });
  else if (d === undefined) define(h, k, { value: v, writable: true, configurable: true });
  else h[k] = v;
  let effect;
  try { effect = attack(); } catch { effect = false; } finally { if (d === undefined) delete h[k]; else define(h, k, d); }
  // An attack may look at its effect once the built-in is back (Node's own fs can abort on a lying getter).
  return typeof effect === 'function' ? effect() : effect;
};
const gone = (f) => { const was = exists(f); if (was) fs.rmSync(f, { force: true }); return was; };
// \`x instanceof C\` asks C[Symbol.hasInstance], which user code can define on any constructor
// (Uint8Array's is inherited from Function.prototype, where it cannot be replaced).
const CONSTRUCTORS = { Uint8Array, TypedArray: typedArray, Buffer, Array, Object, Error };
const HAS_INSTANCE_TARGETS = Object.entries(CONSTRUCTORS).map(([name, C]) => [name, C, Symbol.hasInstance, false]);
const HAS_INSTANCE = {
  ...VARIANTS,
  // Lies only about buffers, so that Node's own code keeps working around the attack.
  liesAboutBuffers(x) { return ArrayBuffer.isView(x) ? false : Function.prototype[Symbol.hasInstance].call(this, x); },
};
// The data itself lying: own properties on a written Buffer shadow %TypedArray%.prototype's getters.
const SHADOWS = {
  'own buffer': (b) => Object.defineProperty(b, 'buffer', { get: () => new ArrayBuffer(65536) }),
  'own byteOffset': (b) => Object.defineProperty(b, 'byteOffset', { value: 1 }),
  'own length': (b) => Object.defineProperty(b, 'length', { value: 1 }),
  'own byteLength': (b) => Object.defineProperty(b, 'byteLength', { value: 1 }),
};
// Each target poisoned in each way, one at a time, while each attack runs; what the attacks achieved.
const matrix = (attacks, targets = TARGETS, variants = VARIANTS) => {
  const broken = [];
  let tried = 0;
  for (const [name, h, k, getter] of targets) {
    for (const [variant, v] of Object.entries(variants)) {
      for (const [attack, run] of Object.entries(attacks)) {
        tried++;
        if (poisoned(h, k, v, run, getter)) broken.push(name + '.' + String(k) + (getter ? ' (getter) ' : ' ') + variant + ': ' + attack);
      }
    }
  }
  return { targets: targets.length, getters: targets.filter((t) => t[3]).length, tried, broken };
};
`;

// protectTmp off, so that the script can be written: the attacks are running it.
const RUN = PRELUDE + String.raw`
fs.writeFileSync(X, '#!/bin/sh\ntouch ' + MARK + '\n', { mode: 0o755 });
const INLINE = 'require("fs").writeFileSync(' + JSON.stringify(MARK) + ', "")';
check('every built-in replaced, one at a time: a script in /tmp does not run', () => matrix({
  spawnSync: () => { try { cp.spawnSync(X); } catch {} return gone(MARK); },
  execSync: () => { try { cp.execSync(X + ' 2>/dev/null'); } catch {} return gone(MARK); },
  'node -e': () => { try { cp.spawnSync(process.execPath, ['-e', INLINE]); } catch {} return gone(MARK); },
}));
check('an accessor that answers the check with the original and the call with a lie', () => {
  const orig = String.prototype.includes;
  let reads = 0;
  Object.defineProperty(String.prototype, 'includes', { configurable: true, get() { return reads++ === 0 ? orig : () => false; } });
  try { cp.spawnSync(X); } finally { Object.defineProperty(String.prototype, 'includes', { value: orig, writable: true, configurable: true }); }
  return gone(MARK);
});
check('Object.prototype polluted with value, get, then and toJSON', () => {
  const keys = ['value', 'get', 'then', 'toJSON'];
  try {
    // Null-prototype descriptors: once Object.prototype.get exists, a plain literal would be an invalid one.
    for (const k of keys) Object.defineProperty(Object.prototype, k, { __proto__: null, value: function () { return '/usr/bin/true'; }, configurable: true, writable: true });
    cp.spawnSync(X);
  } finally { for (const k of keys) delete Object.prototype[k]; }
  return gone(MARK);
});
check('the fs functions behind the decision answer for /usr/bin/true', () => {
  const b = process.binding('fs');
  const saved = [[fs, 'realpathSync'], [fs, 'statSync'], [fs, 'lstatSync'], [b, 'realpath'], [fs.realpathSync, 'native']].map(([o, k]) => [o, k, o[k]]);
  const [stat, lstat] = [fs.statSync, fs.lstatSync];
  fs.realpathSync.native = () => '/usr/bin/true';
  fs.realpathSync = () => '/usr/bin/true';
  b.realpath = () => '/usr/bin/true';
  fs.statSync = (p, o) => stat('/usr/bin/true', o);
  fs.lstatSync = (p, o) => lstat('/usr/bin/true', o);
  try { cp.spawnSync(X); } finally { for (const [o, k, v] of saved) o[k] = v; }
  return gone(MARK);
});
check('globals replaced: String, Array, Object, Map, Set, JSON', () => {
  const names = ['String', 'Array', 'Object', 'Map', 'Set', 'JSON'];
  const saved = names.map((n) => globalThis[n]);
  globalThis.String = () => '/usr/bin/true';
  globalThis.Array = { isArray: () => false, prototype: Array.prototype };
  globalThis.Object = { keys: () => [], freeze: (o) => o, assign: (a) => a, prototype: Object.prototype };
  globalThis.Map = class { get() { return { allow: true }; } set() {} has() { return true; } };
  globalThis.Set = class { has() { return true; } add() {} };
  globalThis.JSON = { stringify: () => '', parse: () => ({}) };
  try { cp.spawnSync(X); } finally { names.forEach((n, i) => { globalThis[n] = saved[i]; }); }
  return gone(MARK);
});
// The binding reads its options itself: what it runs must be what the enforcer checked.
const STDIO = [{ type: 'ignore' }, { type: 'ignore' }, { type: 'ignore' }];
check('a getter that answers the enforcer with /bin/true and the binding with the script', () => {
  let reads = 0;
  const o = { args: ['x'], envPairs: ['PATH=/usr/bin:/bin'], stdio: STDIO, cwd: '/' };
  Object.defineProperty(o, 'file', { enumerable: true, get() { return reads++ === 0 ? '/bin/true' : X; } });
  process.binding('spawn_sync').spawn(o);
  return { reads, ran: gone(MARK) };
});
check('an args Proxy that answers the enforcer with "true" and the binding with the script', () => {
  let reads = 0;
  const args = new Proxy(['sh', '-c', 'true'], { get(t, k) { return k === '2' ? (reads++ === 0 ? 'true' : X) : t[k]; } });
  process.binding('spawn_sync').spawn({ file: '/bin/sh', args, envPairs: ['PATH=/usr/bin:/bin'], stdio: STDIO, cwd: '/' });
  return { reads, ran: gone(MARK) };
});
check('an allowed command runs with String.prototype.includes returning false', () => poisoned(String.prototype, 'includes', () => false, () => cp.spawnSync('/bin/sh', ['-c', 'exit 7']).status));
check('a polyfill keeps working for the function after the enforcer decided', () => {
  const orig = String.prototype.startsWith;
  const polyfill = function startsWith(s, at) { return this.slice(at || 0, (at || 0) + String(s).length) === String(s); };
  String.prototype.startsWith = polyfill;
  try {
    const status = cp.spawnSync('/bin/sh', ['-c', 'exit 3']).status;
    return { status, still: String.prototype.startsWith === polyfill, works: 'abc'.startsWith('ab') };
  } finally { String.prototype.startsWith = orig; }
});
check('a replacement that cannot be put back fails closed', () => {
  const d = Object.getOwnPropertyDescriptor(String.prototype, 'trim');
  Object.defineProperty(String.prototype, 'trim', { value: function trim() { return ''; }, writable: false, configurable: false });
  const r = cp.spawnSync('/bin/sh', ['-c', 'exit 0']);
  return { code: r.error && r.error.code, ran: r.status === 0, same: d.value === String.prototype.trim };
});
// Last: String.prototype.trim stays replaced for good.
check('after that, every spawn is refused', () => cp.spawnSync('/bin/sh', ['-c', 'exit 5']).status);
`;

// The default policy (protectTmp on): the attacks are writing executables into /tmp.
const WRITE = PRELUDE + String.raw`
fs.writeFileSync(TMP + '/plain', 'data\n');
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2, 0, 0x3e, 0]);
// Whether f holds an ELF (looked at once the built-in is back), and f removed.
const ELF_AT = (f) => () => { const head = exists(f) ? fs.readFileSync(f).toString('latin1', 0, 4) : ''; fs.rmSync(f, { force: true }); return head === '\x7fELF'; };
const xbit = (f) => { const was = exists(f) && (fs.statSync(f).mode & 0o111) !== 0; fs.rmSync(f, { force: true }); return was; };
// Whether the plain file f was made executable; its mode put back.
const madeExecutable = (f) => { const was = (fs.statSync(f).mode & 0o111) !== 0; fs.chmodSync(f, 0o644); return was; };
check('every built-in replaced, one at a time: no executable appears in /tmp', () => matrix({
  'write 0755 script': () => { try { fs.writeFileSync(TMP + '/s', '#!/bin/sh\necho hi\n', { mode: 0o755 }); } catch {} return xbit(TMP + '/s'); },
  'write script': () => { try { fs.writeFileSync(TMP + '/t', '#!/bin/sh\necho hi\n'); } catch {} return gone(TMP + '/t'); },
  // A Buffer: the check reads its bytes (and its length) itself. What may stay is a file without the
  // ELF magic (the open is not refused; a getter that lies to Node's own fs can make it write 1 byte).
  'write ELF buffer': () => { try { fs.writeFileSync(TMP + '/e', ELF); } catch {} return ELF_AT(TMP + '/e'); },
  'chmod +x': () => { try { fs.chmodSync(TMP + '/plain', 0o755); } catch {} return madeExecutable(TMP + '/plain'); },
}));
// A path given as a Buffer: the enforcer used to tell one by \`instanceof Uint8Array\`, and a
// Symbol.hasInstance answering false made it no path at all (an ELF was written).
check('constructors given a Symbol.hasInstance: no executable appears in /tmp through a Buffer path', () => matrix({
  'write ELF': () => { try { fs.writeFileSync(Buffer.from(TMP + '/he'), ELF); } catch {} return ELF_AT(TMP + '/he'); },
  'write 0755 script': () => { try { fs.writeFileSync(Buffer.from(TMP + '/hs'), '#!/bin/sh\necho hi\n', { mode: 0o755 }); } catch {} return () => gone(TMP + '/hs'); },
  'copy an ELF in': () => { try { fs.copyFileSync('/bin/true', Buffer.from(TMP + '/hc')); } catch {} return ELF_AT(TMP + '/hc'); },
  'chmod +x': () => { try { fs.chmodSync(Buffer.from(TMP + '/plain'), 0o755); } catch {} return () => madeExecutable(TMP + '/plain'); },
}, HAS_INSTANCE_TARGETS, HAS_INSTANCE));
// What the binding writes is the ELF; what the check read used to be other bytes (an own getter
// on the buffer; a writev list with its own iterator or an index getter).
check('a written buffer or writev list that lies about itself: no ELF appears in /tmp', () => {
  const broken = [];
  const attempt = (name, write) => {
    const f = TMP + '/lie';
    try { const fd = fs.openSync(f, 'w'); try { write(fd); } finally { fs.closeSync(fd); } } catch {}
    if (ELF_AT(f)()) broken.push(name);
  };
  for (const [name, lie] of Object.entries(SHADOWS)) {
    attempt('writeSync, ' + name, (fd) => fs.writeSync(fd, lie(Buffer.from(ELF))));
    attempt('writevSync, ' + name, (fd) => fs.writevSync(fd, [lie(Buffer.from(ELF))]));
  }
  const iterated = [Buffer.from(ELF)];
  iterated[Symbol.iterator] = function* () { yield Buffer.from('harmless'); };
  attempt('writevSync, own Symbol.iterator', (fd) => fs.writevSync(fd, iterated));
  let reads = 0;
  const getter = [];
  Object.defineProperty(getter, 0, { enumerable: true, get: () => (reads++ < 2 ? Buffer.from('harmless') : Buffer.from(ELF)) });
  attempt('writevSync, an index getter', (fd) => fs.writevSync(fd, getter));
  return { tried: 2 * Object.keys(SHADOWS).length + 2, broken };
});
check('JSON written to /tmp with a built-in replaced', () => poisoned(String.prototype, 'startsWith', () => false, () => {
  fs.writeFileSync(TMP + '/data.json', '{"a":1}');
  return fs.readFileSync(TMP + '/data.json', 'utf8');
}));
`;

// Honeypots (BLOCK): a request signed with the decoy key id is refused before
// it is sent. Most writes are cleared by a quick path that runs outside the
// window (outbound.ts): whatever is replaced, the signed request must not
// reach the listener, written as one buffer (writeBuffer) or split in two
// across the key id and corked (writev). One connection per attempt; the
// listener records, per connection, whether the key id arrived.
const NET = PRELUDE + String.raw`
const net = require('node:net');
const ID = process.env.BACKUP_AWS_ACCESS_KEY_ID;
const LINE = 'POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: AWS4-HMAC-SHA256 Credential=' + ID + '/20250101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00\r\n\r\n';
const WHOLE = Buffer.from(LINE);
const cut = LINE.indexOf(ID) + 9;
const HEAD = Buffer.from(LINE.slice(0, cut));
const REST = Buffer.from(LINE.slice(cut));
const got = new Map();
const server = net.createServer((s) => { let b = ''; s.on('data', (d) => { b += d.toString('latin1'); if (b.includes(ID)) got.set(s.remotePort, true); }); s.on('error', () => {}); });
const port = new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));
server.unref();
const connect = async () => { const s = net.connect(await port, '127.0.0.1'); s.on('error', () => {}); await new Promise((r) => s.once('connect', r)); return s; };
const ATTACKS = {
  writeBuffer: (s) => { s.write(WHOLE); },
  writev: (s) => { s.cork(); s.write(HEAD); s.write(REST); s.uncork(); },
};
// The listener sees the key id when nothing stops it (in ALERT mode, the request goes through).
check('one signed request, nothing replaced', async () => {
  const s = await connect();
  const local = s.localPort;
  s.write(WHOLE);
  await sleep(50);
  s.destroy();
  return got.get(local) === true;
});
// A direct writev whose list answers the scan with a clean buffer and the binding with the signed request.
check('a writev list with a getter: read once, and the signed request never arrives', async () => {
  const s = await connect();
  const local = s.localPort;
  const { WriteWrap } = process.binding('stream_wrap');
  let reads = 0;
  const list = [Buffer.from('GET / HTTP/1.1\r\n')];
  Object.defineProperty(list, 1, { enumerable: true, get() { return reads++ === 0 ? Buffer.from('x-clean: yes\r\n\r\n') : WHOLE; } });
  const req = new WriteWrap();
  req.handle = s._handle;
  req.oncomplete = () => {};
  req.async = false;
  s._handle.writev(req, list, true);
  await sleep(100);
  s.destroy();
  return { reads, arrived: got.get(local) === true };
});
// The signed request in a Buffer with own properties that shadow the getters the scan reads.
check('a signed request in a buffer that lies about itself never arrives', async () => {
  const tried = [];
  for (const [name, lie] of Object.entries(SHADOWS)) {
    const s = await connect();
    tried.push([s.localPort, name]);
    try { s.write(lie(Buffer.from(LINE))); } catch {}
  }
  await sleep(300);
  return { attempts: tried.length, broken: tried.filter(([p]) => got.get(p)).map(([, what]) => what) };
});
// The hooks used to tell a buffer by \`instanceof Uint8Array\`: answered false, the signed request was no buffer to scan.
// The signed request sent on a fresh connection for each target poisoned in each way, one at a time, by
// each attack; which connections it reached the listener on. Connections in batches of 32 targets: a
// loopback connect takes milliseconds here, many at once hardly more.
const sendMatrix = async (targets, variants) => {
  const tried = [];
  const per = Object.keys(variants).length * Object.keys(ATTACKS).length;
  for (let from = 0; from < targets.length; from += 32) {
    const batch = targets.slice(from, from + 32);
    const sockets = await Promise.all(Array.from({ length: batch.length * per }, connect));
    let j = 0;
    for (const [name, h, k, getter] of batch) {
      for (const [variant, v] of Object.entries(variants)) {
        for (const [attack, run] of Object.entries(ATTACKS)) {
          const s = sockets[j++];
          tried.push([s.localPort, name + '.' + String(k) + (getter ? ' (getter) ' : ' ') + variant + ': ' + attack]);
          poisoned(h, k, v, () => run(s), getter);
        }
      }
    }
    await sleep(1);
    for (const s of sockets) s.destroy();
  }
  await sleep(300);
  return { attempts: tried.length, broken: tried.filter(([p]) => got.get(p)).map(([, what]) => what) };
};
check('constructors given a Symbol.hasInstance: a request signed with the decoy key never arrives', () => sendMatrix(HAS_INSTANCE_TARGETS, HAS_INSTANCE));
if (process.env.MATRIX !== 'off') check('every built-in replaced, one at a time: a request signed with the decoy key never arrives', async () => {
  // One clean write first: the honeypots' tables are built, so the quick path is what the attacks meet.
  const warm = await connect();
  warm.write(Buffer.from('GET / HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n'));
  await sleep(20);
  warm.destroy();
  const r = await sendMatrix(TARGETS, VARIANTS);
  server.close();
  return { targets: TARGETS.length, ...r };
});
`;

// A sha256: allowlist: node:crypto's Hash is JavaScript user code can replace
// (before the enforcer's first hash, which is cached). The enforcer hashes
// with its own code: a lying digest does not let /bin/sh pass for /bin/true.
const HASH = String.raw`
const cp = require('node:child_process');
const crypto = require('node:crypto');
const MARK = TMP + '/sh.ran';
const digest = crypto.Hash.prototype.digest;
const update = crypto.Hash.prototype.update;
crypto.Hash.prototype.digest = function (enc) { return enc === 'hex' ? process.env.TRUE_SHA256 : digest.call(this, enc); };
crypto.Hash.prototype.update = function () { return this; };
if (crypto.hash) { const h = crypto.hash; crypto.hash = (alg, data, enc) => (alg === 'sha256' ? process.env.TRUE_SHA256 : h(alg, data, enc)); }
check('a lying sha256 digest: /bin/sh does not pass for /bin/true', () => { cp.spawnSync('/bin/sh', ['-c', 'touch ' + MARK]); return exists(MARK); });
check('/bin/true, whose hash is listed, still runs', () => cp.spawnSync('/bin/true').status);
check('the function\'s own hashing is the user\'s', () => crypto.createHash('sha256').update('x').digest('hex') === process.env.TRUE_SHA256);
`;

describe.each(NODE_VERSIONS)('built-ins replaced by user code, on Node %s', (version) => {
  const run = runChecks(nodeBinary(version), RUN, { policy: { v: 1, t: 0 }, timeoutMs: 240_000 });
  const write = runChecks(nodeBinary(version), WRITE, { timeoutMs: 240_000 });
  const decoys = { BACKUP_AWS_ACCESS_KEY_ID: 'AKIAZ7QK3M5XRTW2LPNE', DEPLOY_GITHUB_TOKEN: 'ghp_q8Rm2Zt6Lw1Xk9Vb4Nc7Hs3Jd5Fg0Pa2Ye8T' };
  const honeypots = (m: string) => ({ v: 1, m, h: { n: Object.keys(decoys) } });
  const netBlock = runChecks(nodeBinary(version), NET, { policy: honeypots('b'), env: decoys, timeoutMs: 240_000 });
  const netAlert = runChecks(nodeBinary(version), NET, { policy: honeypots('a'), env: { ...decoys, MATRIX: 'off' } });
  const trueSha256 = createHash('sha256').update(readFileSync(realpathSync('/bin/true'))).digest('hex');
  const hash = runChecks(nodeBinary(version), HASH, { policy: { v: 1, a: [`sha256:${trueSha256}`] }, env: { TRUE_SHA256: trueSha256 } });

  test('a replaced crypto Hash does not fake a sha256: allowlist entry', () => {
    expect(hash.result('a lying sha256 digest: /bin/sh does not pass for /bin/true')).toEqual(expect.objectContaining({
      value: false, events: [expect.objectContaining({ control: 'process', action: 'blocked', reason: expect.stringMatching(/not in the allowlist/) })],
    }));
    expect(hash.result('/bin/true, whose hash is listed, still runs')).toEqual({ value: 0, events: [] });
    expect(hash.result('the function\'s own hashing is the user\'s').value).toBe(true);
  });

  test('the functions reach their end', () => {
    expect(run.done).toBe(true);
    expect(write.done).toBe(true);
  });

  test('no replaced method or getter lets a refused script run (spawnSync, execSync, node -e)', () => {
    const r = run.result('every built-in replaced, one at a time: a script in /tmp does not run').value;
    expect(r.targets).toBeGreaterThan(250);
    expect(r.getters).toBeGreaterThan(15);
    expect(r.broken).toEqual([]);
  });

  test('no replaced method or getter lets an executable be written or made executable in /tmp', () => {
    const r = write.result('every built-in replaced, one at a time: no executable appears in /tmp').value;
    expect(r.targets).toBeGreaterThan(250);
    expect(r.getters).toBeGreaterThan(15);
    expect(r.broken).toEqual([]);
  });

  test('no replaced method or getter lets a request signed with the decoy key out (writeBuffer, writev)', () => {
    expect(netBlock.done).toBe(true);
    // The listener would see it: in ALERT mode it arrives; in BLOCK it does not.
    expect(netAlert.result('one signed request, nothing replaced').value).toBe(true);
    expect(netBlock.result('one signed request, nothing replaced').value).toBe(false);
    const r = netBlock.result('every built-in replaced, one at a time: a request signed with the decoy key never arrives').value;
    expect(r.attempts).toBe(r.targets * 14);
    expect(r.broken).toEqual([]);
    expect(netBlock.result('a writev list with a getter: read once, and the signed request never arrives').value).toEqual({ reads: 1, arrived: false });
  });

  test.each([
    'an accessor that answers the check with the original and the call with a lie',
    'Object.prototype polluted with value, get, then and toJSON',
    'the fs functions behind the decision answer for /usr/bin/true',
    'globals replaced: String, Array, Object, Map, Set, JSON',
  ])('%s: the script does not run', (name) => {
    expect(run.result(name)).toEqual(expect.objectContaining({ value: false }));
  });

  test('an allowed command runs while a built-in is replaced, and each replaced built-in is reported once, as tamper/detected', () => {
    expect(run.result('an allowed command runs with String.prototype.includes returning false')).toEqual(expect.objectContaining({ value: 7 }));
    const replaced = run.stdout.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l))
      .filter((e) => /^built-in String\.prototype\.includes was replaced/.test(e.reason));
    expect(replaced).toEqual([expect.objectContaining({ source: 'nano-enforcer', control: 'tamper', action: 'detected' })]);
  });

  test.each([
    'a getter that answers the enforcer with /bin/true and the binding with the script',
    'an args Proxy that answers the enforcer with "true" and the binding with the script',
  ])('%s: read once, and the script does not run', (name) => {
    expect(run.result(name).value).toEqual({ reads: 1, ran: false });
  });

  test('a polyfill stays in place for the function and works', () => {
    expect(run.result('a polyfill keeps working for the function after the enforcer decided').value).toEqual({ status: 3, still: true, works: true });
  });

  test('a replacement that cannot be put back: the spawn is refused as an internal fault, and the function goes on', () => {
    const r = run.result('a replacement that cannot be put back fails closed');
    expect(r.value).toEqual({ code: 'EACCES', ran: false, same: false });
    expect(r.events).toEqual([expect.objectContaining({ control: 'tamper', action: 'blocked', reason: expect.stringMatching(/String\.prototype\.trim was replaced and cannot be put back/) })]);
    // Every later spawn is refused the same way: the enforcer cannot decide on a built-in it cannot trust.
    expect(run.result('after that, every spawn is refused').value).toBeNull();
  });

  test('no constructor\'s Symbol.hasInstance lets an executable be written or made executable in /tmp through a Buffer path', () => {
    const r = write.result('constructors given a Symbol.hasInstance: no executable appears in /tmp through a Buffer path').value;
    expect(r.tried).toBe(6 * 8 * 4);
    expect(r.broken).toEqual([]);
  });

  test('no constructor\'s Symbol.hasInstance lets a request signed with the decoy key out', () => {
    const r = netBlock.result('constructors given a Symbol.hasInstance: a request signed with the decoy key never arrives').value;
    expect(r.attempts).toBe(6 * 8 * 2);
    expect(r.broken).toEqual([]);
  });

  test('a written buffer or writev list that lies about itself writes no ELF to /tmp, and a signed request in one never arrives', () => {
    expect(write.result('a written buffer or writev list that lies about itself: no ELF appears in /tmp').value).toEqual({ tried: 10, broken: [] });
    expect(netBlock.result('a signed request in a buffer that lies about itself never arrives').value).toEqual({ attempts: 4, broken: [] });
  });

  test('ordinary data is still written to /tmp with a built-in replaced', () => {
    expect(write.result('JSON written to /tmp with a built-in replaced').value).toBe('{"a":1}');
  });
});
