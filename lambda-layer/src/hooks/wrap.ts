// Primitives captured when the preload loads, before any user code: code that
// runs later may poison Function.prototype.call/apply or Reflect and it
// changes nothing here.
export const apply = Reflect.apply;
export const construct = Reflect.construct;
export const defineProperty = Reflect.defineProperty;
export const getOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
export const ownKeys = Reflect.ownKeys;
export const getPrototypeOf = Reflect.getPrototypeOf;
const setPrototypeOf = Reflect.setPrototypeOf;

// Parenthesized function expressions: compiled with the preload's script (see preload.ts).
/**
 * Makes `wrapper` look like `original`: same name, length, prototype chain and
 * own properties (util.promisify.custom, __promisify__, statics). The
 * preload's install loop checks the common case (nothing to copy) inline, so
 * this runs only for the few wrappers that differ (execve, Worker).
 */
export const disguise = (function disguise<T extends Function>(wrapper: T, original: Function): T {
  if (wrapper.name !== original.name) copy(wrapper, original, 'name');
  if (wrapper.length !== original.length) copy(wrapper, original, 'length');
  const keys = ownKeys(original);
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i];
    if (key !== 'length' && key !== 'name' && key !== 'prototype' && key !== 'arguments' && key !== 'caller') copy(wrapper, original, key);
  }
  const proto = getPrototypeOf(original);
  if (getPrototypeOf(wrapper) !== proto) setPrototypeOf(wrapper, proto);
  return wrapper;
});

const copy = (function copy(to: object, from: object, key: PropertyKey): void {
  const d = getOwnPropertyDescriptor(from, key);
  // Null prototype: a descriptor inherits nothing from a polluted Object.prototype (a `get` would make it invalid).
  if (!d) return;
  setPrototypeOf(d, null);
  defineProperty(to, key, d);
});

/** process.binding without the --pending-deprecation warning, or undefined. */
export const binding = (function binding<T>(name: string): T | undefined {
  const p = process as unknown as { binding?: (n: string) => T; noDeprecation?: boolean };
  const saved = p.noDeprecation;
  try {
    p.noDeprecation = true;
    return typeof p.binding === 'function' ? apply(p.binding, process, [name]) : undefined;
  } catch {
    return undefined;
  } finally {
    p.noDeprecation = saved;
  }
});
