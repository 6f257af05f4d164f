// The engine's side of a hook: given the original function, the body of its
// wrapper, called with the wrapper's `this`, arguments and new.target.
export type AnyFn = (...a: unknown[]) => unknown;
export type Handler = (orig: AnyFn) => (this: unknown, a: unknown[], newTarget?: AnyFn) => unknown;
