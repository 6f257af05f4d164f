import { Token } from 'aws-cdk-lib';
import { EnforcementMode, EnforcerPolicy, InternalErrorBehavior } from '../policy';

/** The wire format's version (docs/wire-format.md). */
export const POLICY_FORMAT_VERSION = 1;

const SHA256_ENTRY = /^sha256:[0-9a-f]{64}$/;
const BARE_NAME = /^[^/\s]+$/;

/**
 * Checks a policy and throws an error naming the prop, the construct path and
 * the fix. `where` names the construct the policy was given to.
 */
export function validatePolicy(policy: EnforcerPolicy, where: string): void {
  const fail = (prop: string, problem: string, fix: string): never => {
    throw new Error(`${where}: policy.${prop} ${problem}. ${fix}`);
  };

  const checkList = (prop: string, entries: string[] | undefined, check: (entry: string, at: string) => void) => {
    if (entries === undefined) return;
    if (!Array.isArray(entries)) fail(prop, 'must be a list of strings', 'Pass an array, e.g. [\'curl\'].');
    entries.forEach((entry, i) => {
      const at = `${prop}[${i}]`;
      if (typeof entry !== 'string') fail(at, `is ${typeof entry}, not a string`, 'Pass strings only.');
      if (Token.isUnresolved(entry)) fail(at, 'is a token', 'Policy entries must be known at synth time; pass a literal string.');
      if (entry.trim() === '') fail(at, 'is empty', 'Remove it, or name an executable.');
      if (entry !== entry.trim()) fail(at, `('${entry}') has leading or trailing white space`, `Write '${entry.trim()}'.`);
      check(entry, at);
    });
  };

  const executableEntry = (entry: string, at: string) => {
    if (entry.startsWith('sha256:')) {
      if (!SHA256_ENTRY.test(entry)) {
        fail(at, `('${entry}') is not a valid hash entry`, 'Write \'sha256:\' followed by 64 lowercase hex digits (the output of `sha256sum`).');
      }
      return;
    }
    if (entry.startsWith('/')) return;
    if (!BARE_NAME.test(entry)) {
      fail(at, `('${entry}') is a relative path`, 'Use a bare command name resolved on PATH (\'curl\') or an absolute path or glob (\'/var/task/bin/catdoc\').');
    }
  };
  const absoluteEntry = (entry: string, at: string) => {
    if (!entry.startsWith('/')) fail(at, `('${entry}') is not absolute`, 'Use an absolute path or glob such as \'/tmp/chromium/**\'.');
  };
  const nameEntry = (entry: string, at: string) => {
    if (!BARE_NAME.test(entry)) fail(at, `('${entry}') is not a bare interpreter name`, 'Name the interpreter as it is called, e.g. \'node\' or \'python3\'.');
  };

  if (policy.mode !== undefined && !Object.values(EnforcementMode).includes(policy.mode)) {
    fail('mode', `('${policy.mode}') is not an EnforcementMode`, 'Use EnforcementMode.BLOCK or EnforcementMode.ALERT.');
  }
  if (policy.onInternalError !== undefined && !Object.values(InternalErrorBehavior).includes(policy.onInternalError)) {
    fail('onInternalError', `('${policy.onInternalError}') is not an InternalErrorBehavior`, 'Use InternalErrorBehavior.FAIL_CLOSED or InternalErrorBehavior.FAIL_OPEN.');
  }
  checkList('allowedExecutables', policy.allowedExecutables, executableEntry);
  checkList('blockedExecutables', policy.blockedExecutables, executableEntry);
  checkList('allowedWritablePaths', policy.allowedWritablePaths, absoluteEntry);
  checkList('allowInlineCode', policy.allowInlineCode, nameEntry);
  validateHoneypots(policy, fail);

  const blocked = new Set(policy.blockedExecutables ?? []);
  for (const entry of policy.allowedExecutables ?? []) {
    if (blocked.has(entry)) {
      fail('allowedExecutables', `and policy.blockedExecutables both list '${entry}'`, 'An entry cannot be both allowed and blocked: remove it from one of them.');
    }
  }
}

const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MIN_CUSTOM_DECOY_LENGTH = 12;

/** True for a valid environment variable name that neither Lambda nor the enforcer owns. */
export function isFreeVariableName(name: string): boolean {
  return ENV_NAME.test(name) && !isReservedVariable(name);
}

/** True for a name Lambda or the enforcer owns, which a decoy must never shadow. */
export function isReservedVariable(name: string): boolean {
  return name.startsWith('AWS_') || name.startsWith('_') || name.startsWith('LAMBDA_')
    || ['NODE_OPTIONS', 'NANO_ENFORCER_POLICY', 'TZ', 'LANG', 'PATH', 'LD_LIBRARY_PATH', 'NODE_PATH', 'NODE_EXTRA_CA_CERTS'].includes(name);
}

function validateHoneypots(policy: EnforcerPolicy, fail: (prop: string, problem: string, fix: string) => never): void {
  const honeypots = policy.honeypots;
  if (!honeypots) return;
  const configured = honeypots.variableNames !== undefined || honeypots.customDecoys !== undefined || honeypots.seed !== undefined;
  if (configured && honeypots.enabled !== true) {
    fail('honeypots', 'configures decoys but is not enabled', 'Add enabled: true (honeypots are off by default), or remove the decoy settings.');
  }
  const checkName = (prop: string, name: string) => {
    if (typeof name !== 'string' || !ENV_NAME.test(name)) fail(prop, `('${name}') is not an environment variable name`, 'Use letters, digits and underscores, not starting with a digit.');
    if (isReservedVariable(name)) {
      fail(prop, `('${name}') is a name Lambda or the enforcer uses`, 'Decoys must never shadow real credentials or runtime variables: pick a name such as BACKUP_AWS_ACCESS_KEY_ID.');
    }
  };
  (honeypots.variableNames ?? []).forEach((name, i) => checkName(`honeypots.variableNames[${i}]`, name));
  for (const [name, value] of Object.entries(honeypots.customDecoys ?? {})) {
    checkName(`honeypots.customDecoys['${name}']`, name);
    if (typeof value !== 'string' || Token.isUnresolved(value) || value.length < MIN_CUSTOM_DECOY_LENGTH) {
      fail(`honeypots.customDecoys['${name}']`, `must be a literal of at least ${MIN_CUSTOM_DECOY_LENGTH} characters`, 'A short decoy would match ordinary traffic; use a realistic, long value.');
    }
  }
  if (honeypots.seed !== undefined && (Token.isUnresolved(honeypots.seed) || honeypots.seed.length < 8)) {
    fail('honeypots.seed', 'must be a literal of at least 8 characters', 'Use a random string you keep out of the repository, e.g. from a CI secret at synth time.');
  }
}

/** The compact JSON the layer reads from NANO_ENFORCER_POLICY (docs/wire-format.md). Absent keys mean defaults. */
export function encodePolicy(policy: EnforcerPolicy, decoyVariables: string[] = []): string {
  const wire: Record<string, unknown> = { v: POLICY_FORMAT_VERSION };
  if (policy.mode === EnforcementMode.ALERT) wire.m = 'a';
  if (policy.allowedExecutables !== undefined) wire.a = unique(policy.allowedExecutables);
  if (policy.blockedExecutables !== undefined) wire.d = unique(policy.blockedExecutables);
  if (policy.protectTmp === false) wire.t = 0;
  if (policy.allowedWritablePaths?.length) wire.w = unique(policy.allowedWritablePaths);
  if (policy.allowInlineCode?.length) wire.i = unique(policy.allowInlineCode);
  if (policy.onInternalError === InternalErrorBehavior.FAIL_OPEN) wire.f = 'o';
  if (decoyVariables.length > 0) wire.h = { n: decoyVariables };
  return JSON.stringify(wire);
}

function unique(entries: string[]): string[] {
  return [...new Set(entries)];
}
