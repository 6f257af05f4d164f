import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

// The real aws-cdk CLI synthesizes examples/basic, as a user would.
const exampleDir = path.join(__dirname, '..', 'examples', 'basic');
const cdkBin = path.join(__dirname, '..', 'node_modules', '.bin', 'cdk');

describe('examples/basic synthesized by the cdk CLI', () => {
  let outdir: string;
  let resources: Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, string> }>;
  let output: string;

  beforeAll(() => {
    outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'nano-enforcer-example-'));
    const synth = spawnSync(cdkBin, ['synth', '--quiet', '--output', outdir], { cwd: exampleDir, encoding: 'utf8' });
    output = `${synth.stdout}${synth.stderr}`;
    if (synth.status !== 0) throw new Error(`cdk synth failed: ${output}`);
    const template = JSON.parse(fs.readFileSync(path.join(outdir, 'NanoEnforcerBasicExample.template.json'), 'utf8'));
    resources = template.Resources;
  }, 180_000);

  afterAll(() => fs.rmSync(outdir, { recursive: true, force: true }));

  function fnByPath(constructPath: string) {
    const entry = Object.values(resources).find(r => r.Type === 'AWS::Lambda::Function' && r.Metadata?.['aws:cdk:path'] === `NanoEnforcerBasicExample/${constructPath}/Resource`);
    if (!entry) throw new Error(`no function at ${constructPath}`);
    return entry.Properties;
  }

  test('gives every protected Node.js function the layer and the merged NODE_OPTIONS', () => {
    const layers = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::LayerVersion');
    expect(layers).toHaveLength(1);
    const [layerId] = layers[0];

    const orders = fnByPath('Orders');
    expect(orders.Layers).toEqual([{ Ref: layerId }]);
    expect(orders.Environment.Variables.NODE_OPTIONS).toBe('--require /opt/nano-enforcer/preload.js --enable-source-maps');
    expect(orders.Environment.Variables.NANO_ENFORCER_POLICY).toBe('{"v":1}');

    const thumbnail = fnByPath('Thumbnail');
    expect(thumbnail.Layers).toEqual([{ Ref: layerId }]);
    expect(thumbnail.Architectures).toEqual(['arm64']);
    expect(thumbnail.Environment.Variables.NODE_OPTIONS).toBe('--require /opt/nano-enforcer/preload.js');
  });

  test('leaves the excluded and the Python functions untouched', () => {
    for (const name of ['LegacyReport', 'PythonJob']) {
      const props = fnByPath(name);
      expect(props.Layers).toBeUndefined();
      expect(props.Environment).toBeUndefined();
    }
  });

  test('ships the built enforcer as the layer asset', () => {
    const layer = Object.values(resources).find(r => r.Type === 'AWS::Lambda::LayerVersion')!;
    const assetPath = layer.Metadata?.['aws:asset:path'];
    expect(assetPath).toBeDefined();
    const preload = path.join(outdir, assetPath!, 'nano-enforcer', 'preload.js');
    expect(fs.statSync(preload).size).toBeGreaterThan(0);
  });

  test('reports the exclusion with its reason, and no warning', () => {
    expect(output).toContain('excluded: runs a vendored PDF renderer');
    expect(output).not.toMatch(/warning/i);
    const manifest = JSON.parse(fs.readFileSync(path.join(outdir, 'manifest.json'), 'utf8'));
    const metadata = manifest.artifacts.NanoEnforcerBasicExample.metadata['/NanoEnforcerBasicExample/LegacyReport'];
    expect(metadata.map((m: { data: string }) => m.data)).toContain('cdk-nano-enforcer: not protected, excluded: runs a vendored PDF renderer unpacked into /tmp; review by 2027-01');
  });
});
