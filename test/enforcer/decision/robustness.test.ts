import { fakeSystem, LAMBDA_FILES } from './fake-system';
import { evaluate } from '../../../lambda-layer/src/decision';
import { decodePolicy } from '../../../lambda-layer/src/policy';
import type { Decision, SpawnRequest } from '../../../lambda-layer/src/types';

const system = fakeSystem(LAMBDA_FILES);
const POLICIES = [decodePolicy(undefined).policy, decodePolicy('{"v":1,"a":["sh","ls","env"],"i":["sh"]}').policy];
const ALPHABET = ['a', 'ls', 'sh', ' ', ' ', '-c', "'", '"', '\\', '$', '(', ')', '`', '{', '}', '|', '&', ';', '<', '>', '\n', '#', '*', '~', '=',
  'if', 'then', 'fi', 'case', 'in', 'esac', 'for', 'do', 'done', '<<', 'EOF', '$((', '${', "$'", 'env', 'xargs', '/tmp/evil', 'eval', '[['];

/** A deterministic pseudo-random generator, so a failure can be replayed. */
function rng(seed: number): () => number {
  let s = seed;
  return () => {
    s = (s * 1103515245 + 12345) % 2147483648;
    return s / 2147483648;
  };
}

function isDecision(d: Decision): boolean {
  return d.allow === true || (typeof d.reason === 'string' && d.reason.length > 0 && d.control === 'process');
}

describe('evaluate on hostile input', () => {
  it('returns a decision, never throws, for 3000 random shell lines', () => {
    const next = rng(42);
    for (let i = 0; i < 3000; i++) {
      let line = '';
      const n = 1 + Math.floor(next() * 25);
      for (let j = 0; j < n; j++) line += ALPHABET[Math.floor(next() * ALPHABET.length)];
      const req: SpawnRequest = { kind: 'spawn', api: 'exec', file: '/bin/sh', args: ['/bin/sh', '-c', line], cwd: '/', env: { PATH: '/usr/bin', NODE_OPTIONS: '--require /opt/nano-enforcer/preload.js' }, envExplicit: false };
      for (const p of POLICIES) {
        let d: Decision | undefined;
        expect(() => { d = evaluate(p, req, system); }).not.toThrow();
        expect(isDecision(d!)).toBe(true);
      }
    }
  });

  it.each([
    ['an empty file name', { file: '', args: [] }],
    ['a relative cwd', { file: 'ls', args: ['ls'], cwd: 'relative' }],
    ['an empty PATH', { file: 'ls', args: ['ls'], env: { PATH: '' } }],
    ['a PATH of colons', { file: 'ls', args: ['ls'], env: { PATH: ':::' } }],
    ['a NUL in the file name', { file: 'l\0s', args: ['ls'] }],
    ['a symlink loop', { file: '/loop/a', args: ['a'] }],
    ['a 100 KB argument', { file: 'sh', args: ['sh', '-c', 'echo ' + 'x'.repeat(100_000)] }],
  ])('returns a decision for %s', (_name, over) => {
    const sys = fakeSystem({ ...LAMBDA_FILES, '/loop/a': { link: 'b' }, '/loop/b': { link: 'a' } });
    const req: SpawnRequest = { kind: 'spawn', api: 'spawn', cwd: '/', env: { PATH: '/usr/bin' }, envExplicit: true, ...over };
    expect(isDecision(evaluate(POLICIES[0], req, sys))).toBe(true);
  });

  it('lets an internal fault of the SystemView throw, for the gate to fail open or closed', () => {
    const broken = { ...system, stat: () => { throw new Error('boom'); } };
    const req: SpawnRequest = { kind: 'spawn', api: 'spawn', file: 'ls', args: ['ls'], cwd: '/', env: { PATH: '/usr/bin' }, envExplicit: true };
    expect(() => evaluate(POLICIES[0], req, broken)).toThrow('boom');
  });
});
