// Uploads argv[3] MB in 64 KB chunks by HTTP POST to 127.0.0.1:argv[2] and
// prints one JSON line: { ms, bytes } from request start to response end.
const http = require('node:http');
const port = Number(process.argv[2]);
const total = Number(process.argv[3] ?? 100) * 1024 * 1024;
const chunk = Buffer.alloc(64 * 1024, 'nano-enforcer bench payload; no secrets in here. ');
const t0 = process.hrtime.bigint();
const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/upload', headers: { 'content-length': total } }, (res) => {
  let body = '';
  res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => {
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (Number(body) !== total) throw new Error(`the listener got ${body} bytes, not ${total}`);
    process.stdout.write(`${JSON.stringify({ ms, bytes: total })}\n`);
  });
});
let sent = 0;
const pump = () => {
  while (sent < total) {
    const n = Math.min(chunk.length, total - sent);
    sent += n;
    if (!req.write(n === chunk.length ? chunk : chunk.subarray(0, n))) return void req.once('drain', pump);
  }
  req.end();
};
pump();
