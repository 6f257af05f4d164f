// Bundles the enforcer into assets/layer/nano-enforcer/, the layer's content
// (mounted at /opt/nano-enforcer on Lambda).
import { build } from 'esbuild';
import { mkdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const outdir = join(root, 'assets', 'layer', 'nano-enforcer');

rmSync(outdir, { recursive: true, force: true });
mkdirSync(outdir, { recursive: true });

await build({
  entryPoints: [join(root, 'lambda-layer', 'src', 'preload.ts')],
  outdir,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  // nodejs20.x is the oldest runtime we support.
  target: 'node20',
  minify: true,
  legalComments: 'none',
  logLevel: 'warning',
});
