// The 127.0.0.1 listener for the upload bench: counts the bytes, answers with the count.
const http = require('node:http');
const server = http.createServer((req, res) => {
  let n = 0;
  req.on('data', (d) => (n += d.length)).on('end', () => res.end(String(n)));
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`${server.address().port}\n`));
