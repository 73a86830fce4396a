//! People's work at scale, waivers, the keyed audit chain and identity:
//! the real binary against SQLite and (when it answers) PostgreSQL.

use crate::run::{start, write};
use crate::store::{Backend, backends, gl, json_of};
use crate::support::*;
use greenlight_fixture::Faults;
use serde_json::Value;
use std::process::{Command, Output};

/// `gl` with extra environment variables.
fn gl_env(args: &[&str], store: &str, env: &[(&str, &str)]) -> Output {
    let mut c = Command::new(env!("CARGO_BIN_EXE_greenlight"));
    c.args(args)
        .env("GREENLIGHT_STORE", store)
        .env("GREENLIGHT_USER", "tester")
        .env("NO_COLOR", "1")
        .env_remove("GREENLIGHT_AUDIT_KEY");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

const DOC: &str = "# Release\n\n## Prep\n\n- [ ] Release notes reviewed\n- [ ] Announce window\n- [ ] **Database checks**\n  - [ ] Backup verified\n  - [ ] Restore tested\n- [ ] **Version**\n  ```bash\n  curl BASE/version\n  # Expected: {\"version\": \"8.0.0\"}\n  ```\n\n## Deploy\n\n- [ ] Deploy approved\n- [ ] Smoke tested by hand\n\n**Release Manager:** ______\n";

fn item<'a>(status: &'a Value, text: &str) -> &'a Value {
    status["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["text"] == text)
        .unwrap_or_else(|| panic!("no item {text}: {status}"))
}

fn events(run: &str, store: &Backend) -> u64 {
    json_of(&gl(&["audit", run, "--json"], store))["events"]
        .as_u64()
        .unwrap()
}

#[test]
fn check_takes_several_items_a_phase_and_parents() {
    for store in backends("people_many") {
        let env = start("people-many", Faults::NONE.with_wrong_version());
        let path = write(
            &env.dir,
            "r.md",
            &DOC.replace("BASE", &env.fixture.base_url()),
        );
        let out = gl(&["run", path.to_str().unwrap()], &store);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let status = json_of(&gl(&["status", "--json"], &store));
        let run = status["run_id"].as_str().unwrap().to_string();
        let announce = item(&status, "Announce window")["id"]
            .as_str()
            .unwrap()
            .to_string();
        let before = events(&run, &store);

        // Two items in one command, by line and by ID: one event each.
        let out = gl(&["check", &run, "L5", &announce], &store);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert!(stdout(&out).contains("2 items checked"), "{}", stdout(&out));
        assert_eq!(events(&run, &store), before + 2);

        // A parent checks its open sub-items and lists them.
        let out = gl(&["check", &run, "L7"], &store);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        // The command's result is its output: on stdout.
        let said = stdout(&out);
        assert!(said.contains("has 2 sub-items"), "{said}");
        assert!(said.contains("checked L8 Backup verified"), "{said}");
        assert!(said.contains("checked L9 Restore tested"), "{said}");
        let status = json_of(&gl(&["status", "--json"], &store));
        for text in ["Database checks", "Backup verified", "Restore tested"] {
            assert_eq!(item(&status, text)["status"], "passed", "{text}");
        }
        assert_eq!(events(&run, &store), before + 4);

        // A whole phase, by part of its title.
        let out = gl(&["check", &run, "--phase", "deploy"], &store);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let status = json_of(&gl(&["status", "--json"], &store));
        assert_eq!(item(&status, "Deploy approved")["status"], "passed");
        assert_eq!(item(&status, "Smoke tested by hand")["status"], "passed");
        assert_eq!(events(&run, &store), before + 6);

        // A failed check is refused with the reason, and nothing is recorded.
        let out = gl(&["check", &run, "L10"], &store);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("waive it instead"),
            "{}",
            stderr(&out)
        );
        assert_eq!(events(&run, &store), before + 6);
        // An unknown phase names the phases there are.
        let out = gl(&["check", &run, "--phase", "nope"], &store);
        assert_eq!(out.status.code(), Some(2));
        assert!(stderr(&out).contains("L16 Deploy"), "{}", stderr(&out));

        // No items and no terminal: a usage error that says what to give.
        let out = gl(&["check", &run], &store);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("name the items to check"),
            "{}",
            stderr(&out)
        );

        // Uncheck takes several too.
        let out = gl(&["uncheck", &run, "--phase", "Deploy", "L5"], &store);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let status = json_of(&gl(&["status", "--json"], &store));
        assert_eq!(item(&status, "Deploy approved")["status"], "pending");
        assert_eq!(item(&status, "Release notes reviewed")["status"], "pending");
        assert_eq!(item(&status, "Announce window")["status"], "passed");
        assert_eq!(events(&run, &store), before + 9);
    }
}

#[test]
fn waived_items_show_as_waived_everywhere_and_lapse() {
    for store in backends("people_waive") {
        let env = start("people-waive", Faults::NONE.with_wrong_version());
        let original = DOC.replace("BASE", &env.fixture.base_url());
        let path = write(&env.dir, "w.md", &original);
        gl(&["run", path.to_str().unwrap()], &store);
        let run = json_of(&gl(&["status", "--json"], &store))["run_id"]
            .as_str()
            .unwrap()
            .to_string();
        let out = gl(
            &[
                "waive",
                &run,
                "L10",
                "--reason",
                "hotfix build",
                "--expires",
                "2099-01-01T00:00:00Z",
                "--name",
                "cto",
            ],
            &store,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

        // JSON: its own status, with the waiver.
        let status = json_of(&gl(&["status", "--json"], &store));
        let version = item(&status, "Version");
        assert_eq!(version["status"], "waived", "{version}");
        assert_eq!(version["waiver"]["approver"], "cto");
        assert_eq!(version["waiver"]["reason"], "hotfix build");
        assert_eq!(version["waiver"]["expires"], "2099-01-01T00:00:00Z");
        assert_eq!(version["waiver"]["state"], "in_force");
        assert_eq!(version["waiver"]["was"], "failed");
        assert_eq!(status["counts"]["waived"], 1);
        assert_eq!(status["counts"]["passed"], 0, "{}", status["counts"]);

        // Human status: the summary counts it, a section lists it.
        let human = stdout(&gl(&["status", &run], &store));
        assert!(human.contains("Waivers (1):"), "{human}");
        assert!(
            human.contains(
                "in force · was failed · by cto · until 2099-01-01T00:00:00Z · hotfix build"
            ),
            "{human}"
        );
        assert!(human.contains("1 waived"), "{human}");
        assert!(!human.contains("1 passed"), "{human}");

        // JUnit and Markdown (written by resume, which reports people's work).
        let junit = env.dir.join("j.xml");
        let md = env.dir.join("m.md");
        let out = gl(
            &[
                "resume",
                &run,
                "--junit",
                junit.to_str().unwrap(),
                "--markdown",
                md.to_str().unwrap(),
            ],
            &store,
        );
        assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
        let junit = std::fs::read_to_string(junit).unwrap();
        assert!(
            junit.contains("<skipped message=\"waived: waived by cto until 2099-01-01T00:00:00Z: hotfix build (was failed)\"/>"),
            "{junit}"
        );
        let md = std::fs::read_to_string(md).unwrap();
        assert!(md.contains("### Waivers"), "{md}");
        assert!(
            md.contains("in force by cto until 2099-01-01T00:00:00Z: hotfix build"),
            "{md}"
        );

        // `write` never ticks a waived failure.
        let out = gl(&["write", &run], &store);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(after.contains("- [ ] **Version**"), "{after}");

        // A waiver that lapses: in force now, lapsed two seconds later.
        let soon = humantime::format_rfc3339_seconds(
            std::time::SystemTime::now() + std::time::Duration::from_secs(3),
        )
        .to_string();
        let out = gl(
            &[
                "waive",
                &run,
                "L10",
                "--reason",
                "for a moment",
                "--expires",
                &soon,
            ],
            &store,
        );
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(
            item(&json_of(&gl(&["status", "--json"], &store)), "Version")["status"],
            "waived"
        );
        // `soon` is cut to the second and a waiver stays in force through
        // its expiry second (times compare as RFC 3339 seconds), so wait
        // past the second after it: 3.5 s could end inside it.
        std::thread::sleep(std::time::Duration::from_millis(4_500));
        let status = json_of(&gl(&["status", "--json"], &store));
        let version = item(&status, "Version");
        assert_eq!(version["status"], "failed", "{version}");
        assert_eq!(version["waiver"]["state"], "lapsed");
        assert_eq!(status["verdict"], "NO_GO");
        let decide = gl(&["decide", &run], &store);
        assert_eq!(decide.status.code(), Some(1));
        assert!(stdout(&decide).contains("lapsed"), "{}", stdout(&decide));
        let human = stdout(&gl(&["status", &run], &store));
        assert!(human.contains("lapsed · was failed"), "{human}");
    }
}

/// What an attacker with write access but without the key does: flips
/// the failed step result to passed and recomputes every hash from there
/// on (and the run's head), so the unkeyed chain is consistent again.
fn rewrite_failed_to_passed(store: &str, run: &str) {
    type Row = (i64, String, String, Option<String>, String, String);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let pg = store.split_once("?schema=").map(|(base, schema)| {
        rt.block_on(async {
            let (client, conn) = tokio_postgres::connect(base, tokio_postgres::NoTls)
                .await
                .unwrap();
            tokio::spawn(conn);
            client
                .batch_execute(&format!("SET search_path TO {schema}"))
                .await
                .unwrap();
            client
        })
    });
    let select =
        "SELECT seq, at, kind, item, actor, payload FROM events WHERE run_id = $1 ORDER BY seq";
    let rows: Vec<Row> = match &pg {
        Some(c) => rt
            .block_on(c.query(select, &[&run]))
            .unwrap()
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3), r.get(4), r.get(5)))
            .collect(),
        None => {
            let conn = rusqlite::Connection::open(store).unwrap();
            let mut stmt = conn.prepare(&select.replace("$1", "?1")).unwrap();
            stmt.query_map([run], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    r.get(2)?,
                    r.get(3)?,
                    r.get(4)?,
                    r.get(5)?,
                ))
            })
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
        }
    };
    let mut prev = greenlight_store::GENESIS.to_string();
    let mut updates = Vec::new();
    let mut flipped = false;
    for (seq, at, kind, item, actor, mut payload) in rows {
        if kind == "step_result" && payload.contains("\"status\":\"failed\"") && !flipped {
            payload = payload.replace("\"status\":\"failed\"", "\"status\":\"passed\"");
            flipped = true;
        }
        let hash = greenlight_store::event_hash(
            run,
            seq as u64,
            &at,
            greenlight_store::EventKind::parse(&kind).unwrap(),
            item.as_deref(),
            &actor,
            &payload,
            &prev,
        );
        updates.push((seq, payload, prev.clone(), hash.clone()));
        prev = hash;
    }
    assert!(flipped, "the run has a failed step result");
    let update =
        "UPDATE events SET payload = $1, prev_hash = $2, hash = $3 WHERE run_id = $4 AND seq = $5";
    let head = "UPDATE runs SET last_hash = $1 WHERE run_id = $2";
    // An informed attacker moves the signed head record's hash too (its
    // MAC cannot be recomputed without the key).
    let sealed = "UPDATE run_heads SET last_hash = $1 WHERE run_id = $2";
    match &pg {
        Some(c) => rt.block_on(async {
            for (seq, payload, p, h) in &updates {
                c.execute(update, &[payload, p, h, &run, seq])
                    .await
                    .unwrap();
            }
            c.execute(head, &[&prev, &run]).await.unwrap();
            c.execute(sealed, &[&prev, &run]).await.unwrap();
        }),
        None => {
            let conn = rusqlite::Connection::open(store).unwrap();
            let update = update.replace('$', "?");
            for (seq, payload, p, h) in &updates {
                conn.execute(&update, rusqlite::params![payload, p, h, run, seq])
                    .unwrap();
            }
            for sql in [head, sealed] {
                conn.execute(&sql.replace('$', "?"), rusqlite::params![prev, run])
                    .unwrap();
            }
        }
    }
}

const KEY: &str = "team-audit-key-0123456789abcdef";

#[test]
fn a_keyed_chain_catches_a_rewrite_that_recomputes_the_hashes() {
    for store in backends("people_keyed") {
        let env = start("people-keyed", Faults::NONE.with_wrong_version());
        let doc = "# R\n\n## Checks\n\n- [ ] **Version**\n  ```bash\n  curl BASE/version\n  # Expected: {\"version\": \"8.0.0\"}\n  ```\n"
            .replace("BASE", &env.fixture.base_url());
        let path = write(&env.dir, "k.md", &doc);
        // The key comes from the profile (`[audit] key = { env = … }`).
        let profile = write(
            &env.dir,
            "p.toml",
            "[audit]\nkey = { env = \"TEAM_AUDIT_KEY\" }\n",
        );
        let p = profile.to_str().unwrap();
        let keyed = [("TEAM_AUDIT_KEY", KEY)];
        let out = gl_env(&["run", path.to_str().unwrap(), "--env", p], &store, &keyed);
        assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
        let status = json_of(&gl_env(&["status", "--json", "--env", p], &store, &keyed));
        let run = status["run_id"].as_str().unwrap().to_string();
        let audit = gl_env(&["audit", &run, "--env", p], &store, &keyed);
        assert_eq!(audit.status.code(), Some(0), "{}", stdout(&audit));
        assert!(
            stdout(&audit).contains("intact and signed"),
            "{}",
            stdout(&audit)
        );
        assert!(
            stdout(&audit).contains("recorded by: tester"),
            "{}",
            stdout(&audit)
        );
        // A profile that names a key whose variable is unset is an error.
        let out = gl_env(&["audit", &run, "--env", p], &store, &[]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("TEAM_AUDIT_KEY is not set"),
            "{}",
            stderr(&out)
        );

        rewrite_failed_to_passed(&store, &run);

        // audit (key from the profile), decide and status (key from
        // GREENLIGHT_AUDIT_KEY) all see it.
        let out = gl_env(&["audit", &run, "--env", p, "--json"], &store, &keyed);
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        let a = json_of(&out);
        assert_eq!(a["ok"], false, "{a}");
        assert_eq!(a["keying"], "broken");
        assert!(
            a["problem"]
                .as_str()
                .unwrap()
                .contains("without the audit key"),
            "{a}"
        );
        let env_key = [("GREENLIGHT_AUDIT_KEY", KEY)];
        let decide = gl_env(&["decide", &run], &store, &env_key);
        assert_eq!(decide.status.code(), Some(1), "{}", stdout(&decide));
        assert!(stdout(&decide).contains("NO_GO"), "{}", stdout(&decide));
        assert!(
            stdout(&decide).contains("audit chain broken"),
            "{}",
            stdout(&decide)
        );
        let status = gl_env(&["status", &run, "--json"], &store, &env_key);
        assert_eq!(status.status.code(), Some(1));
        let s = json_of(&status);
        assert_eq!(s["verdict"], "NO_GO");
        assert_eq!(s["reasons"][0]["item"], "audit-chain", "{}", s["reasons"]);
        // The rewrite did flip the item: only the chain tells.
        assert_eq!(item(&s, "Version")["status"], "passed");
        // Nothing is built on the forged history: no ticks written from
        // it, no comparison with it.
        let write = gl_env(&["write", &run], &store, &env_key);
        assert_eq!(write.status.code(), Some(6), "{}", stderr(&write));
        assert!(
            stderr(&write).contains("audit chain broken"),
            "{}",
            stderr(&write)
        );
        let compare = gl_env(&["compare", &run, &run], &store, &env_key);
        assert_eq!(compare.status.code(), Some(6), "{}", stderr(&compare));
        // Without a key the MACs cannot be checked: never plain GO.
        let decide = gl_env(&["decide", &run, "--json"], &store, &[]);
        let d = json_of(&decide);
        assert_ne!(d["verdict"], "GO", "{d}");
        assert!(
            d["reasons"][0]["message"]
                .as_str()
                .unwrap()
                .contains("no audit key"),
            "{d}"
        );
        // Nor can a person record to the signed run without the key.
        let out = gl_env(&["check", &run, "L5"], &store, &[]);
        assert_eq!(out.status.code(), Some(2));
        assert!(
            stderr(&out).contains("is signed with audit key"),
            "{}",
            stderr(&out)
        );
    }
}

/// A keyed run whose MACs an attacker deleted, and one whose last events
/// were cut off (with `runs` rewritten to match), are broken chains:
/// `audit`, `decide` and `history` all say so.
#[test]
fn stripped_macs_and_a_cut_off_end_break_a_keyed_run_everywhere() {
    for store in backends("people_strip") {
        let env = start("people-strip", Faults::NONE);
        let doc = "# R\n\n## Checks\n\n- [ ] **Version**\n  ```bash\n  curl BASE/version\n  # Expected: {\"version\": \"8.0.0\"}\n  ```\n- [ ] Notes reviewed\n"
            .replace("BASE", &env.fixture.base_url());
        let keyed = [("GREENLIGHT_AUDIT_KEY", KEY)];
        // Two checklists: two releases, so the second run owes its item too.
        let run_once = |name: &str| {
            let path = write(&env.dir, name, &doc);
            let out = gl_env(&["run", path.to_str().unwrap()], &store, &keyed);
            assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
            let s = json_of(&gl_env(&["status", "--json"], &store, &keyed));
            s["run_id"].as_str().unwrap().to_string()
        };
        let stripped = run_once("s.md");
        let out = gl_env(&["check", &stripped, "L10"], &store, &keyed);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        std::thread::sleep(std::time::Duration::from_millis(20));
        let cut = run_once("t.md");
        let out = gl_env(&["check", &cut, "L10"], &store, &keyed);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));

        let history = gl_env(&["history"], &store, &keyed);
        assert_eq!(history.status.code(), Some(0), "{}", stdout(&history));
        assert_eq!(
            stdout(&history).matches("verified").count(),
            2,
            "{}",
            stdout(&history)
        );

        crate::store::tamper(
            &store,
            &format!("UPDATE events SET mac = NULL WHERE run_id = '{stripped}';"),
        );
        let n = events(&cut, &store);
        crate::store::tamper(
            &store,
            &format!(
                "DELETE FROM events WHERE run_id = '{cut}' AND seq = {n};
                 UPDATE runs SET events = {m},
                    last_hash = (SELECT hash FROM events WHERE run_id = '{cut}' AND seq = {m})
                 WHERE run_id = '{cut}';",
                m = n - 1
            ),
        );

        // Even without the key, the stripped run names its key.
        let a = json_of(&gl_env(&["audit", &stripped, "--json"], &store, &[]));
        assert_eq!(
            (a["ok"].clone(), a["first_bad"].clone()),
            (false.into(), 1.into()),
            "{a}"
        );
        assert!(
            a["problem"].as_str().unwrap().contains("MACs stripped"),
            "{a}"
        );
        let d = json_of(&gl_env(&["decide", &stripped, "--json"], &store, &keyed));
        assert_eq!(d["verdict"], "NO_GO", "{d}");
        let a = json_of(&gl_env(&["audit", &cut, "--json"], &store, &keyed));
        assert_eq!(a["ok"], false, "{a}");
        assert_eq!(a["first_bad"], n, "{a}");
        assert!(
            a["problem"]
                .as_str()
                .unwrap()
                .contains(&format!("signed head record says {n} events")),
            "{a}"
        );

        let history = gl_env(&["history"], &store, &keyed);
        assert_eq!(history.status.code(), Some(1), "{}", stdout(&history));
        let text = stdout(&history);
        assert_eq!(text.matches("BROKEN").count(), 2, "{text}");
        assert!(
            text.contains(&format!("run {stripped}: AUDIT FAILED — MACs stripped")),
            "{text}"
        );
        assert!(
            text.contains(&format!("run {cut}: AUDIT FAILED — event {n} is missing")),
            "{text}"
        );
        let rows = json_of(&gl_env(&["history", "--json"], &store, &keyed));
        let rows = rows.as_array().unwrap();
        assert_eq!(rows.len(), 2);
        assert!(
            rows.iter()
                .all(|r| r["audit"]["ok"] == false && r["audit"]["keying"] == "broken"),
            "{rows:?}"
        );
    }
}

#[test]
fn unkeyed_runs_verify_as_unkeyed_and_the_same_rewrite_goes_unseen() {
    for store in backends("people_unkeyed") {
        let env = start("people-unkeyed", Faults::NONE.with_wrong_version());
        let doc = "# R\n\n## Checks\n\n- [ ] **Version**\n  ```bash\n  curl BASE/version\n  # Expected: {\"version\": \"8.0.0\"}\n  ```\n"
            .replace("BASE", &env.fixture.base_url());
        let path = write(&env.dir, "u.md", &doc);
        assert_eq!(
            gl(&["run", path.to_str().unwrap()], &store).status.code(),
            Some(1)
        );
        let run = json_of(&gl(&["status", "--json"], &store))["run_id"]
            .as_str()
            .unwrap()
            .to_string();
        rewrite_failed_to_passed(&store, &run);
        // This is why the key matters: the hashes agree again.
        let out = gl(&["audit", &run], &store);
        assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
        assert!(stdout(&out).contains("UNKEYED"), "{}", stdout(&out));
        let a = json_of(&gl(&["audit", &run, "--json"], &store));
        assert_eq!(
            (a["ok"].clone(), a["keying"].clone()),
            (Value::Bool(true), "unkeyed".into())
        );
        // With a key configured, an unkeyed run is never plain GO.
        let d = json_of(&gl_env(
            &["decide", &run, "--json"],
            &store,
            &[("GREENLIGHT_AUDIT_KEY", KEY)],
        ));
        assert_eq!(d["verdict"], "GO_WITH_WARNINGS", "{d}");
        assert!(
            d["reasons"][0]["message"]
                .as_str()
                .unwrap()
                .contains("unkeyed"),
            "{d}"
        );
        // Without one, the verdict stands as recorded, and status says why
        // the record proves less.
        let out = gl(&["status", &run], &store);
        assert!(
            stdout(&out).contains("audit chain intact but UNKEYED"),
            "{}",
            stdout(&out)
        );
    }
}

#[test]
fn every_event_names_who_acted_and_a_person_must_be_named() {
    let store = backends("people_who").remove(0);
    let env = start("people-who", Faults::NONE);
    let path = write(
        &env.dir,
        "i.md",
        "# R\n\n## M\n\n- [ ] Looked at the dashboard\n",
    );
    // No --name, GREENLIGHT_USER, USER, nor git on the PATH.
    let bare = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_greenlight"))
            .args(args)
            .env_clear()
            .env("GREENLIGHT_STORE", &*store)
            .env("NO_COLOR", "1")
            .current_dir(&env.dir)
            .output()
            .unwrap()
    };
    let out = bare(&["run", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let run = json_of(&gl(&["status", "--json"], &store))["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let out = bare(&["check", &run, "L5"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("needs a name"), "{}", stderr(&out));
    let out = bare(&["check", &run, "L5", "--name", "Ada"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let audit = stdout(&gl(&["audit", &run], &store));
    assert!(
        audit.contains("unknown (no --name, GREENLIGHT_USER, git user.name or USER) (2 events)"),
        "{audit}"
    );
    assert!(audit.contains("Ada (1 event)"), "{audit}");
    // $USER is the last resort.
    let out = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(["uncheck", &run, "L5"])
        .env_clear()
        .env("GREENLIGHT_STORE", &*store)
        .env("USER", "from-user")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&gl(&["audit", &run], &store)).contains("from-user (1 event)"));
}

/// `signoff` and `resume` take their actor like every command: `--name`,
/// else `$GREENLIGHT_USER`, git's `user.name` or `$USER`; a sign-off by
/// nobody is refused.
#[test]
fn signoff_and_resume_name_their_actor_from_the_identity_chain() {
    let store = backends("people_actor").remove(0);
    let env = start("people-actor", Faults::NONE);
    let path = write(
        &env.dir,
        "a.md",
        &DOC.replace("BASE", &env.fixture.base_url()),
    );
    gl(&["run", path.to_str().unwrap()], &store);
    let run = json_of(&gl(&["status", "--json"], &store))["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    // Nobody to name: refused, nothing recorded.
    let before = events(&run, &store);
    let out = Command::new(env!("CARGO_BIN_EXE_greenlight"))
        .args(["signoff", &run, "--role", "Release Manager"])
        .env_clear()
        .env("GREENLIGHT_STORE", &*store)
        .current_dir(&env.dir)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("needs a name"), "{}", stderr(&out));
    assert_eq!(events(&run, &store), before);
    // $GREENLIGHT_USER signs when --name is not given.
    let out = gl_env(
        &["signoff", &run, "--role", "Release Manager"],
        &store,
        &[("GREENLIGHT_USER", "Grace")],
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let status = json_of(&gl(&["status", &run, "--json"], &store));
    let signoff = &status["signoffs"][0];
    assert_eq!(signoff["signed"], true, "{status}");
    let human = squashed(&stdout(&gl(&["status", &run], &store)));
    assert!(human.contains("signed by Grace at"), "{human}");
    // resume --name records its events under that name.
    let out = gl_env(&["resume", &run, "--failed", "--name", "Rita"], &store, &[]);
    assert!(
        matches!(out.status.code(), Some(0 | 1 | 3)),
        "{}",
        stderr(&out)
    );
    let audit = stdout(&gl(&["audit", &run], &store));
    assert!(audit.contains("Grace (1 event)"), "{audit}");
    assert!(audit.contains("Rita ("), "{audit}");
}

/// The picker, through a real pseudo-terminal (`script` from util-linux):
/// space ticks the first item, down, space ticks the second, enter records.
#[test]
fn on_a_terminal_check_offers_a_picker() {
    if Command::new("script").arg("--version").output().is_err() {
        eprintln!("note: `script` is not installed; skipping the picker test");
        return;
    }
    let store = backends("people_pick").remove(0);
    let env = start("people-pick", Faults::NONE.with_wrong_version());
    let path = write(
        &env.dir,
        "p.md",
        &DOC.replace("BASE", &env.fixture.base_url()),
    );
    gl(&["run", path.to_str().unwrap()], &store);
    let run = json_of(&gl(&["status", "--json"], &store))["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let mut child = Command::new("script")
        .args(["-qec"])
        .arg(format!("{} check {run}", env!("CARGO_BIN_EXE_greenlight")))
        .arg("/dev/null")
        .env("GREENLIGHT_STORE", &*store)
        .env("GREENLIGHT_USER", "picker")
        .env("NO_COLOR", "1")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    for keys in [&b" "[..], b"\x1b[B", b" ", b"\r"] {
        std::thread::sleep(std::time::Duration::from_millis(1_500));
        std::io::Write::write_all(&mut input, keys).unwrap();
    }
    std::thread::sleep(std::time::Duration::from_millis(1_000));
    drop(input);
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("2 items checked"), "{text}");
    let status = json_of(&gl(&["status", "--json"], &store));
    assert_eq!(item(&status, "Release notes reviewed")["status"], "passed");
    assert_eq!(item(&status, "Announce window")["status"], "passed");
    assert_eq!(item(&status, "Backup verified")["status"], "pending");
}

/// greenlight.toml names the variable that holds the audit key
/// (`audit_key_env`); the key itself written there is refused.
#[test]
fn greenlight_toml_names_the_audit_key_variable_and_refuses_the_key_itself() {
    let env = start("people-toml-key", Faults::NONE);
    let root = env.dir.join("repo");
    std::fs::create_dir_all(&root).unwrap();
    write(
        &root,
        "r.md",
        "# R\n\n## M\n\n- [ ] Looked at the dashboard\n",
    );
    let gl_at = |args: &[&str], vars: &[(&str, &str)]| {
        let mut c = Command::new(env!("CARGO_BIN_EXE_greenlight"));
        c.args(args)
            .current_dir(&root)
            .env_remove("GREENLIGHT_STORE")
            .env_remove("GREENLIGHT_AUDIT_KEY")
            .env_remove("TEAM_AUDIT_KEY")
            .env("GREENLIGHT_USER", "tester")
            .env("NO_COLOR", "1");
        for (k, v) in vars {
            c.env(k, v);
        }
        c.output().unwrap()
    };
    std::fs::write(
        root.join("greenlight.toml"),
        "checklist = \"r.md\"\naudit_key_env = \"TEAM_AUDIT_KEY\"\n",
    )
    .unwrap();
    let keyed = [("TEAM_AUDIT_KEY", KEY)];
    let out = gl_at(&["run", "r.md"], &keyed);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let a = json_of(&gl_at(&["audit", "--json"], &keyed));
    assert_eq!(a["keying"], "verified", "{a}");
    assert_eq!(a["signed"], a["events"], "{a}");
    // The variable it names must be set.
    let out = gl_at(&["audit"], &[]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("audit_key_env names TEAM_AUDIT_KEY, which is not set"),
        "{}",
        stderr(&out)
    );
    // The key itself in the committed file: refused, and not echoed.
    for text in [
        format!("audit_key = \"{KEY}\"\n"),
        format!("[audit]\nkey = \"{KEY}\"\n"),
        format!("audit_key_env = \"{KEY}\"\n"),
    ] {
        std::fs::write(root.join("greenlight.toml"), &text).unwrap();
        let out = gl_at(&["audit"], &keyed);
        assert_eq!(out.status.code(), Some(2), "{text}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.contains("greenlight.toml") && err.contains("audit_key_env"),
            "{err}"
        );
        assert!(!err.contains(KEY), "the key is not echoed: {err}");
    }
}

/// Seed 004 ends with a GO / NO-GO decision written as two checkboxes.
/// Checking its NO-GO box is the team deciding NO-GO: the verdict becomes
/// NO_GO with that reason (never GO), until someone unchecks it; a NO-GO
/// box ticked in the document is NO_GO too.
#[test]
fn checking_the_no_go_box_of_seed_004_makes_the_run_no_go() {
    let store = backends("people_no_go").remove(0);
    let dir = scratch("people-no-go");
    let seed = std::fs::read_to_string(repo_root().join(seed_path(4))).unwrap();
    let line = 1 + seed
        .lines()
        .position(|l| l.starts_with("- [ ] **NO-GO**"))
        .expect("seed 004 has a NO-GO box");
    let path = write(&dir, "CHECKLIST.md", &seed);
    let out = gl(&["run", path.to_str().unwrap(), "--quiet"], &store);
    assert_eq!(out.status.code(), Some(3), "{}", stderr(&out));
    let run = json_of(&gl(&["status", "--json"], &store))["run_id"]
        .as_str()
        .unwrap()
        .to_string();
    let no_go = format!("L{line}");
    let out = gl(
        &["check", &run, &no_go, "--note", "migration not rehearsed"],
        &store,
    );
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 item checked"), "{}", stdout(&out));
    let decide = gl(&["decide", &run, "--json"], &store);
    assert_eq!(decide.status.code(), Some(1), "{}", stdout(&decide));
    let d = json_of(&decide);
    assert_eq!(d["verdict"], "NO_GO", "{d}");
    let reason = &d["reasons"][0];
    assert_eq!(reason["line"], line, "{d}");
    let message = reason["message"].as_str().unwrap();
    assert!(
        message.contains("the team decided NO-GO: checked by tester")
            && message.contains("migration not rehearsed"),
        "{message}"
    );
    // Unchecked: the decision is withdrawn, and the run is what it was.
    let out = gl(&["uncheck", &run, &no_go], &store);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(
        json_of(&gl(&["decide", &run, "--json"], &store))["verdict"],
        "PENDING"
    );
    // Ticked in the document: the document's mark decides (as before).
    std::fs::write(&path, seed.replace("- [ ] **NO-GO**", "- [x] **NO-GO**")).unwrap();
    let out = gl(&["run", path.to_str().unwrap(), "--quiet"], &store);
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    let d = json_of(&gl(&["decide", "--json"], &store));
    assert_eq!(d["verdict"], "NO_GO", "{d}");
    assert!(
        d["reasons"][0]["message"]
            .as_str()
            .unwrap()
            .contains("marked in the document (NO-GO: [x])"),
        "{d}"
    );
}
