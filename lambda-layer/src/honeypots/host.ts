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

export interface Honeypots {
  /** A process about to start; false refuses it (BLOCK: the decoy key handed to a child). */
  spawn(request: SpawnRequest): boolean;
  /** An fs binding call the engine sees (open, copyFile, ...). */
  file(api: string, args: readonly unknown[]): void;
  /** The engine's handler for the network hook `name` (the preload's: 'tcp.writeBuffer', 'dns.getaddrinfo', ...). */
  handler(name: string): Handler | undefined;
  /**
   * Called by the preload outside the enforcer's window, before a network
   * hook's call goes to handler(): true when the write certainly carries no
   * decoy (the call then goes through), false to take the full path. Calls
   * no built-in user code can replace; never throws. `kind`: 1 a stream's
   * writeBuffer(req, buffer), 2 its writev(req, chunks, allBuffers), 3 UDP's
   * send(req, list, ...) (QuickKind).
   */
  quick(kind: number, handle: unknown, args: readonly unknown[]): boolean;
}
