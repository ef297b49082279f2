#!/usr/bin/env bash
# Installs the programs contact-exports runs beside Node.js, idempotently:
#   Go-built servers into a per-user cache keyed by version (shared by every clone and CI run),
#   Debian packages (sshd for the SFTP tests, chromium for the Jobs page test) through apt.
# Usage: scripts/setup.sh [dev|test|all]   (default all). A binary named by its env var, or
# `temporal` already on PATH, wins and is not installed again.
set -euo pipefail

want="${1:-all}"
root="$(cd "$(dirname "$0")/.." && pwd)"
manifest="$root/scripts/tools.json"
cache="${CONTACT_EXPORTS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/contact-exports}"
mkdir -p "$cache/bin"

field() { node -e 'const m=require(process.argv[1]);const v=process.argv[2].split(".").reduce((o,k)=>o?.[k],m);process.stdout.write(v===undefined?"":String(v))' "$manifest" "$1"; }
names() { node -e 'const m=require(process.argv[1]);console.log(Object.keys(m[process.argv[2]]).join(" "))' "$manifest" "$1"; }
wanted() { [ "$want" = all ] || [[ ",$(field "$1.for")," == *",$want,"* ]]; }
now() { date +%s; }

installed=()
skipped=()

install_go_tool() {
  local name="$1" module package version envvar target override start tmp dir
  module="$(field "go.$name.module")"; package="$(field "go.$name.package")"
  version="$(field "go.$name.version")"; envvar="$(field "go.$name.env")"
  target="$cache/bin/$name-$version/$name"
  override="${!envvar:-}"
  if [ -n "$override" ]; then skipped+=("$name (from \$$envvar=$override)"); return; fi
  if [ "$name" = temporal ] && command -v temporal >/dev/null 2>&1; then
    skipped+=("temporal (on PATH: $(command -v temporal))"); return
  fi
  if [ -x "$target" ]; then skipped+=("$name $version (cached)"); return; fi
  command -v go >/dev/null 2>&1 || { echo "setup: Go is needed to build $name $version (https://go.dev/dl)" >&2; exit 1; }
  echo "setup: building $name $version from the Go module proxy (first time only)..."
  start=$(now)
  mkdir -p "$(dirname "$target")"
  if [ "$(field "go.$name.buildFromModuleCopy")" = true ]; then
    # FerretDB's binary refuses to start without build/version/version.txt, which its own build task
    # generates; `go install` cannot, so build from a copy of the module with that file written.
    dir="$(GOFLAGS=-mod=mod go mod download -json "$module@$version" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);if(j.Error){console.error(j.Error);process.exit(1)}console.log(j.Dir)})')"
    tmp="$(mktemp -d)"
    cp -r "$dir/." "$tmp/src"
    chmod -R u+w "$tmp/src"
    echo "$version" > "$tmp/src/build/version/version.txt"
    (cd "$tmp/src" && CGO_ENABLED=0 go build -trimpath -o "$target.tmp" "$package")
    rm -rf "$tmp"
  else
    tmp="$(mktemp -d)"
    GOBIN="$tmp" CGO_ENABLED=0 go install -trimpath "$package@$version"
    mv "$tmp/$name" "$target.tmp"
    rm -rf "$tmp"
  fi
  mv "$target.tmp" "$target"
  installed+=("$name $version -> $target ($(( $(now) - start ))s)")
}

apt_updated=false
install_debian_tool() {
  local name="$1" package path envvar override start sudo=""
  package="$(field "debian.$name.package")"; path="$(field "debian.$name.path")"; envvar="$(field "debian.$name.env")"
  override="${!envvar:-}"
  if [ -n "$override" ]; then skipped+=("$name (from \$$envvar=$override)"); return; fi
  if [ -x "$path" ]; then skipped+=("$name ($path)"); return; fi
  if [ "$(id -u)" != 0 ]; then
    if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
      echo "setup: $package is missing and this user cannot install it; run: sudo apt-get install -y $package" >&2
      skipped+=("$name (MISSING: apt-get install $package)"); return
    fi
  fi
  start=$(now)
  if [ "$apt_updated" = false ]; then $sudo apt-get update -qq; apt_updated=true; fi
  # Only the binaries are used: tests start their own sshd with a private config on a free port.
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$package" >/dev/null
  installed+=("$name ($package via apt, $(( $(now) - start ))s)")
}

install_pypi_tool() {
  local name="$1" package version bin envvar override venv start
  package="$(field "pypi.$name.package")"; version="$(field "pypi.$name.version")"
  bin="$(field "pypi.$name.bin")"; envvar="$(field "pypi.$name.env")"
  override="${!envvar:-}"
  if [ -n "$override" ]; then skipped+=("$name (from \$$envvar=$override)"); return; fi
  venv="$cache/py/$name-$version"
  if [ -x "$venv/bin/$bin" ]; then skipped+=("$name $version (cached)"); return; fi
  command -v python3 >/dev/null 2>&1 || { echo "setup: Python 3 is needed to install $name $version" >&2; exit 1; }
  echo "setup: installing $name $version from PyPI into $venv (first time only)..."
  start=$(now)
  # A venv cannot be moved (its scripts name their interpreter by path): an interrupted install is
  # redone from scratch, since the check above only passes once the tool's script exists.
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "$package==$version"
  installed+=("$name $version -> $venv ($(( $(now) - start ))s)")
}

total_start=$(now)
for t in $(names go); do wanted "go.$t" && install_go_tool "$t"; done
for t in $(names debian); do wanted "debian.$t" && install_debian_tool "$t"; done
for t in $(names pypi); do wanted "pypi.$t" && install_pypi_tool "$t"; done

for line in "${installed[@]+"${installed[@]}"}"; do echo "setup: installed $line"; done
for line in "${skipped[@]+"${skipped[@]}"}"; do echo "setup: present   $line"; done
echo "setup: done in $(( $(now) - total_start ))s (tool cache: $cache)"
