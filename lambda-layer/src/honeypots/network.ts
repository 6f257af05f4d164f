// The bodies of the hooks on the real choke points of outbound bytes: the
// StreamBase write methods of TCP handles (http, net, undici in plaintext)
// and of TLSWrap (https, tls: the plaintext, before encryption), UDP's send,
// and c-ares' getaddrinfo (dns.lookup, and so every connect by host name) and
// resolver queries. The preload installs the wrappers at start (only when
// decoys are configured) under the names in NETWORK_HOOKS; the first call
// loads the engine and this bundle. A write that carries no decoy goes
// through unchanged.
import { isBytes, type Captured } from '../captured';
import type { Handler } from '../hooks/handler';
import { apply } from '../hooks/wrap';

/** What the hooks report to; a false return refuses the write. */
export interface NetworkSink {
  stream(handle: object, channel: 'tcp' | 'tls', data: Uint8Array | string): boolean;
  datagram(handle: object, data: Uint8Array): boolean;
  dns(api: string, name: unknown): void;
}

const UV_EACCES = -13;

/**
 * The engine's handler for the network hook `name` ('tcp.writeBuffer',
 * 'tls.writev', 'udp.send', 'dns.getaddrinfo', 'dns.queryTxt', ... as the
 * preload names them), or undefined for another name. The name is read once,
 * here: the bodies run on every write. What is a buffer is told by `k`'s
 * getter (captured.ts, isBytes), not by instanceof.
 */
export function networkHandler(sink: NetworkSink, name: string, k: Pick<Captured, 'apply' | 'bytesTag'>): Handler | undefined {
  const dot = name.indexOf('.');
  const kind = name.slice(0, dot);
  const method = name.slice(dot + 1);
  if (kind === 'tcp' || kind === 'tls') {
    // writev(req, chunks, allBuffers): buffers, or [chunk, encoding, chunk, encoding, ...]
    if (method === 'writev') {
      return (orig) => function (this: unknown, a: unknown[]) {
        const chunks = a[1];
        if (Array.isArray(chunks)) {
          const stepBy = a[2] === true ? 1 : 2;
          for (let i = 0; i < chunks.length; i += stepBy) {
            const data: unknown = chunks[i];
            if ((typeof data === 'string' || isBytes(k, data)) && !sink.stream(this as object, kind, data)) return UV_EACCES;
          }
        }
        return apply(orig, this, a);
      };
    }
    // writeBuffer(req, buffer), write*String(req, string)
    return (orig) => function (this: unknown, a: unknown[]) {
      const data = a[1];
      if ((typeof data === 'string' || isBytes(k, data)) && !sink.stream(this as object, kind, data)) return UV_EACCES;
      return apply(orig, this, a);
    };
  }
  if (kind === 'udp') {
    // send(req, list, count, ...) and send6: list holds the datagram's buffers.
    return (orig) => function (this: unknown, a: unknown[]) {
      const list = a[1];
      if (Array.isArray(list)) {
        for (const b of list as unknown[]) if (isBytes(k, b) && !sink.datagram(this as object, b)) return UV_EACCES;
      }
      return apply(orig, this, a);
    };
  }
  if (kind === 'dns') {
    // getaddrinfo(req, hostname, family, hints, order); query*(req, name)
    const api = method === 'getaddrinfo' ? 'lookup' : method;
    return (orig) => function (this: unknown, a: unknown[]) {
      sink.dns(api, a[1]);
      return apply(orig, this, a);
    };
  }
  return undefined;
}
