"""The release room in a real headless Chromium (Playwright).

Driven by the e2e test `room::a_viewer_watches_live_and_an_approver_signs_off_in_chromium`
(crates/greenlight/tests/e2e/room.rs), which starts `greenlight serve` on a
store holding a release, creates the accounts and passes everything here
through the environment:

  GL_BASE              the server, http://127.0.0.1:PORT
  GL_RELEASE           the release's name
  GL_RUN               its latest run's ID
  GL_SECOND_RUN        JSON argv of a `greenlight run` of the same release
  GL_VIEWER, GL_VIEWER_PASSWORD       a viewer's account
  GL_APPROVER, GL_APPROVER_PASSWORD   an approver's account
  GL_SIGNOFF_ROLE      the checklist sign-off role the approver is bound to
  GL_SHOTS             the folder for screenshots (created)
  GL_CHROMIUM          the browser (default /usr/bin/chromium)

Steps (argv, in order; default all): `live`, `refuse`, `signoff`.
Each prints `screenshot: PATH` lines; any failed expectation raises, so
the exit status is not 0. Every wait is bounded.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect, sync_playwright

BASE = os.environ["GL_BASE"].rstrip("/")
RELEASE = os.environ["GL_RELEASE"]
SHOTS = os.environ["GL_SHOTS"]
CHROMIUM = os.environ.get("GL_CHROMIUM", "/usr/bin/chromium")
WAIT_MS = 20_000
SIGNOFFS = "section[aria-labelledby=signoffs]"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


# Counts what the page's EventSource does (installed before any script of
# the page runs), so the test can tell an update over SSE from a reload.
COUNT_SSE = """(() => {
  const Real = window.EventSource;
  if (!Real) return;
  window.__glLive = { opened: 0, messages: 0, urls: [] };
  window.EventSource = function (url, init) {
    const es = new Real(url, init);
    window.__glLive.urls.push(String(url));
    es.addEventListener('open', () => window.__glLive.opened++);
    es.addEventListener('message', () => window.__glLive.messages++);
    return es;
  };
  window.EventSource.prototype = Real.prototype;
})();"""


def release_url():
    return f"{BASE}/releases/{urllib.parse.quote(RELEASE, safe='')}"


def shot(page, name, section=None):
    """A screenshot of the viewport (1200x900): the top of the page, or
    scrolled to `section` (a CSS selector) so it is in view."""
    path = os.path.join(SHOTS, f"{name}.png")
    if section:
        # The live page swaps its <main> when an event arrives, which can
        # detach the element between finding and scrolling: find it again.
        for attempt in range(5):
            try:
                page.locator(section).first.scroll_into_view_if_needed()
                break
            except PlaywrightError as e:
                if "not attached" not in str(e) or attempt == 4:
                    raise
                page.wait_for_timeout(200)
    else:
        page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=path)
    print(f"screenshot: {path}", flush=True)
    return path


def log_in(page, name, password):
    """Logs in through the login form; the browser keeps the session cookie."""
    page.goto(f"{BASE}/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("button[type=submit]")
    assert "/login" not in page.url, f"login as {name} failed: still at {page.url}"


def step_live(page):
    """A viewer watches the release while a second run is recorded: the page
    changes without a reload (a marker set on `window` survives)."""
    first = os.environ["GL_RUN"]
    page.goto(release_url())
    expect(page.locator("main h1 code")).to_have_text(first, timeout=WAIT_MS)
    shot(page, "1-viewer-release-before")
    page.evaluate("window.__glNoReload = 'still here'")
    # The page's script has opened its live stream before the run starts.
    page.wait_for_function("() => window.__glLive && window.__glLive.opened > 0", timeout=WAIT_MS)
    argv = json.loads(os.environ["GL_SECOND_RUN"])
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    # While the run is going, the heading names the new run.
    heading = page.locator("main h1 code")
    expect(heading).not_to_have_text(first, timeout=WAIT_MS)
    second = heading.inner_text()
    try:
        out, err = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        raise AssertionError("the second run took over 120 s")
    assert proc.returncode in (0, 1, 2, 3), f"second run failed ({proc.returncode}): {err}"
    assert f"recorded run {second}" in err, f"the page shows run {second}, the CLI says: {err}"
    # Once the run is over, its verdict and event count reach the page.
    verdict = page.locator("section.banner .v")
    expect(verdict).to_contain_text("Verdict:", timeout=WAIT_MS)
    events = page.locator("main p.meta").first
    deadline = time.time() + WAIT_MS / 1000
    status = json.loads(
        subprocess.run(
            [argv[0], "status", second, "--json"], capture_output=True, text=True, timeout=60
        ).stdout
    )
    want = status["verdict"]
    while time.time() < deadline:
        if f"Verdict: {want}" in verdict.inner_text() and "events" in events.inner_text():
            break
        time.sleep(0.2)
    expect(verdict).to_have_text(f"Verdict: {want}", timeout=1000)
    marker = page.evaluate("window.__glNoReload")
    assert marker == "still here", "the page was reloaded instead of updated live"
    live = page.evaluate("window.__glLive")
    assert live["messages"] > 0, f"no server-sent message reached the page: {live}"
    shot(page, "2-viewer-release-live-updated")
    print(
        f"live: the page followed run {first} -> {second} ({want}) without a reload,"
        f" {live['messages']} server-sent messages from {live['urls']}",
        flush=True,
    )
    return second


def step_refuse(page, context):
    """A viewer sees no sign-off form, and a forged POST is refused (403)."""
    page.goto(release_url())
    forms = page.locator("form[action$='/signoff']")
    assert forms.count() == 0, "a viewer is shown a sign-off form"
    assert page.locator("form[action$='/waive']").count() == 0, "a viewer is shown a waive form"
    shot(page, "3-viewer-no-signoff-form", SIGNOFFS)
    run = page.locator("main h1 code").inner_text()
    # The viewer's own valid CSRF token (any form of the session carries it,
    # e.g. log out), so the refusal is about the role, not the token.
    token_input = page.locator("input[name=csrf]")
    assert token_input.count() > 0, "the viewer's page carries no CSRF token (the log-out form)"
    token = token_input.first.get_attribute("value")
    fields = {"role": os.environ["GL_SIGNOFF_ROLE"], "csrf": token}
    response = context.request.post(
        f"{BASE}/runs/{run}/signoff",
        form=fields,
        headers={"X-CSRF-Token": token},
        max_redirects=0,
    )
    body = response.text()
    assert response.status == 403, f"a viewer's forged sign-off got {response.status}: {body[:300]}"
    assert "CSRF" not in body, f"refused for the token, not the role: {body[:300]}"
    print(f"refuse: forged sign-off as viewer -> {response.status}", flush=True)


def step_signoff(page, name):
    """An approver signs off in the browser; the panel and the verdict follow."""
    role = os.environ["GL_SIGNOFF_ROLE"]
    page.goto(release_url())
    form = page.locator("form[action$='/signoff']").filter(has=page.locator(f"input[name=role][value='{role}']"))
    expect(form).to_have_count(1, timeout=WAIT_MS)
    before = page.locator("section.banner .v").inner_text()
    shot(page, "4-approver-before-signoff", SIGNOFFS)
    with page.expect_navigation(timeout=WAIT_MS):
        form.locator("button[type=submit]").click()
    assert page.url.startswith(BASE), page.url
    row = page.locator("section[aria-labelledby=signoffs] tr").filter(has_text=role)
    expect(row).to_contain_text("signed", timeout=WAIT_MS)
    expect(row).to_contain_text(name, timeout=WAIT_MS)
    expect(page.locator(f"form[action$='/signoff'] input[name=role][value='{role}']")).to_have_count(0)
    after = page.locator("section.banner .v").inner_text()
    shot(page, "5-approver-after-signoff", SIGNOFFS)
    print(f"signoff: {role} signed by {name}; verdict {before!r} -> {after!r}", flush=True)


def main():
    steps = sys.argv[1:] or ["live", "refuse", "signoff"]
    os.makedirs(SHOTS, exist_ok=True)
    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        browser = p.chromium.launch_persistent_context(
            profile,
            executable_path=CHROMIUM,
            headless=True,
            args=ARGS,
            viewport={"width": 1200, "height": 900},
            timeout=30_000,
        )
        browser.set_default_timeout(WAIT_MS)
        browser.add_init_script(COUNT_SSE)
        try:
            viewer = browser.new_page()
            if os.environ.get("GL_VIEWER"):
                log_in(viewer, os.environ["GL_VIEWER"], os.environ["GL_VIEWER_PASSWORD"])
            if "live" in steps:
                step_live(viewer)
            if "refuse" in steps:
                step_refuse(viewer, browser)
            if "signoff" in steps:
                # A fresh browser context: the approver has a session of their own.
                browser.clear_cookies()
                approver = browser.new_page()
                name = os.environ["GL_APPROVER"]
                log_in(approver, name, os.environ["GL_APPROVER_PASSWORD"])
                step_signoff(approver, name)
        finally:
            browser.close()


if __name__ == "__main__":
    main()
