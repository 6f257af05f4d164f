#!/usr/bin/env node
// Compares what a Python or Java app synthesized (its cdk.out) with what the
// TypeScript twin synthesized, for the polyglot example's construct ids.
// Called by scripts/prove-jsii-targets.sh:
//   node scripts/check-jsii-synth.mjs <typescript cdk.out> <other cdk.out> <language> <built layer dir>
// Prints one line per check and exits 1 if any failed.
import { isDeepStrictEqual } from 'node:util';
import * as fs from 'node:fs';
import * as path from 'node:path';

const [referenceDir, actualDir, language, layerDir] = process.argv.slice(2);
if (!referenceDir || !actualDir || !language || !layerDir) {
  console.error('usage: check-jsii-synth.mjs <typescript cdk.out> <other cdk.out> <language> <built layer dir>');
  process.exit(2);
}

const STACK = 'NanoEnforcerPolyglotExample';
const PRELOAD = '--require /opt/nano-enforcer/preload.js';
const PROTECTED = ['Orders', 'Thumbnail'];
const UNTOUCHED = ['LegacyReport', 'PythonJob'];
const EXCLUSION = 'cdk-nano-enforcer: not protected, excluded: runs a vendored PDF renderer unpacked into /tmp; review by 2027-01';

let failures = 0;
function check(what, ok, detail = '') {
  if (!ok) failures++;
  console.log(`  ${ok ? 'ok  ' : 'FAIL'} [${language}] ${what}${!ok && detail ? `\n         ${detail}` : ''}`);
}
const show = value => JSON.stringify(value);

function load(dir) {
  const template = JSON.parse(fs.readFileSync(path.join(dir, `${STACK}.template.json`), 'utf8'));
  const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
  const resources = Object.fromEntries(Object.entries(template.Resources).filter(([, r]) => r.Type !== 'AWS::CDK::Metadata'));
  const byPath = {};
  for (const [logicalId, r] of Object.entries(resources)) {
    const p = r.Metadata?.['aws:cdk:path'];
    if (p) byPath[p.replace(`${STACK}/`, '').replace(/\/Resource$/, '')] = { logicalId, ...r };
  }
  const layers = Object.entries(resources).filter(([, r]) => r.Type === 'AWS::Lambda::LayerVersion');
  return { dir, resources, manifest, byPath, layers };
}

const ref = load(referenceDir);
const act = load(actualDir);
const fn = (app, id) => app.byPath[id]?.Properties ?? {};

// The reference must carry the non-default policy, or comparing with it proves little.
const refPolicy = JSON.parse(fn(ref, 'Orders').Environment?.Variables?.NANO_ENFORCER_POLICY ?? '{}');
check('the TypeScript twin carries the ALERT policy with the allowlist and the sha256 deny entry',
  refPolicy.m === 'a' && isDeepStrictEqual(refPolicy.a, ['curl', '/var/task/bin/catdoc'])
  && Array.isArray(refPolicy.d) && refPolicy.d.includes('xmrig') && refPolicy.d.some(e => /^sha256:[0-9a-f]{64}$/.test(e)),
  `policy: ${show(refPolicy)}`);

check('same resources (logical ids and types) as the TypeScript twin',
  isDeepStrictEqual(Object.entries(act.resources).map(([k, r]) => `${k}:${r.Type}`).sort(), Object.entries(ref.resources).map(([k, r]) => `${k}:${r.Type}`).sort()),
  `${language}: ${Object.keys(act.resources).sort().join(', ')}; typescript: ${Object.keys(ref.resources).sort().join(', ')}`);

// The layer: one, with the same content hash as TypeScript's, and the built preload inside its asset.
check('exactly one NanoEnforcerLayer', act.layers.length === 1, `found ${act.layers.length}`);
const [layerId, layer] = act.layers[0] ?? [];
if (layer) {
  check('the layer asset has the same content hash as in TypeScript',
    isDeepStrictEqual(layer.Properties.Content, ref.layers[0]?.[1].Properties.Content),
    `${show(layer.Properties.Content)} vs ${show(ref.layers[0]?.[1].Properties.Content)}`);
  const assetPath = layer.Metadata?.['aws:asset:path'];
  const preload = assetPath ? path.join(actualDir, assetPath, 'nano-enforcer', 'preload.js') : undefined;
  const built = fs.readFileSync(path.join(layerDir, 'nano-enforcer', 'preload.js'));
  check('the synthesized layer asset contains nano-enforcer/preload.js, byte for byte the one built here',
    preload !== undefined && fs.existsSync(preload) && fs.readFileSync(preload).equals(built),
    `asset path ${assetPath}, looked for ${preload}`);
}

for (const id of PROTECTED) {
  const props = fn(act, id);
  const vars = props.Environment?.Variables ?? {};
  const nodeOptions = vars.NODE_OPTIONS ?? '';
  check(`${id} has the layer`, isDeepStrictEqual(props.Layers, [{ Ref: layerId }]), `Layers: ${show(props.Layers)}`);
  check(`${id} has '${PRELOAD}' first in NODE_OPTIONS, once`,
    nodeOptions.startsWith(`${PRELOAD}`) && nodeOptions.split(PRELOAD).length === 2, `NODE_OPTIONS: ${show(nodeOptions)}`);
  check(`${id}'s NANO_ENFORCER_POLICY equals the TypeScript twin's`,
    vars.NANO_ENFORCER_POLICY !== undefined && vars.NANO_ENFORCER_POLICY === fn(ref, id).Environment?.Variables?.NANO_ENFORCER_POLICY,
    `${language}: ${vars.NANO_ENFORCER_POLICY}\n         typescript: ${fn(ref, id).Environment?.Variables?.NANO_ENFORCER_POLICY}`);
}
const orders = fn(act, 'Orders').Environment?.Variables ?? {};
check('Orders keeps its own flags and variables',
  orders.NODE_OPTIONS === `${PRELOAD} --enable-source-maps` && orders.TABLE_NAME === 'orders', show(orders));

// The NodejsFunction was bundled by the local esbuild.
const ordersAsset = act.byPath.Orders?.Metadata?.['aws:asset:path'];
const bundle = ordersAsset ? path.join(actualDir, ordersAsset, 'index.js') : '';
check('Orders (NodejsFunction) was bundled by esbuild into its asset',
  bundle !== '' && fs.existsSync(bundle) && fs.readFileSync(bundle, 'utf8').includes('accepted'), `looked for ${bundle}`);

for (const id of UNTOUCHED) {
  const props = fn(act, id);
  check(`${id} is untouched (no layer, no environment)`,
    act.byPath[id] !== undefined && props.Layers === undefined && props.Environment === undefined, show({ Layers: props.Layers, Environment: props.Environment }));
}

// Everything but the bundled code's hash (it hashes the project folder) equals TypeScript's.
const mask = (r, id) => (id === 'Orders' ? { ...r.Properties, Code: '<bundled>' } : r.Properties);
const differing = Object.entries(ref.byPath)
  .filter(([id, r]) => !isDeepStrictEqual(mask(r, id), act.byPath[id] && mask(act.byPath[id], id)))
  .map(([id]) => id);
check('every resource\'s properties equal the TypeScript twin\'s', differing.length === 0, `differing: ${differing.join(', ')}`);

const metadata = act.manifest.artifacts?.[STACK]?.metadata?.[`/${STACK}/LegacyReport`] ?? [];
check('the exclusion is reported with its reason', metadata.some(m => m.data === EXCLUSION), show(metadata));

console.log(`  ${language}: ${failures === 0 ? 'all checks passed' : `${failures} check(s) failed`}`);
process.exit(failures === 0 ? 0 : 1);
