//! The store's tests. One conformance suite (`conformance.rs`,
//! `processes.rs`) runs against both backends: a SQLite file, and the
//! local PostgreSQL (127.0.0.1:5432, user postgres, trust auth), each test
//! in a schema of its own. Without PostgreSQL the PG tests print a note and
//! pass, unless `GREENLIGHT_REQUIRE_SERVICES=1`, when they fail.

mod changes;
mod conformance;
mod errors;
mod processes;
mod support;

/// Runs each named suite function against SQLite (`sqlite::NAME`) and
/// PostgreSQL (`postgres::NAME`).
macro_rules! both_backends {
    ($($module:ident :: $name:ident),* $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let b = crate::support::Backend::sqlite(stringify!($name));
                    crate::$module::$name(&b).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $name() {
                    let Some(b) = crate::support::Backend::postgres(stringify!($name)).await else {
                        return;
                    };
                    assert!(b.is_postgres());
                    crate::$module::$name(&b).await;
                }
            )*
        }
    };
}

both_backends! {
    conformance::round_trip,
    conformance::seq_numbering_per_run,
    conformance::chain_verifies,
    conformance::tamper_payload,
    conformance::tamper_delete_middle,
    conformance::tamper_delete_first,
    conformance::tamper_delete_last,
    conformance::tamper_hash,
    conformance::tamper_strip_macs,
    conformance::tamper_truncate_keyed,
    conformance::tamper_prev_hash,
    conformance::tamper_names_first,
    conformance::atomic_batches,
    conformance::concurrent_tasks,
    conformance::runs_latest_and_resolve,
    conformance::latest_run_is_the_last_started,
    conformance::releases_group_runs,
    conformance::kinds_filtered_in_sql,
    processes::two_processes_append_concurrently,
    processes::sigkill_loses_no_acknowledged_event,
}
