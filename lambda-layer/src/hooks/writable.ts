// The preload's cheap prefilter: is this absolute path somewhere a function
// can write (Lambda: /tmp), or a name the kernel follows elsewhere: /proc
// (fd, cwd and root links) and /dev's links into /proc/self/fd (/dev/fd/N,
// /dev/stdin, /dev/stdout, /dev/stderr: a /tmp file reopened through one is
// that file)? Only those paths go to the decision, which resolves them.
// The writable places are the decision's fixed ones (decision/system-view.ts);
// it adds the scratch mounts it reads from the mount table.

/** Places a function may write, known without reading the mount table. */
export const WRITABLE_PLACES = ['/tmp', '/dev/shm', '/var/tmp', '/run/shm', '/run/user', '/dev/mqueue', '/var/lock', '/run/lock'];
/** What the prefilter sends to the decision (concat: at load, before user code). */
const PREFIXES = WRITABLE_PLACES.concat(['/proc', '/dev/fd', '/dev/stdin', '/dev/stdout', '/dev/stderr']);

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
