//! The OpenAPI 3.1 document of the API, written by hand and kept honest
//! by a test: its paths and methods are exactly those of
//! [`crate::api::routes`], and every declared path answers.

use serde_json::{Value, json};

fn error_responses(not_found: bool) -> Value {
    let err = |d: &str| json!({ "description": d, "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    let mut r = json!({
        "400": err("The request is malformed (a bad path or query parameter)."),
        "500": err("The store failed or holds a run that cannot be read."),
        "503": err("The store is unreachable, or the answer took too long."),
    });
    if not_found {
        r["404"] = err("Nothing has this ID.");
    }
    r
}

fn ok(description: &str, schema: &str) -> Value {
    json!({ "description": description, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{schema}") } } } })
}

fn sse(description: &str) -> Value {
    json!({ "description": description, "content": { "text/event-stream": { "schema": { "type": "string" } } } })
}

fn op(id: &str, summary: &str, params: Vec<Value>, success: Value, not_found: bool) -> Value {
    let mut responses = error_responses(not_found);
    responses["200"] = success;
    json!({ "get": { "operationId": id, "summary": summary, "parameters": params, "responses": responses } })
}

/// A web page (HTML; errors as small HTML pages too).
fn page(id: &str, summary: &str, params: Vec<Value>, not_found: bool) -> Value {
    let html = |d: &str| json!({ "description": d, "content": { "text/html": { "schema": { "type": "string" } } } });
    let mut responses = json!({ "200": html("The page."), "500": html("The store failed."), "503": html("The store is unreachable.") });
    if not_found {
        responses["404"] = html("Nothing has this ID.");
        responses["400"] = html("The path is malformed.");
    }
    json!({ "get": { "operationId": id, "summary": summary, "parameters": params, "responses": responses } })
}

/// A page's form (urlencoded in, a redirect to the run page out);
/// `fields`: the fields it reads (besides `csrf`), `required`: those it
/// cannot do without. Fields of other forms are not described: the form
/// ignores them, whatever they hold.
fn form(id: &str, summary: &str, fields: &[&str], required: &[&str]) -> Value {
    let html = |d: &str| json!({ "description": d, "content": { "text/html": { "schema": { "type": "string" } } } });
    let every = json!({
        "item": { "type": "string", "minLength": 1 }, "note": { "type": "string" }, "reason": { "type": "string", "pattern": SAYS_SOMETHING },
        "expires": { "type": "string" },
        "slot": { "type": "string" }, "role": { "type": "string", "minLength": 1 }, "csrf": { "type": "string" } });
    let mut properties = serde_json::Map::new();
    for name in fields.iter().chain(&["csrf"]) {
        properties.insert(name.to_string(), every[*name].clone());
    }
    json!({ "post": {
        "operationId": id, "summary": summary,
        "parameters": [path_param("run", "The run's ID.")],
        "requestBody": { "required": true, "content": { "application/x-www-form-urlencoded": { "schema": { "type": "object", "required": required, "properties": properties } } } },
        "responses": { "303": { "description": "Recorded: back to the run's page." },
            "400": html("A malformed form."), "404": html("Nothing has this ID."), "409": html("A broken audit chain."),
            "422": html("Refused by the checklist's rules; nothing recorded."), "500": html("The store failed."), "503": html("The store is unreachable.") },
    } })
}

/// A text with something in it besides spaces (a waiver's reason).
const SAYS_SOMETHING: &str = "\\S";

/// An act on a run (JSON in, JSON out).
fn act(id: &str, summary: &str, body_schema: &str) -> Value {
    let mut responses = error_responses(true);
    responses["200"] = ok("Recorded: the events' sequence numbers.", "Recorded");
    responses["409"] = json!({ "description": "The run's audit chain is broken, or it is signed with another audit key.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    responses["422"] = json!({ "description": "Refused by the checklist's rules (a failed check cannot be ticked, the role already signed, …); nothing was recorded.", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    json!({ "post": {
        "operationId": id, "summary": summary,
        "parameters": [path_param("run", "The run's ID (exactly; no prefixes).")],
        "requestBody": { "required": true, "content": { "application/json": { "schema": { "$ref": format!("#/components/schemas/{body_schema}") } } } },
        "responses": responses,
    } })
}

fn path_param(name: &str, description: &str) -> Value {
    json!({ "name": name, "in": "path", "required": true, "description": description, "schema": { "type": "string", "minLength": 1 } })
}

fn after_param(description: &str) -> Value {
    json!({ "name": "after", "in": "query", "required": false, "description": description, "schema": { "type": "integer", "minimum": 0, "maximum": crate::api::MAX_SEQ } })
}

/// The document served at `/openapi.json`.
pub fn document() -> Value {
    let release = || {
        path_param(
            "release",
            "The release's name, percent-encoded (`docs%2FRELEASE.md%40staging`).",
        )
    };
    let run = || path_param("run", "The run's ID (exactly; no prefixes).");
    let limit = json!({ "name": "limit", "in": "query", "required": false, "description": "Events per page (default 100).", "schema": { "type": "integer", "minimum": 1, "maximum": 1000 } });
    let nullable_string = json!({ "type": ["string", "null"] });
    let mut doc = json!({
        "openapi": "3.1.0",
        "security": [{ "bearer": [] }, { "session": [] }],
        "info": {
            "title": "greenlight release room",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Releases, runs, items with evidence, events, verdicts with reasons, waivers and sign-offs, read from the greenlight event store. Verdicts are the ones `greenlight status` gives (audit chain verified). Errors are JSON with a status code.",
        },
        "paths": {
            "/login": {
                "get": { "operationId": "loginPage", "summary": "The login form (sets a double-submit CSRF cookie).", "security": [], "parameters": [{ "name": "next", "in": "query", "required": false, "schema": { "type": "string" } }],
                    "responses": { "200": { "description": "The form.", "content": { "text/html": { "schema": { "type": "string" } } } } } },
                "post": { "operationId": "login", "summary": "Log in with name and password (form fields `name`, `password`, `csrf`, `next`): a new session cookie, then a redirect. Failed logins are limited per account and address (429).", "security": [],
                    "requestBody": { "required": true, "content": { "application/x-www-form-urlencoded": { "schema": { "type": "object", "properties": { "name": { "type": "string" }, "password": { "type": "string" }, "csrf": { "type": "string" }, "next": { "type": "string" } } } } } },
                    "responses": { "303": { "description": "Logged in: to `next`." }, "401": { "description": "Wrong name or password (the form again)." }, "403": { "description": "Missing or wrong CSRF token." }, "429": { "description": "Too many failed logins; see Retry-After." } } },
            },
            "/logout": { "post": { "operationId": "logout", "summary": "End the session (form field `csrf`).",
                "responses": { "303": { "description": "Logged out: to /login." }, "403": { "description": "Missing or wrong CSRF token." } } } },
            "/openapi.json": { "get": { "operationId": "openapi", "summary": "This document.", "security": [], "responses": { "200": { "description": "The OpenAPI document.", "content": { "application/json": { "schema": { "type": "object" } } } } } } },
            "/api/v1/health": op("health", "Whether the server and its store answer.", vec![], ok("The server and store answer.", "Health"), false),
            "/api/v1/releases": op("listReleases", "Every release with runs, the most recently active first.", vec![], ok("The releases.", "ReleaseList"), false),
            "/api/v1/releases/{release}": op("getRelease", "A release: its runs and the verified state of its latest run (verdict, reasons, counts, people's work, the whole report).", vec![release()], ok("The release.", "Release"), true),
            "/api/v1/releases/{release}/stream": op("streamRelease", "Server-sent events of the release: `event` (a stored event), `verdict` (the verdict changed), `resync` (the watcher fell behind: re-read the release).", vec![release()], sse("An endless stream of events."), true),
            "/api/v1/runs": op("listRuns", "Every run, newest first.", vec![], ok("The runs.", "RunList"), false),
            "/api/v1/runs/{run}": op("getRun", "A run's report (greenlight.run/v1), as `greenlight status RUN --json` prints it.", vec![run()], ok("The run's report.", "RunReport"), true),
            "/api/v1/runs/{run}/events": op("listRunEvents", "A run's events in order, a page at a time.", vec![run(), after_param("Only events with a greater sequence number (default 0)."), limit], ok("A page of events.", "EventPage"), true),
            "/api/v1/runs/{run}/check": act("checkItems", "Check manual items (and their open sub-items) as the caller (operator or above), by the rules of `greenlight check`.", "CheckBody"),
            "/api/v1/runs/{run}/uncheck": act("uncheckItems", "Uncheck items a person had checked (operator or above), as `greenlight uncheck`.", "CheckBody"),
            "/api/v1/runs/{run}/waive": act("waiveItem", "Waive an item with a reason and an optional expiry (approver or above), as `greenlight waive`.", "WaiveBody"),
            "/api/v1/runs/{run}/signoff": act("signOff", "Sign off (or revoke) as the caller, in a checklist role the caller is bound to, as `greenlight signoff`.", "SignoffBody"),
            "/runs/{run}/check": form("checkForm", "The run page's form: check `item` with `note` (operator or above; the session's CSRF token in `csrf`).", &["item", "note"], &["item"]),
            "/runs/{run}/waive": form("waiveForm", "The run page's form: waive `item` with `reason` and an optional `expires` (a time, a day or a duration) (approver or above; CSRF token in `csrf`).", &["item", "reason", "expires"], &["item", "reason"]),
            "/runs/{run}/signoff": form("signoffForm", "The run page's form: sign off as `role` (an approver bound to it; CSRF token in `csrf`).", &["slot", "role"], &["role"]),
            "/": page("releasesPage", "Web UI: the list of releases.", vec![], false),
            "/owed": page("owedPage", "Web UI: what each role still owes, over the latest run of each release.", vec![], false),
            "/releases/{release}": page("releasePage", "Web UI: a release (its latest run: verdict, phases with budgets, items with evidence, sign-offs, waivers, owed work), updated live.", vec![release()], true),
            "/releases/{release}/live": op("releasePageLive", "Plain server-sent messages on each change of the release (for the release page's script).", vec![release()], sse("An endless stream of messages."), true),
            "/runs/{run}": page("runPage", "Web UI: one run, updated live.", vec![run()], true),
            "/runs/{run}/live": op("runPageLive", "Plain server-sent messages on each change of the run (for the run page's script).", vec![run()], sse("An endless stream of messages."), true),
            "/runs/{run}/report.html": page("runReport", "The run's self-contained HTML report (inline CSS and SVG), as `greenlight report RUN --html` writes it.", vec![run()], true),
            "/api/v1/runs/{run}/stream": op("streamRun", "Server-sent events of the run: its events after `after` (default: from now on), each new one as it is stored, and `verdict` when the verdict changes.", vec![run(), after_param("Send the stored events after this sequence number first.")], sse("An endless stream of events."), true),
        },
        "components": {
          "securitySchemes": {
            "bearer": { "type": "http", "scheme": "bearer", "description": "An API token (`greenlight users token NAME --role viewer`)." },
            "session": { "type": "apiKey", "in": "cookie", "name": "gl_session", "description": "A browser session from POST /login." },
          },
          "schemas": {
            "CheckBody": { "type": "object", "required": ["items"], "additionalProperties": false, "properties": {
                "items": { "type": "array", "minItems": 1, "items": { "type": "string", "minLength": 1 }, "description": "Item IDs or lines (`L57`)." },
                "note": { "type": "string" } } },
            "WaiveBody": { "type": "object", "required": ["item", "reason"], "additionalProperties": false, "properties": {
                "item": { "type": "string", "minLength": 1 }, "reason": { "type": "string", "pattern": SAYS_SOMETHING },
                "expires": { "type": ["string", "null"], "description": "An RFC 3339 time, a day (2026-12-01) or a duration from now (48h); in the future (422 otherwise)." } } },
            "SignoffBody": { "type": "object", "required": ["role"], "additionalProperties": false, "properties": {
                "role": { "type": "string", "minLength": 1 }, "revoke": { "type": "boolean" } } },
            "Recorded": { "type": "object", "required": ["run_id", "recorded"], "properties": {
                "run_id": { "type": "string" }, "recorded": { "type": "array", "items": { "type": "integer", "minimum": 1 } } } },
            "Error": { "type": "object", "required": ["error"], "properties": { "error": { "type": "object", "required": ["status", "code", "message"], "properties": {
                "status": { "type": "integer" }, "code": { "type": "string" }, "message": { "type": "string" } } } } },
            "Health": { "type": "object", "required": ["status", "backend", "live"], "properties": {
                "status": { "const": "ok" }, "backend": { "enum": ["sqlite", "postgresql"] }, "store": { "type": "string" },
                "live": { "enum": ["listen", "poll", "starting"] }, "version": { "type": "string" } } },
            "RunSummary": { "type": "object", "required": ["run_id", "release", "events"], "properties": {
                "run_id": { "type": "string" }, "checklist": { "type": "string" }, "profile": { "type": "string" }, "release": { "type": "string" },
                "started_at": { "type": "string" }, "last_event_at": { "type": "string" },
                "recorded_verdict": nullable_string, "events": { "type": "integer", "minimum": 0 } } },
            "RunList": { "type": "object", "required": ["runs"], "properties": { "runs": { "type": "array", "items": { "$ref": "#/components/schemas/RunSummary" } } } },
            "ReleaseList": { "type": "object", "required": ["releases"], "properties": { "releases": { "type": "array", "items": { "type": "object",
                "required": ["release", "runs", "latest_run"], "properties": {
                    "release": { "type": "string" }, "runs": { "type": "integer", "minimum": 1 }, "latest_run": { "type": "string" },
                    "checklist": { "type": "string" }, "profile": { "type": "string" }, "recorded_verdict": nullable_string,
                    "first_started_at": nullable_string, "last_event_at": { "type": "string" } } } } } },
            "Verdict": { "enum": ["GO", "GO_WITH_WARNINGS", "PENDING", "NO_GO"] },
            "Counts": { "type": "object", "additionalProperties": { "type": "integer", "minimum": 0 } },
            "RunReport": { "type": "object", "required": ["schema", "verdict", "reasons", "counts", "items", "signoffs"], "properties": {
                "schema": { "const": "greenlight.run/v1" }, "run_id": { "type": "string" }, "verdict": { "$ref": "#/components/schemas/Verdict" },
                "reasons": { "type": "array", "items": { "type": "object" } }, "counts": { "$ref": "#/components/schemas/Counts" },
                "phases": { "type": "array", "items": { "type": "object" } }, "items": { "type": "array", "items": { "type": "object" } },
                "signoffs": { "type": "array", "items": { "type": "object" } } } },
            "People": { "type": "object", "required": ["checks", "waivers", "signoffs"], "properties": {
                "checks": { "type": "array", "items": { "type": "object" } }, "waivers": { "type": "array", "items": { "type": "object" } },
                "signoffs": { "type": "array", "items": { "type": "object", "properties": { "stale": { "type": "boolean" } } } } } },
            "Audit": { "type": "object", "required": ["ok", "keying"], "properties": { "ok": { "type": "boolean" }, "keying": { "enum": ["unkeyed", "verified", "unverified", "broken"] } } },
            "Release": { "type": "object", "required": ["release", "runs", "latest_run", "verdict", "reasons", "counts", "people", "report"], "properties": {
                "release": { "type": "string" }, "runs": { "type": "array", "items": { "$ref": "#/components/schemas/RunSummary" } },
                "latest_run": { "type": "string" }, "earlier_runs": { "type": "integer", "minimum": 0 }, "finished": { "type": "boolean" },
                "verdict": { "$ref": "#/components/schemas/Verdict" }, "reasons": { "type": "array", "items": { "type": "object" } },
                "counts": { "$ref": "#/components/schemas/Counts" }, "audit": { "$ref": "#/components/schemas/Audit" },
                "people": { "$ref": "#/components/schemas/People" }, "report": { "$ref": "#/components/schemas/RunReport" } } },
            "Event": { "type": "object", "required": ["run_id", "seq", "at", "kind", "actor", "payload"], "properties": {
                "run_id": { "type": "string" }, "release": { "type": "string" }, "seq": { "type": "integer", "minimum": 1 }, "at": { "type": "string" },
                "kind": { "type": "string" }, "item": nullable_string, "actor": { "type": "string" }, "payload": {},
                "prev_hash": { "type": "string" }, "hash": { "type": "string" }, "mac": nullable_string } },
            "EventPage": { "type": "object", "required": ["run_id", "events", "next_after"], "properties": {
                "run_id": { "type": "string" }, "release": { "type": "string" },
                "events": { "type": "array", "items": { "$ref": "#/components/schemas/Event" } },
                "next_after": { "type": ["integer", "null"], "description": "Pass as `after` for the next page; null on the last." } } },
        } },
    });
    // The health check is open to anyone (load balancers ask it).
    doc["paths"]["/api/v1/health"]["get"]["security"] = json!([]);
    // Every guarded operation may be refused.
    let refusal = json!({ "description": "No credentials, a bad token or session (401), or a role that may not do this (403).", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } });
    if let Some(paths) = doc["paths"].as_object_mut() {
        for (path, ops) in paths.iter_mut() {
            for (_, op) in ops.as_object_mut().into_iter().flatten() {
                if op.get("security").is_none() && path != "/logout" {
                    op["responses"]["401"] = refusal.clone();
                    op["responses"]["403"] = refusal.clone();
                }
            }
        }
    }
    doc
}
