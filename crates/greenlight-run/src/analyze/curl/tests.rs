use super::*;
use proptest::prelude::*;

fn words(s: &str) -> Vec<String> {
    crate::analyze::script::words(s).unwrap()
}

fn class(line: &str) -> Class {
    let w = words(line);
    http_tool_class(&w[0], &w[1..])
}

fn http(line: &str) -> (String, String, Option<String>, Vec<(String, String)>) {
    match parse(&words(line)) {
        Ok(Target::Http {
            method,
            url,
            body,
            headers,
            ..
        }) => (method, url, body, headers),
        other => panic!("{line}: {other:?}"),
    }
}

#[test]
fn seed_forms() {
    let t = parse(&words("-f https://staging-api.yourdomain.com/health")).unwrap();
    assert!(matches!(&t, Target::Http { method, fail: true, .. } if method == "GET"));
    let (method, _, body, headers) = http(
        r#"-X POST https://x/xtb/v1 -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{"molecule": "H2O"}'"#,
    );
    assert_eq!(method, "POST");
    assert_eq!(headers[0], ("Authorization".into(), "Bearer $TOKEN".into()));
    assert_eq!(body.as_deref(), Some(r#"{"molecule": "H2O"}"#));
    assert_eq!(headers.len(), 2);
    assert_eq!(http("-I https://staging.toolboxai.com/").0, "HEAD");
    let t = parse(&words("-sSfL -XDELETE -m 5 -k -u user:pw https://x/")).unwrap();
    assert!(
        matches!(&t, Target::Http { method, fail: true, follow: true, insecure: true, max_time: Some(5.0), basic_auth: Some(u), .. } if method == "DELETE" && u == "user:pw")
    );
    assert!(parse(&words("-s -o /dev/null -w '%{http_code}' https://x/")).is_ok());
}

#[test]
fn bundled_short_flags_parse() {
    assert_eq!(http("-sX DELETE https://x/a").0, "DELETE");
    assert_eq!(http("-XPOST https://x/a").0, "POST");
    assert_eq!(http("-fsSLX POST https://x/a").0, "POST");
    assert_eq!(http("-iX PATCH https://x/a").0, "PATCH");
    let (m, url, body, _) = http("-sSd 'a=1' https://x/a");
    assert_eq!(
        (m.as_str(), url.as_str(), body.as_deref()),
        ("POST", "https://x/a", Some("a=1"))
    );
    let (m, _, body, _) = http("-sSda=1 https://x/a");
    assert_eq!((m.as_str(), body.as_deref()), ("POST", Some("a=1")));
    assert_eq!(http("--request=PUT https://x/a").0, "PUT");
    assert_eq!(http("--request put https://x/a").0, "PUT");
    // A value is never a URL, a URL never a value.
    assert_eq!(http("-m 5 https://x/a").1, "https://x/a");
    assert_eq!(http("--url https://x/b -s").1, "https://x/b");
    let (m, url, body, _) = http("-G -d q=1 -d r=2 https://x/s");
    assert_eq!(
        (m.as_str(), url.as_str(), body),
        ("GET", "https://x/s?q=1&r=2", None)
    );
    let (m, _, body, headers) = http(r#"--json '{"a":1}' https://x/j"#);
    assert_eq!((m.as_str(), body.as_deref()), ("POST", Some(r#"{"a":1}"#)));
    assert!(
        headers
            .iter()
            .any(|(k, v)| k == "Content-Type" && v == "application/json")
    );
    assert_eq!(http("-o - https://x/a").0, "GET");
    assert_eq!(http("-sSLo /dev/null https://x/a").0, "GET");
}

#[test]
fn lines_that_cannot_run_natively_stay_shell() {
    for (line, why) in [
        (
            r#"-w "@curl-format.txt" -o /dev/null -s https://x/"#,
            "reads a file",
        ),
        ("-d @body.json https://x/", "reads a file"),
        ("-d@body.json https://x/", "reads a file"),
        ("--proxy http://p https://x/", "not run natively"),
        ("-x http://p:3128 https://x/", "not run natively"),
        ("-o out.html https://x/", "writes a file"),
        ("-sSLo out.json https://x/", "writes a file"),
        ("--output out.json https://x/", "writes a file"),
        ("--output=out.json https://x/", "writes a file"),
        ("-O https://x/f.tgz", "writes a file"),
        ("--remote-name https://x/f.tgz", "writes a file"),
        ("--remote-name-all https://x/f.tgz", "writes a file"),
        ("-D headers.txt https://x/", "writes a file"),
        ("--dump-header h.txt https://x/", "writes a file"),
        ("-c jar.txt https://x/", "writes a file"),
        ("--cookie-jar jar https://x/", "writes a file"),
        ("--trace t.log https://x/", "writes a file"),
        ("--trace-ascii t.log https://x/", "writes a file"),
        ("--libcurl code.c https://x/", "writes a file"),
        ("--stderr err.txt https://x/", "writes a file"),
        ("-K cfg https://x/", "config"),
        ("--config cfg https://x/", "config"),
        ("https://x/a https://x/b", "more than one URL"),
        ("-F a=b https://x/", "uploads"),
        ("-T f.txt https://x/", "uploads"),
        ("-H @headers.txt https://x/", "reads headers"),
        ("-D - https://x/", "not run natively"),
        ("--frobnicate https://x/", "not a curl option"),
        ("-9 https://x/", "not a curl option"),
        ("-X", "needs a value"),
    ] {
        let err = parse(&words(line)).unwrap_err();
        assert!(err.contains(why), "{line}: {err}");
    }
    assert!(parse(&words("-s")).is_err());
}

#[test]
fn curl_classes() {
    for line in [
        "curl https://x/health",
        "curl -fsSL https://x/health",
        "curl -I https://x/",
        "curl -X GET https://x/",
        "curl -XOPTIONS https://x/",
        "curl --request=HEAD https://x/",
        "curl -G -d q=1 https://x/search",
        "curl -G --data-urlencode 'q=a b' https://x/search",
        "curl -o /dev/null -w '%{http_code}' https://x/",
        "curl -sSo /dev/null https://x/",
        "curl -o - https://x/",
        "curl -D - https://x/",
        "curl --stderr - https://x/",
        "curl -x http://proxy:3128 https://x/",
        "curl -m 5 --retry 3 --connect-timeout 2 -A ua -H 'Accept: a/b' https://x/",
        "curl --url https://x/a https://x/b",
        "curl localhost:8080/health",
        "curl --no-progress-meter -w @fmt.txt https://x/",
        "curl -u user:pw https://x/",
        "curl -b 'session=1' https://x/",
        "curl --version",
    ] {
        assert_eq!(class(line), Class::Read, "{line}");
    }
    for line in [
        "curl -sX DELETE https://x/a",
        "curl -XPOST https://x/a",
        "curl -sSd 'a=1' https://x/a",
        "curl -fsSLX POST https://x/a",
        "curl -iX PATCH https://x/a",
        "curl -sSLo out.json https://x/a",
        "curl -d@file https://x/a",
        "curl --request=PUT https://x/a",
        "curl --request put https://x/a",
        "curl -o out.json https://x/",
        "curl --output out.json https://x/",
        "curl -O https://x/f",
        "curl -sO https://x/f",
        "curl --remote-name https://x/f",
        "curl --remote-name-all https://x/f",
        "curl -D h.txt https://x/",
        "curl --dump-header h.txt https://x/",
        "curl -c jar https://x/",
        "curl --cookie-jar jar https://x/",
        "curl --trace t.log https://x/",
        "curl --trace-ascii t.log https://x/",
        "curl --libcurl out.c https://x/",
        "curl --stderr err.log https://x/",
        "curl -K cfg https://x/",
        "curl --config cfg",
        "curl -T f.txt https://x/",
        "curl --upload-file f.txt https://x/",
        "curl -F a=b https://x/",
        "curl --form 'f=@x' https://x/",
        "curl --json '{}' https://x/",
        "curl --data-raw a https://x/",
        "curl --data-binary @x https://x/",
        "curl --data-urlencode a=b https://x/",
        "curl -X GET -d a=1 https://x/",
        "curl -I -d a=1 https://x/",
        "curl -H 'X-HTTP-Method-Override: DELETE' https://x/",
        "curl -H 'x-http-method: PUT' https://x/",
        "curl -H 'X-Method-Override: GET' https://x/",
        "curl -sH 'X-HTTP-Method-Override:POST' https://x/",
        "curl -H @headers.txt https://x/",
        "curl -w '%output{/tmp/x}%{http_code}' https://x/",
        "curl -Q 'DELE f' ftp://x/",
        "curl smtp://mail --mail-rcpt a@b -T mail.txt",
        "curl ftp://x/f",
        "curl --frobnicate https://x/",
        "curl --req DELETE https://x/",
        "curl -X",
        "curl https://x/a --next -X DELETE https://x/b",
        "curl --expand-request DELETE https://x/",
    ] {
        assert_eq!(class(line), Class::Mutating, "{line}");
    }
}

#[test]
fn wget_classes() {
    for line in [
        "wget -qO- https://x/health",
        "wget -q -O - https://x/",
        "wget -O /dev/null https://x/",
        "wget --output-document=- https://x/",
        "wget --spider https://x/",
        "wget -q --spider -T 5 https://x/",
        "wget -S --spider https://x/",
        "wget -qO- --header 'Accept: a/b' https://x/",
    ] {
        assert_eq!(class(line), Class::Read, "{line}");
    }
    for line in [
        "wget https://x/file.tgz",
        "wget -q https://x/",
        "wget -O out.html https://x/",
        "wget -qO out.html https://x/",
        "wget -qO- --post-data 'a=1' https://x/",
        "wget -qO- --post-data='a=1' https://x/",
        "wget -qO- --method=DELETE https://x/",
        "wget -qO- --method PUT --body-data x https://x/",
        "wget -qO- --method GET --body-data x https://x/",
        "wget -qO- --header 'X-HTTP-Method-Override: DELETE' https://x/",
        "wget -qO- -o log.txt https://x/",
        "wget -qO- --save-cookies c.txt https://x/",
        "wget -qO- -e 'output_document=x' https://x/",
        "wget -r https://x/",
        "wget -qO- --frob https://x/",
        "wget -b -qO- https://x/",
    ] {
        assert_eq!(class(line), Class::Mutating, "{line}");
    }
}

#[test]
fn httpie_classes() {
    for line in [
        "http https://x/health",
        "http GET https://x/health",
        "https x.io/health",
        "http :8080/health Accept:application/json",
        "http GET :8080/search q==1",
        "http -v --check-status --timeout 5 https://x/",
        "http --offline POST https://x/ a=1",
        "http -b https://x/",
        "http HEAD https://x/",
    ] {
        assert_eq!(class(line), Class::Read, "{line}");
    }
    for line in [
        "http POST https://x/a",
        "http DELETE https://x/a/1",
        "http https://x/a name=x",
        "http https://x/a count:=1",
        "http -f https://x/a file@x.txt",
        "http https://x/a X-HTTP-Method-Override:DELETE",
        "http --download https://x/f",
        "http -d https://x/f",
        "http -o out.json https://x/",
        "http --output=out.json https://x/",
        "http --session=s https://x/",
        "http --raw 'x' https://x/",
        "http --frob https://x/",
        "http",
    ] {
        assert_eq!(class(line), Class::Mutating, "{line}");
    }
}

#[test]
fn helpers() {
    assert!(is_read_method("get") && is_read_method("HEAD") && is_read_method("OPTIONS"));
    assert!(!is_read_method("POST") && !is_read_method("GETX") && !is_read_method(""));
    assert!(is_method_override(" X-Http-Method-Override "));
    assert!(!is_method_override("X-Request-Id"));
}

/// Short flags that take no value, as runbooks bundle them.
const HARMLESS_SHORT: &[char] = &['s', 'S', 'f', 'L', 'k', 'i', 'v', 'g', 'N'];
/// Harmless options with their values.
const HARMLESS: &[&[&str]] = &[
    &["-m", "5"],
    &["--retry", "3"],
    &["-H", "Accept: application/json"],
    &["-A", "ua"],
    &["--compressed"],
    &["-u", "a:b"],
    &["-o", "/dev/null"],
    &["-w", "%{http_code}"],
];
/// State-changing options: value-taking short option (or None) and value.
const HARMFUL: &[(&str, &str)] = &[
    ("X", "DELETE"),
    ("X", "POST"),
    ("X", "PUT"),
    ("X", "patch"),
    ("d", "a=1"),
    ("d", "@file"),
    ("F", "f=@x"),
    ("T", "up.txt"),
    ("H", "X-HTTP-Method-Override: DELETE"),
    ("H", "X-HTTP-Method: PUT"),
    ("H", "X-Method-Override: GET"),
    ("o", "out.json"),
    ("K", "cfg"),
    ("D", "h.txt"),
    ("c", "jar"),
];
const HARMFUL_LONG: &[&str] = &[
    "--json={}",
    "--data-raw=x",
    "--request=DELETE",
    "--output=out.json",
    "--remote-name",
    "-O",
    "--upload-file=f",
    "--config=cfg",
];

proptest! {
    #[test]
    fn never_panics(args in proptest::collection::vec("\\PC{0,12}", 0..8)) {
        let _ = parse(&args);
        let _ = curl_class(&args);
        let _ = wget_class(&args);
        let _ = httpie_class(&args);
    }

    #[test]
    fn never_panics_on_option_shapes(args in proptest::collection::vec("-{0,2}[a-zA-Z#:0-9=@é]{0,6}", 0..8)) {
        let _ = parse(&args);
        let _ = curl_class(&args);
        let _ = wget_class(&args);
        let _ = httpie_class(&args);
    }

    /// However a state-changing option is spelled (bundled after harmless
    /// short flags, value attached or separate, among harmless options in
    /// any order), the line is never `read`, and a native request built
    /// from it is never judged `read` either.
    #[test]
    fn state_changing_requests_are_never_read(
        harmful in 0..(HARMFUL.len() + HARMFUL_LONG.len()),
        bundle in proptest::collection::vec(proptest::sample::select(HARMLESS_SHORT), 0..4),
        attached in any::<bool>(),
        others in proptest::collection::vec(proptest::sample::select(HARMLESS), 0..4),
        position in 0usize..6,
        url_first in any::<bool>(),
    ) {
        let mut harmful_words: Vec<String> = Vec::new();
        if harmful < HARMFUL.len() {
            let (flag, value) = HARMFUL[harmful];
            let prefix: String = bundle.iter().collect();
            if attached {
                harmful_words.push(format!("-{prefix}{flag}{value}"));
            } else {
                harmful_words.push(format!("-{prefix}{flag}"));
                harmful_words.push(value.to_string());
            }
        } else {
            harmful_words.push(HARMFUL_LONG[harmful - HARMFUL.len()].to_string());
        }
        let mut args: Vec<String> = others.iter().flat_map(|o| o.iter().map(|s| s.to_string())).collect();
        let at = position.min(args.len());
        // Keep an option's value next to it: insert between whole options.
        let at = others.iter().take(at).map(|o| o.len()).sum::<usize>().min(args.len());
        for (k, w) in harmful_words.into_iter().enumerate() {
            args.insert(at + k, w);
        }
        if url_first { args.insert(0, "https://x/a".into()) } else { args.push("https://x/a".into()) }
        prop_assert_ne!(curl_class(&args), Class::Read, "{:?}", args);
        if let Ok(t) = parse(&args) {
            prop_assert_ne!(t.class(), Some(Class::Read), "{:?} → {:?}", args, t);
        }
    }
}

#[test]
fn a_url_from_a_variable_gets_its_scheme_once_filled() {
    let t = parse(&words("-s ${HOST}/health")).unwrap();
    let Target::Http { url, .. } = t else {
        panic!("{t:?}")
    };
    assert_eq!(url, "${HOST}/health");
    let t = parse(&words("-s api.example.com/health")).unwrap();
    let Target::Http { url, .. } = t else {
        panic!("{t:?}")
    };
    assert_eq!(url, "http://api.example.com/health");
}

proptest::proptest! {
    /// `is_read_method` compares without upper-casing a copy: the same
    /// answer as upper-casing.
    #[test]
    fn read_method_agrees_with_upper_casing(
        method in "[ \\t]?(get|GET|Get|head|HeAd|options|OPTIONS|post|ġet|GET\u{212A}|G|[a-zA-Zß]{0,8})[ \\t]?"
    ) {
        let upper = method.trim().to_ascii_uppercase();
        let reference = matches!(upper.as_str(), "GET" | "HEAD" | "OPTIONS");
        proptest::prop_assert_eq!(super::is_read_method(&method), reference);
    }
}
