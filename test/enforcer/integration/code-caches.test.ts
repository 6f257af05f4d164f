// Code caches that code hands to V8. V8 checks a cache's length, version
// and flags, not its content, and trusts the bytecode in it: a cache whose
// constant was edited (LdaSmi 42 -> 43) runs for another source of the same
// length. Each check makes a cache of `42 + 0`, edits it, and hands it in
// with the source `42 * 1`: the result must be 42 (compiled from its
// source), and the cache reported rejected. The compile cache cannot be
// enabled at run time (its files are code caches in a writable directory).
// Real Node 20/22/24.
import { Batch, runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, nodeBinary } from '../../support/node-binaries';

const CHECKS = String.raw`
const vm = require('node:vm');
const edit = (data) => {
  const d = Buffer.from(data);
  let n = 0;
  for (let i = 0; i + 1 < d.length; i++) if (d[i] === 0x0d && d[i + 1] === 42) { d[i + 1] = 43; n++; }
  if (n === 0) throw new Error('no LdaSmi [42] in the cache');
  return d;
};
const SOURCE = '(function f() { return 42 + 0; })()';
const OTHER = '(function f() { return 42 * 1; })()';
const made = new vm.Script(SOURCE);
made.runInThisContext();
const cache = edit(made.createCachedData());
check('vm.Script given an edited cache', () => {
  const s = new vm.Script(OTHER, { cachedData: cache });
  return { result: s.runInThisContext(), rejected: s.cachedDataRejected };
});
// node:vm's own functions construct its Script class, not the exported one.
check('vm.createScript, runInThisContext and runInNewContext given an edited cache', () => {
  const s = vm.createScript(OTHER, { cachedData: cache });
  return [s.runInThisContext(), s.cachedDataRejected, vm.runInThisContext(OTHER, { cachedData: cache }), vm.runInNewContext(OTHER, {}, { cachedData: cache })];
});
check("the contextify binding's ContextifyScript given an edited cache", () => {
  const { ContextifyScript } = process.binding('contextify');
  const s = new ContextifyScript(OTHER, 'other.js', 0, 0, cache, false, undefined, Symbol('other'));
  return { result: s.runInContext(null, -1, true, false, false), rejected: s.cachedDataRejected };
});
const fnCache = edit(vm.compileFunction('return 42 + 0;', [], { produceCachedData: true }).cachedData);
check('vm.compileFunction given an edited cache', () => {
  const f = vm.compileFunction('return 42 * 1;', [], { cachedData: fnCache });
  return { result: f(), rejected: f.cachedDataRejected };
});
fs.writeFileSync(TMP + '/esm.mjs', "import { compileFunction } from 'node:vm'; export default (c) => { const f = compileFunction('return 42 * 1;', [], { cachedData: c }); return { result: f(), rejected: f.cachedDataRejected }; };");
check('an ESM import of compileFunction given an edited cache', async () => (await import(TMP + '/esm.mjs')).default(fnCache));
check('module.enableCompileCache', () => {
  const m = require('node:module');
  if (typeof m.enableCompileCache !== 'function') return 'absent';
  const r = m.enableCompileCache(TMP + '/compile-cache');
  return { status: r.status, dir: m.getCompileCacheDir(), created: exists(TMP + '/compile-cache') };
});
fs.writeFileSync(TMP + '/esm-module.mjs', "import { enableCompileCache } from 'node:module'; export default (d) => enableCompileCache && enableCompileCache(d).status;");
check('an ESM import of enableCompileCache', async () => (await import(TMP + '/esm-module.mjs')).default(TMP + '/compile-cache-esm'));
// Look-alikes: scripts without a cache, and making one.
check('vm.Script without a cache, and createCachedData', () => {
  const s = new vm.Script(OTHER, { filename: 'plain.js' });
  return { result: s.runInThisContext(), rejected: s.cachedDataRejected, made: s.createCachedData().length > 0 };
});
check('still running', () => 'yes');
`;

describe.each(NODE_VERSIONS)('code caches handed to V8 on Node %s', (version) => {
  let batch: Batch;
  beforeAll(() => {
    batch = runChecks(nodeBinary(version), CHECKS, { policy: { v: 1 } });
  });

  test.each([
    'vm.Script given an edited cache',
    "the contextify binding's ContextifyScript given an edited cache",
    'vm.compileFunction given an edited cache',
    'an ESM import of compileFunction given an edited cache',
  ])('%s: compiled from its source, the cache rejected', (name) => {
    expect(batch.result(name)).toMatchObject({ value: { result: 42, rejected: true }, events: [] });
  });

  test("node:vm's createScript, runInThisContext and runInNewContext compile from the source, the cache rejected", () => {
    expect(batch.result('vm.createScript, runInThisContext and runInNewContext given an edited cache')).toMatchObject({ value: [42, true, 42, 42], events: [] });
  });

  test('module.enableCompileCache fails, and no cache directory is made', () => {
    if (version.startsWith('20.')) {
      expect(batch.result('module.enableCompileCache').value).toBe('absent');
      return;
    }
    // module.constants.compileCacheStatus.FAILED
    expect(batch.result('module.enableCompileCache').value).toEqual({ status: 0, dir: undefined, created: false });
    expect(batch.result('an ESM import of enableCompileCache').value).toBe(0);
  });

  test('look-alike: a script without a cache runs, and can make one, with no event', () => {
    expect(batch.result('vm.Script without a cache, and createCachedData')).toMatchObject({ value: { result: 42, made: true }, events: [] });
    expect(batch.result('vm.Script without a cache, and createCachedData').value.rejected).toBeUndefined();
  });

  test('the function kept running', () => {
    expect(batch.result('still running').value).toBe('yes');
    expect(batch.done).toBe(true);
  });
});
