// Our Runtime API against a scripted client speaking the paths and headers
// aws-lambda-ric and aws-lambda-cpp use.
import { request } from 'node:http';
import { RuntimeApiServer } from '../../src/harness/runtime-api';

let server: RuntimeApiServer;
let api: string;

beforeEach(async () => {
  server = new RuntimeApiServer();
  api = await server.start();
});
afterEach(() => server.stop());

function call(method: string, path: string, body?: string, headers: Record<string, string> = {}):
Promise<{ status: number; headers: Record<string, any>; body: string }> {
  const [hostname, port] = api.split(':');
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port: Number(port), path, method, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c) => (text += c)).on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body: text }));
    });
    req.on('error', reject).end(body);
  });
}

const NEXT = '/2018-06-01/runtime/invocation/next';
const request1 = { payload: '{"a":1}', deadlineMs: 1_900_000_000_000, functionArn: 'arn:aws:lambda:us-east-1:123456789012:function:f' };

test('listens on 127.0.0.1 only', () => {
  expect(api).toMatch(/^127\.0\.0\.1:\d+$/);
});

test('holds the next request until an invocation is queued, then sends the event with Lambda\'s headers', async () => {
  let answered = false;
  const next = call('GET', NEXT).then((r) => { answered = true; return r; });
  await new Promise((r) => setTimeout(r, 50));
  expect(answered).toBe(false);

  const { requestId, outcome } = server.invoke(request1);
  outcome.catch(() => undefined); // never answered: the server's stop fails it
  const r = await next;
  expect(r.status).toBe(200);
  expect(r.body).toBe('{"a":1}');
  expect(r.headers['lambda-runtime-aws-request-id']).toBe(requestId);
  expect(r.headers['lambda-runtime-deadline-ms']).toBe('1900000000000');
  expect(r.headers['lambda-runtime-invoked-function-arn']).toBe(request1.functionArn);
  expect(r.headers['lambda-runtime-trace-id']).toMatch(/^Root=1-[0-9a-f]{8}-[0-9a-f]{24};Parent=[0-9a-f]{16};Sampled=0$/);
});

test('hands out an invocation queued before the runtime asked', async () => {
  const { requestId, outcome } = server.invoke(request1);
  outcome.catch(() => undefined);
  const r = await call('GET', NEXT);
  expect(r.headers['lambda-runtime-aws-request-id']).toBe(requestId);
});

test('resolves the invocation with the posted response', async () => {
  const { requestId, outcome } = server.invoke(request1);
  await call('GET', NEXT);
  const post = await call('POST', `/2018-06-01/runtime/invocation/${requestId}/response`, '{"ok":true}');
  expect(post.status).toBe(202);
  await expect(outcome).resolves.toEqual({ requestId, response: '{"ok":true}' });
});

test('resolves the invocation with the posted error and its error type header', async () => {
  const { requestId, outcome } = server.invoke(request1);
  await call('GET', NEXT);
  const body = '{"errorType":"TypeError","errorMessage":"x is not a function","trace":[]}';
  await call('POST', `/2018-06-01/runtime/invocation/${requestId}/error`, body, { 'Lambda-Runtime-Function-Error-Type': 'TypeError' });
  await expect(outcome).resolves.toEqual({ requestId, error: body, errorType: 'TypeError' });
});

test('rejects a response for a request id that is not in flight', async () => {
  const r = await call('POST', '/2018-06-01/runtime/invocation/nope/response', '{}');
  expect(r.status).toBe(400);
  expect(JSON.parse(r.body).errorType).toBe('InvalidRequestID');
});

test('reports an init error to its listener', async () => {
  const seen: Array<[string, string | undefined]> = [];
  server.onInitError = (body, type) => seen.push([body, type]);
  const r = await call('POST', '/2018-06-01/runtime/init/error', '{"errorType":"Runtime.ImportModuleError"}', { 'Lambda-Runtime-Function-Error-Type': 'Runtime.ImportModuleError' });
  expect(r.status).toBe(202);
  expect(seen).toEqual([['{"errorType":"Runtime.ImportModuleError"}', 'Runtime.ImportModuleError']]);
});

test('fails queued and running invocations on abort', async () => {
  const running = server.invoke(request1);
  await call('GET', NEXT);
  const queued = server.invoke(request1);
  server.abort(new Error('runtime died'));
  await expect(running.outcome).rejects.toThrow('runtime died');
  await expect(queued.outcome).rejects.toThrow('runtime died');
});

test('answers unknown paths with 404', async () => {
  expect((await call('POST', '/2018-06-01/runtime/invocation/x/other', '{}')).status).toBe(404);
});
