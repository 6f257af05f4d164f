// What legitimate functions do must keep working with no event at all, on
// real Node 20, 22 and 24 under the default policy (BLOCK, /tmp protected).
import { Batch, runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, nodeBinary } from '../../support/node-binaries';

const CHILD = String.raw`
// A forked helper in the function's code: it works, and is protected itself.
const fs = require('fs');
let refused = null;
try { fs.writeFileSync(process.argv[2] + '/from-child', Buffer.from([0x7f, 0x45, 0x4c, 0x46])); } catch (e) { refused = e.code; }
process.send({ pong: true, refused }, () => process.exit(0));
`;

const WORKER = String.raw`
const { parentPort, workerData } = require('worker_threads');
parentPort.postMessage(workerData * 2);
`;

const CHECKS = String.raw`
const cp = require('node:child_process');
const util = require('node:util');
const path = require('node:path');
const collect = (child) => new Promise((resolve, reject) => {
  let out = '';
  child.stdout.on('data', (d) => { out += d; });
  child.on('error', reject);
  child.on('close', (code) => resolve({ code, out: out.trim() }));
});

check('execa-style spawn', () => collect(cp.spawn('echo', ['execa'], {
  // What execa passes: env extended with node_modules/.bin on PATH, windowsHide, encoding left to streams.
  env: { ...process.env, PATH: [path.join(__dirname, 'node_modules', '.bin'), process.env.PATH].join(path.delimiter) },
  cwd: __dirname, windowsHide: true, stdio: ['ignore', 'pipe', 'pipe'],
})));
check('cross-spawn-style spawn', () => collect(cp.spawn('ls', ['-d', '/'], { stdio: ['ignore', 'pipe', 'inherit'] })));
check('exec with shell /bin/bash', () => new Promise((r, j) => cp.exec('ls -d /', { shell: '/bin/bash' }, (e, out) => (e ? j(e) : r(out.trim())))));
check('a shell pipeline of allowed commands', () => cp.execSync("printf 'b\\na\\nc\\n' | sort | head -n 2 | tr '\\n' ' '", { encoding: 'utf8' }).trim());
check('promisified exec', async () => (await util.promisify(cp.exec)('echo promised')).stdout.trim());
check('execFileSync of node running a script of the function', () => cp.execFileSync(process.execPath, [__dirname + '/print.js'], { encoding: 'utf8' }));
check('fork of a script in the function code, with env {}', () => new Promise((resolve, reject) => {
  const child = cp.fork(__dirname + '/child.js', [TMP], { env: {} });
  child.on('message', resolve);
  child.on('error', reject);
}));
check('worker started from a file in the function code', () => new Promise((resolve, reject) => {
  const { Worker } = require('node:worker_threads');
  new Worker(__dirname + '/worker.js', { workerData: 21 }).on('message', resolve).on('error', reject);
}));
`;

describe.each(NODE_VERSIONS)('legitimate look-alikes on Node %s', (version) => {
  let batch: Batch;
  beforeAll(() => {
    batch = runChecks(nodeBinary(version), CHECKS, { policy: { v: 1 }, files: { 'child.js': CHILD, 'worker.js': WORKER, 'print.js': 'process.stdout.write("node ok");' } });
  });

  test.each([
    ['execa-style spawn', { code: 0, out: 'execa' }],
    ['cross-spawn-style spawn', { code: 0, out: '/' }],
    ['exec with shell /bin/bash', '/'],
    ['a shell pipeline of allowed commands', 'a b'],
    ['promisified exec', 'promised'],
    ['execFileSync of node running a script of the function', 'node ok'],
    ['worker started from a file in the function code', 42],
  ])('%s works and logs nothing', (name, expected) => {
    expect(batch.result(name)).toEqual({ value: expected, events: [] });
  });

  test('fork of a script in the function code works, and the child is still protected', () => {
    const r = batch.result('fork of a script in the function code, with env {}');
    expect(r.value).toEqual({ pong: true, refused: 'EACCES' });
    // The only event is the child's own refusal, not the fork.
    expect(r.events).toEqual([expect.objectContaining({ control: 'tmp', action: 'blocked' })]);
  });

  test('nothing was logged at init', () => {
    expect(batch.initEvents).toEqual([]);
    expect(batch.done).toBe(true);
  });
});
