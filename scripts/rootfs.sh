#!/usr/bin/env bash
# Builds (once) the guest root filesystem: Debian trixie by debootstrap, packed into an ext4 image.
# Cached under a key of this script; prints the image path on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

packages=(
  ethtool iproute2 iperf3 iputils-ping kmod procps util-linux psmisc coreutils
  python3 python3-yaml python3-scapy socat tcpdump jq netsniff-ng bpftool netcat-openbsd
  busybox sockperf linux-perf
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

# ethtool from Debian forky: trixie's 6.14 has no JSON output for -l, which napi_threaded.py and other upstream
# tests parse. Only this one package moves (dpkg --root, no apt source is added); it needs only trixie's libc6 and
# libmnl0. The pinned build first; if the pool has moved on, forky's current one, checked against its index.
ETHTOOL_DEB=pool/main/e/ethtool/ethtool_7.2-1_amd64.deb
ETHTOOL_SHA256=1689955799ee8cec333a1ce87722e40e948fec49811e593defb10848ec4dc1b7
mirror=http://deb.debian.org/debian
deb="$dir.ethtool.deb"
if ! curl -sSf --retry 3 --max-time 120 -o "$deb" "$mirror/$ETHTOOL_DEB"; then
  entry=$(curl -sSf --retry 3 --max-time 120 "$mirror/dists/forky/main/binary-amd64/Packages.xz" | xz -dc |
    awk '/^Package: ethtool$/{p=1} p&&/^$/{exit} p&&/^(Filename|SHA256):/{print $2}')
  ETHTOOL_DEB=$(sed -n 1p <<< "$entry"); ETHTOOL_SHA256=$(sed -n 2p <<< "$entry")
  [ -n "$ETHTOOL_DEB" ] || die "rootfs: no ethtool in Debian forky's index"
  curl -sSf --retry 3 --max-time 120 -o "$deb" "$mirror/$ETHTOOL_DEB" || die "rootfs: cannot fetch $ETHTOOL_DEB"
fi
echo "$ETHTOOL_SHA256  $deb" | sha256sum -c --quiet - || die "rootfs: $ETHTOOL_DEB: checksum mismatch"
dpkg --root="$dir" -i "$deb" >>"$dir.log" 2>&1 || { tail -n 20 "$dir.log" >&2; die "rootfs: installing ${ETHTOOL_DEB##*/} failed"; }
rm -f "$deb"
log "rootfs: ethtool $(chroot "$dir" ethtool --version | cut -d' ' -f3) installed"

log "rootfs: packing ext4 image"
size_mb=$(( $(du -sm "$dir" | cut -f1) + 512 ))
mke2fs -q -t ext4 -L rxgbe-root -d "$dir" "$img.tmp" "${size_mb}M"
mv "$img.tmp" "$img"
rm -rf "$dir"
echo "$img"
