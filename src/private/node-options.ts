import { Token } from 'aws-cdk-lib';

/**
 * Puts `--require <preload>` first in NODE_OPTIONS, exactly once, keeping the
 * function's own flags. Ours goes first so that no other preload (a tracer,
 * say) runs before the hooks are in place.
 */
export function mergeNodeOptions(existing: string | undefined, preloadPath: string): string {
  const ours = `--require ${preloadPath}`;
  if (existing === undefined || existing.trim() === '') return ours;
  if (Token.isUnresolved(existing)) return `${ours} ${existing}`;
  const rest = removePreload(existing.trim().split(/\s+/), preloadPath);
  return [ours, ...rest].join(' ');
}

function removePreload(flags: string[], preloadPath: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < flags.length; i++) {
    const flag = flags[i];
    if ((flag === '--require' || flag === '-r') && flags[i + 1] === preloadPath) {
      i++;
      continue;
    }
    if (flag === `--require=${preloadPath}`) continue;
    out.push(flag);
  }
  return out;
}
