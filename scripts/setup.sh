#!/usr/bin/env bash
# Installs every tool the lab needs, idempotently. A ready machine passes through in seconds.
set -euo pipefail
. "$(dirname "$0")/common.sh"

stamp="$RXGBE_CACHE/setup.done"
want_stamp=$(sha256sum "$0" | cut -c1-16)
if [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want_stamp" ] && command -v qemu-system-x86_64 >/dev/null \
   && command -v bindgen >/dev/null && [ -f "$(kernel_src_dir)/Makefile" ]; then
  log "setup: already done"
  exit 0
fi
mkdir -p "$RXGBE_CACHE/src"

# Backports suites are listed with low pin priorities so that nothing else on the machine moves:
# only packages asked for with -t (or downloaded by name) come from them.
log "setup: apt sources and pinning"
cat > /etc/apt/sources.list.d/rxgbe-backports.sources <<'SRC'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports trixie-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
SRC
cat > /etc/apt/preferences.d/rxgbe-pin <<'PIN'
Package: *
Pin: release n=bookworm
Pin-Priority: 990

Package: *
Pin: release n=bookworm-backports
Pin-Priority: 100

Package: *
Pin: release n=trixie-backports
Pin-Priority: 100
PIN

export DEBIAN_FRONTEND=noninteractive
log "setup: apt-get update"
apt-get update -qq
log "setup: build tools, LLVM 19, debootstrap"
apt-get install -y -qq --no-install-recommends \
  build-essential bc bison flex cpio kmod libelf-dev libssl-dev rsync xz-utils curl file \
  clang-19 lld-19 llvm-19 libclang-19-dev debootstrap e2fsprogs python3 gnuplot-nox jq >/dev/null
log "setup: QEMU from bookworm-backports"
apt-get install -y -qq --no-install-recommends -t bookworm-backports qemu-system-x86 qemu-utils >/dev/null
qemu-system-x86_64 --version | head -n1 >&2

log "setup: rust-src for $(rustc --version)"
if ! rustup component add rust-src >/dev/null 2>&1; then
  log "setup: rustup rust-src failed; falling back to Debian's rust-src"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -t trixie-backports rust-src >/dev/null && dpkg-deb -x rust-src_*.deb "$RXGBE_CACHE/rust-src")
  rm -rf "$tmp"
fi

if ! bindgen --version 2>/dev/null | grep -q '0\.7[2-9]'; then
  log "setup: cargo install bindgen-cli (about 2 minutes)"
  cargo install --locked --quiet bindgen-cli
fi

src=$(kernel_src_dir)
if [ ! -f "$src/Makefile" ]; then
  log "setup: downloading linux-source-$KERNEL_SERIES"
  tmp=$(mktemp -d)
  (cd "$tmp" && apt-get download -t trixie-backports "linux-source-$KERNEL_SERIES" >/dev/null)
  deb=$(ls "$tmp"/linux-source-*.deb)
  dpkg-deb -f "$deb" Version > "$RXGBE_CACHE/src/linux-source-$KERNEL_SERIES.version"
  log "setup: unpacking $(basename "$deb")"
  dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./usr/src/
  rm -rf "$src.tmp" && mkdir -p "$src.tmp"
  tar -xJf "$tmp"/usr/src/linux-source-$KERNEL_SERIES.tar.xz -C "$src.tmp" --strip-components=1
  mv "$src.tmp" "$src"
  rm -rf "$tmp"
fi
echo "$want_stamp" > "$stamp"
log "setup: done"
