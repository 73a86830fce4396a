//! The allocator's settings for the command at hand.
//!
//! greenlight's binary uses mimalloc (see `main.rs`). When a process ends,
//! mimalloc tidies up: it hands every freed page back to the operating
//! system, one `madvise` per 64 KiB (about 70 calls after a 30-check
//! `run`), moments before the kernel frees the whole address space
//! anyway. Most commands end within milliseconds, so for them purging is
//! turned off; the long-running ones (`serve`, `watch`) keep mimalloc's
//! default, which returns memory that stays unused for a second.

use crate::cli::Command;
use libmimalloc_sys::{mi_option_set, mi_option_t, mi_option_use_numa_nodes};

/// `mi_option_purge_delay`: the Rust bindings name no constant for it; in
/// mimalloc.h's `mi_option_e` it comes right before
/// `mi_option_use_numa_nodes` (v2 and v3 alike). The test below fails if
/// that ever stops being so.
const PURGE_DELAY: mi_option_t = mi_option_use_numa_nodes - 1;

/// Sets mimalloc up for `command`: no purging unless it runs for long.
pub fn settle_for(command: &Command) {
    if matches!(command, Command::Serve(_) | Command::Watch(_)) {
        return;
    }
    // SAFETY: `mi_option_set` takes two integers and stores the value in
    // mimalloc's option table (bounds-checked on the option index); it
    // reads and writes no memory of ours, and an option change is only
    // read by later purges, so calling it at any time is sound.
    unsafe { mi_option_set(PURGE_DELAY, -1) }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_purge_delay_option_is_the_one_named() {
        // mimalloc 3's default purge delay is 1000 ms, and no neighbouring
        // option defaults to it: a shifted index reads another value.
        // (Unless the environment sets it, which CI does not.)
        if std::env::var_os("MIMALLOC_PURGE_DELAY").is_some() {
            return;
        }
        // SAFETY: `mi_option_get` only reads mimalloc's option table.
        let delay = unsafe { libmimalloc_sys::mi_option_get(PURGE_DELAY) };
        assert_eq!(delay, 1000, "option {PURGE_DELAY} is not the purge delay");
    }
}
