import { execFileSync } from 'child_process';
import * as path from 'path';

// Python and Java users get the layer only if it is inside the npm tarball,
// which jsii-pacmak wraps into the wheel and the jar.
describe('the npm package', () => {
  const files: string[] = (() => {
    const out = execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: path.join(__dirname, '..'), encoding: 'utf8' });
    return JSON.parse(out)[0].files.map((f: { path: string }) => f.path);
  })();

  test('contains the built layer', () => {
    expect(files).toContain('assets/layer/nano-enforcer/preload.js');
  });

  test('leaves out the enforcer sources, tests and examples', () => {
    expect(files.filter(f => /^(lambda-layer|test|examples|src)\//.test(f))).toEqual([]);
  });
});

describe('the layer', () => {
  test('stays under its 150 KB zipped budget', () => {
    const { readdirSync, readFileSync, statSync } = jest.requireActual('fs') as typeof import('fs');
    const { deflateRawSync } = jest.requireActual('zlib') as typeof import('zlib');
    const root = path.join(__dirname, '..', 'assets', 'layer');
    const walk = (dir: string): string[] => readdirSync(dir).flatMap(name => {
      const full = path.join(dir, name);
      return statSync(full).isDirectory() ? walk(full) : [full];
    });
    // Deflate is what a zip holds; ~100 bytes of headers per entry.
    const zipped = walk(root).reduce((sum, file) => sum + deflateRawSync(readFileSync(file), { level: 9 }).length + 100 + 2 * file.length, 0);
    expect(zipped).toBeLessThan(150 * 1024);
  });
});
