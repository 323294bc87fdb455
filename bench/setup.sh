#!/usr/bin/env bash
# Installs what the benchmarks use besides what ../setup.sh installs: the load tools,
# the iptables recipe's iptables (Debian's iptables-nft) and matplotlib for the plots.
set -euo pipefail
need=()
command -v iperf3 >/dev/null || need+=(iperf3)
command -v wrk >/dev/null || need+=(wrk)
command -v iptables-restore >/dev/null || need+=(iptables)
/usr/bin/python3 -c 'import matplotlib' 2>/dev/null || need+=(python3-matplotlib)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${need[@]}"
fi
