#!/usr/bin/env bash
# Compiles the Java clients with javac alone (Java release 11) into OUT/classes, and packs them into
# OUT/aiflow-client.jar when the JDK has `jar`. OUT is the first argument, else clients/java/build.
# With --tests, also compiles the JSON unit test and the examples into OUT/test-classes.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
tests=0
if [ "${1:-}" = --tests ]; then tests=1; shift; fi
out=$(mkdir -p "${1:-$here/build}" && cd "${1:-$here/build}" && pwd)

command -v javac >/dev/null || { echo "build.sh: no javac on PATH; install a JDK 11 or newer" >&2; exit 1; }
flags=(--release 11 -encoding UTF-8 -Xlint:all -Xdoclint:all,-missing -Werror)

sources() { find "$@" -name '*.java' -print0 | sort -z; }

rm -rf "$out/classes" "$out/test-classes"
mapfile -d '' main < <(sources "$here/src/main/java")
javac "${flags[@]}" -d "$out/classes" "${main[@]}"
if command -v jar >/dev/null; then
  jar --create --file "$out/aiflow-client.jar" -C "$out/classes" .
fi
if [ "$tests" = 1 ]; then
  mapfile -d '' test < <(sources "$here/src/test/java" "$here/examples")
  javac "${flags[@]}" -cp "$out/classes" -d "$out/test-classes" "${test[@]}"
fi
echo "$out"
