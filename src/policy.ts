/**
 * What the enforcer does with a call the policy refuses.
 */
export enum EnforcementMode {
  /** Refuse the call (it fails the way the API fails natively) and report it. */
  BLOCK = 'BLOCK',
  /** Report the call and let it proceed. For rollout, and for learning what a function really runs. */
  ALERT = 'ALERT',
}

/**
 * What the enforcer does when it faults internally while deciding on a call.
 */
export enum InternalErrorBehavior {
  /** Refuse the call, as if the policy had refused it, and report the fault. */
  FAIL_CLOSED = 'FAIL_CLOSED',
  /** Let the call proceed and report the fault. */
  FAIL_OPEN = 'FAIL_OPEN',
}

/**
 * Decoy credentials and files that legitimate code never touches.
 */
export interface HoneypotPolicy {
  /**
   * Plant decoys and report any use of them.
   *
   * Off by default in this version: the in-process trip wires currently add
   * several milliseconds to a cold start (see the README's Cost section),
   * beyond the 1 ms budget of the default configuration.
   *
   * @default false
   */
  readonly enabled?: boolean;

  /**
   * Names of the decoy environment variables to plant, with generated values.
   * The kind of value follows the name: `*ACCESS_KEY_ID` an AWS access key id,
   * `*SECRET_ACCESS_KEY` an AWS secret key, `*PASSWORD*` a password, `*TOKEN*`
   * a GitHub-style token, anything else an API key. Use names no library of
   * yours reads by itself. A name the function already sets is skipped.
   *
   * @default NanoEnforcer.DEFAULT_DECOY_VARIABLE_NAMES
   */
  readonly variableNames?: string[];

  /**
   * Extra decoy variables with values you choose (at least 12 characters, so
   * that finding them in outbound bytes is specific).
   *
   * @default - none
   */
  readonly customDecoys?: { [name: string]: string };

  /**
   * A secret mixed into the generated values. Without it, values derive from
   * the stack and the function's path: unique per deployment and stable across
   * syntheses, but computable by someone who knows both.
   *
   * @default - derived from the stack's name, account and region
   */
  readonly seed?: string;
}

/**
 * The runtime policy enforced inside a protected function.
 *
 * Executable entries (`allowedExecutables`, `blockedExecutables`) are one of:
 * a bare command name (`curl`), an absolute path (`/var/task/bin/catdoc`),
 * an absolute glob (`/var/task/bin/*`), or `sha256:<64 hex digits>`.
 */
export interface EnforcerPolicy {
  /**
   * Refuse and report (BLOCK), or only report (ALERT).
   *
   * @default EnforcementMode.BLOCK
   */
  readonly mode?: EnforcementMode;

  /**
   * A strict allowlist: only these executables may run. Every command of a
   * `sh -c` line is checked, and the dynamic loader running a file counts as
   * running that file.
   *
   * @default - drift prevention: what was on the read-only filesystem when the
   * function started may run, anything written later may not
   */
  readonly allowedExecutables?: string[];

  /**
   * Executables that never run, in any mode, even when allowed. Checked at
   * run time and against the function's bundle at synth time.
   *
   * @default NanoEnforcer.DEFAULT_BLOCKED_EXECUTABLES (common miners and attack tools)
   */
  readonly blockedExecutables?: string[];

  /**
   * Refuse writing executable content (ELF, `#!` scripts, shared objects) into
   * `/tmp`, and refuse making files there executable.
   *
   * @default true
   */
  readonly protectTmp?: boolean;

  /**
   * Absolute paths or globs in writable places (`/tmp`) that are trusted to
   * hold executables and libraries, for example a headless browser unpacked
   * into `/tmp/chromium/**`.
   *
   * @default - none
   */
  readonly allowedWritablePaths?: string[];

  /**
   * Interpreters that may run inline code (`node -e`, `python3 -c`, `sh` reading
   * a script from stdin), by bare name. Inline code is how injected code
   * usually runs, so it is refused by default.
   *
   * @default - none
   */
  readonly allowInlineCode?: string[];

  /**
   * What happens to a call when the enforcer faults internally while deciding on it.
   *
   * @default InternalErrorBehavior.FAIL_CLOSED
   */
  readonly onInternalError?: InternalErrorBehavior;

  /**
   * Decoy credentials and files.
   *
   * @default - no honeypots
   */
  readonly honeypots?: HoneypotPolicy;
}
