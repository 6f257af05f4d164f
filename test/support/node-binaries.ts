// Real Node.js binaries for the integration tests: the product's own cache
// (src/harness/node-binaries.ts), re-exported so the tests use what users get.
//
// CLI (CI may call this before the tests):
//   npx ts-node --transpile-only test/support/node-binaries.ts [version...]
import { NODE_VERSIONS, cacheDir, nodeBinary } from '../../src/harness/node-binaries';

export { NODE_VERSIONS, cacheDir, nodeBinary };

if (require.main === module) {
  const versions = process.argv.length > 2 ? process.argv.slice(2) : [...NODE_VERSIONS];
  for (const v of versions) process.stdout.write(`${nodeBinary(v)}\n`);
}
