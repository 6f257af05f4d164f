// Several layers merge at /opt the way Lambda extracts them: later layers
// over earlier ones; init errors. A hand-written cloud assembly, run by the real runtime client.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { LocalLambda, detectIsolation, runtimeClientDir } from '../../src/harness';

let dir: string;

beforeAll(() => {
  runtimeClientDir();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nano-enforcer-layers-'));
  const write = (file: string, text: string) => {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), text);
  };
  write('asset.code/index.js', `const fs = require('fs');
const opt = (f) => { try { return fs.readFileSync('/opt/' + f, 'utf8'); } catch (e) { return e.code; } };
exports.handler = async () => ({ a: opt('a.txt'), b: opt('b.txt'), lib: require('shared') });`);
  write('asset.first/a.txt', 'first');
  write('asset.first/b.txt', 'first');
  write('asset.second/a.txt', 'second');
  // NODE_PATH includes /opt/nodejs/node_modules, as on Lambda.
  write('asset.first/nodejs/node_modules/shared/index.js', 'module.exports = "first";');
  write('asset.second/nodejs/node_modules/shared/index.js', 'module.exports = "second";');
  const layer = (asset: string) => ({ Type: 'AWS::Lambda::LayerVersion', Properties: { Content: {} }, Metadata: { 'aws:asset:path': asset } });
  write('App.template.json', JSON.stringify({
    Resources: {
      First: layer('asset.first'),
      Second: layer('asset.second'),
      Fn: {
        Type: 'AWS::Lambda::Function',
        Properties: { Runtime: 'nodejs22.x', Handler: 'index.handler', Layers: [{ Ref: 'First' }, { Ref: 'Second' }] },
        Metadata: { 'aws:cdk:path': 'App/Fn/Resource', 'aws:asset:path': 'asset.code' },
      },
      Broken: {
        Type: 'AWS::Lambda::Function',
        Properties: { Runtime: 'nodejs22.x', Handler: 'missing.handler' },
        Metadata: { 'aws:cdk:path': 'App/Broken/Resource', 'aws:asset:path': 'asset.code' },
      },
    },
  }));
  write('manifest.json', JSON.stringify({ version: '38.0.1', artifacts: { App: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: 'App.template.json' } } } }));
}, 900_000);

afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const isolations = detectIsolation().isolation === 'namespace' ? ['namespace', 'mapped'] as const : ['mapped'] as const;

test.each(isolations)('puts later layers over earlier ones at /opt (%s)', async (isolation) => {
  const fn = await LocalLambda.fromAssembly({ assemblyDir: dir, functionId: 'Fn', isolation });
  try {
    const r = await fn.invoke({});
    if (isolation === 'mapped') {
      // No real /opt without mounts: literal /opt paths miss, NODE_PATH points at the merged copy.
      expect(r.response).toMatchObject({ a: 'ENOENT', b: 'ENOENT', lib: 'second' });
    } else {
      expect(r.response).toEqual({ a: 'second', b: 'first', lib: 'second' });
    }
  } finally {
    await fn.stop();
  }
});

test('reports an init error (a handler module that does not exist) as the invocation\'s error, and starts cold again', async () => {
  const fn = await LocalLambda.fromAssembly({ assemblyDir: dir, functionId: 'Broken' });
  try {
    const first = await fn.invoke({});
    const second = await fn.invoke({});
    expect(first.error?.errorType).toBe('Runtime.ImportModuleError');
    expect(first.error?.errorMessage).toContain('missing');
    expect(second.cold).toBe(true);
  } finally {
    await fn.stop();
  }
});
