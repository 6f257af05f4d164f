// The Lambda Runtime API, as the runtime client sees it: four endpoints on
// 127.0.0.1 (next invocation, response, error, init error). Paths and headers
// are the ones aws-lambda-ric (and aws-lambda-cpp under it) use.
import { randomUUID } from 'node:crypto';
import { IncomingMessage, Server, ServerResponse, createServer } from 'node:http';
import { AddressInfo } from 'node:net';

const PREFIX = '/2018-06-01/runtime';

export interface InvocationRequest {
  readonly payload: string;
  /** Absolute deadline, ms since the epoch. */
  readonly deadlineMs: number;
  readonly functionArn: string;
  readonly clientContext?: string;
}

/** What the runtime answered. */
export interface InvocationOutcome {
  readonly requestId: string;
  /** The response body, when the runtime posted a response. */
  readonly response?: string;
  /** The error body (errorType, errorMessage, trace), when it posted an error. */
  readonly error?: string;
  /** Lambda-Runtime-Function-Error-Type, if given. */
  readonly errorType?: string;
}

interface Pending {
  readonly requestId: string;
  readonly request: InvocationRequest;
  resolve(outcome: InvocationOutcome): void;
  reject(error: Error): void;
}

export class RuntimeApiServer {
  /** Called when the runtime reports an init error (before or instead of any response). */
  public onInitError?: (body: string, errorType?: string) => void;
  /** Called when the runtime asks for the next invocation (it is idle). */
  public onNext?: () => void;

  private readonly server: Server;
  private readonly queue: Pending[] = [];
  private readonly inFlight = new Map<string, Pending>();
  private waiting?: ServerResponse;

  constructor() {
    this.server = createServer((req, res) => this.route(req, res));
    this.server.keepAliveTimeout = 0;
  }

  /** Listens on 127.0.0.1, a free port; returns `host:port` for AWS_LAMBDA_RUNTIME_API. */
  async start(): Promise<string> {
    await new Promise<void>((ok, fail) => this.server.once('error', fail).listen(0, '127.0.0.1', () => ok()));
    return `127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Queues an invocation; resolves when the runtime posts its response or error. */
  invoke(request: InvocationRequest, requestId: string = randomUUID()): { requestId: string; outcome: Promise<InvocationOutcome> } {
    const outcome = new Promise<InvocationOutcome>((resolve, reject) => {
      this.queue.push({ requestId, request, resolve, reject });
    });
    this.dispatch();
    return { requestId, outcome };
  }

  /** Fails every queued and running invocation (the runtime died or timed out). */
  abort(error: Error): void {
    for (const p of [...this.queue.splice(0), ...this.inFlight.values()]) p.reject(error);
    this.inFlight.clear();
    if (this.waiting) {
      this.waiting.destroy();
      this.waiting = undefined;
    }
  }

  async stop(): Promise<void> {
    this.abort(new Error('the Runtime API server stopped'));
    this.server.closeAllConnections();
    await new Promise<void>((ok) => this.server.close(() => ok()));
  }

  private dispatch(): void {
    const res = this.waiting;
    if (!res || this.queue.length === 0) return;
    this.waiting = undefined;
    const p = this.queue.shift()!;
    this.inFlight.set(p.requestId, p);
    const headers: Record<string, string> = {
      'Content-Type': 'application/json',
      'Lambda-Runtime-Aws-Request-Id': p.requestId,
      'Lambda-Runtime-Deadline-Ms': String(p.request.deadlineMs),
      'Lambda-Runtime-Invoked-Function-Arn': p.request.functionArn,
      'Lambda-Runtime-Trace-Id': `Root=1-${Math.floor(Date.now() / 1000).toString(16)}-${randomUUID().replace(/-/g, '').slice(0, 24)};Parent=${randomUUID().replace(/-/g, '').slice(0, 16)};Sampled=0`,
    };
    if (p.request.clientContext) headers['Lambda-Runtime-Client-Context'] = p.request.clientContext;
    res.writeHead(200, headers).end(p.request.payload);
  }

  private route(req: IncomingMessage, res: ServerResponse): void {
    const url = req.url ?? '';
    if (req.method === 'GET' && url === `${PREFIX}/invocation/next`) {
      if (this.waiting) return void reply(res, 409, { errorType: 'Conflict', errorMessage: 'another next request is waiting' });
      this.waiting = res;
      res.on('close', () => {
        if (this.waiting === res) this.waiting = undefined;
      });
      this.onNext?.();
      this.dispatch();
      return;
    }
    if (req.method !== 'POST') return void reply(res, 405, { errorType: 'MethodNotAllowed', errorMessage: `${req.method} ${url}` });
    void readBody(req).then((body) => {
      if (url === `${PREFIX}/init/error`) {
        this.onInitError?.(body, header(req, 'lambda-runtime-function-error-type'));
        return reply(res, 202, { status: 'OK' });
      }
      const m = /^\/2018-06-01\/runtime\/invocation\/([^/]+)\/(response|error)$/.exec(url);
      if (!m) return reply(res, 404, { errorType: 'NotFound', errorMessage: url });
      const requestId = decodeURIComponent(m[1]);
      const p = this.inFlight.get(requestId);
      if (!p) return reply(res, 400, { errorType: 'InvalidRequestID', errorMessage: `no invocation ${requestId} in flight` });
      this.inFlight.delete(requestId);
      reply(res, 202, { status: 'OK' });
      if (m[2] === 'response') p.resolve({ requestId, response: body });
      else p.resolve({ requestId, error: body, errorType: header(req, 'lambda-runtime-function-error-type') });
    });
  }
}

function header(req: IncomingMessage, name: string): string | undefined {
  const v = req.headers[name];
  return Array.isArray(v) ? v[0] : v;
}

function reply(res: ServerResponse, status: number, body: object): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) }).end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((ok) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => ok(Buffer.concat(chunks).toString('utf8'))).on('error', () => ok(''));
  });
}
