#!/usr/bin/env bash
# Installs what Junction needs on a fresh Debian machine (as root) and builds it.
# Safe to run again: it installs only what is missing.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
need=()
command -v nft >/dev/null 2>&1 || need+=(nftables)
# The one library Junction itself loads at run time (nftables depends on it too).
ldconfig -p 2>/dev/null | grep -q 'libnftables\.so\.1' || need+=(libnftables1)
command -v ip >/dev/null 2>&1 || need+=(iproute2)
command -v conntrack >/dev/null 2>&1 || need+=(conntrack)
command -v sysctl >/dev/null 2>&1 || need+=(procps)
# The native (NativeAOT) build links with clang and lld, against zlib.
command -v clang >/dev/null 2>&1 || need+=(clang)
command -v ld.lld >/dev/null 2>&1 || need+=(lld)
[ -e /usr/include/zlib.h ] || need+=(zlib1g-dev)
# packaging/build-deb builds the Debian package the tests install; lintian checks it.
command -v dpkg-deb >/dev/null 2>&1 || need+=(dpkg)
command -v lintian >/dev/null 2>&1 || need+=(lintian)
for tool in keepalived conntrackd; do command -v "$tool" >/dev/null 2>&1 || need+=("$tool"); done  # the HA pair (lab up --ha, tests)
if [ ${#need[@]} -gt 0 ]; then
  if [ "$(id -u)" != 0 ]; then
    echo "setup: missing ${need[*]}; run this script as root (or install them with apt-get)" >&2
    exit 1
  fi
  echo "setup: installing ${need[*]}" >&2
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -o DPkg::Lock::Timeout=300 -y -qq "${need[@]}" >/dev/null
fi
if ! command -v dotnet >/dev/null 2>&1; then
  echo "setup: the .NET 10 SDK is needed (dotnet not found on PATH)" >&2
  exit 1
fi
# Builds the native executable (a few minutes the first time; again only when sources change),
# then the lab, a program of its own that './junction lab ...' runs.
"$here/junction" --help >/dev/null
"$here/junction" lab --help >/dev/null
echo "setup: ready" >&2
