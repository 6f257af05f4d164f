// The preload's cheap prefilter: is this absolute path somewhere a function
// can write (Lambda: /tmp), or reached through /proc (fd and cwd links)?
// Only those paths go to the decision.
const PREFIXES = ['/tmp', '/dev/shm', '/var/tmp', '/run/shm', '/proc'];

// Parenthesized function expressions: compiled with the preload's script (see preload.ts).
export const isWritablePath = (function isWritablePath(abs: string): boolean {
  // No method calls: the preload runs this before the engine's window (intrinsics.ts), on built-ins user code may have replaced.
  for (let i = 0; i < PREFIXES.length; i++) {
    const p = PREFIXES[i];
    if (abs.length < p.length || (abs.length > p.length && abs[p.length] !== '/')) continue;
    let j = 0;
    while (j < p.length && abs[j] === p[j]) j++;
    if (j === p.length) return true;
  }
  return false;
});
