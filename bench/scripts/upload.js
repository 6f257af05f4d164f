// Uploads argv[3] MB in 64 KB chunks by HTTP POST to 127.0.0.1:argv[2], twice
// in this process, each on a new connection, and prints one JSON line:
// { ms, warmMs, bytes }, each from request start to response end. The first
// upload is the process's first network write (with decoys, the honeypots'
// tables are built and their code compiled during it); the second shows
// what the scan costs once that is done.
const http = require('node:http');
const port = Number(process.argv[2]);
const total = Number(process.argv[3] ?? 100) * 1024 * 1024;
const chunk = Buffer.alloc(64 * 1024, 'nano-enforcer bench payload; no secrets in here. ');
const upload = () => new Promise((resolve, reject) => {
  const t0 = process.hrtime.bigint();
  const req = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/upload', headers: { 'content-length': total }, agent: false }, (res) => {
    let body = '';
    res.setEncoding('utf8').on('data', (d) => (body += d)).on('end', () => {
      if (Number(body) !== total) reject(new Error(`the listener got ${body} bytes, not ${total}`));
      else resolve(Number(process.hrtime.bigint() - t0) / 1e6);
    });
  });
  req.on('error', reject);
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
});
(async () => {
  const ms = await upload();
  const warmMs = await upload();
  process.stdout.write(`${JSON.stringify({ ms, warmMs, bytes: total })}\n`);
})();
