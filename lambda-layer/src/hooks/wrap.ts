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

const HIDDEN = new Set<PropertyKey>(['length', 'name', 'prototype', 'arguments', 'caller']);

/**
 * Makes `wrapper` look like `original`: same name, length, prototype chain and
 * own properties (util.promisify.custom, __promisify__, statics).
 */
export function disguise<T extends Function>(wrapper: T, original: Function): T {
  for (const key of ['name', 'length']) {
    const d = getOwnPropertyDescriptor(original, key);
    if (d) defineProperty(wrapper, key, d);
  }
  for (const key of ownKeys(original)) {
    if (HIDDEN.has(key)) continue;
    const d = getOwnPropertyDescriptor(original, key);
    if (d) defineProperty(wrapper, key, d);
  }
  setPrototypeOf(wrapper, getPrototypeOf(original));
  return wrapper;
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
