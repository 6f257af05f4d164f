// Times spawnSync('/bin/true') one call at a time, after a warm-up (the first
// start loads the enforcer's decision code lazily; reported on its own).
// argv: count. Prints one JSON line: { first, samples } in microseconds.
const { spawnSync } = require('node:child_process');
const count = Number(process.argv[2] ?? 200);
const us = () => Number(process.hrtime.bigint()) / 1e3;
const run = () => {
  const t = us();
  const r = spawnSync('/bin/true');
  const dt = us() - t;
  if (r.status !== 0) throw new Error(`spawnSync('/bin/true') failed: ${r.error?.code ?? r.status}`);
  return dt;
};
const first = run();
for (let i = 0; i < 20; i++) run();
const samples = [];
for (let i = 0; i < count; i++) samples.push(run());
process.stdout.write(`${JSON.stringify({ first, samples })}\n`);
