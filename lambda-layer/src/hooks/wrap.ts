// Primitives captured when the preload loads, before any user code: code that
// runs later may poison Function.prototype.call/apply or Reflect and it
// changes nothing here.
export const apply = Reflect.apply;
export const construct = Reflect.construct;
const defineProperty = Reflect.defineProperty;
const getOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
const ownKeys = Reflect.ownKeys;
const getPrototypeOf = Reflect.getPrototypeOf;
const setPrototypeOf = Reflect.setPrototypeOf;

/**
 * Makes `wrapper` look like `original`: same name, length, prototype chain and
 * own properties (util.promisify.custom, __promisify__, statics). Wrappers
 * are named in source (a computed key), so usually nothing is redefined:
 * redefining a function's name or length costs cold start.
 */
export function disguise<T extends Function>(wrapper: T, original: Function): T {
  // The common case (a binding function wrapped under its own name) stays tiny:
  // code that runs for every hook at init is compiled again by Sparkplug.
  if (wrapper.name === original.name && wrapper.length === original.length && ownKeys(original).length === 2
    && getPrototypeOf(wrapper) === getPrototypeOf(original)) return wrapper;
  return copyAll(wrapper, original);
}

function copyAll<T extends Function>(wrapper: T, original: Function): T {
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
}

function copy(to: object, from: object, key: PropertyKey): void {
  const d = getOwnPropertyDescriptor(from, key);
  if (d) defineProperty(to, key, d);
}

/**
 * Replaces obj[key] with `value`, non-writable and non-configurable when the
 * property allows it, keeping its enumerability. Returns false if it could not.
 */
export function lock(obj: object, key: PropertyKey, value: unknown): boolean {
  const d = getOwnPropertyDescriptor(obj, key);
  const enumerable = d ? !!d.enumerable : false;
  if (!d || d.configurable) {
    return defineProperty(obj, key, { value, writable: false, configurable: false, enumerable });
  }
  if (d.writable) {
    (obj as Record<PropertyKey, unknown>)[key] = value;
    return true;
  }
  return false;
}

/** Defines a hidden, permanent marker (idempotent install). */
export function mark(obj: object, key: symbol): boolean {
  if (getOwnPropertyDescriptor(obj, key)) return false;
  return defineProperty(obj, key, { value: true, writable: false, configurable: false, enumerable: false });
}

/** process.binding without the --pending-deprecation warning, or undefined. */
export function binding<T>(name: string): T | undefined {
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
}
