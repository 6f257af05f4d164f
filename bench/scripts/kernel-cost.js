// What the kernel charges a process on this machine for what an instruction
// count does not see: a minor page fault (a fresh anonymous page touched)
// and a system call (a 64-byte write to a loopback TCP socket, the kind of
// call the runtime client makes to the Runtime API, issued from JavaScript:
// Node's binding around it is counted too). Prints one JSON line:
// { faultUs, syscallUs, faultsSeen }, the medians of 7 rounds.
const fs = require('node:fs');
const net = require('node:net');
const PAGES = 8192;
const ROUNDS = 7;
const median = (a) => [...a].sort((x, y) => x - y)[a.length >> 1];

function faultCost() {
  const perFault = [];
  let seen = 0;
  for (let r = 0; r < ROUNDS; r++) {
    // An ArrayBuffer this large is zero pages from the kernel, mapped on first touch.
    const bytes = new Uint8Array(new ArrayBuffer(PAGES * 4096));
    const f0 = process.resourceUsage().minorPageFault;
    const t0 = process.hrtime.bigint();
    for (let p = 0; p < PAGES; p++) bytes[p * 4096] = 1;
    const dt = Number(process.hrtime.bigint() - t0) / 1e3;
    seen = process.resourceUsage().minorPageFault - f0;
    perFault.push(dt / Math.max(seen, 1));
  }
  return { faultUs: median(perFault), faultsSeen: seen };
}

async function syscallCost() {
  const server = net.createServer((s) => s.resume());
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  const socket = net.connect(server.address().port, '127.0.0.1');
  await new Promise((r) => socket.once('connect', r));
  const fd = socket._handle.fd;
  const chunk = Buffer.alloc(64, 1);
  const perCall = [];
  for (let r = 0; r < ROUNDS; r++) {
    let us = 0;
    let calls = 0;
    for (let batch = 0; batch < 20; batch++) {
      const t0 = process.hrtime.bigint();
      let i = 0;
      try {
        for (; i < 500; i++) fs.writeSync(fd, chunk);
      } catch (e) {
        // A full socket (the listener is slow on a busy machine): the calls so far count, the batch ends.
        if (e.code !== 'EAGAIN') throw e;
      }
      us += Number(process.hrtime.bigint() - t0) / 1e3;
      calls += i;
      // The listener drains the socket between batches: no write waits for room.
      await new Promise((res) => setTimeout(res, 2));
    }
    perCall.push(us / Math.max(calls, 1));
  }
  socket.destroy();
  server.close();
  return median(perCall);
}

(async () => {
  const { faultUs, faultsSeen } = faultCost();
  const syscallUs = await syscallCost();
  process.stdout.write(`${JSON.stringify({ faultUs, syscallUs, faultsSeen })}\n`);
})();
