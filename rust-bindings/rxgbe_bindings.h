/* SPDX-License-Identifier: GPL-2.0 */
/* What bindgen reads to generate rxgbe's networking bindings (see generate.sh). */
#include <linux/netdevice.h>
#include <linux/etherdevice.h>
#include <linux/ethtool.h>
#include <net/page_pool/types.h>
#include "rxgbe_helpers.h"
