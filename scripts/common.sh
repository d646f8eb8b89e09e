# Shared settings for the rxgbe lab scripts. Sourced, never executed.
# Everything heavy lives in a cache outside the repository so a fresh clone reuses it.

RXGBE_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RXGBE_CACHE=${RXGBE_CACHE:-/var/cache/rxgbe}
KERNEL_SERIES=7.3
LLVM_SUFFIX=-19
export PATH="$HOME/.cargo/bin:$PATH"

log() { printf '[%s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Directory holding the unpacked kernel source, made by setup.sh.
kernel_src_dir() { echo "$RXGBE_CACHE/src/linux-source-$KERNEL_SERIES"; }

# Cache key of a kernel build: source version, config fragments and rustc version.
# $1 = flavour (test or release).
kernel_key() {
  local flavour=$1 ver
  ver=$(cat "$RXGBE_CACHE/src/linux-source-$KERNEL_SERIES.version" 2>/dev/null || echo unknown)
  {
    echo "$ver"
    echo "$flavour"
    cat "$RXGBE_ROOT/qemu/kernel.config"
    if [ "$flavour" = test ]; then cat "$RXGBE_ROOT/qemu/kernel-debug.config"
    else cat "$RXGBE_ROOT/qemu/kernel-release.config"; fi
    rustc --version
    echo "llvm$LLVM_SUFFIX"
  } | sha256sum | cut -c1-16
}

# Build output directory of a kernel flavour (the KDIR for the module).
kernel_build_dir() { echo "$RXGBE_CACHE/kernel-$1-$(kernel_key "$1")"; }
