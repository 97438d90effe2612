//! The viewer's access token: where it comes from, and how a request proves
//! it knows it (`Authorization: Bearer`, or the session cookie set by the
//! login form or a `?token=` link).
//!
//! Every comparison is of two SHA-256 digests in constant time, so neither the
//! length nor the content of a guess shows in the time taken.

use std::io::{ErrorKind, Read, Write};
use std::path::{Path, PathBuf};

use axum::http::header::{self, HeaderMap};
use sha2::{Digest, Sha256};

/// The cookie that carries a logged-in browser's proof.
pub const COOKIE_NAME: &str = "reticent_viewer";
/// How long a login lasts, in seconds (12 h).
pub const COOKIE_MAX_AGE: u32 = 12 * 3600;
/// Random bytes in a generated token (hex-encoded: 64 characters).
const GENERATED_BYTES: usize = 32;

/// The token and what a request may present for it.
pub struct Auth {
    token_digest: [u8; 32],
    cookie_value: String,
}

impl Auth {
    /// The checks for `token` (already validated by [`check_token`]).
    pub fn new(token: &str) -> Self {
        // The cookie holds a value derived from the token, not the token: a
        // leaked cookie opens the viewer until the token changes, but never
        // tells the token itself.
        let cookie = Sha256::new()
            .chain_update(b"reticent viewer cookie v1\0")
            .chain_update(token.as_bytes())
            .finalize();
        Auth {
            token_digest: Sha256::digest(token.as_bytes()).into(),
            cookie_value: hex(&cookie),
        }
    }

    /// Whether `candidate` is the token.
    pub fn token_matches(&self, candidate: &[u8]) -> bool {
        constant_time_eq(&Sha256::digest(candidate), &self.token_digest)
    }

    fn cookie_matches(&self, candidate: &[u8]) -> bool {
        constant_time_eq(
            &Sha256::digest(candidate),
            &Sha256::digest(self.cookie_value.as_bytes()),
        )
    }

    /// Whether the request carries the token (`Authorization: Bearer`) or a
    /// valid session cookie.
    pub fn authorized(&self, headers: &HeaderMap) -> bool {
        if let Some(auth) = headers.get(header::AUTHORIZATION) {
            let v = auth.as_bytes();
            if v.len() > 7 && v[..7].eq_ignore_ascii_case(b"bearer ") {
                return self.token_matches(v[7..].trim_ascii());
            }
            return false;
        }
        headers
            .get_all(header::COOKIE)
            .iter()
            .flat_map(|v| v.as_bytes().split(|&b| b == b';'))
            .filter_map(|pair| {
                let pair = pair.trim_ascii();
                let eq = pair.iter().position(|&b| b == b'=')?;
                (&pair[..eq] == COOKIE_NAME.as_bytes()).then(|| &pair[eq + 1..])
            })
            .any(|v| self.cookie_matches(v))
    }

    /// `Set-Cookie` for a browser that proved it knows the token.
    pub fn login_cookie(&self) -> String {
        format!(
            "{COOKIE_NAME}={}; Path=/viewer; HttpOnly; SameSite=Strict; Max-Age={COOKIE_MAX_AGE}",
            self.cookie_value
        )
    }
}

/// `Set-Cookie` that logs a browser out.
pub fn logout_cookie() -> String {
    format!("{COOKIE_NAME}=; Path=/viewer; HttpOnly; SameSite=Strict; Max-Age=0")
}

/// Compares two byte strings without stopping at the first difference.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Validates a token: 16 to 256 of `[A-Za-z0-9_-]` (safe in a URL, a header
/// and a file, and long enough not to be guessed when chosen at random).
pub fn check_token(token: &str) -> Result<String, String> {
    if !(16..=256).contains(&token.len())
        || !token
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
    {
        return Err("a viewer token is 16 to 256 characters of [A-Za-z0-9_-]".into());
    }
    Ok(token.to_owned())
}

/// The token file of a database: `DB.viewer-token`, next to it.
pub fn token_file_for(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".viewer-token");
    PathBuf::from(name)
}

/// Reads the token from `path`, or generates one into it (mode 0600,
/// never overwriting a file that appeared meanwhile). Returns the token and
/// whether it was generated now.
pub fn load_or_create(path: &Path) -> Result<(String, bool), String> {
    match std::fs::read_to_string(path) {
        Ok(text) => {
            let token = check_token(text.trim())
                .map_err(|e| format!("{}: {e}; fix or delete the file", path.display()))?;
            return Ok((token, false));
        }
        Err(e) if e.kind() == ErrorKind::NotFound => {}
        Err(e) => return Err(format!("{}: {e}", path.display())),
    }
    let token = random_token()?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600);
    }
    match options.open(path) {
        Ok(mut f) => {
            f.write_all(format!("{token}\n").as_bytes())
                .and_then(|()| f.sync_all())
                .map_err(|e| format!("{}: {e}", path.display()))?;
            Ok((token, true))
        }
        // Another process created it first: use theirs.
        Err(e) if e.kind() == ErrorKind::AlreadyExists => load_or_create(path),
        Err(e) => Err(format!("{}: cannot create: {e}", path.display())),
    }
}

/// 32 bytes from the operating system's CSPRNG, hex-encoded.
fn random_token() -> Result<String, String> {
    let mut bytes = [0u8; GENERATED_BYTES];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut f| f.read_exact(&mut bytes))
        .map_err(|e| {
            format!(
                "cannot read /dev/urandom to generate a viewer token ({e}); pass --viewer-token"
            )
        })?;
    Ok(hex(&bytes))
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    const TOKEN: &str = "0123456789abcdef0123456789abcdef";

    fn headers(name: header::HeaderName, value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(name, HeaderValue::from_str(value).unwrap());
        h
    }

    #[test]
    fn bearer_and_cookie() {
        let auth = Auth::new(TOKEN);
        assert!(auth.authorized(&headers(header::AUTHORIZATION, &format!("Bearer {TOKEN}"))));
        assert!(auth.authorized(&headers(
            header::AUTHORIZATION,
            &format!("bearer  {TOKEN} ")
        )));
        assert!(!auth.authorized(&headers(header::AUTHORIZATION, "Bearer nope")));
        assert!(!auth.authorized(&headers(header::AUTHORIZATION, &format!("Basic {TOKEN}"))));
        assert!(!auth.authorized(&HeaderMap::new()));

        let cookie = auth.login_cookie();
        let value = cookie.split(';').next().unwrap();
        assert!(
            !value.contains(TOKEN),
            "the cookie must not carry the token"
        );
        assert!(auth.authorized(&headers(header::COOKIE, &format!("a=b; {value}; c=d"))));
        assert!(!auth.authorized(&headers(header::COOKIE, &format!("{COOKIE_NAME}={TOKEN}"))));
        assert!(!auth.authorized(&headers(header::COOKIE, &format!("{COOKIE_NAME}="))));
        // Another token's cookie does not open this viewer.
        let other = Auth::new("fedcba9876543210fedcba9876543210");
        let other_cookie = other.login_cookie();
        assert!(!auth.authorized(&headers(
            header::COOKIE,
            other_cookie.split(';').next().unwrap()
        )));
    }

    #[test]
    fn token_rules() {
        assert!(check_token(TOKEN).is_ok());
        assert!(check_token("short").is_err());
        assert!(check_token("0123456789abcdef 0123").is_err());
        assert!(check_token(&"a".repeat(257)).is_err());
    }

    #[test]
    fn token_file_is_created_once_and_private() {
        let dir = std::env::temp_dir().join(format!("reticent-token-test-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = token_file_for(&dir.join("x.db"));
        let _ = std::fs::remove_file(&path);
        let (a, created) = load_or_create(&path).unwrap();
        assert!(created);
        assert_eq!(a.len(), 64);
        let (b, created) = load_or_create(&path).unwrap();
        assert!(!created);
        assert_eq!(a, b);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "bad token\n").unwrap();
        assert!(load_or_create(&path).is_err());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
