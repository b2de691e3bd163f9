#!/usr/bin/env bash
# Installs the Debian packages mailprobe needs to build, run and test, when
# they are missing. As root it runs apt-get; otherwise it prints the exact
# command and fails. Usage: tools/install-deps.sh [build|package|test]
set -euo pipefail
what=${1:-build}

build_pkgs=(build-essential cmake pkg-config python3 nodejs emscripten node-terser
  libc-ares-dev libcurl4-openssl-dev libssl-dev libcjson-dev libevent-dev libsqlite3-dev libpq-dev libidn2-dev
  libhttp-parser-dev)
# make package: CPack's DEB generator runs dpkg-shlibdeps (dpkg-dev) and file.
package_pkgs=(dpkg-dev file)
# The package tests (tests/package): lintian, systemd-analyze, adduser for the
# package's postinst, man and groff for the man pages; python3-yaml reads
# docs/openapi.yaml (tests/integration/test_serve.py); postgresql is the
# server the store suites start privately (tests/fixture/postgres.sh, which
# also uses psql from postgresql-client). The namespace lab (tests/lab)
# needs iproute2 too.
test_pkgs=(clang libclang-rt-14-dev postfix postgrey unbound dnsmasq-base chromium
  postgresql postgresql-client swaks sqlite3 ca-certificates curl openssl util-linux iproute2
  lintian systemd adduser man-db groff-base python3-yaml)

pkgs=("${build_pkgs[@]}")
[ "$what" = package ] && pkgs+=("${package_pkgs[@]}")
[ "$what" = test ] && pkgs+=("${package_pkgs[@]}" "${test_pkgs[@]}")
# npm packs the npm package, and the browser and package tests install
# playwright-core, typescript and esbuild with it (tests/e2e, tests/package);
# Debian's nodejs comes without it, NodeSource's bundles it.
if [ "$what" != build ] && ! command -v npm >/dev/null 2>&1; then pkgs+=(npm); fi

missing=()
for p in "${pkgs[@]}"; do
  # nodejs may come from another repository (it bundles npm); any version will do.
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi
if [ "$(id -u)" -ne 0 ]; then
  echo "mailprobe needs these Debian packages: ${missing[*]}" >&2
  echo "run:  sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 1
fi
echo "installing: ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
# Postfix asks configuration questions; we only use private instances.
echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
if ! apt-get install -y --no-install-recommends "${missing[@]}"; then
  apt-get update
  apt-get install -y --no-install-recommends "${missing[@]}"
fi
