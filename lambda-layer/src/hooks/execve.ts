// process.execve (Node >= 22.15 / 23.11) replaces the process image without
// going through the spawn bindings.
// `import x = require()`: esbuild turns `import * as` into a getter copy of every
// export at init, which costs cold start.
// eslint-disable-next-line @typescript-eslint/no-require-imports
import path = require('path');
import { permit } from '../gate';
import { protectedEnv } from './child-env';
import { eacces } from './refusal';
import { apply, disguise, lock } from './wrap';

export function installExecveHook(): void {
  const p = process as unknown as { execve?: (...a: unknown[]) => unknown };
  const origExecve = p.execve;
  if (typeof origExecve !== 'function') return;
  const cwdNow = process.cwd;
  const wrapper = function execve(this: unknown, ...a: unknown[]): unknown {
    const [file, args, env] = a;
    const given = env !== null && typeof env === 'object';
    const childEnv = protectedEnv((given ? env : process.env) as Record<string, string>);
    const ok = permit({
      kind: 'spawn',
      api: 'execve',
      file: String(file),
      args: Array.isArray(args) ? args.map(String) : [String(file)],
      cwd: path.resolve(apply(cwdNow, process, []) as string),
      env: childEnv,
      envExplicit: given,
    });
    if (!ok) throw eacces('execve', String(file));
    return apply(origExecve, this, [file, args === undefined ? [] : args, childEnv]);
  };
  lock(process, 'execve', disguise(wrapper, origExecve));
}
