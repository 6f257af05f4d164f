// A URL an API takes for a file (a worker's script, fs.openAsBlob's and
// process.loadEnvFile's path), made once from an href string with the URL
// class and getters captured at start, whatever user code did to URL since.
import { c } from '../captured';

type UrlParts = [new (h: string) => object, (this: object) => string, (this: object) => string, (this: object) => string];

/** The URL, its href, and its path when it is a file: URL (what Node's fileURLToPath returns). Throws for an href that is not a URL, as Node would. */
export function urlFrom(href: string): { url: object; href: string; path: string | undefined } {
  const [UrlCtor, getHref, getProtocol, getPathname] = c.url as UrlParts;
  const url = c.construct(UrlCtor, [href]);
  const file = c.apply(getProtocol, url, []) === 'file:';
  return { url, href: c.apply(getHref, url, []) as string, path: file ? decodeURIComponent(c.apply(getPathname, url, []) as string) : undefined };
}
