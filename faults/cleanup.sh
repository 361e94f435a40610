#!/bin/sh
# Removes what a killed fault-suite run left behind (a run that ends normally, fails or is interrupted removes its
# own): member processes in its network namespaces, the namespaces, its bridge and veths, and a member's small disk.
# Touches only names the suite makes: namespaces keelf-<6 hex>-m<n>, links keelf<6 hex>b / keelf<6 hex>v<n>,
# the member filesystem mounted at .../keelf-<6 hex>-disk (a loop device, freed on unmount). Needs root. Safe to run at any time when no run is in progress.
set -u
for ns in $(ip netns list | awk '{print $1}' | grep -E '^keelf-[0-9a-f]{6}-m[0-9]+$'); do
  for pid in $(ip netns pids "$ns"); do kill -9 "$pid" 2>/dev/null; done
  ip netns del "$ns" && echo "removed namespace $ns"
done
for link in $(ip -o link show | awk -F': ' '{print $2}' | cut -d@ -f1 | grep -E '^keelf[0-9a-f]{6}(b|v[0-9]+)$'); do
  ip link del "$link" 2>/dev/null && echo "removed link $link"
done
awk '{print $2}' /proc/mounts | grep -E '/keelf-[0-9a-f]{6}-disk$' | while read -r m; do
  umount -l "$m" && echo "unmounted $m"
done
exit 0
