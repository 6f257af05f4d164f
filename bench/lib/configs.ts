// The four configurations compared in one run, as harness options.
import { randomUUID } from 'node:crypto';

export type ConfigId = 'none' | 'layer' | 'strict' | 'permission';

export const CONFIGS: { id: ConfigId; label: string }[] = [
  { id: 'none', label: '(1) no layer' },
  { id: 'layer', label: '(2) layer, BLOCK, default policy' },
  { id: 'strict', label: '(3) layer, strict allowlist + honeypots' },
  { id: 'permission', label: '(4) node --permission' },
];

/**
 * Node's permission model with what a Lambda function needs: read anywhere,
 * write /tmp, the ric's native addon, and child processes when the handler
 * starts any. `--permission` is accepted in NODE_OPTIONS on 22.13+ and 24
 * (22.23 here); `--experimental-permission` is the pre-22.13 spelling and is
 * refused in NODE_OPTIONS on 24.
 */
export function permissionFlags(childProcess: boolean): string {
  return ['--permission', '--allow-fs-read=*', '--allow-fs-write=/tmp/*', '--allow-addons', ...(childProcess ? ['--allow-child-process'] : [])].join(' ');
}

export interface HarnessConfig {
  readonly functionId: string;
  readonly enforcer: boolean;
  readonly env: Record<string, string>;
  /** Marks the runtime process, so that its pid can be found in /proc. */
  readonly tag: string;
}

export function harnessConfig(id: ConfigId, handler: string): HarnessConfig {
  const tag = randomUUID();
  const base = { tag, env: { BENCH_TAG: tag } as Record<string, string> };
  switch (id) {
    case 'none': return { ...base, functionId: `Bench/Default/${handler}`, enforcer: false };
    case 'layer': return { ...base, functionId: `Bench/Default/${handler}`, enforcer: true };
    case 'strict': return { ...base, functionId: `Bench/Strict/${handler}`, enforcer: true };
    case 'permission': return {
      ...base,
      functionId: `Bench/Default/${handler}`,
      enforcer: false,
      env: { ...base.env, NODE_OPTIONS: permissionFlags(handler === 'realistic') },
    };
  }
}
