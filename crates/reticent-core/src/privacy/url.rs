//! URL sanitisation for page addresses, referrers and URL attributes.

/// Sanitises a URL. `http(s)` URLs keep scheme, host, port and path; the user
/// info and fragment are removed, and the query keeps only `allow_params`
/// (by exact name, values kept). Path segments that look like identifiers,
/// tokens or e-mail addresses are replaced by `:id`, `:token` or `:email`.
/// `mailto:` and `tel:` keep only their scheme; any other scheme (`javascript:`,
/// `data:`, `blob:` …) yields an empty string. Relative references are treated
/// like a path. Whatever cannot be parsed is dropped: this fails closed.
pub fn sanitize_url(raw: &str, allow_params: &[String]) -> String {
    let raw = raw.trim();
    if raw.is_empty() {
        return String::new();
    }
    let (scheme, rest) = match split_scheme(raw) {
        Some((s, r)) => (Some(s.to_ascii_lowercase()), r),
        None => (None, raw),
    };
    match scheme.as_deref() {
        Some("http") | Some("https") => {}
        Some("mailto") | Some("tel") => return format!("{}:", scheme.unwrap_or_default()),
        Some(_) => return String::new(),
        None => {}
    }
    let (before_frag, _) = rest.split_once('#').unwrap_or((rest, ""));
    let (before_query, query) = match before_frag.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (before_frag, None),
    };
    let mut out = String::with_capacity(raw.len());
    let path = if let Some(s) = &scheme {
        let Some(after) = before_query.strip_prefix("//") else {
            return String::new();
        };
        let (authority, path) = match after.find('/') {
            Some(i) => after.split_at(i),
            None => (after, ""),
        };
        // Drop `user:password@`.
        let host = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
        if host.is_empty()
            || !host
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b))
        {
            return String::new();
        }
        out.push_str(s);
        out.push_str("://");
        out.push_str(&host.to_ascii_lowercase());
        path
    } else {
        before_query
    };
    for (i, seg) in path.split('/').enumerate() {
        if i > 0 {
            out.push('/');
        }
        out.push_str(&sanitize_segment(seg));
    }
    if let Some(q) = query {
        let kept: Vec<&str> = q
            .split('&')
            .filter(|pair| {
                let name = pair.split_once('=').map_or(*pair, |(n, _)| n);
                !name.is_empty() && allow_params.iter().any(|a| a == name)
            })
            .collect();
        if !kept.is_empty() {
            out.push('?');
            out.push_str(&kept.join("&"));
        }
    }
    out
}

fn split_scheme(raw: &str) -> Option<(&str, &str)> {
    let i = raw.find(':')?;
    let s = &raw[..i];
    let valid = !s.is_empty()
        && s.as_bytes()[0].is_ascii_alphabetic()
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b));
    valid.then(|| (s, &raw[i + 1..]))
}

/// Replaces a path segment that looks like it identifies a person or a record.
fn sanitize_segment(seg: &str) -> String {
    if seg.is_empty() {
        return String::new();
    }
    let decoded_has_at = seg.contains('@') || seg.to_ascii_lowercase().contains("%40");
    if decoded_has_at {
        return ":email".into();
    }
    let digits = seg.bytes().filter(u8::is_ascii_digit).count();
    let alnum = seg.bytes().filter(u8::is_ascii_alphanumeric).count();
    if digits == seg.len() && digits >= 2 {
        return ":id".into();
    }
    // UUIDs and hex ids: long runs of hex digits with at least one digit.
    let hexish = seg.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    if hexish && digits > 0 && seg.len() >= 8 {
        return ":id".into();
    }
    // Tokens: long, mixing letters and digits, few separators.
    if seg.len() >= 16 && digits >= 2 && alnum * 10 >= seg.len() * 8 {
        return ":token".into();
    }
    seg.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(u: &str) -> String {
        sanitize_url(u, &["page".to_string()])
    }

    #[test]
    fn strips_query_fragment_and_userinfo() {
        assert_eq!(
            s("https://u:p@Shop.example:8443/a/b?q=secret&page=2#frag"),
            "https://shop.example:8443/a/b?page=2"
        );
        assert_eq!(s("http://x.test"), "http://x.test");
        assert_eq!(s("https://x.test/?token=abc"), "https://x.test/");
    }

    #[test]
    fn replaces_identifying_segments() {
        assert_eq!(
            s("https://x.test/users/12345/orders"),
            "https://x.test/users/:id/orders"
        );
        assert_eq!(
            s("https://x.test/u/jean.dupont@mail.fr"),
            "https://x.test/u/:email"
        );
        assert_eq!(
            s("https://x.test/u/jean%40mail.fr"),
            "https://x.test/u/:email"
        );
        assert_eq!(
            s("https://x.test/o/550e8400-e29b-41d4-a716-446655440000"),
            "https://x.test/o/:id"
        );
        assert_eq!(
            s("https://x.test/reset/aZ3kP9qLm2Xv7Rt1"),
            "https://x.test/reset/:token"
        );
        assert_eq!(
            s("https://x.test/products/blue-shirt"),
            "https://x.test/products/blue-shirt"
        );
    }

    #[test]
    fn other_schemes_fail_closed() {
        assert_eq!(s("javascript:alert(document.cookie)"), "");
        assert_eq!(s("data:text/html,<b>secret</b>"), "");
        assert_eq!(s("mailto:jean@mail.fr?subject=x"), "mailto:");
        assert_eq!(s("tel:+33612345678"), "tel:");
        assert_eq!(s("https:///nohost"), "");
        assert_eq!(s("https://ho st/"), "");
    }

    #[test]
    fn relative_references_are_paths() {
        assert_eq!(s("/search?q=secret#x"), "/search");
        assert_eq!(s("../a/987654"), "../a/:id");
    }
}
