#!/usr/bin/env bash
# Builds (once) the guest root filesystem: Debian trixie by debootstrap, packed into an ext4 image.
# Cached under a key of this script; prints the image path on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

packages=(
  ethtool iproute2 iperf3 iputils-ping kmod procps util-linux psmisc coreutils
  python3 python3-yaml python3-scapy socat tcpdump jq netsniff-ng bpftool netcat-openbsd
  busybox
)
key=$( { cat "$0"; } | sha256sum | cut -c1-16)
img="$RXGBE_CACHE/rootfs-$key.ext4"
if [ -f "$img" ]; then
  echo "$img"
  exit 0
fi

dir="$RXGBE_CACHE/rootfs-$key.dir"
rm -rf "$dir"
log "rootfs: debootstrap trixie (a few minutes)"
inc=$(IFS=,; echo "${packages[*]}")
debootstrap --variant=minbase --include="$inc" trixie "$dir" http://deb.debian.org/debian >"$dir.log" 2>&1 \
  || { tail -n 30 "$dir.log" >&2; die "rootfs: debootstrap failed"; }

# The guest's first process: mount the essentials and the host's share, then run the lab's init script
# from the share, so changing the guest scripts never rebuilds this image.
cat > "$dir/sbin/rxgbe-init" <<'INIT'
#!/bin/sh
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev 2>/dev/null
mkdir -p /host
mount -t 9p -o trans=virtio,version=9p2000.L,msize=262144 host /host
exec /host/qemu/guest/init.sh
INIT
chmod +x "$dir/sbin/rxgbe-init"
echo rxgbe-lab > "$dir/etc/hostname"
rm -rf "$dir/var/cache/apt/archives"/*.deb "$dir/var/lib/apt/lists"/*

log "rootfs: packing ext4 image"
size_mb=$(( $(du -sm "$dir" | cut -f1) + 512 ))
mke2fs -q -t ext4 -L rxgbe-root -d "$dir" "$img.tmp" "${size_mb}M"
mv "$img.tmp" "$img"
rm -rf "$dir"
echo "$img"
