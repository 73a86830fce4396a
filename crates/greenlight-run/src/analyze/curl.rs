//! curl command lines, run natively: method, headers, data, `-f`, `-I`,
//! `-s`, `-w`, `-o`, `-u`, `--max-time`, `-k`, `-L` and friends. A flag that
//! would change the request and is not understood makes the command a shell
//! step instead: never silently approximated.

use crate::check::Target;

/// Parses curl's arguments (after the word `curl`).
pub fn parse(args: &[String]) -> Result<Target, String> {
    let mut method: Option<String> = None;
    let mut url: Option<String> = None;
    let mut headers = Vec::new();
    let mut data: Vec<String> = Vec::new();
    let mut head = false;
    let mut get_with_data = false;
    let mut fail = false;
    let mut insecure = false;
    let mut follow = false;
    let mut user = None;
    let mut max_time = None;
    let mut i = 0;
    let value = |i: &mut usize, flag: &str| -> Result<String, String> {
        *i += 1;
        args.get(*i)
            .cloned()
            .ok_or_else(|| format!("curl {flag} needs a value"))
    };
    while i < args.len() {
        let a = args[i].as_str();
        if !a.starts_with('-') || a == "-" {
            if url.is_some() {
                return Err(format!("more than one URL ({a})"));
            }
            url = Some(a.to_string());
            i += 1;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, inline) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            let take = |i: &mut usize| -> Result<String, String> {
                match &inline {
                    Some(v) => Ok(v.clone()),
                    None => value(i, a),
                }
            };
            match name {
                "request" => method = Some(take(&mut i)?),
                "header" => headers.push(header(&take(&mut i)?)?),
                "data" | "data-raw" | "data-binary" | "data-ascii" | "data-urlencode" => {
                    let d = take(&mut i)?;
                    if d.starts_with('@') && name != "data-raw" {
                        return Err(format!("--{name} {d} reads a file"));
                    }
                    data.push(d);
                }
                "json" => {
                    let d = take(&mut i)?;
                    headers.push(("Content-Type".into(), "application/json".into()));
                    headers.push(("Accept".into(), "application/json".into()));
                    data.push(d);
                }
                "url" => url = Some(take(&mut i)?),
                "user" => user = Some(take(&mut i)?),
                "max-time" => max_time = Some(number(&take(&mut i)?)?),
                "connect-timeout" => {
                    take(&mut i)?;
                }
                "write-out" => {
                    let w = take(&mut i)?;
                    if w.starts_with('@') {
                        return Err(format!("--write-out {w} reads a file"));
                    }
                }
                "output" => {
                    let o = take(&mut i)?;
                    if o != "/dev/null" {
                        return Err(format!("--output {o} writes a file"));
                    }
                }
                "fail" | "fail-with-body" => fail = true,
                "head" => head = true,
                "get" => get_with_data = true,
                "insecure" => insecure = true,
                "location" => follow = true,
                "silent" | "show-error" | "verbose" | "include" | "compressed" | "http1.1"
                | "http2" | "no-progress-meter" | "globoff" | "no-buffer" => {}
                other => return Err(format!("--{other} is not understood")),
            }
            i += 1;
            continue;
        }
        // Short flags, possibly combined: -fsSL, -XPOST, -H…
        let flags: Vec<char> = a[1..].chars().collect();
        let mut j = 0;
        while j < flags.len() {
            let f = flags[j];
            let attached: String = flags[j + 1..].iter().collect();
            let arg = |i: &mut usize| -> Result<String, String> {
                if attached.is_empty() {
                    value(i, a)
                } else {
                    Ok(attached.clone())
                }
            };
            match f {
                'X' => {
                    method = Some(arg(&mut i)?);
                    break;
                }
                'H' => {
                    headers.push(header(&arg(&mut i)?)?);
                    break;
                }
                'd' => {
                    let d = arg(&mut i)?;
                    if d.starts_with('@') {
                        return Err(format!("-d {d} reads a file"));
                    }
                    data.push(d);
                    break;
                }
                'u' => {
                    user = Some(arg(&mut i)?);
                    break;
                }
                'm' => {
                    max_time = Some(number(&arg(&mut i)?)?);
                    break;
                }
                'w' => {
                    let w = arg(&mut i)?;
                    if w.starts_with('@') {
                        return Err(format!("-w {w} reads a file"));
                    }
                    break;
                }
                'o' => {
                    let o = arg(&mut i)?;
                    if o != "/dev/null" {
                        return Err(format!("-o {o} writes a file"));
                    }
                    break;
                }
                'f' => fail = true,
                'I' => head = true,
                'G' => get_with_data = true,
                'k' => insecure = true,
                'L' => follow = true,
                's' | 'S' | 'v' | 'i' | 'N' | 'g' => {}
                other => return Err(format!("-{other} is not understood")),
            }
            j += 1;
        }
        i += 1;
    }
    let mut url = url.ok_or_else(|| "no URL".to_string())?;
    if !url.contains("://") {
        url = format!("http://{url}");
    }
    let mut body = (!data.is_empty()).then(|| data.join("&"));
    if get_with_data && let Some(q) = body.take() {
        url.push(if url.contains('?') { '&' } else { '?' });
        url.push_str(&q);
    }
    let method = method.unwrap_or_else(|| {
        if head {
            "HEAD".into()
        } else if body.is_some() {
            "POST".into()
        } else {
            "GET".into()
        }
    });
    if body.is_some()
        && !headers
            .iter()
            .any(|(k, _): &(String, String)| k.eq_ignore_ascii_case("content-type"))
    {
        headers.push((
            "Content-Type".into(),
            "application/x-www-form-urlencoded".into(),
        ));
    }
    Ok(Target::Http {
        method: method.to_ascii_uppercase(),
        url,
        headers,
        body,
        insecure,
        follow,
        basic_auth: user,
        fail,
        max_time,
    })
}

fn header(h: &str) -> Result<(String, String), String> {
    let (k, v) = h
        .split_once(':')
        .ok_or_else(|| format!("header {h:?} has no colon"))?;
    Ok((k.trim().to_string(), v.trim().to_string()))
}

fn number(s: &str) -> Result<f64, String> {
    s.parse().map_err(|_| format!("{s:?} is not a number"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(s: &str) -> Vec<String> {
        shell_words::split(s).unwrap()
    }

    #[test]
    fn seed_forms() {
        let t = parse(&words("-f https://staging-api.yourdomain.com/health")).unwrap();
        assert!(matches!(&t, Target::Http { method, fail: true, .. } if method == "GET"));
        let t = parse(&words(r#"-X POST https://x/xtb/v1 -H "Authorization: Bearer $TOKEN" -H "Content-Type: application/json" -d '{"molecule": "H2O"}'"#)).unwrap();
        match t {
            Target::Http {
                method,
                headers,
                body,
                ..
            } => {
                assert_eq!(method, "POST");
                assert_eq!(headers[0], ("Authorization".into(), "Bearer $TOKEN".into()));
                assert_eq!(body.as_deref(), Some(r#"{"molecule": "H2O"}"#));
                assert_eq!(headers.len(), 2);
            }
            _ => panic!(),
        }
        let t = parse(&words("-I https://staging.toolboxai.com/")).unwrap();
        assert!(matches!(&t, Target::Http { method, .. } if method == "HEAD"));
        let t = parse(&words("-sSfL -XDELETE -m 5 -k -u user:pw https://x/")).unwrap();
        assert!(
            matches!(&t, Target::Http { method, fail: true, follow: true, insecure: true, max_time: Some(5.0), basic_auth: Some(u), .. } if method == "DELETE" && u == "user:pw")
        );
        let t = parse(&words("-s -o /dev/null -w '%{http_code}' https://x/")).unwrap();
        assert!(matches!(t, Target::Http { .. }));
    }

    #[test]
    fn refuses_what_it_cannot_do_faithfully() {
        assert!(
            parse(&words(
                r#"-w "@curl-format.txt" -o /dev/null -s https://x/"#
            ))
            .unwrap_err()
            .contains("reads a file")
        );
        assert!(
            parse(&words("-d @body.json https://x/"))
                .unwrap_err()
                .contains("reads a file")
        );
        assert!(
            parse(&words("--proxy http://p https://x/"))
                .unwrap_err()
                .contains("not understood")
        );
        assert!(
            parse(&words("-o out.html https://x/"))
                .unwrap_err()
                .contains("writes a file")
        );
        assert!(parse(&words("-s")).is_err());
    }

    proptest::proptest! {
        #[test]
        fn never_panics(args in proptest::collection::vec("\\PC{0,12}", 0..8)) {
            let _ = parse(&args);
        }
    }
}
