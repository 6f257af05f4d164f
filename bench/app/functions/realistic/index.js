// A realistic handler: some JSON work, a read from /tmp, an allowed spawn.
const { spawnSync } = require('node:child_process');
const { readFileSync, writeFileSync } = require('node:fs');

const DATA = '/tmp/bench-orders.json';
const orders = Array.from({ length: 200 }, (_, i) => ({ id: `o-${i}`, sku: `sku-${i % 17}`, qty: (i % 5) + 1, price: 3.5 + (i % 11) }));
writeFileSync(DATA, JSON.stringify({ orders }));

exports.handler = async (event) => {
  const { orders: list } = JSON.parse(readFileSync(DATA, 'utf8'));
  const bySku = {};
  for (const o of list) bySku[o.sku] = (bySku[o.sku] ?? 0) + o.qty * o.price;
  const body = JSON.stringify({ skus: Object.keys(bySku).length, total: Object.values(bySku).reduce((a, b) => a + b, 0), echo: event });
  const child = spawnSync('/bin/true');
  return { status: child.status, error: child.error?.code, bytes: body.length };
};
