// Native code that Node runs below every other hook: node:sqlite's
// DatabaseSync#loadExtension dlopens a file, and a node:wasi instance reads
// and writes the host directories it is given from C. Both modules are
// hooked at start, however user code loads them (require, getBuiltinModule,
// an ESM import); the effect is checked: the shared object's constructor
// writes a marker when it runs, the WASI module writes an ELF header into
// the directory it was given. Also: process.chdir's accessor, which tells
// the preload that an ESM import loaded worker_threads, cannot be deleted;
// and a process's memory file (/proc/<pid>/mem, where a write at an
// address lands in code pages too) cannot be opened for writing.
// Real Node 20/22/24 (node:sqlite from 22.13).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import wabt from 'wabt';
import { Batch, CheckResult, functionDir, runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, cacheDir, nodeBinary } from '../../support/node-binaries';

// An SQLite extension whose constructor marks its run at $EXT_MARK (the C getenv sees process.env's assignments).
const EXTENSION_C = String.raw`
#include <stdio.h>
#include <stdlib.h>
__attribute__((constructor)) static void ran(void) {
  const char *mark = getenv("EXT_MARK");
  FILE *f = mark ? fopen(mark, "w") : NULL;
  if (f) { fputs("native code ran\n", f); fclose(f); }
}
int sqlite3_extension_init(void *db, char **err, const void *api) { return 0; }
`;

// A WASI command that creates "evil.so" in its first preopened directory (fd 3) and writes an ELF header into it.
const WRITER_WAT = String.raw`
(module
  (import "wasi_snapshot_preview1" "path_open" (func $open (param i32 i32 i32 i32 i32 i64 i64 i32 i32) (result i32)))
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 16) "evil.so")
  (data (i32.const 64) "\7fELF\02\01\01\00")
  (func (export "_start")
    ;; O_CREAT | O_TRUNC, the fd_write right
    (drop (call $open (i32.const 3) (i32.const 0) (i32.const 16) (i32.const 7) (i32.const 9) (i64.const 64) (i64.const 0) (i32.const 0) (i32.const 128)))
    (i32.store (i32.const 256) (i32.const 64))
    (i32.store (i32.const 260) (i32.const 8))
    (drop (call $write (i32.load (i32.const 128)) (i32.const 256) (i32.const 1) (i32.const 300)))))
`;

// A WASI command that writes an ELF header to its stdout (fd 1).
const STDOUT_WAT = String.raw`
(module
  (import "wasi_snapshot_preview1" "fd_write" (func $write (param i32 i32 i32 i32) (result i32)))
  (memory (export "memory") 1)
  (data (i32.const 64) "\7fELF\02\01\01\00")
  (func (export "_start")
    (i32.store (i32.const 256) (i32.const 64))
    (i32.store (i32.const 260) (i32.const 8))
    (drop (call $write (i32.const 1) (i32.const 256) (i32.const 1) (i32.const 300)))))
`;

const COMMON = String.raw`
const cp = require('node:child_process');
const elfIn = (dir) => exists(dir + '/evil.so') && fs.readFileSync(dir + '/evil.so').subarray(0, 4).toString('latin1') === '\x7fELF';
// Runs the WASI writer with these options; what construction threw and whether the ELF header landed in dir.
const wasiWrite = (WASI, options, dir, module = 'writer') => {
  let code;
  try {
    const wasi = new WASI(options);
    const bytes = Buffer.from(fs.readFileSync(__dirname + '/' + module + '.wasm.b64', 'utf8'), 'base64');
    wasi.start(new WebAssembly.Instance(new WebAssembly.Module(bytes), wasi.getImportObject()));
  } catch (e) { code = e.code; }
  return { code, elf: elfIn(dir) };
};
// A script in /tmp that marks its own run.
const markerScript = (name) => {
  const f = TMP + '/' + name;
  fs.writeFileSync(f, "require('fs').writeFileSync(__filename + '.ran', '')");
  return f;
};
`;

// protectTmp off: the checks put the shared object into /tmp themselves.
const LOAD_CHECKS = String.raw`
// A copy of the shared object in /tmp (or the one shipped, outside it); its run marks <name>.ran in /tmp.
const extensionIn = (name) => {
  const f = name === 'shipped' ? process.env.EXT_SO : TMP + '/' + name;
  if (name !== 'shipped') fs.copyFileSync(process.env.EXT_SO, f);
  process.env.EXT_MARK = TMP + '/' + name + '.ran';
  return f;
};
const load = async (sqlite, file, arg = file) => {
  if (!sqlite) return 'absent';
  const db = new sqlite.DatabaseSync(':memory:', { allowExtension: true });
  try { db.loadExtension(arg); } catch (e) { return { code: e.code, ran: exists(process.env.EXT_MARK) }; }
  return { ran: exists(process.env.EXT_MARK) };
};
const hasSqlite = () => process.getBuiltinModule('node:sqlite') !== undefined;
check('the SQLite and WASI ExperimentalWarnings, emitted once at first use', async () => {
  const seen = [];
  process.on('warning', (w) => seen.push(w.message));
  const { WASI } = await import('node:wasi');
  new WASI({ version: 'preview1' });
  new WASI({ version: 'preview1' });
  if (hasSqlite()) { const { DatabaseSync } = require('node:sqlite'); new DatabaseSync(':memory:'); new DatabaseSync(':memory:'); }
  await sleep(20);
  return seen.filter((m) => /experimental/.test(m)).map((m) => m.split(' ')[0]);
});
check('loadExtension of a shared object in /tmp, node:sqlite from require', () =>
  hasSqlite() ? load(require('node:sqlite'), extensionIn('ext1.so')) : 'absent');
check('loadExtension of a shared object in /tmp, node:sqlite from import()', async () =>
  hasSqlite() ? load(await import('node:sqlite'), extensionIn('ext2.so')) : 'absent');
check('loadExtension of a /tmp name without .so (SQLite adds it)', () => {
  if (!hasSqlite()) return 'absent';
  const f = extensionIn('ext3.so');
  return load(require('node:sqlite'), f, f.slice(0, -3));
});
check('SQL load_extension() of a shared object in /tmp', () => {
  if (!hasSqlite()) return 'absent';
  const f = extensionIn('ext4.so');
  const db = new (require('node:sqlite').DatabaseSync)(':memory:', { allowExtension: true });
  try { db.prepare('SELECT load_extension(?)').get(f); } catch (e) { return { code: e.code, ran: exists(process.env.EXT_MARK) }; }
  return { ran: exists(process.env.EXT_MARK) };
});
check('loadExtension of the shipped shared object', async () =>
  hasSqlite() ? load(await import('node:sqlite'), extensionIn('shipped')) : 'absent');
check('import() of node:worker_threads after deleting process.chdir', async () => {
  const deleted = delete process.chdir;
  let redefined = true;
  try { Object.defineProperty(process, 'chdir', { value: () => {} }); } catch { redefined = false; }
  const f = markerScript('chdir-worker.js');
  const { Worker } = await import('node:worker_threads');
  let code;
  try {
    await new Promise((resolve, reject) => new Worker(f, { execArgv: [], env: {} }).on('error', reject).on('exit', resolve));
  } catch (e) { code = e.code; }
  return { deleted, redefined, code, ran: exists(f + '.ran') };
});
check('still running', () => 'yes');
`;

// The default policy (protectTmp on).
const WASI_CHECKS = String.raw`
check('WASI given a /tmp directory, node:wasi from require', () => wasiWrite(require('node:wasi').WASI, { version: 'preview1', preopens: { '/sandbox': TMP } }, TMP));
check('WASI given a /tmp directory, node:wasi from import()', async () => {
  const { WASI } = await import('node:wasi');
  return wasiWrite(WASI, { version: 'preview1', preopens: { '/sandbox': TMP } }, TMP);
});
check('WASI given /', () => wasiWrite(require('node:wasi').WASI, { version: 'preview1', preopens: { '/': '/' } }, TMP));
check('WASI given /proc', () => wasiWrite(require('node:wasi').WASI, { version: 'preview1', preopens: { '/p': '/proc/self' } }, TMP));
// Node reads the options again after the hook: the getters name the function's directory first and /tmp after.
check('WASI options whose preopens name /tmp only from their second read', () => {
  const dir = __dirname + '/out1';
  fs.mkdirSync(dir);
  let reads = 0;
  let entryReads = 0;
  const options = {
    version: 'preview1',
    get preopens() { return reads++ === 0 ? { get '/sandbox'() { return entryReads++ === 0 ? dir : TMP; } } : { '/sandbox': TMP }; },
  };
  return { ...wasiWrite(require('node:wasi').WASI, options, TMP), elsewhere: elfIn(dir) };
});
check('WASI given a directory of the function', () => {
  const dir = __dirname + '/out2';
  fs.mkdirSync(dir);
  return wasiWrite(require('node:wasi').WASI, { version: 'preview1', preopens: { '/sandbox': dir } }, dir);
});
// Node's ELF header as mapped (its first mapping): bytes 9-12 are padding that nothing reads once it runs.
const headerPadding = () => {
  const exe = fs.realpathSync(process.execPath);
  const line = fs.readFileSync('/proc/self/maps', 'utf8').split('\n').find((l) => / 00000000 /.test(l) && l.endsWith(' ' + exe));
  return parseInt(line.split('-')[0], 16) + 9;
};
const peek = (at) => {
  const fd = fs.openSync('/proc/self/mem', 'r');
  try { const b = Buffer.alloc(4); fs.readSync(fd, b, 0, 4, at); return b; } finally { fs.closeSync(fd); }
};
// Opens name for writing (sync or with fs.promises) and writes 'NENE' into node's mapped header; what changed.
const pokeMemory = async (name, promises) => {
  const at = headerPadding();
  const before = peek(at);
  let code;
  try {
    if (promises) {
      const h = await fs.promises.open(name, 'r+');
      try { await h.write(Buffer.from('NENE'), 0, 4, at); } finally { await h.close(); }
    } else {
      const fd = fs.openSync(name, 'r+');
      try { fs.writeSync(fd, Buffer.from('NENE'), 0, 4, at); } finally { fs.closeSync(fd); }
    }
  } catch (e) { code = e.code; }
  const changed = !peek(at).equals(before);
  if (changed) { const fd = fs.openSync('/proc/self/mem', 'r+'); fs.writeSync(fd, before, 0, 4, at); fs.closeSync(fd); }
  return { code, changed };
};
check('writing into /proc/self/mem', () => pokeMemory('/proc/self/mem'));
check('writing into /proc/thread-self/mem with fs.promises', () => pokeMemory('/proc/thread-self/mem', true));
check('writing into /proc/self/mem through a /tmp symlink', () => {
  fs.symlinkSync('/proc/self/mem', TMP + '/mem-link');
  return pokeMemory(TMP + '/mem-link');
});
check('writing into /proc/self/mem through a /tmp symlink to /proc/self', () => {
  fs.symlinkSync('/proc/self', TMP + '/self-link');
  return pokeMemory(TMP + '/self-link/mem');
});
check('writing into /proc/self/mem reopened through /dev/fd', () => {
  const fd = fs.openSync('/proc/self/mem', 'r');
  try { return pokeMemory('/dev/fd/' + fd); } finally { fs.closeSync(fd); }
});
check('reading /proc/self/mem, and writing /proc/self/comm', () => {
  const read = peek(headerPadding()).length;
  const comm = fs.readFileSync('/proc/self/comm', 'utf8');
  fs.writeFileSync('/proc/self/comm', 'renamed');
  const renamed = fs.readFileSync('/proc/self/comm', 'utf8').trim();
  fs.writeFileSync('/proc/self/comm', comm.trim());
  return { read, renamed };
});
// The ELF goes to <dir>/evil.so, opened for writing and given as the sandbox's stdout.
const wasiStdout = (dir) => {
  const fd = fs.openSync(dir + '/evil.so', 'w');
  try { return wasiWrite(require('node:wasi').WASI, { version: 'preview1', stdout: fd }, dir, 'stdout'); } finally { fs.closeSync(fd); }
};
check('WASI whose stdout is a /tmp file opened for writing', () => wasiStdout(TMP));
check('WASI whose stdout is a file of the function opened for writing', () => {
  fs.mkdirSync(__dirname + '/out3');
  return wasiStdout(__dirname + '/out3');
});
check('WASI errors for bad options, as without the layer', () => {
  const { WASI } = require('node:wasi');
  const codes = [];
  for (const make of [() => new WASI(), () => new WASI(null), () => new WASI({ version: 'nope' }), () => WASI({ version: 'preview1' }),
    () => new WASI({ version: 'preview1', preopens: [TMP] })]) {
    try { make(); codes.push('none'); } catch (e) { codes.push(e.code ?? e.constructor.name); }
  }
  return codes;
});
check('a subclass of WASI given a /tmp directory', async () => {
  const { WASI } = await import('node:wasi');
  class Mine extends WASI {}
  return wasiWrite(Mine, { version: 'preview1', preopens: { '/sandbox': TMP } }, TMP);
});
check('still running', () => 'yes');
`;

function expectBlocked(r: CheckResult, control: string, rule: string): void {
  expect(r.events).toEqual([expect.objectContaining({ source: 'nano-enforcer', control, action: 'blocked', detail: expect.objectContaining({ rule }) })]);
}

let extension = '';
let writerB64 = '';
let stdoutB64 = '';
beforeAll(async () => {
  const dir = join(cacheDir(), 'native-loaders');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'ext.c'), EXTENSION_C);
  extension = join(dir, 'ext.so');
  execFileSync('cc', ['-shared', '-fPIC', '-o', extension, join(dir, 'ext.c')]);
  const assemble = async (name: string, wat: string) => Buffer.from((await wabt()).parseWat(name, wat).toBinary({}).buffer).toString('base64');
  writerB64 = await assemble('writer.wat', WRITER_WAT);
  stdoutB64 = await assemble('stdout.wat', STDOUT_WAT);
});

describe.each(NODE_VERSIONS)('native code below the other hooks on Node %s', (version) => {
  const sqlite = !version.startsWith('20.');

  describe('SQLite extensions and the worker_threads signal (protectTmp off)', () => {
    let batch: Batch;
    beforeAll(() => {
      // The shipped extension: outside /tmp, like the function's code.
      const dir = functionDir();
      try {
        copyFileSync(extension, join(dir, 'ext.so'));
        batch = runChecks(nodeBinary(version), `${COMMON}\n${LOAD_CHECKS}`, {
          policy: { v: 1, t: 0 },
          files: { 'writer.wasm.b64': writerB64, 'stdout.wasm.b64': stdoutB64 },
          env: { EXT_SO: join(dir, 'ext.so') },
        });
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    test.each([
      'loadExtension of a shared object in /tmp, node:sqlite from require',
      'loadExtension of a shared object in /tmp, node:sqlite from import()',
      'loadExtension of a /tmp name without .so (SQLite adds it)',
    ])('%s: refused before it is loaded, and its code does not run', (name) => {
      const r = batch.result(name);
      if (!sqlite) return expect(r.value).toBe('absent');
      expect(r.value).toEqual({ code: 'ERR_LOAD_SQLITE_EXTENSION', ran: false });
      expectBlocked(r, 'process', 'writable-location');
      expect(r.events[0].detail).toMatchObject({ api: 'loadExtension', path: expect.stringMatching(/\/ext\d\.so$/) });
    });

    test('SQL load_extension() is not authorized by Node itself', () => {
      const r = batch.result('SQL load_extension() of a shared object in /tmp');
      if (!sqlite) return expect(r.value).toBe('absent');
      expect(r.value).toEqual({ code: 'ERR_SQLITE_ERROR', ran: false });
      expect(r.events).toEqual([]);
    });

    test('the shipped extension loads and runs, with no event (so the refusals above are the enforcer\'s)', () => {
      const r = batch.result('loadExtension of the shipped shared object');
      if (!sqlite) return expect(r.value).toBe('absent');
      expect(r.value).toEqual({ ran: true });
      expect(r.events).toEqual([]);
    });

    test('the ExperimentalWarnings that loading the modules at start held are emitted once, at first use', () => {
      const r = batch.result('the SQLite and WASI ExperimentalWarnings, emitted once at first use');
      // Node 24.15 and later emit none for SQLite.
      const sqliteWarns = sqlite && !/^2[4-9]\.(1[5-9]|[2-9]\d)\./.test(version);
      expect(r.value).toEqual(sqliteWarns ? ['WASI', 'SQLite'] : ['WASI']);
    });

    test('process.chdir cannot be deleted or redefined, so import() of worker_threads still hands out the hooked Worker', () => {
      const r = batch.result('import() of node:worker_threads after deleting process.chdir');
      expect(r.value).toEqual({ deleted: false, redefined: false, code: 'ERR_WORKER_INIT_FAILED', ran: false });
      expectBlocked(r, 'process', 'writable-location');
    });

    test('the function kept running', () => {
      expect(batch.result('still running').value).toBe('yes');
      expect(batch.done).toBe(true);
    });
  });

  describe('WASI preopens and process memory (default policy)', () => {
    let batch: Batch;
    beforeAll(() => {
      batch = runChecks(nodeBinary(version), `${COMMON}\n${WASI_CHECKS}`, { policy: { v: 1 }, files: { 'writer.wasm.b64': writerB64, 'stdout.wasm.b64': stdoutB64 } });
    });

    test.each([
      'WASI given a /tmp directory, node:wasi from require',
      'WASI given a /tmp directory, node:wasi from import()',
      'a subclass of WASI given a /tmp directory',
      // They hold a writable place.
      'WASI given /',
      'WASI given /proc',
    ])('%s: refused, and no ELF lands in /tmp', (name) => {
      const r = batch.result(name);
      expect(r.value).toEqual({ code: 'UVWASI_EACCES', elf: false });
      expectBlocked(r, 'tmp', 'wasi-preopen');
    });

    test('options read twice: Node gets what was decided on, and the module writes there, not in /tmp', () => {
      const r = batch.result('WASI options whose preopens name /tmp only from their second read');
      expect(r.value).toEqual({ code: undefined, elf: false, elsewhere: true });
      expect(r.events).toEqual([]);
    });

    test.each([
      'writing into /proc/self/mem',
      'writing into /proc/thread-self/mem with fs.promises',
      'writing into /proc/self/mem through a /tmp symlink',
      'writing into /proc/self/mem through a /tmp symlink to /proc/self',
      'writing into /proc/self/mem reopened through /dev/fd',
    ])('%s: refused at open, and the mapped bytes do not change', (name) => {
      const r = batch.result(name);
      expect(r.value).toEqual({ code: 'EACCES', changed: false });
      expectBlocked(r, 'process', 'process-memory');
      expect(r.events[0].detail.resolved).toMatch(/^\/proc\/\d+(\/task\/\d+)?\/mem$/);
    });

    test('reading a process\'s memory and writing other /proc files keep working, with no event', () => {
      const r = batch.result('reading /proc/self/mem, and writing /proc/self/comm');
      expect(r.value).toEqual({ read: 4, renamed: 'renamed' });
      expect(r.events).toEqual([]);
    });

    test('a WASI instance whose stdout is a /tmp file opened for writing is refused, and no ELF lands there', () => {
      const r = batch.result('WASI whose stdout is a /tmp file opened for writing');
      expect(r.value).toEqual({ code: 'UVWASI_EACCES', elf: false });
      expectBlocked(r, 'tmp', 'wasi-stdio');
    });

    test('a WASI instance whose stdout is a file of the function works, with no event', () => {
      const r = batch.result('WASI whose stdout is a file of the function opened for writing');
      expect(r.value).toEqual({ code: undefined, elf: true });
      expect(r.events).toEqual([]);
    });

    test('bad options fail as they fail natively', () => {
      const r = batch.result('WASI errors for bad options, as without the layer');
      expect(r.value).toEqual(['ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_TYPE', 'ERR_INVALID_ARG_VALUE', 'TypeError', 'ERR_INVALID_ARG_TYPE']);
      expect(r.events).toEqual([]);
    });

    test('a WASI instance given a directory of the function works, with no event', () => {
      const r = batch.result('WASI given a directory of the function');
      expect(r.value).toEqual({ code: undefined, elf: true });
      expect(r.events).toEqual([]);
    });

    test('the function kept running', () => {
      expect(batch.result('still running').value).toBe('yes');
      expect(batch.done).toBe(true);
    });
  });
});
