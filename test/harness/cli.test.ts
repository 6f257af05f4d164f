// The invoke command's errors, against small hand-written cloud assemblies
// (no synth needed): each names the problem and the fix.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { main } from '../../src/harness/cli';

let dir: string;
beforeEach(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'nano-enforcer-cli-'));
});
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(argv, { out: (t) => (out += t), err: (t) => (err += t) });
  return { code, out, err };
}

/** A cloud assembly with one stack holding these resources. */
function assembly(resources: Record<string, any>, assets: string[] = []): string {
  const out = path.join(dir, 'cdk.out');
  fs.mkdirSync(out, { recursive: true });
  fs.writeFileSync(path.join(out, 'manifest.json'), JSON.stringify({
    version: '38.0.1',
    artifacts: { App: { type: 'aws:cloudformation:stack', environment: 'aws://unknown-account/unknown-region', properties: { templateFile: 'App.template.json' } } },
  }));
  fs.writeFileSync(path.join(out, 'App.template.json'), JSON.stringify({ Resources: resources }));
  for (const a of assets) fs.mkdirSync(path.join(out, a), { recursive: true });
  return out;
}

function fn(id: string, props: Record<string, any>, asset = 'asset.code') {
  return { [id]: { Type: 'AWS::Lambda::Function', Properties: { Handler: 'index.handler', ...props }, Metadata: { 'aws:cdk:path': `App/${id}/Resource`, 'aws:asset:path': asset } } };
}

test('says to run cdk synth when there is no cloud assembly', async () => {
  const r = await run('invoke', '--app', path.join(dir, 'cdk.out'), '--function', 'Orders');
  expect(r.code).toBe(1);
  expect(r.err).toContain('no cloud assembly at');
  expect(r.err).toContain("Run 'cdk synth' first");
});

test('lists the candidates when no function matches', async () => {
  const app = assembly({ ...fn('Orders', { Runtime: 'nodejs22.x' }), ...fn('Report', { Runtime: 'python3.12' }) }, ['asset.code']);
  const r = await run('invoke', '--app', app, '--function', 'Ordrs');
  expect(r.code).toBe(1);
  expect(r.err).toContain("no Lambda function 'Ordrs'");
  expect(r.err).toContain('App/Orders  (Orders, nodejs22.x)');
  expect(r.err).toContain('App/Report  (Report, python3.12)');
});

test('refuses a function that is not on a Node.js runtime', async () => {
  const app = assembly(fn('Report', { Runtime: 'python3.12' }), ['asset.code']);
  const r = await run('invoke', '--app', app, '--function', 'App/Report');
  expect(r.code).toBe(1);
  expect(r.err).toContain('App/Report is not a Node.js function (runtime: python3.12)');
});

test('refuses a container image function', async () => {
  const app = assembly({ Img: { Type: 'AWS::Lambda::Function', Properties: { PackageType: 'Image', Code: { ImageUri: 'x' } } } });
  const r = await run('invoke', '--app', app, '--function', 'Img');
  expect(r.code).toBe(1);
  expect(r.err).toContain('App/Img is a container image function');
});

test('says cdk.out is stale when the code asset is missing', async () => {
  const app = assembly(fn('Orders', { Runtime: 'nodejs22.x' }, 'asset.gone'));
  const r = await run('invoke', '--app', app, '--function', 'Orders');
  expect(r.code).toBe(1);
  expect(r.err).toContain('the asset of App/Orders (asset.gone) is missing');
  expect(r.err).toContain("Run 'cdk synth' again");
});

test('says which Node.js versions it can run for an older runtime', async () => {
  const app = assembly(fn('Old', { Runtime: 'nodejs20.x' }), ['asset.code']);
  const r = await run('invoke', '--app', app, '--function', 'Old');
  expect(r.code).toBe(1);
  expect(r.err).toContain('runs on nodejs20.x; the runtime client here needs Node.js 22 or 24');
});

test('rejects a --node other than 22 or 24', async () => {
  const app = assembly(fn('Orders', { Runtime: 'nodejs22.x' }), ['asset.code']);
  const r = await run('invoke', '--app', app, '--function', 'Orders', '--node', '20');
  expect(r.code).toBe(1);
  expect(r.err).toContain('--node must be 22 or 24');
});

test('asks for --function and lists the functions when it is missing', async () => {
  const app = assembly(fn('Orders', { Runtime: 'nodejs22.x' }), ['asset.code']);
  const r = await run('invoke', '--app', app);
  expect(r.code).toBe(1);
  expect(r.err).toContain('--function is required');
  expect(r.err).toContain('App/Orders  (Orders, nodejs22.x)');
});

test('reports an event file that is not JSON', async () => {
  const app = assembly(fn('Orders', { Runtime: 'nodejs22.x' }), ['asset.code']);
  fs.writeFileSync(path.join(dir, 'event.json'), '{nope');
  const r = await run('invoke', '--app', app, '--function', 'Orders', '--event', path.join(dir, 'event.json'));
  expect(r.code).toBe(1);
  expect(r.err).toContain('is not JSON');
});

test('prints usage for an unknown option', async () => {
  const r = await run('invoke', '--bogus');
  expect(r.code).toBe(1);
  expect(r.err).toContain('Usage:');
});

test('notes a stale cdk.out when the app changed after the synth', async () => {
  const app = assembly(fn('Orders', { Runtime: 'nodejs22.x' }), ['asset.code']);
  fs.writeFileSync(path.join(app, 'asset.code', 'index.js'), 'exports.handler = async () => "ok";');
  fs.writeFileSync(path.join(dir, 'cdk.json'), '{}');
  const later = new Date(Date.now() + 60_000);
  fs.writeFileSync(path.join(dir, 'app.ts'), '// changed');
  fs.utimesSync(path.join(dir, 'app.ts'), later, later);
  const r = await run('invoke', '--app', app, '--function', 'Orders');
  expect(r.err).toContain('may be stale');
  expect(r.err).toContain('app.ts changed after the last synth');
  expect(r.out).toContain('response: "ok"');
  expect(r.code).toBe(0);
});

test('lists the functions of an assembly with their logical ids and runtimes', async () => {
  const app = assembly({ ...fn('Orders', { Runtime: 'nodejs22.x' }), ...fn('Report', { Runtime: 'python3.12' }) }, ['asset.code']);
  const r = await run('list', '--app', app);
  expect(r.code).toBe(0);
  expect(r.out).toBe('App/Orders  (Orders, nodejs22.x)\nApp/Report  (Report, python3.12)\n');
});

test('resolves pseudo parameters and joins in the environment, and marks what only deploy time knows', async () => {
  const app = assembly(fn('Orders', {
    Runtime: 'nodejs22.x',
    Environment: {
      Variables: {
        TABLE_ARN: { 'Fn::GetAtt': ['Table', 'Arn'] },
        WHERE: { 'Fn::Join': ['-', [{ Ref: 'AWS::Region' }, { Ref: 'AWS::AccountId' }]] },
      },
    },
  }), ['asset.code']);
  fs.writeFileSync(path.join(app, 'asset.code', 'index.js'), 'exports.handler = async () => ({ arn: process.env.TABLE_ARN, where: process.env.WHERE });');
  const r = await run('invoke', '--app', app, '--function', 'Orders', '--json');
  expect(r.code).toBe(0);
  expect(JSON.parse(r.out).response).toEqual({ arn: '<unresolved Fn::GetAtt Table.Arn>', where: `${process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1'}-123456789012` });
  expect(r.err).toContain('only known at deploy time, given placeholders: TABLE_ARN');
});
