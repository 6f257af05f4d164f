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
  /** The path as the kernel walks it ('..' and symlinks not yet applied, chroot prefix included). */
  readonly raw: string;
}

export type Lookup =
  | {
    readonly ok: true;
    readonly found: readonly Resolution[];
    /**
     * Paths (as the kernel walks them) where nothing executable is now but
     * which the search would use if something were there: a PATH directory
     * before the hit (or every one, when nothing is found), or the path
     * itself when it names nothing. Whether a line could still put a program
     * there is for the caller to decide.
     */
    readonly missing: readonly string[];
  }
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

const absolute = (function absolute(system: SystemView, root: string, joined: string): Resolution | undefined {
  const full = root ? join(root, joined) : joined;
  const st = system.stat(full);
  if (!st || !st.isFile) {
    // fd links to memfd or deleted files do not stat as files but do execute.
    const real = system.realpath(full);
    if (real === undefined || !/^\/?memfd:|\(deleted\)$/.test(real)) return undefined;
    return { path: normalize(full), resolved: real, raw: full };
  }
  const resolved = system.realpath(full);
  return resolved === undefined ? undefined : { path: normalize(full), resolved, raw: full };
});

/**
 * Finds what `file` executes. found is empty when nothing would run (ENOENT);
 * unknown when the answer depends on a value only known at run time.
 */
export const lookup = (function lookup(system: SystemView, file: string, ctx: LookupContext): Lookup {
  const found: Resolution[] = [];
  const missing: string[] = [];
  const add = (r: Resolution | undefined) => {
    if (r && !found.some(f => f.path === r.path && f.resolved === r.resolved && f.raw === r.raw)) found.push(r);
  };
  const miss = (p: string) => {
    const full = ctx.root ? join(ctx.root, p) : p;
    if (!missing.includes(full)) missing.push(full);
  };
  if (file === '') return { ok: true, found, missing };
  if (file.includes('/') || !ctx.search) {
    if (file.startsWith('/')) {
      const r = absolute(system, ctx.root, file);
      if (r) add(r); else miss(file);
      return { ok: true, found, missing };
    }
    for (const cwd of ctx.cwds) {
      if (typeof cwd !== 'string') return { ok: false, unknown: `the working directory for ${file} is only known at run time` };
      const r = absolute(system, ctx.root, join(cwd, file));
      if (r) add(r); else miss(join(cwd, file));
    }
    return { ok: true, found, missing };
  }
  const paths: readonly VarValue[] = ctx.defaultPath ? [DEFAULT_PATH] : candidates(ctx.vars, 'PATH');
  for (const p of paths) {
    if (p === undefined) return { ok: false, unknown: `PATH is only known at run time, so ${file} cannot be resolved` };
    for (const dir of (p ?? DEFAULT_PATH).split(':')) {
      let hit: Resolution | undefined;
      if (dir.startsWith('/')) {
        hit = executableAt(system, ctx.root, join(dir, file));
        if (!hit) miss(join(dir, file));
      } else {
        for (const cwd of ctx.cwds) {
          if (typeof cwd !== 'string') return { ok: false, unknown: `PATH has a relative entry and the working directory is only known at run time (${file})` };
          const at = join(dir === '' ? cwd : join(cwd, dir), file);
          const h = executableAt(system, ctx.root, at);
          if (h) add(h); else miss(at);
          hit = hit ?? h;
        }
      }
      if (hit) { add(hit); break; }
    }
  }
  return { ok: true, found, missing };
});

function executableAt(system: SystemView, root: string, p: string): Resolution | undefined {
  const st = system.stat(root ? join(root, p) : p);
  if (!st || !st.isFile || !anyExecuteBit(st.mode)) return undefined;
  return absolute(system, root, p);
}

export { basename };
