// The decision half of the enforcer: evaluate() is pure and synchronous; it
// patches nothing and reads the machine only through the SystemView.
//
// Faults: evaluate() returns a Decision for every request the hooks can
// describe, however hostile (a line that does not parse, a name only known at
// run time, a missing file: all are refusals, never exceptions). It throws only
// on an internal fault (a bug here, or a SystemView that throws); the gate
// catches that and applies policy.failOpen, reporting control 'tamper'. So a
// fault is never silently turned into 'allow' here.
//
// Modes are applied by the gate; `always` marks refusals that hold in ALERT
// mode too: commands that cannot be known statically (a dynamic command name,
// eval, an unparseable line, code read from stdin by a shell...).
//
// Semantics (decided here, tested in test/enforcer/decision):
// - Trusted file: its real path is outside every writable location and it
//   was not changed (mtime/ctime) after startTimeMs; or it is under
//   allowedWritablePaths (which exempts both).
// - Drift mode: every command that would run must be trusted.
// - Strict mode: every command must match an entry AND be trusted (a
//   sha256 entry pins the content, so it needs no trust). A bare entry
//   `curl` matches the basename of the real path, or the name it was found
//   under when that directory is not writable (/bin/sh -> dash matches `sh`;
//   a /tmp/curl symlink to bash does not match `curl`). For busybox/toybox
//   run as an applet, the applet name must be listed. Absolute and glob
//   entries match the real path (the entry's directory is realpath'd too).
//   Shell builtins are not executables and need no entry; wrappers (env,
//   nohup, timeout...) and #! interpreters are executables and do. A script
//   given to an interpreter (`sh x.sh`, `python x.py`) must be trusted but
//   need not be listed; a #! script run directly is the executable and must.
// - Deny list: names match the given name, argv0, the found-as name and the
//   real basename (even when nothing is found); globs match those paths;
//   sha256 is computed only when the list has such an entry.
// - A command that resolves to nothing is let through (it fails natively),
//   unless a program could be put where it is looked for before it runs: a
//   path whose way (walked as the kernel walks it, '..' after symlinks)
//   reaches a writable location, or a PATH directory in one. That is a
//   'writable-location' refusal, like a program already there; a top-level
//   spawn of a missing path outside writable locations still gets ENOENT.
// - Shell lines: every assignment (NAME=, export/declare/readonly, prefix
//   assignments that stay: special builtins and function calls), read,
//   printf -v and cd/pushd (HOME, CDPATH) of the whole line is collected
//   first, so each command is resolved against every PATH and working
//   directory the line may have when it runs (a loop, a function called
//   later or a trap run it after a change that is later in the text). A
//   dynamic value (cd "$D", PATH=$(...)) makes relative commands or bare
//   names unknowable: `always`. In a line, a command or script reached
//   through a writable location (a /tmp symlink to /usr/bin/x, /proc/self/*
//   of the shell) is refused too: an earlier command can replace it.
// - python -m and node -r <package> load from the working directory: refused
//   when it is a writable location.
// - Inline code (node -e, python -c, ...) is refused unless allowInlineCode
//   names the interpreter (python matches python3.12; node matches nodejs).
//   Code read from stdin (sh with no script, node with none) is also
//   `always`, since it cannot be known.
import { showArgv, VarValue } from './args';
import { cachedSpawnDecision, lastStableNames } from './cache';
import { Context, Refusal } from './context';
import { checkInvocation } from './invocation';
import { memoized } from './memo';
import { evaluateAddon, evaluateFile, evaluateInspector, evaluateV8Flags, evaluateWasi, evaluateWorker, refusal } from './requests';
import type { Decision, Policy, Request, SpawnRequest, SystemView } from '../types';

export { PRELOAD_PATH } from './environment';
export { lastStableNames };
export { createSystemView } from './system-view';
export type { SystemViewOptions } from './system-view';

export const evaluate = (function evaluate(policy: Policy, request: Request, system: SystemView): Decision {
  const nul = nulProblem(request);
  if (nul !== undefined) return nul;
  if (request.kind === 'spawn' && request.envDuplicates !== undefined && request.envDuplicates.length !== 0) return duplicateEnv(request);
  // A spawn already decided is answered from the cache when what it read of the environment and the files is unchanged (cache.ts).
  if (request.kind === 'spawn') return cachedSpawnDecision(policy, request, system, (s, vars) => evaluateSpawn(policy, request, s, vars));
  if (request.kind === 'inspector') return evaluateInspector(request);
  if (request.kind === 'v8-flags') return evaluateV8Flags(request);
  const ctx = new Context(policy, memoized(system));
  switch (request.kind) {
    case 'addon': return evaluateAddon(ctx, request);
    case 'worker': return evaluateWorker(ctx, request);
    case 'file': return evaluateFile(ctx, request);
    case 'wasi': return evaluateWasi(ctx, request);
    default: {
      const kind = (request as { kind?: unknown }).kind;
      throw new Error(`unknown request kind ${String(kind)}`);
    }
  }
});

const evaluateSpawn = (function evaluateSpawn(policy: Policy, request: SpawnRequest, system: SystemView, vars: Map<string, VarValue[]>): Decision {
  const ctx = new Context(policy, memoized(system));
  checkInvocation(ctx, {
    file: request.file,
    argv: request.args.length ? request.args : [request.file],
    vars,
    // Where the child's chdir() lands: symlinks first, then '..' (a lexical '..' would be another directory).
    cwds: [system.realpath(request.cwd) ?? request.cwd],
    root: '',
    search: true,
    depth: 0,
  });
  const r = ctx.result();
  return r ? spawnRefusal(request.api, request.file, request.args, r) : { allow: true };
});

const hasNul = (s: string | undefined): boolean => s !== undefined && s.includes('\0');

/**
 * A NUL in a string the kernel gets: C code reads it only up to the NUL, so
 * the kernel would act on a prefix (`/tmp/x\0/../../usr/lib` opens /tmp/x;
 * `/bin/ls\0/../true` runs ls) while every check here sees the whole. Node's
 * own APIs refuse such strings; only a raw binding call passes them. Refused
 * in every mode. (Worker filenames are resolved by Node in JavaScript.)
 */
const nulProblem = (function nulProblem(request: Request): Decision | undefined {
  let where: string | undefined;
  let control: 'process' | 'tmp' = 'process';
  let detail: Record<string, unknown>;
  switch (request.kind) {
    case 'spawn': {
      if (hasNul(request.file)) {where = 'the file';} else if (hasNul(request.cwd)) {where = 'the working directory';} else if (request.args.some(hasNul)) {where = 'an argument';} else {
        for (const k in request.env) {
          if (hasNul(k) || hasNul(request.env[k])) {
            where = 'the environment';
            break;
          }
        }
      }
      detail = { api: request.api, file: request.file, argv: showArgv(request.args) };
      break;
    }
    case 'file':
      control = 'tmp';
      where = hasNul(request.path) ? 'the path' : hasNul(request.source) ? 'the source path' : undefined;
      detail = { api: request.api, path: request.path };
      if (request.source !== undefined) detail.source = request.source;
      break;
    case 'addon':
      where = hasNul(request.path) ? 'the path' : undefined;
      detail = { api: request.api, file: request.path };
      break;
    case 'wasi':
      control = 'tmp';
      where = request.preopens.some(hasNul) || (request.stdio ?? []).some(hasNul) ? 'a preopened directory' : undefined;
      detail = { api: request.api, preopens: request.preopens };
      break;
    default:
      return undefined;
  }
  if (where === undefined) return undefined;
  return refusal(control, `${where} holds a NUL character: the kernel would get only what precedes it, which was never checked`, 'nul-byte', detail, true);
});

/**
 * A variable given twice: which value a program reads is its own choice
 * (getenv, and node reading NODE_OPTIONS, takes the first; the dynamic
 * loader the last), so no check of one value covers the child. Refused in
 * every mode, like any command that cannot be known.
 */
function duplicateEnv(request: SpawnRequest): Decision {
  const names = [...new Set(request.envDuplicates)];
  const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? ', ...' : '');
  const detail = { api: request.api, file: request.file, argv: showArgv(request.args), variables: names.slice(0, 20) };
  return refusal('process', `the environment gives ${shown} more than once: the child may read a value that was never checked`, 'duplicate-env', detail, true);
}

function spawnRefusal(api: string, file: string, args: readonly string[], r: Refusal): Decision {
  const detail: Record<string, unknown> = { api, file: r.file ?? file, rule: r.rule };
  if (r.resolved !== undefined) detail.resolved = r.resolved;
  detail.argv = showArgv(r.argv ?? args);
  if (r.command !== undefined) detail.command = r.command.length > 200 ? r.command.slice(0, 200) + '…' : r.command;
  return { allow: false, control: 'process', reason: r.reason, ...(r.always ? { always: true } : {}), detail };
}

