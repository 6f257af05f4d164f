// Resolves the CloudFormation intrinsics that appear in a function's
// environment to what they would be at deploy time, where that is knowable
// locally (pseudo parameters, parameter defaults, joins and subs of those).
// Anything else (an attribute of another resource, an import) becomes a
// readable placeholder, and the value is reported as incomplete.

export interface TemplateContext {
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
  /** The template's Parameters section. */
  readonly parameters: Record<string, { Default?: unknown; Type?: string }>;
}

export interface Resolved {
  readonly value: string;
  /** False when a placeholder stands in for something only deploy time knows. */
  readonly complete: boolean;
}

export function placeholder(what: string): string {
  return `<unresolved ${what}>`;
}

export function resolveValue(value: unknown, ctx: TemplateContext): Resolved {
  if (typeof value === 'string') return { value, complete: true };
  if (typeof value === 'number' || typeof value === 'boolean') return { value: String(value), complete: true };
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const [fn, arg] = Object.entries(value as Record<string, unknown>)[0] ?? [];
    switch (fn) {
      case 'Ref': return resolveRef(String(arg), ctx);
      case 'Fn::Join': return resolveJoin(arg, ctx);
      case 'Fn::Sub': return resolveSub(arg, ctx);
      case 'Fn::GetAtt': return { value: placeholder(`Fn::GetAtt ${Array.isArray(arg) ? arg.join('.') : String(arg)}`), complete: false };
      default: return { value: placeholder(fn ?? JSON.stringify(value)), complete: false };
    }
  }
  return { value: placeholder(JSON.stringify(value)), complete: false };
}

function resolveRef(name: string, ctx: TemplateContext): Resolved {
  switch (name) {
    case 'AWS::Region': return { value: ctx.region, complete: true };
    case 'AWS::AccountId': return { value: ctx.account, complete: true };
    case 'AWS::Partition': return { value: 'aws', complete: true };
    case 'AWS::URLSuffix': return { value: 'amazonaws.com', complete: true };
    case 'AWS::StackName': return { value: ctx.stackName, complete: true };
    case 'AWS::StackId': return { value: `arn:aws:cloudformation:${ctx.region}:${ctx.account}:stack/${ctx.stackName}/local`, complete: true };
    default: break;
  }
  const param = ctx.parameters[name];
  if (param && param.Default !== undefined && !String(param.Type ?? '').startsWith('AWS::SSM::')) {
    return { value: String(param.Default), complete: true };
  }
  return { value: placeholder(`Ref ${name}`), complete: false };
}

function resolveJoin(arg: unknown, ctx: TemplateContext): Resolved {
  if (!Array.isArray(arg) || arg.length !== 2 || !Array.isArray(arg[1])) return { value: placeholder('Fn::Join'), complete: false };
  const parts = (arg[1] as unknown[]).map((p) => resolveValue(p, ctx));
  return { value: parts.map((p) => p.value).join(String(arg[0])), complete: parts.every((p) => p.complete) };
}

function resolveSub(arg: unknown, ctx: TemplateContext): Resolved {
  const [text, vars] = Array.isArray(arg) ? [String(arg[0]), (arg[1] ?? {}) as Record<string, unknown>] : [String(arg), {}];
  let complete = true;
  const value = text.replace(/\$\{([^}!][^}]*)\}/g, (_m, name: string) => {
    const r = name in vars ? resolveValue(vars[name], ctx)
      : name.includes('.') ? { value: placeholder(`Fn::GetAtt ${name}`), complete: false }
        : resolveRef(name, ctx);
    complete = complete && r.complete;
    return r.value;
  }).replace(/\$\{!/g, '${');
  return { value, complete };
}
