// protectTmp below the fs exports, on real Node 20, 22 and 24: executable
// content (ELF, #!) and chmod +x are refused in /tmp through every fs path;
// the file does not get its content, the call fails with EACCES the way that
// API fails, and one 'tmp' event is logged. Plain data keeps working.
import { Batch, CheckResult, preloadOnlyLayer, runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, nodeBinary } from '../../support/node-binaries';

const CHECKS = String.raw`
const fsp = require('node:fs/promises');
const zlib = require('node:zlib');
const ELF = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);
const SCRIPT = '#!/bin/sh\necho pwned\n';
// What ended up on disk: absent, or its first bytes.
const head = (f) => exists(f) ? fs.readFileSync(f).subarray(0, 4).toString('latin1') : null;
const err = (e) => ({ code: e.code, errno: e.errno, syscall: e.syscall, path: e.path, message: e.message });
const ro = __dirname + '/ro-tool';

check('writeFileSync of a #! script', () => { const f = TMP + '/a.sh'; try { fs.writeFileSync(f, SCRIPT); } catch (e) { return { ...err(e), head: head(f) }; } return { head: head(f) }; });
check('writeFileSync of an ELF buffer', () => { const f = TMP + '/elf'; try { fs.writeFileSync(f, ELF); } catch (e) { return { ...err(e), head: head(f) }; } return { head: head(f) }; });
check('fs.writeFile callback', async () => { const f = TMP + '/cb'; const e = await new Promise((r) => fs.writeFile(f, ELF, r)); return { code: e && e.code, head: head(f) }; });
check('write stream', async () => {
  const f = TMP + '/stream';
  const s = fs.createWriteStream(f);
  const e = await new Promise((r) => { s.on('error', r); s.on('finish', () => r(null)); s.write(ELF); s.end(); });
  return { code: e && e.code, head: head(f) };
});
check('ELF split over two writes', () => {
  const f = TMP + '/split';
  const fd = fs.openSync(f, 'w');
  try { fs.writeSync(fd, ELF.subarray(0, 1)); fs.writeSync(fd, ELF.subarray(1)); } catch (e) { return { ...err(e), head: head(f) }; } finally { fs.closeSync(fd); }
  return { head: head(f) };
});
check('fs.promises.writeFile', async () => { const f = TMP + '/pw'; try { await fsp.writeFile(f, SCRIPT); } catch (e) { return { ...err(e), head: head(f) }; } return { head: head(f) }; });
check('FileHandle.write', async () => {
  const f = TMP + '/fh';
  const h = await fsp.open(f, 'w');
  try { await h.write(ELF); } catch (e) { return { ...err(e), head: head(f) }; } finally { await h.close(); }
  return { head: head(f) };
});
check('copyFileSync of an executable into /tmp', () => { const f = TMP + '/copy'; try { fs.copyFileSync('/bin/true', f); } catch (e) { return { ...err(e), head: head(f) }; } return { head: head(f) }; });
check('fs.promises.copyFile of an executable into /tmp', async () => { const f = TMP + '/pcopy'; try { await fsp.copyFile('/bin/true', f); } catch (e) { return { ...err(e), head: head(f) }; } return { head: head(f) }; });
check('renameSync of an ELF into /tmp', () => {
  fs.copyFileSync('/bin/true', ro);
  const f = TMP + '/renamed';
  try { fs.renameSync(ro, f); } catch (e) { return { ...err(e), head: head(f) }; } return { head: head(f) };
});
check('linkSync of an ELF into /tmp', () => { const f = TMP + '/linked'; try { fs.linkSync(ro, f); } catch (e) { return { ...err(e), head: head(f) }; } return { head: head(f) }; });
check('chmodSync +x in /tmp', () => {
  const f = TMP + '/plain.txt';
  fs.writeFileSync(f, 'echo hi\n');
  try { fs.chmodSync(f, 0o755); } catch (e) { return { ...err(e), mode: fs.statSync(f).mode & 0o777 }; }
  return { mode: fs.statSync(f).mode & 0o777 };
});
check('FileHandle.chmod +x in /tmp', async () => {
  const f = TMP + '/plain2.txt';
  fs.writeFileSync(f, 'echo hi\n');
  const h = await fsp.open(f, 'r');
  try { await h.chmod(0o700); } catch (e) { return { ...err(e), mode: fs.statSync(f).mode & 0o777 }; } finally { await h.close(); }
  return { mode: fs.statSync(f).mode & 0o777 };
});
check('JSON written and read back in /tmp', () => {
  const f = TMP + '/data.json';
  fs.writeFileSync(f, JSON.stringify({ a: [1, 2, 3] }));
  fs.renameSync(f, TMP + '/data2.json');
  return JSON.parse(fs.readFileSync(TMP + '/data2.json', 'utf8'));
});
check('gzip stream into /tmp', async () => {
  const f = TMP + '/data.gz';
  await new Promise((r, j) => { const z = zlib.createGzip(); z.pipe(fs.createWriteStream(f)).on('finish', r).on('error', j); z.end('x'.repeat(100000)); });
  return zlib.gunzipSync(fs.readFileSync(f)).length;
});
// The first bytes put together by two writers: an appending fd after a truncate, two fds on one file.
check('an ELF appended after the file was truncated', () => {
  const f = TMP + '/appended';
  const fd = fs.openSync(f, 'a');
  try { fs.writeSync(fd, 'plain text, then truncated\n'); fs.ftruncateSync(fd, 0); fs.writeSync(fd, ELF); } catch (e) { return { ...err(e), head: head(f) }; } finally { fs.closeSync(fd); }
  return { head: head(f) };
});
check('ELF magic written in halves by two fds', () => {
  const f = TMP + '/halves';
  const a = fs.openSync(f, 'w');
  const b = fs.openSync(f, 'r+');
  try { fs.writeSync(a, ELF.subarray(0, 2)); fs.writeSync(b, ELF.subarray(2), 0, 6, 2); } catch (e) { return { ...err(e), head: head(f) }; } finally { fs.closeSync(a); fs.closeSync(b); }
  return { head: head(f) };
});
check('a large file written in 64 KB chunks, then its first bytes rewritten as an ELF', () => {
  const f = TMP + '/big';
  const fd = fs.openSync(f, 'w');
  const chunk = Buffer.alloc(64 * 1024, 'ordinary data ');
  for (let i = 0; i < 32; i++) fs.writeSync(fd, chunk);
  let code = null;
  try { fs.writeSync(fd, ELF, 0, ELF.length, 0); } catch (e) { code = e.code; } finally { fs.closeSync(fd); }
  return { size: fs.statSync(f).size, code, head: head(f) };
});
// A raw binding call with a NUL in the path: the kernel opens what precedes it (a file in /tmp), while
// the whole string resolves outside (Node's fs functions refuse such paths; the bindings take them).
check('a NUL in a raw binding path: ELF written, then chmod +x', () => {
  const b = process.binding('fs');
  const f = TMP + '/nul-elf';
  const disguised = f + '\0' + '/..'.repeat(30) + '/usr/lib';
  const out = {};
  let fd;
  try { fd = b.open(disguised, fs.constants.O_WRONLY | fs.constants.O_CREAT, 0o644); } catch (e) { out.open = e.code; }
  if (typeof fd === 'number') {
    try { fs.writeSync(fd, ELF); } catch (e) { out.write = e.code; } finally { fs.closeSync(fd); }
  }
  try { b.chmod(disguised, 0o755); } catch (e) { out.chmod = e.code; }
  return { ...out, head: head(f), mode: exists(f) ? fs.statSync(f).mode & 0o777 : null };
});
// From TMP/a/b/c, /proc/self/cwd/../../.. is TMP to the kernel (it follows the link before each '..'),
// and '/' to a lexical resolve: /proc/self/cwd/../../../var/x is TMP/var/x, not /var/x.
check('an ELF and chmod +x through /proc/self/cwd/.. into /tmp', () => {
  fs.mkdirSync(TMP + '/a/b/c', { recursive: true });
  fs.mkdirSync(TMP + '/var');
  const was = process.cwd();
  process.chdir(TMP + '/a/b/c');
  const out = {};
  try {
    try { fs.writeFileSync('/proc/self/cwd/../../../var/x', ELF); } catch (e) { out.write = e.code; }
    fs.writeFileSync(TMP + '/var/y', 'data');
    try { fs.chmodSync('/proc/self/cwd/../../../var/y', 0o755); } catch (e) { out.chmod = e.code; }
  } finally { process.chdir(was); }
  return { ...out, head: head(TMP + '/var/x'), mode: fs.statSync(TMP + '/var/y').mode & 0o777 };
});
// /dev/fd/N and /dev/stdin, /dev/stdout, /dev/stderr are links into /proc/self/fd on the read-only root:
// an fd opened read-only on a /tmp file (nothing to decide), then the file reopened for writing through them.
check('an ELF and chmod +x through /dev/fd into /tmp', () => {
  const f = TMP + '/devfd';
  const fd = fs.openSync(f, fs.constants.O_RDONLY | fs.constants.O_CREAT, 0o644);
  const out = {};
  try {
    try { fs.writeFileSync('/dev/fd/' + fd, ELF); } catch (e) { out.write = e.code; }
    try { fs.chmodSync('/dev/fd/' + fd, 0o755); } catch (e) { out.chmod = e.code; }
  } finally { fs.closeSync(fd); }
  return { ...out, head: head(f), mode: fs.statSync(f).mode & 0o777 };
});
check('an ELF through /dev/stdin once fd 0 is a /tmp file', () => {
  const f = TMP + '/devstdin';
  fs.closeSync(0);
  const fd = fs.openSync(f, fs.constants.O_RDONLY | fs.constants.O_CREAT, 0o644);
  const out = { fd };
  try { fs.writeFileSync('/dev/stdin', SCRIPT); } catch (e) { out.write = e.code; }
  return { ...out, head: head(f) };
});
check('JSON written to a /tmp file through /dev/fd', () => {
  const f = TMP + '/devfd.json';
  const fd = fs.openSync(f, fs.constants.O_RDONLY | fs.constants.O_CREAT, 0o644);
  try { fs.writeFileSync('/dev/fd/' + fd, JSON.stringify({ via: 'fd' })); fs.appendFileSync('/dev/fd/' + fd, '\n'); } finally { fs.closeSync(fd); }
  return JSON.parse(fs.readFileSync(f, 'utf8'));
});
// fs.cpSync of a directory: without a filter, Node >= 22 copies the whole tree in C++ (the fs binding's
// cpSyncCopyDir); with one (and on Node 20), file by file in JS, setting each directory's mode (x bits: search).
const tree = (name, files) => {
  const root = __dirname + '/' + name;
  for (const [f, content] of Object.entries(files)) {
    fs.mkdirSync(require('node:path').dirname(root + '/' + f), { recursive: true });
    if (content === null) fs.copyFileSync('/bin/true', root + '/' + f); else fs.writeFileSync(root + '/' + f, content);
  }
  return root;
};
const copied = (dir) => { const out = {}; const walk = (d, rel) => { for (const n of fs.readdirSync(d)) { const p = d + '/' + n; if (fs.statSync(p).isDirectory()) walk(p, rel + n + '/'); else out[rel + n] = head(p); } }; if (exists(dir)) walk(dir, ''); return out; };
check('cpSync of a directory holding an ELF into /tmp', () => {
  const src = tree('tree-elf', { 'a.txt': 'data', 'bin/tool': null });
  try { fs.cpSync(src, TMP + '/tree-elf', { recursive: true }); } catch (e) { return { code: e.code, copied: copied(TMP + '/tree-elf') }; }
  return { copied: copied(TMP + '/tree-elf') };
});
check('cpSync of a directory holding a #! script, dereferencing a symlink to it', () => {
  const src = tree('tree-link', { 'a.txt': 'data', 'real/run.sh': SCRIPT });
  fs.mkdirSync(src + '/links');
  fs.symlinkSync(src + '/real/run.sh', src + '/links/run');
  try { fs.cpSync(src + '/links', TMP + '/tree-link', { recursive: true, dereference: true }); } catch (e) { return { code: e.code, copied: copied(TMP + '/tree-link') }; }
  return { copied: copied(TMP + '/tree-link') };
});
check('cpSync of a directory of data into /tmp', () => {
  const src = tree('tree-data', { 'a.json': '{"a":1}', 'sub/b.txt': 'text', 'sub/deeper/c.csv': 'x,y' });
  fs.cpSync(src, TMP + '/tree-data', { recursive: true });
  return copied(TMP + '/tree-data');
});
check('cpSync of a directory of data into /tmp with a filter', () => {
  const src = tree('tree-filter', { 'a.json': '{"a":1}', 'sub/b.txt': 'text' });
  fs.cpSync(src, TMP + '/tree-filter', { recursive: true, filter: () => true });
  return { copied: copied(TMP + '/tree-filter'), mode: fs.statSync(TMP + '/tree-filter/sub').mode & 0o777 };
});
check('an ELF written outside the writable places', () => { fs.writeFileSync(__dirname + '/tool', ELF); return head(__dirname + '/tool'); });
`;

function expectBlocked(r: CheckResult): void {
  expect(r.events).toEqual([expect.objectContaining({ source: 'nano-enforcer', control: 'tmp', action: 'blocked' })]);
}

const REFUSED = { code: 'EACCES', errno: -13, message: expect.stringContaining('nano-enforcer') };

describe.each(NODE_VERSIONS)('/tmp protection on Node %s', (version) => {
  let batch: Batch;
  beforeAll(() => {
    batch = runChecks(nodeBinary(version), CHECKS, { policy: { v: 1 } });
  });

  test.each([
    ['writeFileSync of a #! script', 'open'],
    ['writeFileSync of an ELF buffer', 'write'],
    ['ELF split over two writes', 'write'],
    ['fs.promises.writeFile', 'write'],
    ['FileHandle.write', 'write'],
    ['copyFileSync of an executable into /tmp', 'copyfile'],
    ['fs.promises.copyFile of an executable into /tmp', 'copyfile'],
    ['renameSync of an ELF into /tmp', 'rename'],
    ['linkSync of an ELF into /tmp', 'link'],
  ])('%s throws EACCES (syscall %s) and the executable content is not in /tmp', (name, syscall) => {
    const r = batch.result(name);
    expect(r.value).toMatchObject({ ...REFUSED, syscall, path: expect.any(String) });
    expect(r.value.head ?? '').not.toMatch(/^(\x7fELF|#!)/);
    expectBlocked(r);
  });

  test('a NUL in a raw binding path is decided on the /tmp file the kernel opens: the ELF write and the chmod are refused', () => {
    const r = batch.result('a NUL in a raw binding path: ELF written, then chmod +x');
    expect(r.value).toEqual({ write: 'EACCES', chmod: 'EACCES', head: '', mode: 0o644 });
    expect(r.events).toEqual([
      expect.objectContaining({ control: 'tmp', action: 'blocked', detail: expect.objectContaining({ rule: 'tmp-executable-content', path: expect.stringMatching(/\/nul-elf$/) }) }),
      expect.objectContaining({ control: 'tmp', action: 'blocked', detail: expect.objectContaining({ rule: 'tmp-executable-mode', path: expect.stringMatching(/\/nul-elf$/) }) }),
    ]);
  });

  test('a path through /proc/self/cwd/.. is decided on the /tmp file the kernel reaches: the ELF write and the chmod are refused', () => {
    const r = batch.result('an ELF and chmod +x through /proc/self/cwd/.. into /tmp');
    expect(r.value).toEqual({ write: 'EACCES', chmod: 'EACCES', head: '', mode: 0o644 });
    expect(r.events).toEqual([
      expect.objectContaining({ control: 'tmp', action: 'blocked', detail: expect.objectContaining({ path: expect.stringMatching(/\/var\/x$/) }) }),
      expect.objectContaining({ control: 'tmp', action: 'blocked', detail: expect.objectContaining({ path: expect.stringMatching(/\/var\/y$/) }) }),
    ]);
  });

  test('a /tmp file reopened through /dev/fd is decided on that file: the ELF write and the chmod are refused', () => {
    const r = batch.result('an ELF and chmod +x through /dev/fd into /tmp');
    expect(r.value).toEqual({ write: 'EACCES', chmod: 'EACCES', head: '', mode: 0o644 });
    expect(r.events).toEqual([
      expect.objectContaining({ control: 'tmp', action: 'blocked', detail: expect.objectContaining({ rule: 'tmp-executable-content' }) }),
      expect.objectContaining({ control: 'tmp', action: 'blocked', detail: expect.objectContaining({ rule: 'tmp-executable-mode' }) }),
    ]);
  });

  test('a #! script written through /dev/stdin, when fd 0 is a /tmp file, is refused', () => {
    const r = batch.result('an ELF through /dev/stdin once fd 0 is a /tmp file');
    expect(r.value).toEqual({ fd: 0, write: 'EACCES', head: '' });
    expectBlocked(r);
  });

  test('cpSync of a directory holding an ELF into /tmp is refused, and the ELF is not copied', () => {
    const r = batch.result('cpSync of a directory holding an ELF into /tmp');
    expect(r.value.code).toBe('EACCES');
    expect(r.value.copied['bin/tool'] ?? null).not.toBe('\x7fELF');
    expect(r.events).toEqual([expect.objectContaining({ control: 'tmp', action: 'blocked', detail: expect.objectContaining({ api: expect.stringMatching(/^(cp|copyfile)$/) }) })]);
  });

  test('cpSync of a tree that dereferences a symlink to a #! script is refused, and the script is not copied', () => {
    const r = batch.result('cpSync of a directory holding a #! script, dereferencing a symlink to it');
    expect(r.value.code).toBe('EACCES');
    expect(r.value.copied.run ?? null).toBeNull();
    expectBlocked(r);
  });

  test.each([
    ['cpSync of a directory of data into /tmp', { 'a.json': '{"a"', 'sub/b.txt': 'text', 'sub/deeper/c.csv': 'x,y' }],
  ])('%s works without an event', (name, expected) => {
    expect(batch.result(name)).toEqual({ value: expected, events: [] });
  });

  test('cpSync with a filter copies file by file and gives each directory its mode (x bits: search, not execution), without an event', () => {
    expect(batch.result('cpSync of a directory of data into /tmp with a filter')).toEqual({ value: { copied: { 'a.json': '{"a"', 'sub/b.txt': 'text' }, mode: 0o755 }, events: [] });
  });

  test('JSON written to a /tmp file through /dev/fd works without an event', () => {
    expect(batch.result('JSON written to a /tmp file through /dev/fd')).toEqual({ value: { via: 'fd' }, events: [] });
  });

  test.each(['fs.writeFile callback', 'write stream'])('%s reports EACCES asynchronously and writes nothing executable', (name) => {
    const r = batch.result(name);
    expect(r.value.code).toBe('EACCES');
    expect(r.value.head ?? '').not.toMatch(/^(\x7fELF|#!)/);
    expectBlocked(r);
  });

  test.each(['chmodSync +x in /tmp', 'FileHandle.chmod +x in /tmp'])('%s is refused and the mode stays without x bits', (name) => {
    const r = batch.result(name);
    expect(r.value).toMatchObject({ code: 'EACCES', mode: 0o644 });
    expectBlocked(r);
  });

  test.each(['an ELF appended after the file was truncated', 'ELF magic written in halves by two fds'])('%s: refused, the file does not start with the magic', (name) => {
    const r = batch.result(name);
    expect(r.value).toMatchObject({ ...REFUSED, syscall: 'write' });
    expect(r.value.head ?? '').not.toMatch(/^\x7fELF/);
    expectBlocked(r);
  });

  test('a large file is written whole without an event, and rewriting its head as an ELF afterwards is refused', () => {
    const r = batch.result('a large file written in 64 KB chunks, then its first bytes rewritten as an ELF');
    expect(r.value).toEqual({ size: 32 * 64 * 1024, code: 'EACCES', head: 'ordi' });
    expectBlocked(r);
  });

  test('JSON written, renamed and read in /tmp works without an event', () => {
    expect(batch.result('JSON written and read back in /tmp')).toEqual({ value: { a: [1, 2, 3] }, events: [] });
  });

  test('a gzip stream into /tmp works without an event', () => {
    expect(batch.result('gzip stream into /tmp')).toEqual({ value: 100000, events: [] });
  });

  test('an executable written outside the writable places is not /tmp protection\'s business', () => {
    expect(batch.result('an ELF written outside the writable places')).toEqual({ value: '\x7fELF', events: [] });
  });

  test('the function kept running to its end', () => {
    expect(batch.done).toBe(true);
    expect(batch.status).toBe(0);
  });
});

describe.each(NODE_VERSIONS)('/tmp protection in ALERT mode on Node %s', (version) => {
  let batch: Batch;
  beforeAll(() => {
    batch = runChecks(nodeBinary(version), CHECKS, { policy: { v: 1, m: 'a' } });
  });

  test('an ELF is written to /tmp and logged as detected', () => {
    const r = batch.result('writeFileSync of an ELF buffer');
    expect(r.value).toEqual({ head: '\x7fELF' });
    expect(r.events).toEqual([expect.objectContaining({ control: 'tmp', action: 'detected' })]);
  });
});

// The preload decides a whole-file write of text into /tmp by itself (no
// '#!' or ELF magic, no x bits) and loads the engine only for the others.
// Shown with a layer that has no engine.js: plain data still goes through
// without an event, executable text fails closed with a tamper event.
describe('the preload\'s own /tmp check, without engine.js', () => {
  const lazyPreload = preloadOnlyLayer();
  const LAZY = String.raw`
const head = (f) => exists(f) ? fs.readFileSync(f, 'latin1').slice(0, 4) : null;
check('JSON written to /tmp', () => { const f = TMP + '/data.json'; fs.writeFileSync(f, JSON.stringify({ a: [1, 2, 3] })); return JSON.parse(fs.readFileSync(f, 'utf8')).a.length; });
check('text that starts with # but not #!', () => { const f = TMP + '/notes'; fs.writeFileSync(f, '# notes\n'); return head(f); });
check('a #! script written to /tmp', () => { const f = TMP + '/a.sh'; try { fs.writeFileSync(f, '#!/bin/sh\necho pwned\n'); } catch (e) { return { code: e.code, head: head(f) }; } return { head: head(f) }; });
check('ELF magic as text', () => { const f = TMP + '/elf'; try { fs.writeFileSync(f, '\x7fELF\x02'); } catch (e) { return { code: e.code, head: head(f) }; } return { head: head(f) }; });
check('text with the x bits', () => { const f = TMP + '/x'; try { fs.writeFileSync(f, 'echo hi\n', { mode: 0o755 }); } catch (e) { return { code: e.code, head: head(f) }; } return { head: head(f) }; });
`;
  test.each(NODE_VERSIONS)('Node %s', (version) => {
    const b = runChecks(nodeBinary(version), LAZY, { policy: { v: 1 }, env: { NODE_OPTIONS: `--require ${lazyPreload()}` } });
    expect(b.initEvents).toEqual([]);
    expect(b.result('JSON written to /tmp')).toEqual({ value: 3, events: [] });
    expect(b.result('text that starts with # but not #!')).toEqual({ value: '# no', events: [] });
    const tamper = [expect.objectContaining({ control: 'tamper', action: 'blocked', reason: expect.stringMatching(/^internal: .*engine\.js/) })];
    for (const name of ['a #! script written to /tmp', 'ELF magic as text', 'text with the x bits']) {
      expect([name, b.result(name)]).toEqual([name, { value: { code: 'EACCES', head: null }, events: tamper }]);
    }
    expect(b.done).toBe(true);
  });
});
