// The contract between the engine and the honeypots bundle (honeypots.js),
// which the engine loads only when the policy names decoys. The bundle has
// its own copy of the modules it imports, so the engine hands it the shared
// state: the captured primitives and its rate-limited event writer.
import type { Captured } from '../captured';
import type { Handler } from '../hooks/handler';
import type { SpawnRequest } from '../types';

export interface HoneypotHost {
  readonly captured: Captured;
  readonly block: boolean;
  readonly decoyVariables: readonly string[];
  /** The decoy variables' values as the preload read them at start (before user code ran). */
  readonly environment: Readonly<Record<string, string | undefined>>;
  /** The layer's root (/opt on Lambda): where the decoy files are. */
  readonly layerRoot: string;
  /** The absolute path the kernel would open for p (hooks/kernel-path.ts). */
  kernelPath(p: string): string;
  /** True while the enforcer itself reads files (its decision). */
  internal(): boolean;
  emit(action: 'blocked' | 'detected', reason: string, detail: Record<string, unknown>): void;
  /** An internal fault of a trip wire: reported as a tamper event (rate-limited like every event); the call goes on. */
  fault(reason: string): void;
}

/** What the honeypots found in a process about to start: REFUSE (BLOCK: the decoy key handed to a child), REPORTED (events written), CLEAN. */
export type SpawnCheck = 0 | 1 | 2;
export const REFUSE = 0;
export const REPORTED = 1;
export const CLEAN = 2;
/** Honeypots.quick's kinds of call (0: a hook without a quick path). */
export const QUICK_WRITE = 1;
export const QUICK_WRITEV = 2;
export const QUICK_UDP = 3;
export const QUICK_TEXT = 4;

export interface Honeypots {
  /** A process about to start: its arguments and its environment scanned. */
  spawn(request: SpawnRequest): SpawnCheck;
  /** An fs binding call the engine sees (open, copyFile, ...). */
  file(api: string, args: readonly unknown[]): void;
  /** The engine's handler for the network hook `name` (the preload's: 'tcp.writeBuffer', 'dns.getaddrinfo', ...). */
  handler(name: string): Handler | undefined;
  /**
   * Called by the preload outside the enforcer's window, before a network
   * hook's call goes to handler(): true when the write certainly carries no
   * decoy (the call then goes through), false to take the full path. Calls
   * no built-in user code can replace; never throws. `kind`: QUICK_WRITE a
   * stream's writeBuffer(req, buffer), QUICK_WRITEV its writev(req, chunks,
   * allBuffers), QUICK_UDP UDP's send(req, list, ...); QUICK_TEXT a new
   * value in the environment of a spawn the preload repeats (args[0]): true
   * when a scan of it certainly finds nothing.
   */
  quick(kind: number, handle: unknown, args: readonly unknown[]): boolean;
}
