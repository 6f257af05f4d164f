// The preload's cheap prefilter: is this absolute path somewhere a function
// can write (Lambda: /tmp), or reached through /proc (fd and cwd links)?
// Only those paths go to the decision.
const PREFIXES = ['/tmp', '/dev/shm', '/var/tmp', '/run/shm', '/proc'];

export function isWritablePath(abs: string): boolean {
  for (const p of PREFIXES) {
    if (abs.startsWith(p) && (abs.length === p.length || abs.charCodeAt(p.length) === 47)) return true;
  }
  return false;
}
