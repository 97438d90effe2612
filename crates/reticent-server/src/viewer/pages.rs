//! The viewer's HTML pages, rendered on the server. Every recorded value that
//! reaches a page (site names, session ids) is escaped; pages carry no inline
//! script, so the viewer's CSP can forbid them.

use crate::admin::{duration, utc};
use crate::store::SessionSummary;

/// Escapes text for HTML content and quoted attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Percent-encodes everything but RFC 3986's unreserved characters (for a
/// path segment or a query value).
pub fn url_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(char::from(b));
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// The path of a session's replay page.
pub fn replay_path(site: &str, session_id: &str) -> String {
    format!(
        "/viewer/sessions/{}?site={}",
        url_encode(session_id),
        url_encode(site)
    )
}

/// A page; `signed_in` adds the "Log out" button.
fn layout(title: &str, head_extra: &str, signed_in: bool, body: &str) -> String {
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <meta name=\"referrer\" content=\"no-referrer\">\n\
         <title>{} · Reticent viewer</title>\n\
         {head_extra}<link rel=\"stylesheet\" href=\"/viewer/assets/viewer.css\">\n</head>\n\
         <body>\n<header class=\"bar\"><a class=\"brand\" href=\"/viewer/\">Reticent viewer</a>{}</header>\n\
         {body}\n</body>\n</html>\n",
        esc(title),
        if !signed_in {
            ""
        } else {
            "<form method=\"post\" action=\"/viewer/logout\"><button type=\"submit\">Log out</button></form>"
        },
    )
}

/// The session list.
/// The session list; `more`: there are more than these (the most recently
/// active, see `MAX_LISTED`).
pub fn session_list(sessions: &[SessionSummary], more: bool) -> String {
    let mut rows = String::new();
    for s in sessions {
        rows.push_str(&format!(
            "<tr><td>{}</td><td><a class=\"session\" href=\"{}\">{}</a></td><td>{}</td>\
             <td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>\n",
            esc(&s.site),
            esc(&replay_path(&s.site, &s.session_id)),
            esc(&s.session_id),
            utc(s.start_time),
            duration(s.end_time.saturating_sub(s.start_time)),
            s.pages,
            s.batches,
            size(s.bytes),
        ));
    }
    let table = if sessions.is_empty() {
        "<p class=\"empty\">No session stored yet.</p>".to_owned()
    } else {
        format!(
            "<table id=\"sessions\">\n<thead><tr><th>Site</th><th>Session</th><th>Start (UTC)</th>\
             <th>Duration</th><th>Pages</th><th>Batches</th><th>Size</th></tr></thead>\n<tbody>\n{rows}</tbody>\n</table>"
        )
    };
    layout(
        "Sessions",
        "",
        true,
        &format!(
            "<main>\n<h1>Sessions</h1>\n<p class=\"note\">{} session(s), most recent first{}. \
             Recordings are masked in the browser and replayed in a sandboxed frame.</p>\n{table}\n</main>",
            sessions.len(),
            if more {
                ": the most recently active only (<code>reticent sessions</code> lists them all)"
            } else {
                ""
            }
        ),
    )
}

/// The replay page of one session; `replay.js` fetches `events_url` and
/// plays it with rrweb-player.
pub fn replay(site: &str, session_id: &str, events_url: &str) -> String {
    layout(
        &format!("Session {session_id}"),
        "<link rel=\"stylesheet\" href=\"/viewer/assets/rrweb-player.css\">\n",
        true,
        &format!(
            "<main>\n<p><a href=\"/viewer/\">← All sessions</a></p>\n\
             <h1>Session <code>{}</code></h1>\n<p class=\"note\">Site {}</p>\n\
             <div id=\"replay\" data-events-url=\"{}\" data-state=\"loading\">\
             <p id=\"replay-status\">Loading the recording…</p><div id=\"player\"></div></div>\n</main>\n\
             <script src=\"/viewer/assets/rrweb-player.js\"></script>\n\
             <script src=\"/viewer/assets/replay.js\"></script>",
            esc(session_id),
            esc(site),
            esc(events_url),
        ),
    )
}

/// The login form (answered with 401), with an optional error line.
pub fn login(next: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"error\" role=\"alert\">{}</p>\n", esc(e)))
        .unwrap_or_default();
    layout(
        "Log in",
        "",
        false,
        &format!(
            "<main class=\"narrow\">\n<h1>Log in</h1>\n{error}\
             <p>Enter the viewer token. <code>reticent serve</code> prints it when it starts; \
             it is also in the <code>.viewer-token</code> file next to the database.</p>\n\
             <form method=\"post\" action=\"/viewer/login\" class=\"login\">\n\
             <input type=\"hidden\" name=\"next\" value=\"{}\">\n\
             <label>Token <input type=\"password\" name=\"token\" autocomplete=\"current-password\" required autofocus></label>\n\
             <button type=\"submit\">Open the viewer</button>\n</form>\n</main>",
            esc(next)
        ),
    )
}

/// The page shown (with 503) when the viewer's assets are not installed.
pub fn assets_missing(dir: &str, missing: &[String]) -> String {
    let list: String = missing
        .iter()
        .map(|m| format!("<li><code>{}</code></li>", esc(m)))
        .collect();
    format!(
        "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\">\
         <title>Viewer unavailable · Reticent</title></head>\n<body>\n\
         <h1>The replay viewer's assets are missing</h1>\n\
         <p>Run <code>npm ci --prefix {}</code> (or <code>bash scripts/ensure-tools.sh</code>) \
         and reload this page. Missing:</p>\n<ul>{list}</ul>\n</body>\n</html>\n",
        esc(dir)
    )
}

/// Bytes in a human unit.
fn size(bytes: u64) -> String {
    if bytes < 1024 {
        format!("{bytes} B")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_recorded_values() {
        let s = SessionSummary {
            site: "s<i>te".into(),
            session_id: "\"><script>alert(1)</script>".into(),
            start_time: 0,
            end_time: 61_000,
            last_activity: 0,
            pages: 2,
            batches: 3,
            bytes: 2048,
        };
        let html = session_list(std::slice::from_ref(&s), false);
        assert!(!html.contains("most recently active only"));
        assert!(session_list(&[s], true).contains("most recently active only"));
        assert!(!html.contains("<script>alert"));
        assert!(!html.contains("s<i>te"));
        assert!(html.contains("%22%3E%3Cscript%3E"));
        assert!(html.contains("0:01:01"));
        assert!(html.contains("2.0 KiB"));
        let page = replay("a", "x\"y", "/viewer/api/sessions/x%22y/events?site=a");
        assert!(page.contains("x&quot;y"));
        assert!(!page.contains("x\"y"));
    }

    #[test]
    fn encodes_urls() {
        assert_eq!(url_encode("a-b_c.d~e"), "a-b_c.d~e");
        assert_eq!(url_encode("a/b?c&d é"), "a%2Fb%3Fc%26d%20%C3%A9");
        assert_eq!(
            replay_path("shop", "s 1"),
            "/viewer/sessions/s%201?site=shop"
        );
    }
}
