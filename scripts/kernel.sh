#!/usr/bin/env bash
# Builds (once) the lab kernel of a flavour: `test` (debug options) or `release`.
# The build lives in the cache under a key of (source version, fragments, rustc); a hit does nothing.
# Prints the build directory (the KDIR for the module) on stdout.
set -euo pipefail
. "$(dirname "$0")/common.sh"

flavour=${1:-test}
case "$flavour" in test|release) ;; *) die "kernel flavour must be test or release" ;; esac
out=$(kernel_build_dir "$flavour")
if [ -f "$out/.rxgbe-built" ]; then
  echo "$out"
  exit 0
fi

src=$(kernel_src_dir)
[ -f "$src/Makefile" ] || die "kernel source missing: run scripts/setup.sh"
frags=("$RXGBE_ROOT/qemu/kernel.config")
if [ "$flavour" = test ]; then frags+=("$RXGBE_ROOT/qemu/kernel-debug.config")
else frags+=("$RXGBE_ROOT/qemu/kernel-release.config"); fi
mk=(make -C "$src" O="$out" LLVM="$LLVM_SUFFIX" -s)
[ -d "$RXGBE_CACHE/rust-src" ] && export RUST_LIB_SRC="$RXGBE_CACHE/rust-src/usr/lib/rustlib/src/rust/library"

log "kernel($flavour): configuring in $out"
mkdir -p "$out"
"${mk[@]}" tinyconfig >/dev/null
"$src/scripts/kconfig/merge_config.sh" -m -O "$out" "$out/.config" "${frags[@]}" >/dev/null
"${mk[@]}" olddefconfig >/dev/null
# Every option the fragments ask for must have landed; Kconfig silently drops unmet ones.
missing=0
for f in "${frags[@]}"; do
  while IFS= read -r line; do
    case "$line" in CONFIG_*=n) opt=${line%%=*}; grep -q "^$opt=" "$out/.config" && { log "not off: $opt"; missing=1; } ;;
      CONFIG_*) grep -qx "$line" "$out/.config" || { log "not applied: $line"; missing=1; } ;; esac
  done < "$f"
done
[ "$missing" = 0 ] || die "kernel($flavour): the fragment did not apply (see above)"

log "kernel($flavour): building with $(nproc) jobs (about 20 minutes on 2 cores)"
start=$(date +%s)
# Progress once a minute: the quiet build prints nothing for its whole length.
# (Its own stderr goes to /dev/null so that killing it prints no "Terminated"; the lines go to fd 3.)
( exec 3>&2 2>/dev/null
  while sleep 60; do
    log "kernel($flavour): $(( ($(date +%s) - start) / 60 )) min, $(find "$out" -name '*.o' | wc -l) objects built" 2>&3
  done ) >/dev/null & ticker=$!
"${mk[@]}" -j"$(nproc)" bzImage modules 2>&1 | grep -vE '^\s*$' | tail -n 50 >&2 || true
pkill -P "$ticker" 2>/dev/null || true; kill "$ticker" 2>/dev/null || true; wait "$ticker" 2>/dev/null || true
[ -f "$out/arch/x86/boot/bzImage" ] || die "kernel($flavour): build failed"
[ -f "$out/rust/kernel.o" ] || die "kernel($flavour): Rust support missing from the build"
"${mk[@]}" modules_prepare >/dev/null
log "kernel($flavour): built in $(( $(date +%s) - start )) s"
touch "$out/.rxgbe-built"
echo "$out"
