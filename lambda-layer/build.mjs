// Bundles the enforcer into assets/layer/nano-enforcer/, the layer's content
// (mounted at /opt/nano-enforcer on Lambda).
import { build } from 'esbuild';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
  // Every byte is cold start (V8 scans the preload's at start, ~150
  // instructions a byte, and the others' when they first load), so fully
  // minified; but in lines of at most ~200 characters: Node prints the
  // source line of an uncaught error thrown from a hook, and one 8 KB line
  // would flood the log.
  minify: true,
  lineLimit: 200,
  legalComments: 'none',
  logLevel: 'warning',
});

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
