// Installs a honeypot wrapper the way the preload installs its hooks:
// disguised as the original, non-writable and non-configurable where the
// property allows it, so code loaded later cannot take it back.
import { disguise, getOwnPropertyDescriptor, defineProperty } from '../hooks/wrap';

type AnyFn = (...a: unknown[]) => unknown;

export function replace(obj: Record<string, unknown>, key: string, wrapper: AnyFn, original: AnyFn): void {
  const w = disguise(wrapper, original);
  const d = getOwnPropertyDescriptor(obj, key);
  if (!d || d.configurable) defineProperty(obj, key, { value: w, writable: false, configurable: false, enumerable: d ? !!d.enumerable : false });
  else if (d.writable) obj[key] = w;
}
