// Which file the kernel would execute for a command, as execvp() would find
// it in the CHILD: with the child's PATH and cwd (libuv searches the PATH of
// the environment it passes), relative PATH entries against the child's cwd,
// and the real path through symlinks, '..', /proc/self/root and fd links.
import { anyExecuteBit, Arg, basename, candidates, normalize, VarValue, Vars } from './args';
import type { SystemView } from '../types';

/** execvp's default when PATH is unset (glibc confstr(_CS_PATH)). */
export const DEFAULT_PATH = '/bin:/usr/bin';

export interface Resolution {
  /** The absolute path as looked up (before symlinks). */
  readonly path: string;
  /** The real path (what actually runs). */
  readonly resolved: string;
}

export type Lookup =
  | { readonly ok: true; readonly found: readonly Resolution[] }
  | { readonly ok: false; readonly unknown: string };

export interface LookupContext {
  readonly vars: Vars;
  readonly cwds: readonly Arg[];
  /** chroot prefix, '' for none. */
  readonly root: string;
  /** false for a #! interpreter: the kernel never searches PATH. */
  readonly search: boolean;
  /** `command -p`: the default PATH instead of $PATH. */
  readonly defaultPath?: boolean;
}

function join(dir: string, file: string): string {
  return dir.endsWith('/') ? dir + file : dir + '/' + file;
}

function absolute(system: SystemView, root: string, joined: string): Resolution | undefined {
  const full = root ? join(root, joined) : joined;
  const st = system.stat(full);
  if (!st || !st.isFile) {
    // fd links to memfd or deleted files do not stat as files but do execute.
    const real = system.realpath(full);
    if (real === undefined || !/^\/?memfd:|\(deleted\)$/.test(real)) return undefined;
    return { path: normalize(full), resolved: real };
  }
  const resolved = system.realpath(full);
  return resolved === undefined ? undefined : { path: normalize(full), resolved };
}

/**
 * Finds what `file` executes. found is empty when nothing would run (ENOENT);
 * unknown when the answer depends on a value only known at run time.
 */
export function lookup(system: SystemView, file: string, ctx: LookupContext): Lookup {
  const found: Resolution[] = [];
  const add = (r: Resolution | undefined) => {
    if (r && !found.some(f => f.path === r.path && f.resolved === r.resolved)) found.push(r);
  };
  if (file === '') return { ok: true, found };
  if (file.includes('/') || !ctx.search) {
    if (file.startsWith('/')) {
      add(absolute(system, ctx.root, file));
      return { ok: true, found };
    }
    for (const cwd of ctx.cwds) {
      if (typeof cwd !== 'string') return { ok: false, unknown: `the working directory for ${file} is only known at run time` };
      add(absolute(system, ctx.root, join(cwd, file)));
    }
    return { ok: true, found };
  }
  const paths: readonly VarValue[] = ctx.defaultPath ? [DEFAULT_PATH] : candidates(ctx.vars, 'PATH');
  for (const p of paths) {
    if (p === undefined) return { ok: false, unknown: `PATH is only known at run time, so ${file} cannot be resolved` };
    for (const dir of (p ?? DEFAULT_PATH).split(':')) {
      let hit: Resolution | undefined;
      if (dir.startsWith('/')) {
        hit = executableAt(system, ctx.root, join(dir, file));
      } else {
        for (const cwd of ctx.cwds) {
          if (typeof cwd !== 'string') return { ok: false, unknown: `PATH has a relative entry and the working directory is only known at run time (${file})` };
          const h = executableAt(system, ctx.root, join(dir === '' ? cwd : join(cwd, dir), file));
          add(h);
          hit = hit ?? h;
        }
      }
      if (hit) { add(hit); break; }
    }
  }
  return { ok: true, found };
}

function executableAt(system: SystemView, root: string, p: string): Resolution | undefined {
  const st = system.stat(root ? join(root, p) : p);
  if (!st || !st.isFile || !anyExecuteBit(st.mode)) return undefined;
  return absolute(system, root, p);
}

export { basename };
