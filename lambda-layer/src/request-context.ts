// The request id of the invocation running now, read only when an event is
// written. The Lambda runtime client (aws-lambda-ric >= 4, via
// @aws/lambda-invoke-store) keeps it in globalThis.awslambda.InvokeStore: an
// AsyncLocalStorage when one process serves several invocations at once
// (AWS_LAMBDA_MAX_CONCURRENCY), a plain field otherwise. getRequestId()
// returns '-' outside an invocation.
import { c } from './captured';

interface InvokeStoreLike { getRequestId?: () => unknown }

export function currentRequestId(): string | undefined {
  try {
    const g = globalThis as { awslambda?: { InvokeStore?: InvokeStoreLike } };
    const store = g.awslambda?.InvokeStore;
    const get = store?.getRequestId;
    if (typeof get !== 'function') return undefined;
    const id: unknown = c.apply(get, store, []);
    return typeof id === 'string' && id !== '' && id !== '-' ? id : undefined;
  } catch {
    return undefined;
  }
}
