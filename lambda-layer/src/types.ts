// Shared by the mechanism (hooks) and the decision (evaluate). A hook turns a
// call into one of these plain descriptions; evaluate() decides on it.

export type Mode = 'block' | 'alert';
export type Control = 'process' | 'tmp' | 'honeypot' | 'tamper';

/** The decoded policy (see docs/wire-format.md). Frozen after decoding. */
export interface Policy {
  readonly mode: Mode;
  /** Strict allowlist; undefined means drift prevention. */
  readonly allowed?: readonly string[];
  readonly blocked: readonly string[];
  readonly protectTmp: boolean;
  readonly allowedWritablePaths: readonly string[];
  readonly allowInlineCode: readonly string[];
  readonly failOpen: boolean;
  /** Environment variables that hold decoys (honeypots); absent: none. */
  readonly decoyVariables?: readonly string[];
}

/** An attempt to start a process (child_process, bindings, execve). */
export interface SpawnRequest {
  readonly kind: 'spawn';
  /** The API that was called, for the event: 'spawn', 'spawnSync', 'execve', 'fork', ... */
  readonly api: string;
  /** The file the kernel is asked to execute, as given (may be a bare name). */
  readonly file: string;
  /** The full argv, argv[0] included. */
  readonly args: readonly string[];
  /** The child's working directory (absolute). */
  readonly cwd: string;
  /** The child's environment as it will be passed. */
  readonly env: Readonly<Record<string, string>>;
  /** True when the caller built the environment itself (not inherited). */
  readonly envExplicit: boolean;
  /**
   * Names the binding's environment list gives more than once (a raw
   * binding call can; child_process cannot). `env` holds the last value.
   */
  readonly envDuplicates?: readonly string[];
}

/** A native addon about to be loaded (process.dlopen, require of .node). */
export interface AddonRequest {
  readonly kind: 'addon';
  readonly api: string;
  readonly path: string;
}

/** A worker thread about to start. */
export interface WorkerRequest {
  readonly kind: 'worker';
  readonly api: string;
  /** A path or file: URL, or source text when eval is true. */
  readonly filename: string;
  readonly eval: boolean;
  readonly execArgv?: readonly string[];
  readonly env?: Readonly<Record<string, string>>;
}

/** A write, copy, rename, link or chmod that may put executable content in a writable place. */
export interface FileRequest {
  readonly kind: 'file';
  readonly api: string;
  /** The destination path (absolute). */
  readonly path: string;
  /** The first bytes that will be written, when known. */
  readonly head?: Uint8Array;
  /** The mode being set, for chmod/open with mode. */
  readonly mode?: number;
  /** For copy/rename/link: the source path. */
  readonly source?: string;
}

/** A WASI instance about to be made: the host directories its code may read and write (preopens), absolute. */
export interface WasiRequest {
  readonly kind: 'wasi';
  readonly api: string;
  readonly preopens: readonly string[];
  /** The files its stdin, stdout or stderr fds were opened for writing on, in a writable place. */
  readonly stdio?: readonly string[];
}

/**
 * A way into the V8 inspector, which reads any closure (the enforcer's
 * captured originals included) and runs code in this process: a session
 * ('Connection', 'MainThreadConnection'), opening its port ('open'), or the
 * SIGUSR1 that would have opened it ('SIGUSR1').
 */
export interface InspectorRequest {
  readonly kind: 'inspector';
  readonly api: 'Connection' | 'MainThreadConnection' | 'open' | 'SIGUSR1';
}

/**
 * V8 flags set at run time (v8.setFlagsFromString): --allow-natives-syntax
 * gives code V8's runtime functions, with which it runs machine code of its
 * own (a WebAssembly module's serialized code, edited, then deserialized).
 */
export interface V8FlagsRequest {
  readonly kind: 'v8-flags';
  readonly flags: string;
}

export type Request = SpawnRequest | AddonRequest | WorkerRequest | FileRequest | WasiRequest | InspectorRequest | V8FlagsRequest;

export type Decision =
  | { readonly allow: true }
  | {
    readonly allow: false;
    readonly control: Control;
    readonly reason: string;
    /** Refused even in ALERT mode (a command that cannot be known statically). */
    readonly always?: boolean;
    readonly detail?: Readonly<Record<string, unknown>>;
  };

/**
 * What evaluate() may ask of the machine. The real one reads the filesystem;
 * table tests pass a fixed one. Every method is synchronous.
 */
export interface SystemView {
  /** Epoch ms when this process started; anything changed after it is drift. */
  readonly startTimeMs: number;
  /** The preload that a node child's NODE_OPTIONS must --require; default /opt/nano-enforcer/preload.js. */
  readonly preloadPath?: string;
  /** Real path of this process's node binary: a child running it is node, whatever its name. */
  readonly execPath?: string;
  /** This process's NODE_OPTIONS at start: its own --require/--import entries may stay in a child's. */
  readonly nodeOptions?: string;
  /** Resolve symlinks, `..`, /proc/self/root, /proc/<pid>/fd/<n>; undefined if it does not exist. */
  realpath(path: string): string | undefined;
  /** undefined if it does not exist. */
  stat(path: string): FileStat | undefined;
  /** The first bytes of a file (shebang, ELF header, PT_INTERP). */
  readHead(path: string, length: number): Uint8Array | undefined;
  /** sha256 hex of a file's content; may be cached by (dev, ino, mtime, size). */
  sha256(path: string): string | undefined;
  /** True when the path is in a writable location (/tmp, /dev/shm, a writable mount...). */
  isWritableLocation(path: string): boolean;
  /** A writable location (or /proc) that is the directory dir or lies inside it, if there is one. */
  writableBelow(dir: string): string | undefined;
}

/** What SystemView.stat() returns. */
export interface FileStat {
  readonly isFile: boolean;
  readonly mode: number;
  readonly ctimeMs: number;
  readonly mtimeMs: number;
  readonly dev: number;
  readonly ino: number;
  /** Bytes; the real view has it, a test's view may not. */
  readonly size?: number;
}

