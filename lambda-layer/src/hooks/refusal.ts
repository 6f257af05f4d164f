// Errors that look like the ones the refused API throws natively.
import { lastReason } from '../gate';

export interface ErrnoError extends Error { errno?: number; code?: string; syscall?: string; path?: string; dest?: string }

/** An EACCES error shaped like Node's own (errno, code, syscall, path). */
export function eacces(syscall: string, path?: string, dest?: string): ErrnoError {
  const where = path === undefined ? syscall : dest === undefined ? `${syscall} '${path}'` : `${syscall} '${path}' -> '${dest}'`;
  const e: ErrnoError = new Error(`EACCES: permission denied, ${where} (refused by nano-enforcer: ${lastReason})`);
  e.errno = -13;
  e.code = 'EACCES';
  e.syscall = syscall;
  if (path !== undefined) e.path = path;
  if (dest !== undefined) e.dest = dest;
  return e;
}
