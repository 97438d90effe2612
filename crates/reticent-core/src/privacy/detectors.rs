//! Detectors for personal data in text that is recorded *unmasked*.
//!
//! Masking is the default: text and form values never leave the page in clear
//! (see [`mask_text`](super::mask_text)). A site can still unmask text it knows
//! to be harmless, and that is where personal data slips through by mistake: an
//! order confirmation echoing the customer's e-mail, a support widget showing a
//! phone number, a debug panel with a session token. [`scrub_pii`] replaces such
//! items by a label (`[email]`, `[card]`, …) before encoding, and the collector
//! runs it again as defence in depth.
//!
//! The scanners are written by hand rather than with regular expressions: this
//! code ships in the WebAssembly module every visitor downloads, and a regex
//! engine would weigh more than the whole privacy engine. A scan is linear in the
//! length of the text and allocates nothing per character; text that cannot
//! hold any item (no `@`, fewer than 8 digits, no long word, …) is returned
//! after one quick pass over its bytes.
//!
//! The detectors lean towards false positives: replacing an order number that
//! happens to pass the Luhn check costs a little fidelity, recording a card
//! number costs a breach.
//!
//! Where a number may hold spaces, a space is an ASCII space or one of the
//! no-break and thin spaces French typography puts there.
//!
//! The scan goes left to right; at each position the kinds are tried in the
//! order of [`PiiKind::ALL`] (token, e-mail, IBAN, card, NIR, phone) and the
//! first match wins. The end of a match counts as a word boundary for what
//! follows, exactly as the label that replaces it does, so scrubbing twice
//! changes nothing more.

use core::ops::Range;

/// Kinds of personal data the detectors find.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum PiiKind {
    /// An e-mail address (the local part may hold letters of any script).
    Email,
    /// A payment card number: 13 to 19 digits, grouped or not, passing the Luhn check.
    PaymentCard,
    /// An international bank account number, ISO 13616 mod-97 checked.
    Iban,
    /// A phone number: international (`+` or `00`, 8 to 15 digits) or national
    /// (`0` then a non-zero digit, 10 or 11 digits, as in France).
    Phone,
    /// A French social security number (NIR), 15 characters with a valid key.
    FrenchNir,
    /// A credential: a JWT, the token after `Bearer`, or a long random-looking
    /// identifier (API key, session id, hex digest, UUID).
    Token,
}

impl PiiKind {
    /// Every kind, in the order they are tried at one position (first wins).
    pub const ALL: [PiiKind; 6] = [
        PiiKind::Token,
        PiiKind::Email,
        PiiKind::Iban,
        PiiKind::PaymentCard,
        PiiKind::FrenchNir,
        PiiKind::Phone,
    ];

    /// The short name used in the replacement (`[email]`) and in audits.
    pub fn label(self) -> &'static str {
        match self {
            PiiKind::Email => "email",
            PiiKind::PaymentCard => "card",
            PiiKind::Iban => "iban",
            PiiKind::Phone => "phone",
            PiiKind::FrenchNir => "nir",
            PiiKind::Token => "token",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

/// How many items of each kind [`scrub_pii`] replaced.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct PiiCounts([u32; 6]);

impl PiiCounts {
    /// Items of `kind` replaced.
    pub fn get(&self, kind: PiiKind) -> u32 {
        self.0[kind.index()]
    }

    /// Items replaced, all kinds together.
    pub fn total(&self) -> u32 {
        self.0.iter().fold(0u32, |a, &n| a.saturating_add(n))
    }

    /// Whether nothing was replaced.
    pub fn is_empty(&self) -> bool {
        self.0.iter().all(|&n| n == 0)
    }

    fn add(&mut self, kind: PiiKind) {
        let n = &mut self.0[kind.index()];
        *n = n.saturating_add(1);
    }
}

/// Replaces every detected item in `text` by `[label]` (e.g. `[email]`) and
/// returns the new text with how many items of each kind were replaced.
///
/// For a `Bearer` header only the token is replaced (`Bearer [token]`).
/// Scrubbing is idempotent: `scrub_pii(&scrub_pii(x).0).0 == scrub_pii(x).0`.
pub fn scrub_pii(text: &str) -> (String, PiiCounts) {
    let mut counts = PiiCounts::default();
    if !may_hold_pii(text.as_bytes()) {
        return (text.to_owned(), counts);
    }
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    for (range, kind) in Scanner::new(text) {
        out.push_str(&text[copied..range.start]);
        out.push('[');
        out.push_str(kind.label());
        out.push(']');
        copied = range.end;
        counts.add(kind);
    }
    out.push_str(&text[copied..]);
    (out, counts)
}

/// Finds items without replacing them (for audits): byte ranges into `text`,
/// on character boundaries, non-overlapping and in order, with their kind.
/// These are exactly the ranges [`scrub_pii`] replaces.
pub fn find_pii(text: &str) -> Vec<(Range<usize>, PiiKind)> {
    if !may_hold_pii(text.as_bytes()) {
        return Vec::new();
    }
    Scanner::new(text).collect()
}

/// The fast path: whether anything could start an item. Every detector needs
/// one of these, so `false` means the scan would find nothing.
fn may_hold_pii(b: &[u8]) -> bool {
    let mut digits = 0;
    let mut word = 0;
    for (i, &x) in b.iter().enumerate() {
        if x == b'@' {
            return true;
        }
        if x.is_ascii_digit() {
            digits += 1;
            // Phones need 8 digits, cards 13, NIRs 14.
            if digits >= 8 {
                return true;
            }
        }
        if is_word(x) {
            word += 1;
            if word >= SECRET_MIN {
                return true;
            }
        } else {
            word = 0;
        }
        let rest = &b[i..];
        if x == b'e' && rest.starts_with(b"eyJ") {
            return true;
        }
        if x | 0x20 == b'b' && rest.len() >= 6 && rest[..6].eq_ignore_ascii_case(b"bearer") {
            return true;
        }
        if iban_head(rest) {
            return true;
        }
    }
    false
}

// ---------------------------------------------------------------------------
// The scan.

/// Minimum length of a generic secret (API key, session id, hex digest).
const SECRET_MIN: usize = 32;

/// Left-to-right scan yielding matches; see the module documentation.
struct Scanner<'a> {
    text: &'a str,
    pos: usize,
    /// The character before `pos`; `None` at the start and right after a
    /// match (a boundary, like the `]` of the label that replaces it).
    prev: Option<char>,
    /// Every character since the start of the current e-mail local-part run is
    /// one that is stripped from the front of a local part (`.`, `%`, `+`, `-`).
    local_clean: bool,
    /// Forward facts about the current local-part run (independent of where
    /// the run is entered, so they stay true after a match inside the run).
    local: Option<LocalRun>,
    /// Same for the current run of secret characters.
    word: Option<WordRun>,
}

#[derive(Clone, Copy)]
struct LocalRun {
    end: usize,
    /// End of the e-mail if the run is followed by `@` and a valid domain.
    email_end: Option<usize>,
}

#[derive(Clone, Copy)]
struct WordRun {
    end: usize,
    last_letter: Option<usize>,
    last_digit: Option<usize>,
    last_non_hex: Option<usize>,
}

impl<'a> Scanner<'a> {
    fn new(text: &'a str) -> Self {
        Scanner {
            text,
            pos: 0,
            prev: None,
            local_clean: true,
            local: None,
            word: None,
        }
    }

    /// The match starting at `self.pos` (or, for `Bearer`, at its token), if any.
    fn match_here(&mut self, c: char) -> Option<(Range<usize>, PiiKind)> {
        let b = self.text.as_bytes();
        let p = self.pos;
        let prev = self.prev;
        if c == 'e' {
            if let Some(end) = jwt(b, p, prev) {
                return Some((p..end, PiiKind::Token));
            }
        }
        if c == 'b' || c == 'B' {
            if let Some(range) = bearer(b, p, prev) {
                return Some((range, PiiKind::Token));
            }
        }
        if let Some(end) = self.secret(c) {
            // A specific detector covering the whole run names it better.
            if let Some(e) = self.email(c).filter(|&e| e >= end) {
                return Some((p..e, PiiKind::Email));
            }
            if let Some(e) = iban(b, p).filter(|&e| e >= end) {
                return Some((p..e, PiiKind::Iban));
            }
            return Some((p..end, PiiKind::Token));
        }
        if let Some(end) = self.email(c) {
            return Some((p..end, PiiKind::Email));
        }
        if let Some(end) = iban(b, p) {
            return Some((p..end, PiiKind::Iban));
        }
        let after_digit = prev.is_some_and(|c| c.is_ascii_digit());
        if c.is_ascii_digit() && !after_digit {
            if let Some(end) = card(b, p) {
                return Some((p..end, PiiKind::PaymentCard));
            }
            if let Some(end) = nir(b, p) {
                return Some((p..end, PiiKind::FrenchNir));
            }
        }
        if (c == '+' || c == '0') && !after_digit {
            if let Some(end) = phone(b, p) {
                return Some((p..end, PiiKind::Phone));
            }
        }
        None
    }

    /// End of an e-mail starting at `self.pos`.
    fn email(&mut self, c: char) -> Option<usize> {
        if !self.local_clean || !is_local(c) || is_strippable(c) {
            return None;
        }
        let run = match self.local {
            Some(run) if run.end > self.pos => run,
            _ => {
                let end = run_end(self.text, self.pos, is_local);
                let email_end = match self.text.as_bytes().get(end) {
                    Some(b'@') => email_domain(self.text, end + 1),
                    _ => None,
                };
                let run = LocalRun { end, email_end };
                self.local = Some(run);
                run
            }
        };
        run.email_end
    }

    /// End of a generic secret starting at `self.pos`.
    fn secret(&mut self, c: char) -> Option<usize> {
        if !c.is_ascii() || !is_word(c as u8) || self.prev.is_some_and(is_word_char) {
            return None;
        }
        let p = self.pos;
        let run = match self.word {
            Some(run) if run.end > p => run,
            _ => {
                let b = self.text.as_bytes();
                let mut run = WordRun {
                    end: p,
                    last_letter: None,
                    last_digit: None,
                    last_non_hex: None,
                };
                while let Some(&x) = b.get(run.end).filter(|&&x| is_word(x)) {
                    let i = Some(run.end);
                    if x.is_ascii_alphabetic() {
                        run.last_letter = i;
                    }
                    if x.is_ascii_digit() {
                        run.last_digit = i;
                    }
                    if !x.is_ascii_hexdigit() {
                        run.last_non_hex = i;
                    }
                    run.end += 1;
                }
                self.word = Some(run);
                run
            }
        };
        let seen = |last: Option<usize>| last.is_some_and(|i| i >= p);
        let mixed = seen(run.last_letter) && seen(run.last_digit);
        let hex = !seen(run.last_non_hex);
        (run.end - p >= SECRET_MIN && (mixed || hex)).then_some(run.end)
    }
}

impl Iterator for Scanner<'_> {
    type Item = (Range<usize>, PiiKind);

    fn next(&mut self) -> Option<Self::Item> {
        while let Some(c) = self.text[self.pos..].chars().next() {
            if let Some(found) = self.match_here(c) {
                debug_assert!(found.0.start >= self.pos && found.0.end > found.0.start);
                self.pos = found.0.end;
                self.prev = None;
                self.local_clean = true;
                return Some(found);
            }
            self.local_clean = !is_local(c) || (self.local_clean && is_strippable(c));
            self.prev = Some(c);
            self.pos += c.len_utf8();
        }
        None
    }
}

// ---------------------------------------------------------------------------
// Character classes and small helpers.

/// Characters of a generic secret and of base64url: `[A-Za-z0-9_-]`.
fn is_word(x: u8) -> bool {
    x.is_ascii_alphanumeric() || x == b'_' || x == b'-'
}

fn is_word_char(c: char) -> bool {
    c.is_ascii() && is_word(c as u8)
}

/// Characters of an e-mail local part: `[A-Za-z0-9._%+-]` and letters or
/// digits of any script.
fn is_local(c: char) -> bool {
    c.is_ascii_alphanumeric()
        || matches!(c, '.' | '_' | '%' | '+' | '-')
        || (!c.is_ascii() && c.is_alphanumeric())
}

/// Local-part characters that do not start an address (`...jean@x.fr` is `jean@x.fr`).
fn is_strippable(c: char) -> bool {
    matches!(c, '.' | '%' | '+' | '-')
}

/// Characters of a domain label: `[A-Za-z0-9-]` and letters or digits of any script.
fn is_label(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || (!c.is_ascii() && c.is_alphanumeric())
}

/// Byte index where the run of `class` characters starting at `from` ends.
fn run_end(text: &str, from: usize, class: fn(char) -> bool) -> usize {
    text[from..]
        .char_indices()
        .find(|&(_, c)| !class(c))
        .map_or(text.len(), |(i, _)| from + i)
}

/// Number of ASCII digits starting at `from`, counting at most `cap`.
fn digits_at(b: &[u8], from: usize, cap: usize) -> usize {
    b.get(from..)
        .unwrap_or_default()
        .iter()
        .take(cap)
        .take_while(|x| x.is_ascii_digit())
        .count()
}

/// Length in bytes of a space at `i`, 0 if there is none: an ASCII space, or
/// the no-break (U+00A0), thin (U+2009) and narrow no-break (U+202F) spaces
/// that French typography puts inside numbers (`06&nbsp;12&nbsp;34…`).
fn space_at(b: &[u8], i: usize) -> usize {
    match b.get(i..).unwrap_or_default() {
        [b' ', ..] => 1,
        [0xC2, 0xA0, ..] => 2,
        [0xE2, 0x80, 0x89 | 0xAF, ..] => 3,
        _ => 0,
    }
}

fn is_digit_at(b: &[u8], i: usize) -> bool {
    b.get(i).is_some_and(u8::is_ascii_digit)
}

// ---------------------------------------------------------------------------
// Tokens.

/// A JWT (`eyJ…` header of at least 10 characters, then one or more `.segment`),
/// or a lone base64url JSON object (`eyJ…`, at least 16 characters).
fn jwt(b: &[u8], p: usize, prev: Option<char>) -> Option<usize> {
    if !b[p..].starts_with(b"eyJ") || prev.is_some_and(is_word_char) {
        return None;
    }
    let word_end = |from: usize| from + b[from..].iter().take_while(|&&x| is_word(x)).count();
    let header_end = word_end(p);
    let header = header_end - p;
    let mut end = header_end;
    let mut segments = 1;
    if header >= 10 {
        while b.get(end) == Some(&b'.') {
            let seg_end = word_end(end + 1);
            if seg_end == end + 1 {
                break;
            }
            end = seg_end;
            segments += 1;
        }
    }
    if header < 16 && segments < 2 {
        return None;
    }
    // Base64 padding, in case the producer kept it.
    end += b[end..].iter().take(2).take_while(|&&x| x == b'=').count();
    Some(end)
}

/// The token after `Bearer` (any case, then spaces or tabs): at least 16
/// characters of `[A-Za-z0-9._~+/=-]`. The word itself stays.
fn bearer(b: &[u8], p: usize, prev: Option<char>) -> Option<Range<usize>> {
    let word = b.get(p..p + 6)?;
    if !word.eq_ignore_ascii_case(b"bearer") || prev.is_some_and(char::is_alphanumeric) {
        return None;
    }
    let start = p
        + 6
        + b[p + 6..]
            .iter()
            .take_while(|&&x| x == b' ' || x == b'\t')
            .count();
    if start == p + 6 {
        return None;
    }
    let token = b[start..]
        .iter()
        .take_while(|&&x| x.is_ascii_alphanumeric() || b"._~+/=-".contains(&x))
        .count();
    // A full stop after the token ends the sentence, it is not part of it.
    let token = token
        - b[start..start + token]
            .iter()
            .rev()
            .take_while(|&&x| x == b'.')
            .count();
    (token >= 16).then_some(start..start + token)
}

// ---------------------------------------------------------------------------
// E-mail.

/// End of a valid domain starting at `start` (just after `@`): labels separated
/// by single dots, the last one kept being the top-level domain, at least two
/// letters. A label glued to something else (`exemple.fr2026`) ends the
/// address after its leading letters (`exemple.fr`).
fn email_domain(text: &str, start: usize) -> Option<usize> {
    let mut best = None;
    let mut pos = start;
    let mut labels = 0;
    loop {
        let mut end = pos;
        let mut letters = 0;
        let mut letters_end = pos;
        for (i, c) in text[pos..].char_indices() {
            if !is_label(c) {
                break;
            }
            end = pos + i + c.len_utf8();
            if c.is_alphabetic() && letters_end == pos + i {
                letters += 1;
                letters_end = end;
            }
        }
        if end == pos {
            break;
        }
        labels += 1;
        if labels >= 2 && letters >= 2 {
            best = Some(letters_end);
        }
        let mut rest = text[end..].chars();
        if rest.next() == Some('.') && rest.next().is_some_and(is_label) {
            pos = end + 1;
        } else {
            break;
        }
    }
    best
}

// ---------------------------------------------------------------------------
// IBAN.

/// Two letters then two digits: the head of an IBAN.
fn iban_head(b: &[u8]) -> bool {
    matches!(b, [c0, c1, d0, d1, ..]
        if c0.is_ascii_alphabetic() && c1.is_ascii_alphabetic()
            && d0.is_ascii_digit() && d1.is_ascii_digit())
}

/// Appends one IBAN character to a running remainder modulo 97 (letters count
/// as two digits, A = 10 … Z = 35).
fn mod97_push(r: u32, x: u8) -> u32 {
    if x.is_ascii_digit() {
        (r * 10 + u32::from(x - b'0')) % 97
    } else {
        (r * 100 + u32::from(x.to_ascii_uppercase() - b'A') + 10) % 97
    }
}

/// 10^6 mod 97: the country code and check digits, moved to the end for the
/// check, are six decimal digits.
const POW6_MOD97: u32 = 27;

/// End of an IBAN starting at `p`: country, check digits, then 11 to 30
/// alphanumerics, either packed or in groups of four separated by single
/// spaces. The longest prefix that passes the mod-97 check wins; it must end
/// at the end of the alphanumeric run, or where digits and letters meet
/// (`…0189EUR`).
fn iban(b: &[u8], p: usize) -> Option<usize> {
    let head = b.get(p..p + 4)?;
    if !iban_head(head) {
        return None;
    }
    let tail = head.iter().fold(0, |r, &x| mod97_push(r, x));
    let valid =
        |bban: u32, len: usize| (15..=34).contains(&len) && (bban * POW6_MOD97 + tail) % 97 == 1;
    let alnum = |i: usize| b.get(i).is_some_and(u8::is_ascii_alphanumeric);
    // Where digits meet letters, either way round: an item can end there
    // (`…0189EUR`, and `…112B` glued to `06 12…`). Trying more ends only
    // masks more, and it keeps scrubbing idempotent: a replacement glued
    // after a letter must not reveal an IBAN the first pass missed.
    let seam = |i: usize| {
        b.get(i).is_some_and(|&x| {
            x.is_ascii_alphanumeric() && x.is_ascii_digit() != b[i - 1].is_ascii_digit()
        })
    };
    let mut bban = 0;
    let mut len = 4;
    let mut best = None;
    let mut q = p + 4;
    let mut space = space_at(b, q);
    if space > 0 && alnum(q + space) {
        // Grouped: "FR76 3000 6000 0112 3456 7890 189".
        loop {
            q += space;
            let run = (q..q + 5).take_while(|&i| alnum(i)).count();
            let group = if run <= 4 {
                run
            } else {
                // A final group glued to a word: keep what precedes the seam.
                match (1..=4).rev().find(|&k| seam(q + k)) {
                    Some(k) => k,
                    None => break,
                }
            };
            let take = group.min(34 - len);
            if take == 0 {
                break;
            }
            let start = q;
            for _ in 0..take {
                bban = mod97_push(bban, b[q]);
                len += 1;
                q += 1;
                if (q == start + run || seam(q)) && valid(bban, len) {
                    best = Some(q);
                }
            }
            space = space_at(b, q);
            if take < 4 || run > 4 || space == 0 || !alnum(q + space) {
                break;
            }
        }
    } else {
        // Packed: "DE89370400440532013000".
        while alnum(q) && len < 34 {
            bban = mod97_push(bban, b[q]);
            len += 1;
            q += 1;
            if (!alnum(q) || seam(q)) && valid(bban, len) {
                best = Some(q);
            }
        }
    }
    best
}

// ---------------------------------------------------------------------------
// Payment card.

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &x)| {
            let d = u32::from(x - b'0');
            if i % 2 == 1 {
                let d = d * 2;
                if d > 9 {
                    d - 9
                } else {
                    d
                }
            } else {
                d
            }
        })
        .sum();
    sum % 10 == 0
}

/// End of a card number starting at `p` (a digit not preceded by one): 13 to
/// 19 digits passing the Luhn check, either one run or groups of 3 to 6 digits
/// separated by a single space or dash (the last group may be shorter, as in
/// `4222 2222 2222 2`). The longest valid prefix ending at a group end wins.
fn card(b: &[u8], p: usize) -> Option<usize> {
    let first = digits_at(b, p, 20);
    if first >= 13 {
        return (first <= 19 && luhn(&b[p..p + first])).then_some(p + first);
    }
    if !(3..=6).contains(&first) {
        return None;
    }
    let mut digits = [0u8; 19];
    digits[..first].copy_from_slice(&b[p..p + first]);
    let mut n = first;
    let mut q = p + first;
    let mut best = None;
    loop {
        let sep = if b.get(q) == Some(&b'-') {
            1
        } else {
            space_at(b, q)
        };
        let group = digits_at(b, q + sep, 7);
        if sep == 0 || group == 0 || group > 6 || n + group > 19 {
            break;
        }
        digits[n..n + group].copy_from_slice(&b[q + sep..q + sep + group]);
        n += group;
        q += sep + group;
        if n >= 13 && luhn(&digits[..n]) {
            best = Some(q);
        }
        if group < 3 {
            break;
        }
    }
    best
}

// ---------------------------------------------------------------------------
// French NIR.

/// End of a NIR starting at `p`: sex (1, 2, 3, 4, 7, 8), year, month (01–99),
/// department (two digits, or 2A / 2B for Corsica), commune (3), order (3) and
/// a key equal to 97 − (number mod 97), where 2A counts as 19 and 2B as 18.
/// A single space is allowed between any two characters
/// (`1 85 05 78 006 084 91`); the next character must not be a digit.
fn nir(b: &[u8], p: usize) -> Option<usize> {
    let mut c = [0u8; 15];
    let mut q = p;
    for (i, slot) in c.iter_mut().enumerate() {
        if i > 0 {
            q += space_at(b, q);
        }
        *slot = *b.get(q)?;
        q += 1;
    }
    if is_digit_at(b, q) || !matches!(c[0], b'1' | b'2' | b'3' | b'4' | b'7' | b'8') {
        return None;
    }
    let corsica = match (c[5], c[6].to_ascii_uppercase()) {
        (b'2', b'A') => Some(19),
        (b'2', b'B') => Some(18),
        _ => None,
    };
    let digits_ok = c
        .iter()
        .enumerate()
        .all(|(i, x)| x.is_ascii_digit() || (corsica.is_some() && i == 6));
    if !digits_ok || &c[3..5] == b"00" {
        return None;
    }
    let mut number: u64 = 0;
    for (i, &x) in c[..13].iter().enumerate() {
        number = match (corsica, i) {
            (Some(_), 6) => number,
            (Some(dept), 5) => number * 100 + dept,
            _ => number * 10 + u64::from(x - b'0'),
        };
    }
    let key = u64::from(c[13] - b'0') * 10 + u64::from(c[14] - b'0');
    (97 - number % 97 == key).then_some(q)
}

// ---------------------------------------------------------------------------
// Phone.

/// End of a phone number starting at `p` (`+` or `0`, not preceded by a digit).
fn phone(b: &[u8], p: usize) -> Option<usize> {
    match b[p] {
        b'+' => international(b, p + 1),
        b'0' if b.get(p + 1) == Some(&b'0') => international(b, p + 2),
        b'0' => national(b, p),
        _ => None,
    }
}

/// After `+` or `00`: 8 to 15 digits in groups separated by at most two of
/// space, dot, dash and parentheses (`+1 (415) 555-2671`, `+33 (0)6 12 34 56 78`).
/// A group that would pass 15 digits is left out.
fn international(b: &[u8], mut q: usize) -> Option<usize> {
    if b.get(q) == Some(&b'(') {
        q += 1;
    }
    let mut n = 0;
    let mut end = None;
    loop {
        let group = digits_at(b, q, 16);
        if group == 0 || n + group > 15 {
            break;
        }
        n += group;
        q += group;
        end = Some(q);
        let mut s = q;
        for _ in 0..2 {
            s += match b.get(s) {
                Some(b'.' | b'-' | b'(' | b')') => 1,
                _ => space_at(b, s),
            };
        }
        if s == q || !is_digit_at(b, s) {
            break;
        }
        q = s;
    }
    end.filter(|_| n >= 8)
}

/// `0`, a non-zero digit, then more digits up to 10 or 11 in all (France has
/// 10, `06 12 34 56 78`; 11 covers the UK and others), optionally separated by
/// single spaces, dots or dashes, the same one throughout (so `01.02.2026 10:30`
/// is not a number). The last digit must end its run.
fn national(b: &[u8], p: usize) -> Option<usize> {
    let mut n = 0;
    let mut q = p;
    let mut sep = None;
    let mut second = None;
    loop {
        let group = digits_at(b, q, 12);
        if second.is_none() {
            second = match (n, group) {
                (0, 1) => None,
                (0, _) => Some(b[q + 1]),
                _ => Some(b[q]),
            };
        }
        n += group;
        q += group;
        if n >= 10 {
            break;
        }
        // Any kind of space counts as the same separator.
        let (kind, len) = match b.get(q) {
            Some(&s @ (b'.' | b'-')) => (s, 1),
            _ => (b' ', space_at(b, q)),
        };
        if len == 0 || !(sep.is_none() || sep == Some(kind)) || !is_digit_at(b, q + len) {
            break;
        }
        sep = Some(kind);
        q += len;
    }
    ((10..=11).contains(&n) && second.is_some_and(|d| d != b'0')).then_some(q)
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests;
