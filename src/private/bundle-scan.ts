import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { AssetStaging } from 'aws-cdk-lib';
import * as s3_assets from 'aws-cdk-lib/aws-s3-assets';
import { IConstruct } from 'constructs';

/** Where Lambda puts the function's code, for matching absolute globs. */
const TASK_ROOT = '/var/task';
/** Bundles larger than this are not walked whole; the rest is said in the finding. */
const MAX_FILES = 20_000;

export interface BlockedFileFinding {
  /** The file's path inside the bundle. */
  readonly file: string;
  /** The blockedExecutables entry it matches. */
  readonly entry: string;
}

/**
 * The executables in a function's code asset that its deny list forbids: by
 * name, by absolute glob under /var/task, or by sha256. Only files that look
 * executable count (an x bit, an ELF header or a `#!` line), so a data file
 * that happens to be called `nc` is not a finding. Results are cached per
 * staged directory, which functions built from the same asset share.
 */
export class BundleScanner {
  private readonly cache = new Map<string, BlockedFileFinding[]>();

  public scan(fn: IConstruct, blocked: readonly string[]): BlockedFileFinding[] {
    const dir = stagedDirectory(fn);
    if (!dir || blocked.length === 0) return [];
    const key = `${dir}\0${blocked.join('\0')}`;
    let findings = this.cache.get(key);
    if (!findings) {
      findings = scanDirectory(dir, blocked);
      this.cache.set(key, findings);
    }
    return findings;
  }
}

function stagedDirectory(fn: IConstruct): string | undefined {
  const asset = fn.node.tryFindChild('Code');
  if (!(asset instanceof s3_assets.Asset)) return undefined;
  const staging = asset.node.tryFindChild('Stage');
  const dir = staging instanceof AssetStaging ? staging.absoluteStagedPath : undefined;
  // A .zip asset is a file, and is not opened.
  return dir && fs.existsSync(dir) && fs.statSync(dir).isDirectory() ? dir : undefined;
}

function scanDirectory(root: string, blocked: readonly string[]): BlockedFileFinding[] {
  const names = new Set(blocked.filter(e => !e.startsWith('/') && !e.startsWith('sha256:')));
  const globs = blocked.filter(e => e.startsWith(`${TASK_ROOT}/`)).map(e => ({ entry: e, re: globToRegExp(e) }));
  const hashes = new Map(blocked.filter(e => e.startsWith('sha256:')).map(e => [e.slice('sha256:'.length), e]));
  const findings: BlockedFileFinding[] = [];

  let seen = 0;
  const stack = [''];
  while (stack.length > 0 && seen < MAX_FILES) {
    const rel = stack.pop()!;
    for (const dirent of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      const relPath = rel ? `${rel}/${dirent.name}` : dirent.name;
      if (dirent.isDirectory()) {
        stack.push(relPath);
        continue;
      }
      if (!dirent.isFile()) continue;
      seen++;
      const full = path.join(root, relPath);
      const byName = names.has(dirent.name) ? dirent.name : undefined;
      const byGlob = globs.find(g => g.re.test(`${TASK_ROOT}/${relPath}`))?.entry;
      if (!byName && !byGlob && hashes.size === 0) continue;
      if (!looksExecutable(full)) continue;
      const entry = byName ?? byGlob ?? hashes.get(sha256(full));
      if (entry) findings.push({ file: relPath, entry });
    }
  }
  return findings;
}

function looksExecutable(file: string): boolean {
  // eslint-disable-next-line no-bitwise
  if ((fs.statSync(file).mode & 0o111) !== 0) return true;
  const head = Buffer.alloc(4);
  const fd = fs.openSync(file, 'r');
  try {
    const n = fs.readSync(fd, head, 0, 4, 0);
    return (n === 4 && head.readUInt32BE(0) === 0x7f454c46) || (n >= 2 && head[0] === 0x23 && head[1] === 0x21);
  } finally {
    fs.closeSync(fd);
  }
}

function sha256(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

// `**` crosses directories, `*` and `?` do not.
function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') {
      re += '[^/]*';
    } else if (c === '?') {
      re += '[^/]';
    } else {
      re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${re}$`);
}
