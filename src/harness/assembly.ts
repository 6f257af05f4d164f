// Reads one Lambda function out of a synthesized cloud assembly (cdk.out):
// manifest.json → the stack templates → the function's properties and the
// asset directories of its code and layers, so the thing run locally is the
// thing `cdk deploy` would ship.
import { existsSync, mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TemplateContext, resolveValue } from './cfn-values';
import { HarnessError } from './harness-error';

export interface LayerAsset {
  readonly logicalId: string;
  /** The layer's content, as Lambda would extract it to /opt. */
  readonly dir: string;
  /** The cdk-nano-enforcer layer (it holds nano-enforcer/preload.js). */
  readonly isEnforcer: boolean;
}

export interface FunctionDescription {
  readonly stackName: string;
  readonly logicalId: string;
  /** Construct path without the trailing /Resource, e.g. MyStack/Orders. */
  readonly constructPath: string;
  readonly functionName: string;
  readonly runtime: string;
  readonly handler: string;
  readonly architecture: string;
  readonly memorySize: number;
  readonly timeoutSeconds: number;
  readonly region: string;
  readonly account: string;
  /** The code, as Lambda would extract it to /var/task. */
  readonly codeDir: string;
  /** In the template's order; Lambda extracts later layers over earlier ones. */
  readonly layers: LayerAsset[];
  /** Layers given by ARN (not built by this app): they cannot be run locally. */
  readonly externalLayers: string[];
  readonly environment: Record<string, string>;
  /** Variables whose value holds a placeholder for something only known at deploy time. */
  readonly unresolvedVariables: string[];
}

interface Resource { Type: string; Properties?: any; Metadata?: Record<string, any> }
interface StackTemplate { stackName: string; dir: string; region: string; account: string; template: any; assetFiles: any[] }

/** A function candidate, for "no such function" messages. */
export interface FunctionSummary { readonly constructPath: string; readonly logicalId: string; readonly runtime: string }

export function listFunctions(assemblyDir: string): FunctionSummary[] {
  return stacks(assemblyDir).flatMap((s) => Object.entries<Resource>(s.template.Resources ?? {})
    .filter(([, r]) => r.Type === 'AWS::Lambda::Function')
    .map(([id, r]) => ({ constructPath: constructPathOf(r, `${s.stackName}/${id}`), logicalId: id, runtime: r.Properties?.Runtime ?? (r.Properties?.PackageType === 'Image' ? 'container image' : '?') })));
}

/**
 * Finds a function by construct path (`Stack/Fn`, `Fn`, with or without
 * `/Resource`) or by logical id, and describes it. Fails with the candidates.
 */
export function describeFunction(assemblyDir: string, functionId: string): FunctionDescription {
  const all = stacks(assemblyDir);
  const wanted = functionId.replace(/^\/+/, '').replace(/\/Resource$/, '');
  const matches: Array<[StackTemplate, string, Resource]> = [];
  for (const s of all) {
    for (const [id, r] of Object.entries<Resource>(s.template.Resources ?? {})) {
      if (r.Type !== 'AWS::Lambda::Function') continue;
      const path = constructPathOf(r, `${s.stackName}/${id}`);
      if (id === wanted || path === wanted || path === `${s.stackName}/${wanted}`) matches.push([s, id, r]);
    }
  }
  const candidates = () => listFunctions(assemblyDir).map((f) => `  ${f.constructPath}  (${f.logicalId}, ${f.runtime})`).join('\n') || '  (none)';
  if (matches.length === 0) throw new HarnessError(`no Lambda function '${functionId}' in ${assemblyDir}. Functions there:\n${candidates()}`);
  if (matches.length > 1) throw new HarnessError(`'${functionId}' matches ${matches.length} functions; use the full construct path:\n${candidates()}`);
  const [stack, logicalId, resource] = matches[0];
  return describe(stack, logicalId, resource);
}

function describe(stack: StackTemplate, logicalId: string, r: Resource): FunctionDescription {
  const p = r.Properties ?? {};
  const constructPath = constructPathOf(r, `${stack.stackName}/${logicalId}`);
  if (p.PackageType === 'Image') {
    throw new HarnessError(`${constructPath} is a container image function: its runtime is in the image, and layers cannot be added to images. Only zip functions on a Node.js runtime run here.`);
  }
  const runtime = String(p.Runtime ?? '');
  if (!runtime.startsWith('nodejs')) {
    throw new HarnessError(`${constructPath} is not a Node.js function (runtime: ${runtime || 'none'}). Only functions on nodejs22.x or nodejs24.x run here.`);
  }
  const ctx: TemplateContext = {
    region: stack.region, account: stack.account, stackName: stack.stackName, parameters: stack.template.Parameters ?? {},
  };
  const environment: Record<string, string> = {};
  const unresolvedVariables: string[] = [];
  for (const [name, value] of Object.entries(p.Environment?.Variables ?? {})) {
    const v = resolveValue(value, ctx);
    environment[name] = v.value;
    if (!v.complete) unresolvedVariables.push(name);
  }
  const layers: LayerAsset[] = [];
  const externalLayers: string[] = [];
  for (const l of p.Layers ?? []) {
    const ref = l && typeof l === 'object' && 'Ref' in l ? String(l.Ref) : undefined;
    const layer = ref ? stack.template.Resources?.[ref] as Resource | undefined : undefined;
    if (!ref || layer?.Type !== 'AWS::Lambda::LayerVersion') {
      externalLayers.push(resolveValue(l, ctx).value);
      continue;
    }
    const dir = assetDir(stack, ref, layer, layer.Properties?.Content?.S3Key);
    layers.push({ logicalId: ref, dir, isEnforcer: existsSync(join(dir, 'nano-enforcer', 'preload.js')) });
  }
  const name = p.FunctionName !== undefined ? resolveValue(p.FunctionName, ctx).value : `${stack.stackName}-${logicalId}`.slice(0, 64);
  return {
    stackName: stack.stackName,
    logicalId,
    constructPath,
    functionName: name,
    runtime,
    handler: String(p.Handler ?? 'index.handler'),
    architecture: String(p.Architectures?.[0] ?? 'x86_64'),
    memorySize: Number(p.MemorySize ?? 128),
    timeoutSeconds: Number(p.Timeout ?? 3),
    region: stack.region,
    account: stack.account,
    codeDir: p.Code?.ZipFile !== undefined ? inlineCode(resolveValue(p.Code.ZipFile, ctx).value) : assetDir(stack, logicalId, r, p.Code?.S3Key),
    layers,
    externalLayers,
    environment,
    unresolvedVariables,
  };
}

/** The asset directory: from aws:asset:path metadata, else from the stack's asset manifest by S3 key. */
function assetDir(stack: StackTemplate, logicalId: string, r: Resource, s3Key: unknown): string {
  let rel: string | undefined = r.Metadata?.['aws:asset:path'];
  if (!rel && typeof s3Key === 'string') {
    for (const m of stack.assetFiles) {
      for (const f of Object.values<any>(m.files ?? {})) {
        if (Object.values<any>(f.destinations ?? {}).some((d) => d.objectKey === s3Key)) rel = f.source?.path;
      }
    }
  }
  const where = `${stack.stackName}/${logicalId}`;
  if (!rel) throw new HarnessError(`cannot find the asset of ${where} in cdk.out (no aws:asset:path metadata and no matching asset manifest entry). Synthesize with asset metadata on (the default): cdk synth`);
  const dir = resolve(stack.dir, rel);
  if (!existsSync(dir)) {
    throw new HarnessError(`the asset of ${where} (${rel}) is missing from ${stack.dir}: cdk.out is stale or incomplete. Run 'cdk synth' again.`);
  }
  if (!statSync(dir).isDirectory()) {
    throw new HarnessError(`the asset of ${where} (${rel}) is a file (a zip), not a directory; only directory assets run here. Unzip it, or use Code.fromAsset(<directory>).`);
  }
  return dir;
}

function inlineCode(source: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'nano-enforcer-inline-'));
  writeFileSync(join(dir, 'index.js'), source);
  return dir;
}

function constructPathOf(r: Resource, fallback: string): string {
  const path = r.Metadata?.['aws:cdk:path'];
  return typeof path === 'string' ? path.replace(/\/Resource$/, '') : fallback;
}

function stacks(assemblyDir: string): StackTemplate[] {
  const manifestFile = join(assemblyDir, 'manifest.json');
  if (!existsSync(manifestFile)) {
    throw new HarnessError(`no cloud assembly at ${assemblyDir} (${existsSync(assemblyDir) ? 'manifest.json is missing' : 'the directory does not exist'}). Run 'cdk synth' first (or pass --app <dir> where it wrote cdk.out).`);
  }
  const manifest = JSON.parse(readFileSync(manifestFile, 'utf8'));
  const out: StackTemplate[] = [];
  const artifacts = Object.entries<any>(manifest.artifacts ?? {});
  for (const [id, a] of artifacts) {
    if (a.type === 'cdk:cloud-assembly' && a.properties?.directoryName) {
      out.push(...stacks(join(assemblyDir, a.properties.directoryName)));
    }
    if (a.type !== 'aws:cloudformation:stack') continue;
    const templateFile = join(assemblyDir, a.properties?.templateFile ?? `${id}.template.json`);
    if (!existsSync(templateFile)) throw new HarnessError(`${templateFile} is missing: cdk.out is stale or incomplete. Run 'cdk synth' again.`);
    const [, account, region] = /^aws:\/\/([^/]*)\/(.*)$/.exec(a.environment ?? '') ?? [];
    const assetFiles = artifacts.filter(([, x]) => x.type === 'cdk:asset-manifest' && (a.dependencies ?? []).includes(x === a ? '' : idOf(artifacts, x)))
      .map(([, x]) => join(assemblyDir, x.properties?.file ?? ''))
      .filter((f) => existsSync(f))
      .map((f) => JSON.parse(readFileSync(f, 'utf8')));
    out.push({
      stackName: a.properties?.stackName ?? a.displayName ?? id,
      dir: assemblyDir,
      region: region && !region.startsWith('unknown-') ? region : process.env.AWS_REGION ?? process.env.AWS_DEFAULT_REGION ?? 'us-east-1',
      account: account && !account.startsWith('unknown-') ? account : '123456789012',
      template: JSON.parse(readFileSync(templateFile, 'utf8')),
      assetFiles,
    });
  }
  return out;
}

function idOf(artifacts: Array<[string, any]>, artifact: any): string {
  return artifacts.find(([, x]) => x === artifact)?.[0] ?? '';
}
