// One Lambda function from cdk.out, run locally by the real runtime client:
// a runtime process serves invocation after invocation (warm) until it is
// stopped, times out or dies; the next invocation then starts a new one (cold).
import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { FunctionDescription, describeFunction } from './assembly';
import { HarnessError } from './harness-error';
import { EnforcerEvent, LogSink } from './log-sink';
import { nodeBinary, nodeVersionForMajor } from './node-binaries';
import { InvocationOutcome, RuntimeApiServer } from './runtime-api';
import { runtimeClientDir } from './runtime-client';
import { Isolation, ProcessPlan, detectIsolation, planProcess } from './sandbox';
import { newerSource } from './stale-check';

export interface LocalLambdaOptions {
  /** The synthesized cloud assembly (`cdk.out`). */
  readonly assemblyDir: string;
  /** Construct path (`Stack/Fn` or `Fn`) or logical id of the function. */
  readonly functionId: string;
  /** Run with the cdk-nano-enforcer layer, preload flag and policy as synthesized; false: the same function without them. @default true */
  readonly enforcer?: boolean;
  /** Node.js major to run on, '22' or '24'. @default - the function's runtime */
  readonly nodeVersion?: string;
  /** 'namespace' (exact layout; root), 'mapped', or 'auto'. @default 'auto' */
  readonly isolation?: Isolation | 'auto';
  /** Per-invocation timeout. @default - the function's Timeout */
  readonly timeoutMs?: number;
  /** Variables set after the template's (e.g. another NANO_ENFORCER_POLICY). */
  readonly env?: Record<string, string>;
  /**
   * Node flags after the ones Lambda's bootstrap passes, before the runtime
   * client (e.g. V8 heap sizes held fixed for a memory measurement). Each
   * must be one `--flag` or `--flag=value`.
   */
  readonly nodeArgs?: string[];
  /** Progress and notes (the runtime client build, mapped paths). */
  readonly log?: (message: string) => void;
}

export interface InvocationError {
  readonly errorType: string;
  readonly errorMessage: string;
  readonly trace?: string[];
}

export interface InvokeResult {
  readonly requestId: string;
  /** The handler's result (parsed JSON), when it succeeded. */
  readonly response?: unknown;
  /** Set when the handler failed, init failed, the process died or timed out. */
  readonly error?: InvocationError;
  /** The function's log lines (stdout and stderr, the runtime client's formatting), without the enforcer's events. */
  readonly logs: string[];
  /** The enforcer's events (JSON lines with "source":"nano-enforcer"). */
  readonly events: EnforcerEvent[];
  /** True when this invocation started the runtime process. */
  readonly cold: boolean;
  /** Wall time of the invocation, init included when cold. */
  readonly durationMs: number;
  /** Spawn to the runtime's first request for work, when cold. */
  readonly initDurationMs?: number;
}

class InvocationFailure extends Error {
  constructor(readonly failure: InvocationError) {
    super(failure.errorMessage);
  }
}

export class LocalLambda {
  /** Reads the function from the assembly, prepares the runtime client and node; starts nothing yet. */
  static async fromAssembly(options: LocalLambdaOptions): Promise<LocalLambda> {
    const fn = describeFunction(options.assemblyDir, options.functionId);
    const major = options.nodeVersion ?? /^nodejs(\d+)/.exec(fn.runtime)?.[1] ?? '';
    if (major !== '22' && major !== '24') {
      throw new HarnessError(`${fn.constructPath} runs on ${fn.runtime}; the runtime client here needs Node.js 22 or 24. Choose one with --node 22 (nodeVersion: '22').`);
    }
    const bad = (options.nodeArgs ?? []).find((a) => !/^--[a-z0-9][-a-z0-9_]*(=\S*)?$/i.test(a));
    if (bad !== undefined) throw new HarnessError(`nodeArgs: '${bad}' is not one node flag; give each flag as its own '--flag' or '--flag=value'.`);
    const auto = detectIsolation();
    const isolation = options.isolation && options.isolation !== 'auto' ? options.isolation : auto.isolation;
    if (isolation === 'namespace' && auto.isolation !== 'namespace') throw new HarnessError(`isolation 'namespace' is not available: ${auto.reason}`);
    const notes: string[] = [];
    if (isolation === 'mapped') {
      notes.push(`paths are mapped, not mounted (${auto.reason ?? 'as asked'}): /var/task, /opt and /var/runtime are the asset directories themselves, and /tmp is a fresh TMPDIR only for code that honours it. Run as root on Linux for the exact layout.`);
    }
    const newer = newerSource(options.assemblyDir);
    if (newer) notes.push(`${options.assemblyDir} may be stale: ${newer} changed after the last synth. Run 'cdk synth' to test what you would deploy.`);
    if (fn.externalLayers.length > 0) notes.push(`layers given by ARN are not available locally and are left out: ${fn.externalLayers.join(', ')}`);
    if (fn.unresolvedVariables.length > 0) notes.push(`only known at deploy time, given placeholders: ${fn.unresolvedVariables.join(', ')}`);
    const version = nodeVersionForMajor(major);
    const node = nodeBinary(version);
    const ric = runtimeClientDir({ log: options.log });
    for (const n of notes) options.log?.(`note: ${n}`);
    return new LocalLambda(fn, options, isolation, version, node, ric, notes);
  }

  private readonly server = new RuntimeApiServer();
  private runtimeApi?: string;
  private child?: ChildProcess;
  private plan?: ProcessPlan;
  private sink = new LogSink();
  private exited?: Promise<void>;
  private nextSeen?: () => void;
  /** The runtime has asked for work since the last invocation was handed out. */
  private idle = false;
  private initError?: InvocationError;
  private chain: Promise<unknown> = Promise.resolve();

  private constructor(
    /** What was read from the assembly. */
    readonly description: FunctionDescription,
    private readonly options: LocalLambdaOptions,
    /** How the layout is made. */
    readonly isolation: Isolation,
    /** The exact Node.js version. */
    readonly nodeVersion: string,
    private readonly node: string,
    private readonly ric: string,
    /** What differs from Lambda here (mapped paths, left-out layers, placeholders). */
    readonly notes: string[],
  ) {
    this.server.onNext = () => {
      this.idle = true;
      this.nextSeen?.();
    };
    this.server.onInitError = (body, errorType) => {
      this.initError = parseError(body, errorType ?? 'Runtime.InitError');
    };
  }

  /** Invokes the function once; invocations are serialised, like one Lambda execution environment. */
  invoke(event: unknown, options: { timeoutMs?: number } = {}): Promise<InvokeResult> {
    const run = this.chain.then(() => this.invokeNow(event, options.timeoutMs ?? this.options.timeoutMs ?? this.description.timeoutSeconds * 1000));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * What the function logged after its last invocation ended: the output of
   * work it left running (on Lambda, such work runs only while a later
   * invocation thaws the environment, and its lines land in that invocation).
   */
  async lateOutput(): Promise<{ logs: string[]; events: EnforcerEvent[] }> {
    await this.chain;
    if (this.child) await this.settleLogs();
    return this.sink.end();
  }

  /** Stops the runtime process (the next invocation is cold) and, with `final`, the Runtime API server. */
  async stop(final = true): Promise<void> {
    await this.chain;
    await this.kill();
    if (final) await this.server.stop();
  }

  private async invokeNow(event: unknown, timeoutMs: number): Promise<InvokeResult> {
    const t0 = performance.now();
    this.runtimeApi ??= await this.server.start();
    const cold = !this.child;
    let initDurationMs: number | undefined;
    if (cold) {
      try {
        initDurationMs = await this.startProcess(t0);
      } catch (e) {
        if (!(e instanceof InvocationFailure)) throw e;
        await this.kill();
        return { requestId: randomUUID(), error: e.failure, ...this.sink.end(), cold, durationMs: performance.now() - t0 };
      }
    }
    this.idle = false;
    const { requestId, outcome } = this.server.invoke({
      payload: JSON.stringify(event ?? null),
      deadlineMs: Date.now() + timeoutMs,
      functionArn: `arn:aws:lambda:${this.description.region}:${this.description.account}:function:${this.description.functionName}`,
    });
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new InvocationFailure({ errorType: 'Sandbox.Timedout', errorMessage: `Task timed out after ${(timeoutMs / 1000).toFixed(2)} seconds` })), timeoutMs);
    });
    let result: InvocationOutcome | undefined;
    let error: InvocationError | undefined;
    try {
      result = await Promise.race([outcome, timedOut]);
    } catch (e) {
      error = e instanceof InvocationFailure ? e.failure : { errorType: 'Runtime.Unknown', errorMessage: String((e as Error).message ?? e) };
    } finally {
      clearTimeout(timer);
    }
    if (error) {
      // A timed-out or failed environment is not reused: the next invocation is cold.
      await this.kill();
    } else {
      await this.settleLogs();
    }
    const durationMs = performance.now() - t0;
    const { logs, events } = this.sink.end();
    if (result?.error !== undefined) error = parseError(result.error, result.errorType);
    return {
      requestId,
      logs,
      events,
      cold,
      durationMs,
      initDurationMs,
      ...(error ? { error } : { response: parseJson(result?.response ?? 'null') }),
    };
  }

  /** Starts the runtime process; resolves when it first asks for work (or fails with its init error). */
  private async startProcess(t0: number): Promise<number> {
    this.initError = undefined;
    this.sink = new LogSink();
    this.plan = planProcess({
      fn: this.description,
      enforcer: this.options.enforcer ?? true,
      nodeBinary: this.node,
      runtimeClientDir: this.ric,
      runtimeApi: this.runtimeApi!,
      isolation: this.isolation,
      extraEnv: this.options.env,
      nodeArgs: this.options.nodeArgs,
    });
    const child = spawn(this.plan.command, this.plan.args, { cwd: this.plan.cwd, env: this.plan.env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    child.stdout!.setEncoding('utf8').on('data', (d: string) => this.sink.write(d, 'stdout'));
    child.stderr!.setEncoding('utf8').on('data', (d: string) => this.sink.write(d, 'stderr'));
    this.exited = new Promise<void>((resolve) => child.once('close', (code, signal) => {
      if (this.child === child) this.child = undefined;
      const failure = this.initError ?? { errorType: 'Runtime.ExitError', errorMessage: `Runtime exited with error: ${signal ? `signal ${signal}` : `exit status ${code}`}` };
      this.server.abort(new InvocationFailure(failure));
      resolve();
    }));
    child.once('error', (e) => this.sink.write(`cannot start the runtime process: ${e.message}\n`, 'stderr'));
    await new Promise<void>((resolve) => {
      this.nextSeen = resolve;
      void this.exited!.then(resolve);
    });
    if (!this.child) {
      throw new InvocationFailure(this.initError ?? { errorType: 'Runtime.ExitError', errorMessage: 'the runtime process exited during init (see the logs)' });
    }
    return performance.now() - t0;
  }

  /** Waits until the runtime is idle again, so that everything it logged for this invocation has been read. */
  private async settleLogs(): Promise<void> {
    if (!this.idle) await Promise.race([new Promise<void>((r) => (this.nextSeen = r)), this.exited, new Promise((r) => setTimeout(r, 250))]);
    for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  }

  private async kill(): Promise<void> {
    const child = this.child;
    if (child) {
      child.kill('SIGKILL');
      await this.exited;
    }
    this.child = undefined;
    this.plan?.cleanup();
    this.plan = undefined;
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function parseError(body: string, errorType?: string): InvocationError {
  const e = parseJson(body) as any;
  if (e && typeof e === 'object') return { errorType: String(e.errorType ?? errorType ?? 'Error'), errorMessage: String(e.errorMessage ?? ''), trace: e.trace ?? e.stackTrace };
  return { errorType: errorType ?? 'Error', errorMessage: String(body) };
}
