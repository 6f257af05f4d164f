import { Token } from 'aws-cdk-lib';

/** Lambda's limit on the total size of a function's environment variables. */
export const LAMBDA_ENVIRONMENT_LIMIT_BYTES = 4096;

/**
 * False when the environment certainly fits Lambda's limit: UTF-8 takes at most
 * three bytes per UTF-16 code unit. Most environments are small, and this spares
 * them environmentSize's token scan of every value.
 */
export function mayExceedEnvironmentLimit(variables: Record<string, string>): boolean {
  let units = 0;
  for (const [key, value] of Object.entries(variables)) units += key.length + value.length;
  return units * 3 > LAMBDA_ENVIRONMENT_LIMIT_BYTES;
}

/**
 * The size Lambda counts for an environment: the bytes of every key and value.
 * A value that is a token counts for its literal part only, so with tokens the
 * result is a lower bound; `hasTokens` says so.
 */
export function environmentSize(variables: Record<string, string>): { bytes: number; hasTokens: boolean } {
  let bytes = 0;
  let hasTokens = false;
  for (const [key, value] of Object.entries(variables)) {
    bytes += Buffer.byteLength(key, 'utf8');
    if (Token.isUnresolved(value)) {
      hasTokens = true;
      bytes += Buffer.byteLength(value.replace(/\$\{Token\[[^\]]*\]\}/g, ''), 'utf8');
    } else {
      bytes += Buffer.byteLength(value, 'utf8');
    }
  }
  return { bytes, hasTokens };
}
