// process.execve (Node >= 22.15 / 23.11) replaces the process image without
// going through the spawn bindings.
import { c } from '../captured';
import { permit } from '../gate';
import { protectedEnv } from './child-env';
import type { Handler } from './handler';
import { eacces } from './refusal';

export const execve: Handler = (origExecve) => function (this: unknown, a: unknown[]): unknown {
  const [file, args, env] = a;
  const given = env !== null && typeof env === 'object';
  const childEnv = protectedEnv((given ? env : process.env) as Record<string, string>);
  // Read once: execve gets the strings that were checked, not the caller's array again.
  const path = String(file);
  const argv = Array.isArray(args) ? args.map(String) : [path];
  const ok = permit({
    kind: 'spawn',
    api: 'execve',
    file: path,
    args: argv,
    cwd: c.resolve(c.apply(c.cwd, process, []) as string),
    env: childEnv,
    envExplicit: given,
  });
  if (!ok) throw eacces('execve', path);
  return c.apply(origExecve, this, [path, args === undefined ? [] : argv, childEnv]);
};
