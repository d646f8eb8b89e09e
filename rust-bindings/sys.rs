// SPDX-License-Identifier: GPL-2.0

//! Raw bindings generated at build time by `generate.sh` (see `rxgbe_bindings.h`).
#![allow(
    non_camel_case_types,
    non_upper_case_globals,
    non_snake_case,
    improper_ctypes,
    missing_docs,
    unreachable_pub,
    dead_code,
    unused_imports,
    unsafe_op_in_unsafe_fn,
    clippy::all,
    clippy::as_underscore,
    clippy::cast_lossless,
    clippy::ptr_as_ptr,
    clippy::ref_as_ptr,
    clippy::undocumented_unsafe_blocks,
    unnecessary_transmutes
)]

include!("generated/netdev_generated.rs");
