#!/usr/bin/env bash
# Generates rxgbe's networking bindings with the kernel's own bindgen flags.
# Usage: generate.sh KDIR OUTPUT
#
# The clang arguments are taken from the kernel build's saved bindgen command line, so the
# layouts match the kernel the module is built for. Every type kernel::bindings already defines is
# blocklisted and imported from there instead, so the two sets of bindings share their types.
set -euo pipefail
kdir=$(cd "$1" && pwd)
out=$2
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$(dirname "$out")"
out=$(cd "$(dirname "$out")" && pwd)/$(basename "$out")

cmdfile="$kdir/rust/bindings/.bindings_generated.rs.cmd"
[ -f "$cmdfile" ] || { echo "generate.sh: $cmdfile missing (kernel built without CONFIG_RUST?)" >&2; exit 1; }
clang_args=$(sed -n 's/^savedcmd_[^ ]* := //p' "$cmdfile")
clang_args=${clang_args#* -- }
clang_args=${clang_args%% ; *}
clang_args=$(printf '%s' "$clang_args" | sed -E 's/-Wp,-MM?D,[^ ]+//g')
eval "clang_argv=($clang_args)"

known=$( { grep -oE '^pub (struct|union|type|enum) [A-Za-z0-9_]+' "$kdir/rust/bindings/bindings_generated.rs" \
    | awk '{print $3}'
  grep -oE '^pub use self::[A-Za-z0-9_]+ as [A-Za-z0-9_]+' "$kdir/rust/bindings/bindings_generated.rs" \
    | awk '{print $5}'; } | sort -u | paste -sd'|')

functions='rxgbe_.*|napi_enable|napi_disable|napi_complete_done|napi_gro_receive|napi_consume_skb'
functions+='|netif_queue_set_napi|register_netdev|unregister_netdev|free_netdev|netif_carrier_on'
functions+='|netif_carrier_off|page_pool_destroy|free_irq|synchronize_irq|netif_set_real_num_tx_queues'
functions+='|netif_set_real_num_rx_queues|eth_validate_addr|eth_mac_addr'
functions+='|bpf_prog_inc|bpf_prog_put|xdp_return_frame|xdp_return_frame_rx_napi|xdp_do_flush'
functions+='|xsk_tx_completed|xsk_tx_release|xsk_uses_need_wakeup|xsk_set_rx_need_wakeup|xsk_clear_rx_need_wakeup'
functions+='|xsk_set_tx_need_wakeup'

cd "$kdir"
bindgen "$here/rxgbe_bindings.h" \
  --use-core --ctypes-prefix kernel::ffi --no-layout-tests --no-doc-comments --rust-target 1.85 \
  --with-derive-default --no-debug '.*' \
  --allowlist-function "$functions" \
  --allowlist-type 'netdev_bpf|net_device_ops|rtnl_link_stats64|netdev_tx|netdev_queue_type|ethtool_ops|netdev_stat_ops|netdev_queue_stats_rx|netdev_queue_stats_tx' \
  --allowlist-var 'IFF_PROMISC|IFF_ALLMULTI|NETIF_F_.*|ETH_ALEN|ETH_FRAME_LEN|ETH_HLEN|ETH_FCS_LEN|VLAN_HLEN|XDP_PACKET_HEADROOM|NET_IP_ALIGN|IRQF_SHARED|DUPLEX_FULL|DUPLEX_HALF|SPEED_.*|RXGBE_.*' \
  --blocklist-type "^($known)\$" \
  --raw-line 'use kernel::bindings::*;' \
  -o "$out.tmp" -- "${clang_argv[@]}" -I"$here"
mv "$out.tmp" "$out"
