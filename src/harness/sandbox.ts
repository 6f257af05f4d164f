// How the runtime process is started so that the function sees what it sees
// on Lambda: the code at /var/task and the layers at /opt (read-only), the
// runtime client at /var/runtime, node at /var/lang/bin/node, a fresh /tmp,
// and Lambda's environment variables.
//
// As root on Linux: a private mount namespace (`unshare -m`) with the root
// remounted read-only, bind mounts, an overlay for several layers and a new
// tmpfs on /tmp per cold start. The
// empty mount points (/var/task, /var/runtime, /var/lang/bin/node) are created
// on the host once. Otherwise the paths are mapped: the process runs from the
// asset directories themselves, with LAMBDA_TASK_ROOT and friends pointing at
// them and a fresh TMPDIR; '/opt/' in NODE_OPTIONS is rewritten.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FunctionDescription, LayerAsset } from './assembly';

export type Isolation = 'namespace' | 'mapped';

export interface ProcessPlan {
  readonly command: string;
  readonly args: string[];
  readonly env: Record<string, string>;
  readonly cwd: string;
  /** Removes what the plan created (mapped /tmp and /opt copies). */
  cleanup(): void;
}

export interface PlanOptions {
  readonly fn: FunctionDescription;
  readonly enforcer: boolean;
  readonly nodeBinary: string;
  readonly runtimeClientDir: string;
  /** host:port of the Runtime API. */
  readonly runtimeApi: string;
  readonly isolation: Isolation;
  /** Set after the template's variables (tests use it to vary the policy). */
  readonly extraEnv?: Record<string, string>;
  /** Node flags after Lambda's, before the runtime client's entry point. */
  readonly nodeArgs?: readonly string[];
}

/** Fake, and recognisably so: they must never work against AWS. */
export const FAKE_CREDENTIALS = {
  AWS_ACCESS_KEY_ID: 'ASIANANOENFORCERFAKE',
  AWS_SECRET_ACCESS_KEY: 'fake/nano-enforcer/local/harness/not/a/real/key',
  AWS_SESSION_TOKEN: 'fake-session-token-cdk-nano-enforcer-local-harness',
};

const PRELOAD_FLAG = /(^|\s)--require(=|\s+)\/opt\/nano-enforcer\/preload\.js(?=\s|$)/g;

let detected: { isolation: Isolation; reason?: string } | undefined;

/** Whether mount namespaces are available here, and if not, why. */
export function detectIsolation(): { isolation: Isolation; reason?: string } {
  if (detected) return detected;
  if (process.platform !== 'linux') return (detected = { isolation: 'mapped', reason: `mount namespaces need Linux (this is ${process.platform})` });
  if (process.getuid?.() !== 0) return (detected = { isolation: 'mapped', reason: 'not root: the exact layout needs mount namespaces (unshare -m) and bind mounts' });
  try {
    execFileSync('unshare', ['-m', '--propagation', 'private', 'true'], { stdio: 'ignore' });
    return (detected = { isolation: 'namespace' });
  } catch (e: any) {
    const why = e.code === 'ENOENT' ? 'unshare (util-linux) is not installed' : 'unshare -m failed (a container without CAP_SYS_ADMIN?)';
    return (detected = { isolation: 'mapped', reason: why });
  }
}

/** The function's layers as the process gets them: without the enforcer's when it is off. */
export function effectiveLayers(fn: FunctionDescription, enforcer: boolean): LayerAsset[] {
  return fn.layers.filter((l) => enforcer || !l.isEnforcer);
}

/** The template's environment, without the preload flag and the policy when the enforcer is off. */
export function functionEnvironment(fn: FunctionDescription, enforcer: boolean): Record<string, string> {
  const env = { ...fn.environment };
  if (!enforcer) {
    delete env.NANO_ENFORCER_POLICY;
    if (env.NODE_OPTIONS !== undefined) {
      const rest = env.NODE_OPTIONS.replace(PRELOAD_FLAG, ' ').replace(/\s+/g, ' ').trim();
      if (rest) env.NODE_OPTIONS = rest;
      else delete env.NODE_OPTIONS;
    }
  }
  return env;
}

export function planProcess(o: PlanOptions): ProcessPlan {
  const fn = o.fn;
  const layers = effectiveLayers(fn, o.enforcer);
  const mapped = o.isolation === 'mapped';
  const scratch: string[] = [];
  const fresh = (prefix: string) => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    scratch.push(d);
    return d;
  };
  const paths = mapped
    ? { task: fn.codeDir, runtime: o.runtimeClientDir, opt: mappedOpt(layers, fresh), node: o.nodeBinary, tmp: fresh('nano-enforcer-tmp-') }
    : { task: '/var/task', runtime: '/var/runtime', opt: '/opt', node: '/var/lang/bin/node', tmp: '/tmp' };
  const nodeMajor = /nodejs(\d+)/.exec(fn.runtime)?.[1] ?? '22';

  const env: Record<string, string> = {
    // Lambda's defaults that a function may override.
    PATH: `${mapped ? join(o.nodeBinary, '..') : '/var/lang/bin'}:/usr/local/bin:/usr/bin/:/bin:${paths.opt}/bin`,
    LD_LIBRARY_PATH: ['/var/lang/lib', '/lib64', '/usr/lib64', paths.runtime, `${paths.runtime}/lib`, paths.task, `${paths.task}/lib`, `${paths.opt}/lib`].join(':'),
    NODE_PATH: [`${paths.opt}/nodejs/node${nodeMajor}/node_modules`, `${paths.opt}/nodejs/node_modules`, `${paths.runtime}/node_modules`, paths.runtime, paths.task].join(':'),
    LANG: 'en_US.UTF-8',
    TZ: ':UTC',
    ...functionEnvironment(fn, o.enforcer),
    ...o.extraEnv,
    // Reserved: Lambda sets these whatever the function says.
    _HANDLER: fn.handler,
    AWS_EXECUTION_ENV: `AWS_Lambda_${fn.runtime}`,
    AWS_LAMBDA_FUNCTION_NAME: fn.functionName,
    AWS_LAMBDA_FUNCTION_MEMORY_SIZE: String(fn.memorySize),
    AWS_LAMBDA_FUNCTION_VERSION: '$LATEST',
    AWS_LAMBDA_INITIALIZATION_TYPE: 'on-demand',
    AWS_LAMBDA_LOG_GROUP_NAME: `/aws/lambda/${fn.functionName}`,
    AWS_LAMBDA_LOG_STREAM_NAME: `${new Date().toISOString().slice(0, 10).replace(/-/g, '/')}/[$LATEST]${Math.random().toString(16).slice(2, 18).padEnd(16, '0')}local`,
    AWS_LAMBDA_RUNTIME_API: o.runtimeApi,
    AWS_REGION: fn.region,
    AWS_DEFAULT_REGION: fn.region,
    LAMBDA_TASK_ROOT: paths.task,
    LAMBDA_RUNTIME_DIR: paths.runtime,
    ...FAKE_CREDENTIALS,
  };
  if (mapped) {
    env.TMPDIR = paths.tmp;
    if (env.NODE_OPTIONS) env.NODE_OPTIONS = env.NODE_OPTIONS.replace(/(^|[\s=])\/opt\//g, `$1${paths.opt}/`);
  }
  const cleanup = () => scratch.forEach((d) => rmSync(d, { recursive: true, force: true }));
  const nodeArgs = ['--expose-gc', '--max-http-header-size=81920', `--max-old-space-size=${Math.floor(fn.memorySize * 0.9)}`, ...(o.nodeArgs ?? []), `${paths.runtime}/index.mjs`];
  if (mapped) return { command: o.nodeBinary, args: nodeArgs, env, cwd: fn.codeDir, cleanup };

  // One `mount -a` over a generated fstab: a single exec instead of one per mount.
  const optLine = layers.length === 0 ? 'tmpfs /opt tmpfs ro,size=1m 0 0'
    : layers.length === 1 ? `${fstabPath(layers[0].dir)} /opt none bind,ro 0 0`
      // overlayfs: the leftmost lower directory is on top, as the last layer is on Lambda.
      : `overlay /opt overlay ro,lowerdir=${layers.map((l) => fstabPath(l.dir)).reverse().join(':')} 0 0`;
  const fstab = join(fresh('nano-enforcer-mounts-'), 'fstab');
  writeFileSync(fstab, [
    `${fstabPath(fn.codeDir)} /var/task none bind,ro 0 0`,
    `${fstabPath(o.runtimeClientDir)} /var/runtime none bind,ro 0 0`,
    `${fstabPath(o.nodeBinary)} /var/lang/bin/node none bind,ro 0 0`,
    optLine,
    // Last: the asset directories may themselves live under the host's /tmp.
    'tmpfs /tmp tmpfs size=512m,mode=1777 0 0',
    '',
  ].join('\n'));
  ensureMountPoints();
  const q = (text: string) => `'${text.replace(/'/g, '\'\\\'\'')}'`;
  return { ...readOnlyRoot(`mount -a -T ${q(fstab)} && cd /var/task && exec /var/lang/bin/node ${nodeArgs.map(q).join(' ')}`), env, cwd: '/', cleanup };
}

/**
 * A shell `script` run in a private mount namespace whose root is remounted
 * read-only, as on Lambda, where nothing but /tmp can be written (in that
 * namespace only: its mounts are private copies of the host's). As root.
 */
export function readOnlyRoot(script: string): { command: string; args: string[] } {
  return { command: 'unshare', args: ['-m', '--propagation', 'private', 'sh', '-c', `mount -o remount,bind,ro / && ${script}`] };
}

/** Empty mount points on the host, created once (as root). */
function ensureMountPoints(): void {
  for (const d of ['/var/task', '/var/runtime', '/var/lang/bin']) mkdirSync(d, { recursive: true });
  if (!existsSync('/var/lang/bin/node')) writeFileSync('/var/lang/bin/node', '');
}

/** fstab(5) fields escape blanks and backslashes in octal. */
function fstabPath(p: string): string {
  return p.replace(/[\\ \t\n]/g, (c) => `\\${c.charCodeAt(0).toString(8).padStart(3, '0')}`);
}

/** /opt without mounts: the only layer itself, or the layers copied in order into a fresh directory. */
function mappedOpt(layers: LayerAsset[], fresh: (prefix: string) => string): string {
  if (layers.length === 1) return layers[0].dir;
  const dir = fresh('nano-enforcer-opt-');
  for (const l of layers) cpSync(l.dir, dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  return dir;
}
