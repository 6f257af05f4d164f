import * as lambda from 'aws-cdk-lib/aws-lambda';
import { IConstruct } from 'constructs';
import { EnforcerPolicy } from './policy';
import { validatePolicy } from './private/policy-encoding';
import { recordSettings } from './private/scope-settings';

/**
 * Per-scope controls and the constants of the enforcer's contract.
 */
export class NanoEnforcer {
  /**
   * Miners and attack tools that never run unless `blockedExecutables` replaces this list.
   * Extend it rather than replace it: `[...NanoEnforcer.DEFAULT_BLOCKED_EXECUTABLES, 'mytool']`.
   */
  public static readonly DEFAULT_BLOCKED_EXECUTABLES: string[] = [
    'xmrig', 'xmr-stak', 'xmr-stak-cpu', 'xmr-stak-rx', 'minerd', 'cpuminer', 'cpuminer-multi',
    'cgminer', 'bfgminer', 'ethminer', 't-rex', 'nbminer', 'lolminer', 'phoenixminer', 'nanominer',
    'nc', 'ncat', 'netcat', 'nc.traditional', 'nc.openbsd', 'socat', 'nmap', 'masscan', 'zmap',
    'hydra', 'chisel', 'ngrok', 'frpc',
  ];


  /**
   * The decoy environment variables planted by default. No common library
   * reads these names by itself, so any use of their values is a breach signal.
   */
  public static readonly DEFAULT_DECOY_VARIABLE_NAMES: string[] = [
    'BACKUP_AWS_ACCESS_KEY_ID',
    'BACKUP_AWS_SECRET_ACCESS_KEY',
    'REPORTING_DB_PASSWORD',
    'LEGACY_STRIPE_SECRET_KEY',
    'DEPLOY_GITHUB_TOKEN',
  ];

  /** Where the layer puts the enforcer in a function's filesystem. */
  public static readonly PRELOAD_PATH = '/opt/nano-enforcer/preload.js';

  /** The environment variable that carries the policy to the layer. */
  public static readonly POLICY_ENVIRONMENT_VARIABLE = 'NANO_ENFORCER_POLICY';

  /**
   * Leaves every function in `scope` (the construct and everything below it)
   * unprotected. The reason is recorded as an info annotation on each such function.
   */
  public static exclude(scope: IConstruct, reason: string): void {
    if (typeof reason !== 'string' || reason.trim() === '') {
      throw new Error(`${scope.node.path}: NanoEnforcer.exclude needs a reason. Say why this scope runs unprotected, e.g. 'runs a vendored binary from /tmp'.`);
    }
    for (const target of this.targets(scope)) recordSettings(target, { excludedBecause: reason });
  }

  /**
   * Replaces the aspect's policy, as a whole, for every function in `scope`
   * (the construct and everything below it). The nearest override wins.
   */
  public static overridePolicy(scope: IConstruct, policy: EnforcerPolicy): void {
    validatePolicy(policy, `${scope.node.path} (NanoEnforcer.overridePolicy)`);
    for (const target of this.targets(scope)) recordSettings(target, { policy });
  }

  // A SingletonFunction's real function lives at stack level, not below it.
  private static targets(scope: IConstruct): IConstruct[] {
    if (scope instanceof lambda.SingletonFunction) {
      const inner = (scope as unknown as { lambdaFunction?: IConstruct }).lambdaFunction;
      return inner ? [scope, inner] : [scope];
    }
    return [scope];
  }

  private constructor() {}
}
