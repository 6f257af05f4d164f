// A cloud assembly older than the app's sources tests yesterday's app. When
// cdk.out sits in a CDK app directory (cdk.json next to it), finds a source
// file changed after the last synth. Bounded, so a huge tree costs little.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const SKIP = new Set(['node_modules', 'cdk.out', 'target', 'dist', '__pycache__']);
const MAX_ENTRIES = 5000;

/** A source file newer than the assembly's manifest, if there is one. */
export function newerSource(assemblyDir: string): string | undefined {
  const manifest = join(assemblyDir, 'manifest.json');
  const appDir = dirname(resolve(assemblyDir));
  if (!existsSync(manifest) || !existsSync(join(appDir, 'cdk.json'))) return undefined;
  const synthAt = statSync(manifest).mtimeMs;
  const outdir = resolve(assemblyDir);
  let budget = MAX_ENTRIES;
  const walk = (dir: string, depth: number): string | undefined => {
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      return undefined;
    }
    for (const e of entries) {
      if (--budget < 0) return undefined;
      if (e.name.startsWith('.') || SKIP.has(e.name)) continue;
      const p = join(dir, e.name);
      if (p === outdir) continue;
      if (e.isDirectory()) {
        if (depth < 6) {
          const found = walk(p, depth + 1);
          if (found) return found;
        }
      } else if (e.isFile() && /\.(ts|js|mjs|cjs|py|java|json|sh)$/.test(e.name) && statSync(p).mtimeMs > synthAt) {
        return p;
      }
    }
    return undefined;
  };
  return walk(appDir, 0);
}
