// v8.setFlagsFromString at run time. --allow-natives-syntax gives code V8's
// runtime functions: with %SerializeWasmModule and %DeserializeWasmModule a
// WebAssembly function's compiled code is edited and loaded back, so code in
// the function runs machine code of its own, and with it any system call,
// below every hook. The attack here makes an open(O_CREAT) system call from
// such code; the file must not appear. Every way to node:v8 (require, ESM
// default and named imports, import(), getBuiltinModule, a worker) is
// refused; flags that only tune the heap or print GC traces still work.
// Real Node 20/22/24.
import { Batch, CheckResult, runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, nodeBinary } from '../../support/node-binaries';

const CHECKS = String.raw`
const leb = (n) => { const o = []; do { let b = n & 0x7f; n >>>= 7; if (n) b |= 0x80; o.push(b); } while (n); return o; };
const sec = (id, bytes) => [id, ...leb(bytes.length), ...bytes];
// (func (export "f") (param i32) (result i32)): a chain of multiplications and additions, long enough to hold the machine code below.
const body = [0x20, 0];
for (let k = 0; k < 24; k++) body.push(0x41, 0x85, 0x07 + (k & 7), 0x6c, 0x41, 0x0b + k, 0x6a);
body.push(0x0b);
const wire = (tag) => new Uint8Array([0, 97, 115, 109, 1, 0, 0, 0, ...sec(1, [1, 0x60, 1, 0x7f, 1, 0x7f]), ...sec(3, [1, 0]),
  ...sec(7, [1, 1, 102, 0, 0]), ...sec(10, [1, ...leb(body.length + 1), 0, ...body]), ...(tag ? sec(0, [1, 120, tag]) : [])]);
// x86-64: open(path, O_WRONLY|O_CREAT, 0644) with the path after the code, then return.
const machineCode = (path) => [0x55, 0x48, 0x89, 0xe5, 0x48, 0x8d, 0x3d, 22, 0, 0, 0, 0xbe, 0x41, 0, 0, 0, 0xba, 0xa4, 1, 0, 0, 0xb8, 2, 0, 0, 0,
  0x0f, 0x05, 0x48, 0x8b, 0xe5, 0x5d, 0xc3, ...Buffer.from(path + '\0')];
// With natives syntax: the function's serialized code, its prologue overwritten, loaded back under other wire bytes (not the cached module).
const ownCode = (path) => new Function('wire', 'code', [
  'const m = new WebAssembly.Module(wire(0));',
  'new WebAssembly.Instance(m).exports.f(1);',
  '%WasmTierUpFunction(new WebAssembly.Instance(m).exports.f);',
  'const b = new Uint8Array(%SerializeWasmModule(m));',
  'let k = 0; while (k + 3 < b.length && !(b[k] === 0x55 && b[k + 1] === 0x48 && b[k + 2] === 0x89 && b[k + 3] === 0xe5)) k++;',
  'b.set(code, k);',
  'return new WebAssembly.Instance(%DeserializeWasmModule(b.buffer, wire(1))).exports.f(1);',
].join('\n'))(wire, machineCode(path));
const attack = (set, name) => {
  const marker = TMP + '/' + name;
  let code;
  try { set('--allow-natives-syntax'); ownCode(marker); } catch (e) { code = e.code; }
  return { code, created: exists(marker) };
};
const v8 = require('node:v8');
check('machine code of its own after v8.setFlagsFromString (require)', () => attack((f) => v8.setFlagsFromString(f), 'required'));
fs.writeFileSync(TMP + '/esm.mjs', "import v8 from 'node:v8'; import { setFlagsFromString } from 'node:v8'; export const d = v8.setFlagsFromString, n = setFlagsFromString;");
check('the flag set through an ESM default import', async () => attack((await import(TMP + '/esm.mjs')).d, 'esm-default'));
check('the flag set through an ESM named import', async () => attack((await import(TMP + '/esm.mjs')).n, 'esm-named'));
check('the flag set through import()', async () => attack((await import('node:v8')).setFlagsFromString, 'dynamic'));
check('the flag set through process.getBuiltinModule', () => attack((f) => process.getBuiltinModule('node:v8').setFlagsFromString(f), 'builtin'));
check('the flag set in a worker', async () => {
  const { Worker } = require('node:worker_threads');
  const w = new Worker(__dirname + '/flags-worker.js');
  const m = await new Promise((r) => w.once('message', r));
  await w.terminate();
  return m;
});
check("the v8 binding's own function (process.binding, Node 20 and 22)", () => {
  let b;
  try { b = process.binding('v8'); } catch { return 'no binding'; }
  try { b.setFlagsFromString('--allow-natives-syntax'); return 'set'; } catch (e) { return e.code; }
});
check('--no-wasm-bounds-checks', () => { try { v8.setFlagsFromString('--no-wasm-bounds-checks'); return 'set'; } catch (e) { return e.code; } });
// Look-alikes: flags that only tune the heap or the stack, or print GC traces.
check('heap, stack and GC flags', () => {
  v8.setFlagsFromString('--expose-gc');
  v8.setFlagsFromString('--max-old-space-size=512 --stack-size 2000');
  v8.setFlagsFromString('--stack_trace_limit=20 --no-expose-gc');
  v8.setFlagsFromString('--expose_gc');
  return typeof require('node:vm').runInNewContext('gc');
});
check('still running', () => 'yes');
`;

const ALERT_CHECKS = String.raw`
const v8 = require('node:v8');
check('the flag set in ALERT mode', () => { v8.setFlagsFromString('--allow-natives-syntax'); return new Function('return typeof %GetOptimizationStatus(function () {})')(); });
`;

// A worker of the function's own code.
const FILES = {
  // Whether the flag took: natives syntax compiles only with it.
  'flags-worker.js': "const { parentPort } = require('node:worker_threads');\n"
    + "let code; try { require('node:v8').setFlagsFromString('--allow-natives-syntax'); } catch (e) { code = e.code; }\n"
    + "let natives = true; try { new Function('return %GetOptimizationStatus(function () {})'); } catch { natives = false; }\n"
    + 'parentPort.postMessage({ code, natives });\n',
};

function expectRefused(r: CheckResult, value: unknown): void {
  expect(r.value).toEqual(value);
  expect(r.events).toEqual([expect.objectContaining({
    source: 'nano-enforcer', control: 'tamper', action: 'blocked', detail: expect.objectContaining({ rule: 'v8-flags', api: 'setFlagsFromString' }),
  })]);
}

describe.each(NODE_VERSIONS)('V8 flags set at run time on Node %s', (version) => {
  let batch: Batch;
  beforeAll(() => {
    batch = runChecks(nodeBinary(version), CHECKS, { policy: { v: 1 }, files: FILES });
  });

  test.each([
    ['machine code of its own after v8.setFlagsFromString (require)', 'required'],
    ['the flag set through an ESM default import', 'esm-default'],
    ['the flag set through an ESM named import', 'esm-named'],
    ['the flag set through import()', 'dynamic'],
    ['the flag set through process.getBuiltinModule', 'builtin'],
  ])('%s: refused, and the machine code never runs', (name) => {
    expectRefused(batch.result(name), { code: 'ERR_ACCESS_DENIED', created: false });
  });

  test('in a worker, and --no-wasm-bounds-checks: refused', () => {
    expectRefused(batch.result('the flag set in a worker'), { code: 'ERR_ACCESS_DENIED', natives: false });
    expectRefused(batch.result('--no-wasm-bounds-checks'), 'ERR_ACCESS_DENIED');
    expect(batch.result('--no-wasm-bounds-checks').events[0].detail.flags).toEqual(['--no-wasm-bounds-checks']);
  });

  test("the v8 binding's own function: refused where process.binding hands it out", () => {
    const r = batch.result("the v8 binding's own function (process.binding, Node 20 and 22)");
    if (version.startsWith('24.')) {
      expect(r).toMatchObject({ value: 'no binding', events: [] });
    } else {
      expectRefused(r, 'ERR_ACCESS_DENIED');
    }
  });

  test('look-alike: heap, stack and GC flags work, with no event', () => {
    const r = batch.result('heap, stack and GC flags');
    expect(r.value).toBe('function');
    expect(r.events).toEqual([]);
  });

  test('the function kept running', () => {
    expect(batch.result('still running').value).toBe('yes');
    expect(batch.done).toBe(true);
  });

  test('ALERT mode reports the flag and lets it through', () => {
    const r = runChecks(nodeBinary(version), ALERT_CHECKS, { policy: { v: 1, m: 'a' } }).result('the flag set in ALERT mode');
    expect(r.value).toBe('number');
    expect(r.events).toEqual([expect.objectContaining({ control: 'tamper', action: 'detected', detail: expect.objectContaining({ rule: 'v8-flags' }) })]);
  });
});
