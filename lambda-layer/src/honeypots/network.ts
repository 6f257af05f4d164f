// Hooks on the real choke points of outbound bytes: the StreamBase write
// methods of TCP handles (http, net, undici in plaintext) and of TLSWrap
// (https, tls: the plaintext, before encryption), UDP's send, and c-ares'
// getaddrinfo (dns.lookup, and so every connect by host name) and resolver
// queries. Installed at start only when decoys are configured; a write that
// carries no decoy goes through unchanged.
import { replace } from './patch';
import { apply, binding } from '../hooks/wrap';

type AnyFn = (...a: unknown[]) => unknown;
type Proto = Record<string, unknown>;

/** What the hooks report to; a false return refuses the write. */
export interface NetworkSink {
  stream(handle: object, channel: 'tcp' | 'tls', data: Uint8Array | string): boolean;
  datagram(handle: object, data: Uint8Array): boolean;
  dns(api: string, name: unknown): void;
}

const UV_EACCES = -13;
const STRING_WRITES = ['writeUtf8String', 'writeLatin1String', 'writeAsciiString', 'writeUcs2String'];

function wrap(obj: Proto | undefined, key: string, orig: unknown, body: (orig: AnyFn, self: unknown, a: unknown[]) => unknown): void {
  if (obj === undefined || typeof orig !== 'function') return;
  const wrapper = { [key]: function (this: unknown, ...a: unknown[]): unknown { return body(orig as AnyFn, this, a); } }[key]!;
  replace(obj, key, wrapper, orig as AnyFn);
}

function streamWrites(proto: Proto | undefined, from: Proto | undefined, channel: 'tcp' | 'tls', sink: NetworkSink): void {
  if (proto === undefined || from === undefined) return;
  // writeBuffer(req, buffer), write*String(req, string)
  const one = (orig: AnyFn, self: unknown, a: unknown[]): unknown => {
    const data = a[1];
    if ((typeof data === 'string' || data instanceof Uint8Array) && !sink.stream(self as object, channel, data)) return UV_EACCES;
    return apply(orig, self, a);
  };
  wrap(proto, 'writeBuffer', from.writeBuffer, one);
  for (const k of STRING_WRITES) wrap(proto, k, from[k], one);
  // writev(req, chunks, allBuffers): buffers, or [chunk, encoding, chunk, encoding, ...]
  wrap(proto, 'writev', from.writev, (orig, self, a) => {
    const chunks = a[1];
    if (Array.isArray(chunks)) {
      const stepBy = a[2] === true ? 1 : 2;
      for (let i = 0; i < chunks.length; i += stepBy) {
        const data: unknown = chunks[i];
        if ((typeof data === 'string' || data instanceof Uint8Array) && !sink.stream(self as object, channel, data)) return UV_EACCES;
      }
    }
    return apply(orig, self, a);
  });
}

export function installNetwork(sink: NetworkSink): string[] {
  const faults: string[] = [];
  const tcp = binding<{ TCP?: { prototype: Proto } }>('tcp_wrap')?.TCP?.prototype;
  // The write methods live on LibuvStreamWrap.prototype, shared with pipes and
  // TTYs (stdout); own properties on TCP.prototype see TCP sockets only.
  if (tcp) streamWrites(tcp, Reflect.getPrototypeOf(tcp) as Proto, 'tcp', sink);
  else faults.push('tcp_wrap');
  const tls = binding<{ TLSWrap?: { prototype: Proto } }>('tls_wrap')?.TLSWrap?.prototype;
  if (tls) streamWrites(tls, pick(tls), 'tls', sink);
  else faults.push('tls_wrap');
  const udp = binding<{ UDP?: { prototype: Proto } }>('udp_wrap')?.UDP?.prototype;
  // send(req, list, count, ...) and send6: list holds the datagram's buffers.
  const send = (orig: AnyFn, self: unknown, a: unknown[]): unknown => {
    const list = a[1];
    if (Array.isArray(list)) {
      for (const b of list as unknown[]) if (b instanceof Uint8Array && !sink.datagram(self as object, b)) return UV_EACCES;
    }
    return apply(orig, self, a);
  };
  if (udp) for (const k of ['send', 'send6']) wrap(udp, k, udp[k], send);
  else faults.push('udp_wrap');
  const cares = binding<Proto & { ChannelWrap?: { prototype: Proto } }>('cares_wrap');
  if (cares) {
    // getaddrinfo(req, hostname, family, hints, order); query*(req, name)
    wrap(cares, 'getaddrinfo', cares.getaddrinfo, (orig, self, a) => { sink.dns('lookup', a[1]); return apply(orig, self, a); });
    const channel = cares.ChannelWrap?.prototype;
    if (channel) {
      for (const k of Object.getOwnPropertyNames(channel)) {
        if (k.startsWith('query')) wrap(channel, k, channel[k], (orig, self, a) => { sink.dns(k, a[1]); return apply(orig, self, a); });
      }
    }
  } else {
    faults.push('cares_wrap');
  }
  return faults;
}

function pick(proto: Proto): Proto {
  const out: Proto = {};
  for (const k of ['writeBuffer', 'writev', ...STRING_WRITES]) out[k] = proto[k];
  return out;
}
