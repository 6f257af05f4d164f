// cfn-lint from PyPI, installed once into the test cache (pip --target, then an
// atomic rename, so concurrent jest workers are safe) and run on templates.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cacheDir } from '../../src/harness/node-binaries';

const CFN_LINT_VERSION = '1.58.0';

function cfnLintDir(): string {
  const cache = cacheDir();
  const dir = join(cache, 'cfn-lint', CFN_LINT_VERSION);
  if (existsSync(join(dir, 'cfnlint'))) return dir;
  mkdirSync(join(cache, 'cfn-lint'), { recursive: true });
  const tmp = mkdtempSync(join(cache, 'cfn-lint', '.install-'));
  try {
    execFileSync('python3', ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--target', tmp, `cfn-lint==${CFN_LINT_VERSION}`], { stdio: ['ignore', 'ignore', 'inherit'] });
    try {
      renameSync(tmp, dir);
    } catch (e) {
      if (!existsSync(join(dir, 'cfnlint'))) throw e;
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return dir;
}

/** Runs cfn-lint on template files; returns its exit status and output (0: no findings). */
export function cfnLint(...templates: string[]): { status: number | null; output: string } {
  const dir = cfnLintDir();
  const main = 'import sys; from cfnlint.runner import main; sys.argv[0] = "cfn-lint"; sys.exit(main())';
  const r = spawnSync('python3', ['-c', main, '--', ...templates], {
    encoding: 'utf8',
    env: { ...process.env, PYTHONPATH: dir },
  });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

/**
 * cfn-lint's findings on a template, less those that come from aws-cdk-lib
 * itself: W3005 (CDK's explicit DependsOn next to a GetAtt) and W2531 (the
 * nodejs runtime aws-cdk-lib picks for its AwsCustomResource provider).
 */
export function cfnLintFindings(template: unknown): string[] {
  const file = join(mkdtempSync(join(tmpdir(), 'nano-enforcer-lint-')), 'template.json');
  writeFileSync(file, JSON.stringify(template));
  try {
    return cfnLint(file).output.split('\n')
      .filter(line => /^[EWI]\d{4} /.test(line))
      .filter(line => !line.startsWith('W3005 ') && !/^W2531 Runtime 'nodejs\d+\.x' was deprecated/.test(line));
  } finally {
    rmSync(file, { force: true });
  }
}
