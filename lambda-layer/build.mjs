// Bundles the enforcer into assets/layer/nano-enforcer/, the layer's content
// (mounted at /opt/nano-enforcer on Lambda).
import { build, transform } from 'esbuild';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = join(root, 'assets', 'layer', 'nano-enforcer');

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

// Three bundles: the preload (thin wrappers only, loaded at start; every byte
// of it is cold start), the engine (what the wrappers do once they have
// something to decide) and the decision; the preload reads the engine, and
// the engine the decision, lazily by a path computed at run time, so esbuild
// never inlines them.
await build({
  entryPoints: {
    preload: join(root, 'lambda-layer', 'src', 'preload.ts'),
    engine: join(root, 'lambda-layer', 'src', 'engine.ts'),
    decision: join(root, 'lambda-layer', 'src', 'decision', 'index.ts'),
    // Loaded by the engine at start only when the policy names decoys.
    honeypots: join(root, 'lambda-layer', 'src', 'honeypots', 'index.ts'),
  },
  outdir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // nodejs20.x is the oldest runtime we support.
  target: 'node20',
  // Not minifyWhitespace: Node prints the source line of an uncaught error
  // thrown from a hook, and one 17 KB line would flood the log.
  minifyIdentifiers: true,
  minifySyntax: true,
  legalComments: 'none',
  logLevel: 'warning',
});

// Every bundle without indentation and esbuild's path comments: V8 scans
// every byte of the preload at cold start and of the others when they first
// load, and keeps each source string in the heap (lazy compilation and
// Function.prototype.toString need it). Lines stay as they are, so the
// source line Node prints for an error thrown from a hook stays short.
// Checked: the code must minify to the same as before.
const minified = async (code) => (await transform(code, { minify: true, loader: 'js' })).code;
for (const name of ['preload', 'engine', 'decision', 'honeypots']) {
  const file = join(outdir, `${name}.js`);
  const indented = readFileSync(file, 'utf8');
  const flat = indented.replace(/^[ \t]+/gm, '').replace(/^\/\/ .*\n/gm, '');
  if (await minified(flat) !== await minified(indented)) throw new Error(`${name}.js: removing indentation changed the code`);
  writeFileSync(file, flat);
}

// The decoy files (honeypots), at plausible paths in the layer's root (/opt).
const files = await build({
  entryPoints: [join(root, 'lambda-layer', 'src', 'honeypots', 'files.ts')],
  bundle: true, platform: 'node', format: 'esm', write: false, logLevel: 'warning',
});
const { DECOY_FILES } = await import(`data:text/javascript;base64,${Buffer.from(files.outputFiles[0].text).toString('base64')}`);
for (const f of DECOY_FILES) {
  const target = join(root, 'assets', 'layer', f.path);
  mkdirSync(dirname(target), { recursive: true });
  writeFileSync(target, f.content, { mode: 0o644 });
}
