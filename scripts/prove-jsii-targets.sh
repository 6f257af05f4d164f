#!/usr/bin/env bash
# Proves that cdk-nano-enforcer works from Python and Java CDK apps, as built
# by jsii from this checkout:
#   1. builds the layer, the jsii assembly, the Python wheel and the Java jar
#      (projen's package:python and package:java, i.e. jsii-pacmak);
#   2. checks that the built layer (nano-enforcer/preload.js) is inside the npm
#      tarball that both embed;
#   3. synthesizes the TypeScript twin (examples/polyglot) with the cdk CLI;
#   4. Python: installs the wheel into a virtual environment with aws-cdk-lib
#      from PyPI, synthesizes examples/python with the cdk CLI;
#      Java: installs the jar into the local Maven repository, synthesizes
#      examples/java (aws-cdk-lib from Maven Central) with the cdk CLI;
#      each is compared with the TypeScript twin by scripts/check-jsii-synth.mjs,
#      and must fail with the same clear error on an invalid policy.
# Needs: npm ci done, node, python3 (>= 3.10), java (>= 17), mvn. No Docker:
# NodejsFunction bundles with the repository's esbuild, put on PATH.
# Caches: pip's cache, ~/.m2/repository (or $M2_REPO), and a virtual environment keyed by
# examples/python/requirements.txt under $NANO_ENFORCER_CACHE.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"
started=$SECONDS

CACHE="${NANO_ENFORCER_CACHE:-$HOME/.cache/cdk-nano-enforcer}/jsii-targets"
WORK="$(mktemp -d "${TMPDIR:-/tmp}/nano-enforcer-jsii.XXXXXX")"
trap 'rm -rf "$WORK"' EXIT
mkdir -p "$CACHE"

# NodejsFunction runs the esbuild it finds on PATH when aws-cdk-lib cannot
# require() one (from Python and Java, aws-cdk-lib runs from a temp folder of
# the jsii runtime, so it never can); the cdk CLI comes from here too.
export PATH="$ROOT/node_modules/.bin:$PATH"
# Share the Maven download cache with jsii-pacmak, which otherwise downloads
# everything into a fresh temporary repository on every build.
M2_REPO="${M2_REPO:-$HOME/.m2/repository}"
export JSII_PACMAK_MAVEN_LOCAL_REPOSITORY="$M2_REPO"
# Every mvn below, including the one examples/java/cdk.json runs, uses it too.
export MAVEN_OPTS="${MAVEN_OPTS:-} -Dmaven.repo.local=$M2_REPO"
MVN=(mvn -B -q -ntp -Dstyle.color=never)
# Node 20 is past its end of life for jsii; the banner would only repeat in every log.
export JSII_SILENCE_WARNING_DEPRECATED_NODE_VERSION=1
INVALID_TEXT="policy.allowedExecutables[0] ('./bin/x') is a relative path"

step() { printf '\n== %s (%ss)\n' "$*" "$((SECONDS - started))"; }

for tool in node python3 java mvn; do
  command -v "$tool" >/dev/null || { echo "prove-jsii-targets: '$tool' is not installed (needs node, python3 >= 3.10, java >= 17, mvn)"; exit 1; }
done

step "build: layer, jsii compile, Python wheel, Java jar"
npx projen bundle:layer
npx projen compile
npx projen package:python
npx projen package:java
WHEEL="$(ls dist/python/*.whl)"
JAR_DIR=dist/java/dev/nanoenforcer/cdk-nano-enforcer
VERSION="$(node -p "require('./package.json').version")"
JAR="$JAR_DIR/$VERSION/cdk-nano-enforcer-$VERSION.jar"
POM="$JAR_DIR/$VERSION/cdk-nano-enforcer-$VERSION.pom"
ls -l "$WHEEL" "$JAR"

step "the built layer is inside the wheel and the jar"
python3 - "$WHEEL" "$JAR" assets/layer/nano-enforcer/preload.js <<'PY'
import io, sys, tarfile, zipfile
built = open(sys.argv[3], 'rb').read()
for archive in sys.argv[1:3]:
    with zipfile.ZipFile(archive) as z:
        tgzs = [n for n in z.namelist() if n.endswith('.jsii.tgz')]
        assert len(tgzs) == 1, f'{archive}: expected one embedded jsii tarball, found {tgzs}'
        with tarfile.open(fileobj=io.BytesIO(z.read(tgzs[0]))) as t:
            member = t.extractfile('package/assets/layer/nano-enforcer/preload.js')
            assert member is not None and member.read() == built, f'{archive}: preload.js missing or not the one built here'
    print(f'  ok   {archive}: {tgzs[0]} holds assets/layer/nano-enforcer/preload.js ({len(built)} bytes, as built)')
PY

step "TypeScript twin: cdk synth examples/polyglot"
(cd examples/polyglot && cdk synth --quiet --output "$WORK/typescript") >"$WORK/typescript.log" 2>&1 \
  || { cat "$WORK/typescript.log"; echo "the TypeScript twin does not synthesize"; exit 1; }
(cd examples/polyglot && NANO_ENFORCER_EXAMPLE_INVALID=1 cdk synth --quiet --output "$WORK/typescript-invalid") >"$WORK/typescript-invalid.log" 2>&1 \
  && { echo "the TypeScript twin synthesized an invalid policy"; exit 1; }
grep -qF "$INVALID_TEXT" "$WORK/typescript-invalid.log" \
  || { cat "$WORK/typescript-invalid.log"; echo "the TypeScript twin's error does not say: $INVALID_TEXT"; exit 1; }
echo "  ok   synthesized; the invalid policy fails with: $INVALID_TEXT"

# Synthesizes examples/<language> with the cdk CLI, compares it with the
# TypeScript twin, then checks the invalid policy's error.
synth_and_check() {
  local language=$1
  echo "  cdk synth examples/$language"
  (cd "examples/$language" && cdk synth --quiet --output "$WORK/$language") >"$WORK/$language.log" 2>&1 \
    || { cat "$WORK/$language.log"; echo "  FAIL [$language] cdk synth failed"; return 1; }
  node scripts/check-jsii-synth.mjs "$WORK/typescript" "$WORK/$language" "$language" assets/layer
  echo "  cdk synth examples/$language with an invalid policy"
  if (cd "examples/$language" && NANO_ENFORCER_EXAMPLE_INVALID=1 cdk synth --quiet --output "$WORK/$language-invalid") >"$WORK/$language-invalid.log" 2>&1; then
    echo "  FAIL [$language] synthesized an invalid policy"; return 1
  fi
  grep -qF "$INVALID_TEXT" "$WORK/$language-invalid.log" \
    || { cat "$WORK/$language-invalid.log"; echo "  FAIL [$language] the error does not say: $INVALID_TEXT"; return 1; }
  echo "  ok   [$language] the invalid policy fails with: $(grep -oF "NanoEnforcerAspect: $INVALID_TEXT" "$WORK/$language-invalid.log" | head -1)"
}

prove_python() {
  local key venv
  key="$(cat examples/python/requirements.txt <(python3 --version) | sha256sum | cut -c1-16)"
  venv="$CACHE/venv-$key"
  if [ ! -f "$venv/.installed" ]; then
    echo "  creating $venv"
    rm -rf "$venv"
    python3 -m venv "$venv"
    "$venv/bin/python" -m pip install -q -r examples/python/requirements.txt
    touch "$venv/.installed"
  fi
  # The wheel's version is 0.0.0 on every build: reinstall it, then its dependencies if missing.
  "$venv/bin/python" -m pip install -q --force-reinstall --no-deps "$WHEEL"
  "$venv/bin/python" -m pip install -q -r examples/python/requirements.txt "$WHEEL"
  echo "  $("$venv/bin/python" -m pip list 2>/dev/null | grep -E '^(aws-cdk-lib|cdk-nano-enforcer|constructs|jsii) ' | tr -s ' ' | paste -sd ' ' -)"
  PATH="$venv/bin:$PATH" synth_and_check python
}

prove_java() {
  grep -qF "<nanoenforcer.version>$VERSION</nanoenforcer.version>" examples/java/pom.xml \
    || { echo "  FAIL [java] examples/java/pom.xml does not use cdk-nano-enforcer $VERSION"; return 1; }
  "${MVN[@]}" install:install-file "-Dfile=$JAR" "-DpomFile=$POM"
  echo "  installed $JAR into $M2_REPO"
  (cd examples/java && "${MVN[@]}" compile)
  synth_and_check java
}

passed=0; failed=0; failing=()
for language in python java; do
  step "$language"
  set +e
  ( set -e; "prove_$language" )
  rc=$?
  set -e
  if [ "$rc" -eq 0 ]; then passed=$((passed + 1)); else failed=$((failed + 1)); failing+=("$language"); fi
done

printf '\n== done in %ss%s\n' "$((SECONDS - started))" "${failing[*]:+; failed: ${failing[*]}}"
echo "jsii-targets: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
