//! The document shell: inline CSS, the header, and the live-update script.

use crate::options::PageOptions;
use maud::{DOCTYPE, Markup, PreEscaped, html};

/// The page's stylesheet (inline; no external references). Statuses have
/// a colour and always a word, never colour alone.
pub const STYLE: &str = r#"
:root{--go:#1a7f37;--warn:#9a6700;--nogo:#cf222e;--pend:#0969da;--mute:#57606a;--line:#d0d7de;--bg:#f6f8fa}
*{box-sizing:border-box}
body{font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:0;color:#1f2328;background:#fff}
header.top{padding:.6rem 1.2rem;border-bottom:1px solid var(--line);background:var(--bg);display:flex;gap:1rem;align-items:baseline;flex-wrap:wrap}
header.top .who{margin-left:auto;color:var(--mute)}
main{padding:1rem 1.2rem;max-width:72rem}
h1{font-size:1.35rem;margin:.2rem 0}
h2{font-size:1.1rem;margin:1.6rem 0 .5rem;border-bottom:1px solid var(--line);padding-bottom:.2rem}
h3{font-size:1rem;margin:1rem 0 .3rem}
table{border-collapse:collapse;width:100%;margin:.4rem 0}
th,td{text-align:left;padding:.3rem .5rem;border-bottom:1px solid var(--line);vertical-align:top}
th{background:var(--bg);font-weight:600}
td.num,th.num{text-align:right;font-variant-numeric:tabular-nums}
.meta{color:var(--mute);font-size:.9rem}
.banner{border:2px solid;border-radius:6px;padding:.7rem 1rem;margin:.6rem 0}
.banner .v{font-size:1.4rem;font-weight:700}
.banner.go{border-color:var(--go);background:#dafbe1}
.banner.go_with_warnings{border-color:var(--warn);background:#fff8c5}
.banner.pending{border-color:var(--pend);background:#ddf4ff}
.banner.no_go{border-color:var(--nogo);background:#ffebe9}
table.items td:first-child{text-align:right;font-variant-numeric:tabular-nums}
tbody th[colspan]{background:#fff;font-size:.95rem;padding-top:.8rem}
b[class]{display:inline-block;padding:0 .4rem;border-radius:4px;font-size:.85rem;font-weight:600;border:1px solid}
b.passed,b.signed,b.in_force{color:var(--go);border-color:var(--go)}
b.failed,b.stale,b.over,b.lapsed{color:var(--nogo);border-color:var(--nogo)}
b.needs_review,b.blocked,b.not_run,b.waived,b.ignored{color:var(--warn);border-color:var(--warn)}
b.pending,b.owed{color:var(--pend);border-color:var(--pend)}
b.skipped,b.unused{color:var(--mute);border-color:var(--mute)}
ul.reasons{margin:.3rem 0 0;padding-left:1.2rem}
details.ev{margin:.2rem 0}
details.ev pre{white-space:pre-wrap;word-break:break-word;background:var(--bg);padding:.4rem;margin:.2rem 0;font-size:.85rem}
ul.plain{list-style:none;padding:0;margin:.2rem 0}
form.act{display:flex;gap:.3rem;flex-wrap:wrap;margin:.2rem 0}
form.act input[type=text]{min-width:12rem}
figure{margin:.6rem 0}
figcaption{font-weight:600}
svg.chart{max-width:100%;height:auto;background:#fff;border:1px solid var(--line)}
svg.chart text{font:11px system-ui,sans-serif;fill:#1f2328}
.sr{position:absolute;left:-9999px}
"#;

/// The live-update script: on each server-sent event, fetch the page and
/// swap its `<main>`. A message that comes while a fetch is under way
/// asks for one more fetch after it, so the last change is never lost.
const LIVE_JS: &str = r#"(function(){var m=document.querySelector('main[data-live]');if(!m||!window.EventSource)return;var es=new EventSource(m.getAttribute('data-live'));var busy=false,again=false;function load(){busy=true;again=false;fetch(location.href,{headers:{'Accept':'text/html'}}).then(function(r){return r.text()}).then(function(t){var d=new DOMParser().parseFromString(t,'text/html');var n=d.querySelector('main');if(n)m.innerHTML=n.innerHTML;}).finally(function(){busy=false;if(again)load();});}es.onmessage=function(){if(busy){again=true;return;}load();};})();"#;

/// A whole HTML document around `main`.
pub fn document(title: &str, opts: &PageOptions, main: Markup) -> String {
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                meta name="viewport" content="width=device-width, initial-scale=1";
                title { (title) }
                style { (PreEscaped(STYLE)) }
            }
            body {
                header.top {
                    strong { "greenlight" }
                    @if opts.base.is_some() {
                        nav aria-label="site" { a href=(opts.route("/")) { "Releases" } }
                    }
                    @if let Some(actor) = &opts.actor {
                        span.who { "signed in as " (actor) }
                        // A browser session (it has a CSRF token) can end
                        // itself; an API token has nothing to log out of.
                        @if opts.csrf_token.is_some() {
                            form.logout method="post" action=(opts.route("/logout")) {
                                (crate::run_page::csrf(opts))
                                button type="submit" { "Log out" }
                            }
                        }
                    }
                }
                main data-live=[opts.live_url.as_deref()] { (main) }
                @if opts.live_url.is_some() {
                    script { (PreEscaped(LIVE_JS)) }
                }
            }
        }
    }
    .into_string()
}
