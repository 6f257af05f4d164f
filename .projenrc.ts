import { awscdk, javascript } from 'projen';

const project = new awscdk.AwsCdkConstructLibrary({
  name: 'cdk-nano-enforcer',
  description: 'Runtime protection for AWS Lambda Node.js functions: process and executable control, /tmp drift prevention and honeypots, added by one CDK aspect.',
  author: 'cdk-nano-enforcer developers',
  authorAddress: 'security@nanoenforcer.dev',
  repositoryUrl: 'https://github.com/nano-enforcer/cdk-nano-enforcer.git',
  defaultReleaseBranch: 'main',
  keywords: ['cdk', 'aws-cdk', 'lambda', 'security', 'runtime-protection', 'nodejs', 'aspect'],
  license: 'Apache-2.0',

  // AspectPriority and the aspectPrioritiesMutating flag exist from 2.172.
  cdkVersion: '2.172.0',
  constructsVersion: '10.0.5',
  jsiiVersion: '~6.0.0',
  packageManager: javascript.NodePackageManager.NPM,
  projenrcTs: true,
  tsconfigDevFile: 'tsconfig.dev.json',

  // No GitHub workflows: this project's CI is .ci/run.
  github: false,
  release: false,
  depsUpgrade: false,
  pullRequestTemplate: false,

  publishToPypi: {
    distName: 'cdk-nano-enforcer',
    module: 'cdk_nano_enforcer',
  },
  publishToMaven: {
    javaPackage: 'dev.nanoenforcer.cdk',
    mavenGroupId: 'dev.nanoenforcer',
    mavenArtifactId: 'cdk-nano-enforcer',
  },

  devDeps: [
    // Pinned: the layer's bytes must not change under a minor esbuild release.
    'esbuild@0.28.2',
    // The real CLI, for the example app's `cdk synth` test.
    'aws-cdk@^2',
    // Assembles the honeypots' probe loop (lambda-layer/src/honeypots/probe.wat); pinned like esbuild.
    'wabt@1.0.39',
  ],

  eslintOptions: {
    dirs: ['src'],
    devdirs: ['test', 'lambda-layer', 'examples', 'bench'],
    tsconfigPath: './tsconfig.dev.json',
  },

  jestOptions: {
    jestConfig: {
      testTimeout: 120_000,
      // Integration tests start real node processes; two cores only.
      maxWorkers: 2,
      coveragePathIgnorePatterns: ['/node_modules/', '/test/'],
    },
  },

  gitignore: ['/assets/layer/', '/.cache/', 'cdk.out/', '/examples/**/cdk.out/', '/bench/results.json'],
});

// The enforcer is TypeScript in lambda-layer/, type-checked with its own
// tsconfig and bundled by esbuild into assets/layer/, which ships in the
// npm tarball (and so inside the Python wheel and the Java jar).
const bundleLayer = project.addTask('bundle:layer', {
  description: 'Type-check and bundle the enforcer into assets/layer/',
  steps: [
    { exec: 'tsc -p lambda-layer/tsconfig.json' },
    { exec: 'node lambda-layer/build.mjs' },
  ],
});
project.preCompileTask.spawn(bundleLayer);
for (const p of ['/lambda-layer/', '/examples/', '/.ci/', '/scripts/', '/bench/', '/tsconfig.dev.json', '/.cache/']) {
  project.addPackageIgnore(p);
}
project.testTask.prependSpawn(bundleLayer);

// `npm run bench [-- --smoke]`: the enforcer's cost against the same function without it (bench/run.ts, issue 6).
const bench = project.addTask('bench', {
  description: 'Benchmark the enforcer against no layer and node --permission; --smoke for a short run without verdicts',
  steps: [{ spawn: bundleLayer.name }, { exec: 'ts-node --transpile-only --project tsconfig.dev.json bench/run.ts', receiveArgs: true }],
});
project.addScripts({ bench: `projen ${bench.name}` });
project.tsconfigDev.addInclude('bench/**/*.ts');
project.tsconfigDev.addExclude('bench/**/cdk.out');

// `npx cdk-nano-enforcer invoke ...`: run a function from cdk.out like Lambda (src/harness/).
// The README's first command: attacks on two vulnerable functions, without and with the layer.
project.addTask('demo', {
  description: 'Synthesize examples/demo and attack its functions through the local Lambda harness, without and with the layer',
  steps: [
    { spawn: bundleLayer.name },
    { exec: 'ts-node --transpile-only examples/demo/run-demo.ts' },
  ],
});

project.addBins({ 'cdk-nano-enforcer': 'lib/harness/cli.js' });

// Type-aware linting over both tsconfigs (the project service only finds files named tsconfig.json).
project.tryFindObjectFile('.eslintrc.json')?.addOverride('parserOptions.projectService', undefined);
project.tryFindObjectFile('.eslintrc.json')?.addOverride('parserOptions.project', ['./tsconfig.dev.json', './lambda-layer/tsconfig.json']);
project.tsconfigDev.addInclude('.projenrc.ts');
project.tsconfigDev.addInclude('lambda-layer/**/*.ts');
project.tsconfigDev.addInclude('examples/**/*.ts');
project.tsconfigDev.addExclude('examples/**/cdk.out');

project.synth();
