// The bodies of the hooks on the real choke points of outbound bytes: the
// StreamBase write methods of TCP handles (http, net, undici in plaintext)
// and of TLSWrap (https, tls: the plaintext, before encryption), UDP's send,
// and c-ares' getaddrinfo (dns.lookup, and so every connect by host name) and
// resolver queries. The preload installs the wrappers at start (only when
// decoys are configured) under the names in NETWORK_HOOKS; the first call
// loads the engine and this bundle. A write that carries no decoy goes
// through unchanged.
import { apply } from '../hooks/wrap';

type AnyFn = (...a: unknown[]) => unknown;

/** What the hooks report to; a false return refuses the write. */
export interface NetworkSink {
  stream(handle: object, channel: 'tcp' | 'tls', data: Uint8Array | string): boolean;
  datagram(handle: object, data: Uint8Array): boolean;
  dns(api: string, name: unknown): void;
}

const UV_EACCES = -13;

/**
 * The body of the network hook `name` ('tcp.writeBuffer', 'tls.writev',
 * 'udp.send', 'dns.getaddrinfo', 'dns.queryTxt', ... as the preload names
 * them), called with the original, the handle and the arguments.
 */
export function networkCall(sink: NetworkSink, name: string, orig: AnyFn, self: unknown, a: unknown[]): unknown {
  const dot = name.indexOf('.');
  const kind = name.slice(0, dot);
  const method = name.slice(dot + 1);
  if (kind === 'tcp' || kind === 'tls') {
    if (method === 'writev') {
      // writev(req, chunks, allBuffers): buffers, or [chunk, encoding, chunk, encoding, ...]
      const chunks = a[1];
      if (Array.isArray(chunks)) {
        const stepBy = a[2] === true ? 1 : 2;
        for (let i = 0; i < chunks.length; i += stepBy) {
          const data: unknown = chunks[i];
          if ((typeof data === 'string' || data instanceof Uint8Array) && !sink.stream(self as object, kind, data)) return UV_EACCES;
        }
      }
    } else {
      // writeBuffer(req, buffer), write*String(req, string)
      const data = a[1];
      if ((typeof data === 'string' || data instanceof Uint8Array) && !sink.stream(self as object, kind, data)) return UV_EACCES;
    }
  } else if (kind === 'udp') {
    // send(req, list, count, ...) and send6: list holds the datagram's buffers.
    const list = a[1];
    if (Array.isArray(list)) {
      for (const b of list as unknown[]) if (b instanceof Uint8Array && !sink.datagram(self as object, b)) return UV_EACCES;
    }
  } else if (kind === 'dns') {
    // getaddrinfo(req, hostname, family, hints, order); query*(req, name)
    sink.dns(method === 'getaddrinfo' ? 'lookup' : method, a[1]);
  }
  return apply(orig, self, a);
}
