// A shell line that downloads a program and runs it in one go, on real Node
// 20, 22 and 24: `curl -o X && chmod +x X && X`. X does not exist when the
// line is checked, but an earlier command of the line creates it. Without the
// enforcer the served script runs (sanity); with it the line is refused
// before anything runs: the server sees no request, nothing is downloaded,
// the script does not run, and one 'process' event is logged. The other lines
// that change what a later command runs (cd, PATH) are refused the same way.
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Batch, CheckResult, runChecks } from '../../support/enforced-node';
import { NODE_VERSIONS, nodeBinary } from '../../support/node-binaries';

// A bounded HTTP server in its own process (the checks run under spawnSync,
// which blocks this one): it serves a '#!/bin/sh' script that touches
// "$0.ran", logs every request to a file, stops after 50 requests or 5 minutes.
const SERVER = String.raw`
const http = require('node:http');
const fs = require('node:fs');
const log = process.argv[1];
let n = 0;
const s = http.createServer((req, res) => {
  fs.appendFileSync(log, req.method + ' ' + req.url + '\n');
  res.end('#!/bin/sh\ntouch "$0.ran"\n');
  if (++n >= 50) s.close();
});
s.listen(0, '127.0.0.1', () => process.stdout.write('PORT ' + s.address().port + '\n'));
setTimeout(() => process.exit(0), 300000);
`;

const CHECKS = String.raw`
const cp = require('node:child_process');
const run = (line) => { try { cp.execSync(line, { stdio: 'pipe' }); return { ok: true }; } catch (e) { return { code: e.code, status: e.status }; } };
const miner = TMP + '/miner';
check('download-and-run', () => run('curl -s ' + process.env.MINER_URL + ' -o ' + miner + ' && chmod +x ' + miner + ' && ' + miner));
check('downloaded', () => exists(miner));
check('ran', () => exists(miner + '.ran'));
check('missing /tmp path after another command', () => run('echo hi > /dev/null; ' + TMP + '/doesnotexist'));
check('cd into /tmp, then a relative command', () => run('cd ' + TMP + ' && ./miner'));
check('PATH prefix assignment', () => run('PATH=' + TMP + ':$PATH miner'));
check('export PATH', () => run('export PATH=' + TMP + ':$PATH; miner'));
check('PATH assigned by a for loop', () => run('for PATH in ' + TMP + '; do miner; done'));
// The shell sets $PWD to where it is: the PWD in its environment (here the function's directory) is not its value.
check('PATH from $PWD after a cd', () => {
  try { cp.execSync('cd ' + TMP + ' && PATH=$PWD:$PATH miner', { stdio: 'pipe', env: { ...process.env, PWD: __dirname } }); return { ok: true }; } catch (e) { return { code: e.code, status: e.status }; }
});
`;

const OTHER_LINES = ['missing /tmp path after another command', 'cd into /tmp, then a relative command', 'PATH prefix assignment', 'export PATH',
  'PATH assigned by a for loop', 'PATH from $PWD after a cd'];

let server: ChildProcess | undefined;
let logDir: string;
let url: string;
const requests = (): string[] => {
  try {
    return readFileSync(join(logDir, 'requests.log'), 'utf8').split('\n').filter(Boolean);
  } catch {
    return [];
  }
};

beforeAll(async () => {
  logDir = mkdtempSync(join(tmpdir(), 'ne-shell-lines-'));
  const env = { ...process.env };
  delete env.NODE_OPTIONS;
  const child = spawn(process.execPath, ['-e', SERVER, join(logDir, 'requests.log')], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  server = child;
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('the test server did not start')), 10_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /PORT (\d+)/.exec(out);
      if (m) { clearTimeout(timer); resolve(Number(m[1])); }
    });
    child.on('exit', () => reject(new Error('the test server exited')));
  });
  url = `http://127.0.0.1:${port}/miner`;
});

afterAll(() => {
  if (server && server.exitCode === null) server.kill();
  rmSync(logDir, { recursive: true, force: true });
});

function expectBlocked(r: CheckResult): void {
  expect(r.events).toEqual([expect.objectContaining({ source: 'nano-enforcer', version: 1, control: 'process', action: 'blocked' })]);
}

describe.each(NODE_VERSIONS)('shell lines that create what they run, on Node %s', (version) => {
  let plain: Batch;
  let plainRequests: string[];
  let enforced: Batch;
  let enforcedRequests: string[];
  beforeAll(() => {
    let before = requests().length;
    plain = runChecks(nodeBinary(version), CHECKS, { env: { NODE_OPTIONS: '', MINER_URL: url } });
    plainRequests = requests().slice(before);
    before = requests().length;
    enforced = runChecks(nodeBinary(version), CHECKS, { policy: { v: 1 }, env: { MINER_URL: url } });
    enforcedRequests = requests().slice(before);
  });

  test('without the enforcer the downloaded script runs (sanity)', () => {
    expect(plain.done).toBe(true);
    expect(plain.result('download-and-run').value).toEqual({ ok: true });
    expect(plain.result('downloaded').value).toBe(true);
    expect(plain.result('ran').value).toBe(true);
    expect(plainRequests).toEqual(['GET /miner']);
    expect(plain.result('download-and-run').events).toEqual([]);
  });

  test('with the enforcer (default policy) the line is refused before anything runs', () => {
    expect(enforced.done).toBe(true);
    const r = enforced.result('download-and-run');
    expect(r.value).toMatchObject({ code: 'EACCES' });
    expectBlocked(r);
    expect(r.events[0].detail).toMatchObject({ rule: 'writable-location', file: expect.stringMatching(/\/miner$/) });
    expect(enforced.result('downloaded').value).toBe(false);
    expect(enforced.result('ran').value).toBe(false);
    expect(enforcedRequests).toEqual([]);
  });

  test.each(OTHER_LINES)('with the enforcer: %s is refused with one event', (name) => {
    const r = enforced.result(name);
    expect(r.value).toMatchObject({ code: 'EACCES' });
    expectBlocked(r);
  });
});
