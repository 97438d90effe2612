//! From the bytes of one request to a stored batch: decode under limits,
//! check the policy pin, re-scrub, re-encode, store. HTTP-agnostic and
//! blocking: the server runs it on a thread of `DECODE_STACK_MIB` stack.

use sha2::{Digest, Sha256};

use reticent_core::batch::{gunzip, Batch, DecodeLimits};
use reticent_core::{CoreError, ErrorCode};

use crate::config::Site;
use crate::pii::{self, PiiTally};
use crate::store::{stored_limits, NewBatch, PutOutcome, Store};

/// The request has no valid `X-Reticent-Key`.
pub const BAD_KEY: &str = "BAD_KEY";
/// The `Origin` is not one of the site's.
pub const ORIGIN_NOT_ALLOWED: &str = "ORIGIN_NOT_ALLOWED";
/// The `Content-Type` is not the batch type.
pub const UNSUPPORTED_MEDIA_TYPE: &str = "UNSUPPORTED_MEDIA_TYPE";
/// The batch's privacy policy is not one the site approved.
pub const POLICY_NOT_APPROVED: &str = "POLICY_NOT_APPROVED";
/// The same (session, page view, sequence) is stored with other content.
pub const SEQUENCE_CONFLICT: &str = "SEQUENCE_CONFLICT";
/// The body could not be read (client went away, bad chunking).
pub const BAD_REQUEST: &str = "BAD_REQUEST";
/// The body did not arrive in time.
pub const TIMEOUT: &str = "TIMEOUT";
/// No such endpoint.
pub const NOT_FOUND: &str = "NOT_FOUND";
/// The endpoint exists, not with this method.
pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
/// The store failed; the batch was not stored and may be retried.
pub const STORAGE_UNAVAILABLE: &str = "STORAGE_UNAVAILABLE";
/// A bug.
pub const INTERNAL: &str = "INTERNAL";

/// Longest accepted `policy` text: the recorder refuses, at init, rules
/// that would make a longer one.
pub use reticent_core::privacy::MAX_POLICY_BYTES;

/// Latest accepted timestamp (year 9999): beyond that a time is nonsense,
/// and SQLite integers are signed.
const MAX_TIME_MS: u64 = 253_402_300_799_999;

/// Why a request was refused: an HTTP status, a stable code, one line.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// HTTP status.
    pub status: u16,
    /// Stable `SCREAMING_SNAKE_CASE` code.
    pub code: &'static str,
    /// One human line.
    pub message: String,
}

impl Refusal {
    /// A refusal.
    pub fn new(status: u16, code: &'static str, message: impl Into<String>) -> Self {
        Refusal {
            status,
            code,
            message: message.into(),
        }
    }
}

impl From<CoreError> for Refusal {
    fn from(e: CoreError) -> Self {
        let status = match e.code {
            ErrorCode::TooLarge => 413,
            ErrorCode::BadCompression | ErrorCode::BadPayload | ErrorCode::UnsupportedVersion => {
                400
            }
            _ => 500,
        };
        Refusal::new(status, e.code.as_str(), e.message)
    }
}

/// A batch the store now holds (or already held).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Ingested {
    /// Stored now, or a duplicate of a stored one.
    pub outcome: PutOutcome,
    /// `sessionId`.
    pub session_id: String,
    /// `pageViewId`.
    pub page_view_id: String,
    /// `sequence`.
    pub sequence: u32,
    /// What the collector's scrub replaced, per kind of personal data.
    pub scrubbed: PiiTally,
}

/// Decodes, checks, re-scrubs and stores one batch sent for `site`.
/// Blocking; recurses while decoding (run on a `DECODE_STACK_MIB` thread).
pub fn ingest(
    site: &Site,
    body: &[u8],
    limits: &DecodeLimits,
    store: &dyn Store,
    received_at: u64,
) -> Result<Ingested, Refusal> {
    ingest_within(site, body, limits, &stored_limits(), store, received_at)
}

/// [`ingest`], storing only what decodes within `read_back` (the limits the
/// store's readers use): a batch answered 2xx is never one that `export`,
/// `audit` and the viewer then refuse.
fn ingest_within(
    site: &Site,
    body: &[u8],
    limits: &DecodeLimits,
    read_back: &DecodeLimits,
    store: &dyn Store,
    received_at: u64,
) -> Result<Ingested, Refusal> {
    let raw = gunzip(body, limits)?;
    let content_sha256: [u8; 32] = Sha256::digest(&raw).into();
    let mut batch = Batch::from_msgpack(&raw, limits)?;
    drop(raw);
    if batch.end_time > MAX_TIME_MS {
        return Err(Refusal::new(
            400,
            ErrorCode::BadPayload.as_str(),
            "endTime is beyond the year 9999",
        ));
    }
    check_policy_fields(&batch)?;
    check_policy(site, &batch)?;

    let mut scrubbed = PiiTally::default();
    let replaced = reticent_core::visit::map_scrubbed(&mut batch.events, |kind, value| {
        pii::rescrub(kind, value, &mut scrubbed)
    });
    let new = NewBatch {
        site: site.name.clone(),
        session_id: batch.session_id.clone(),
        page_view_id: batch.page_view_id.clone(),
        sequence: batch.sequence,
        start_time: batch.start_time,
        end_time: batch.end_time,
        received_at,
        policy_digest: batch.policy_digest.clone(),
        content_sha256,
        events: u32::try_from(batch.events.len()).unwrap_or(u32::MAX),
        dropped: batch.dropped,
        scrubbed: u32::try_from(replaced).unwrap_or(u32::MAX),
        data: reencode(batch, read_back)?,
    };
    let outcome = store.put_batch(&new).map_err(|e| {
        Refusal::new(
            503,
            STORAGE_UNAVAILABLE,
            format!("the batch was not stored ({e}); retry later"),
        )
    })?;
    if outcome == PutOutcome::Conflict {
        return Err(Refusal::new(
            409,
            SEQUENCE_CONFLICT,
            format!(
                "sequence {} of this page view is already stored with other content",
                new.sequence
            ),
        ));
    }
    Ok(Ingested {
        outcome,
        session_id: new.session_id,
        page_view_id: new.page_view_id,
        sequence: new.sequence,
        scrubbed,
    })
}

/// The wire bytes to store: the batch re-encoded, refused (413) when they
/// exceed what the store's readers accept. Re-encoding can grow a batch: the
/// decoder accepts structs written as arrays (`[0,{}]`, 3 bytes, for an
/// attribute change), the encoder writes maps with field names (17 bytes).
/// Consumes the batch: its ids are rewritten to wire form in place, no copy
/// of the events (`Batch::encode` would copy them).
fn reencode(batch: Batch, read_back: &DecodeLimits) -> Result<Vec<u8>, Refusal> {
    let too_large = |what: &str, len: usize, max: usize| {
        Refusal::new(
            413,
            ErrorCode::TooLarge.as_str(),
            format!(
                "the batch re-encodes to {len} bytes {what}, more than the {max} the store reads back"
            ),
        )
    };
    let msgpack = batch.into_msgpack();
    if msgpack.len() > read_back.max_decompressed {
        return Err(too_large(
            "of MessagePack",
            msgpack.len(),
            read_back.max_decompressed,
        ));
    }
    let data = reticent_core::batch::gzip(&msgpack)?;
    if data.len() > read_back.max_compressed {
        return Err(too_large(
            "compressed",
            data.len(),
            read_back.max_compressed,
        ));
    }
    Ok(data)
}

/// The header's policy fields, as the recorder writes them. `policyDigest`
/// is 64 lower-case hex digits (`PrivacyEngine::policy_digest`). `policy` is
/// no `Scrubbed` value: it is hashed, and a pinned site accepts only the exact
/// approved texts, so it is stored as sent, never re-scrubbed; it is bounded
/// here to what the recorder writes (printable ASCII, its selectors and
/// patterns %-escaped), and `reticent audit` scans it.
///
/// Checked here, on the way in, rather than by the decoder: batches stored
/// before these checks must still read back.
fn check_policy_fields(batch: &Batch) -> Result<(), Refusal> {
    let bad = |m: String| Err(Refusal::new(400, ErrorCode::BadPayload.as_str(), m));
    let digest = &batch.policy_digest;
    if digest.len() != 64
        || !digest
            .bytes()
            .all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
    {
        return bad("policyDigest must be 64 lower-case hex digits (the SHA-256 of policy)".into());
    }
    if batch.policy.len() > MAX_POLICY_BYTES {
        return bad(format!(
            "policy is {} bytes, the limit is {MAX_POLICY_BYTES}",
            batch.policy.len()
        ));
    }
    if !batch.policy.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        return bad("policy must be printable ASCII, as the recorder writes it".into());
    }
    Ok(())
}

/// A site that pins policies accepts only batches recorded under one of them,
/// and only when the digest really is the SHA-256 of the policy text carried.
fn check_policy(site: &Site, batch: &Batch) -> Result<(), Refusal> {
    if site.approved_policies.is_empty() {
        return Ok(());
    }
    // Lower case, as the configured digests (checked before).
    let digest = &batch.policy_digest;
    if !site.approved_policies.contains(digest) {
        return Err(Refusal::new(
            422,
            POLICY_NOT_APPROVED,
            "the batch was recorded under a privacy policy this site has not approved",
        ));
    }
    let actual: String = Sha256::digest(batch.policy.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if actual != *digest {
        return Err(Refusal::new(
            422,
            POLICY_NOT_APPROVED,
            "policyDigest is not the SHA-256 of the batch's policy text",
        ));
    }
    Ok(())
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::store::{SqliteStore, StoreError, WriteOnly};
    use reticent_core::batch::BatchHeader;
    use reticent_core::event::{Event, EventData, MetaData};
    use reticent_core::incremental::{AttributeMutation, IncrementalData, MutationData};
    use reticent_core::privacy::PrivacyEngine;

    fn site(policies: Vec<String>) -> Site {
        Site {
            name: "shop".into(),
            key: "k".repeat(8),
            origins: vec![],
            allow_no_origin: true,
            approved_policies: policies,
        }
    }

    /// A one-event batch whose page URL is `href`, as a forged client could send it.
    pub(crate) fn body(href: &str) -> Vec<u8> {
        batch(href).encode().unwrap()
    }

    /// The batch of [`body`].
    fn batch(href: &str) -> Batch {
        let engine = PrivacyEngine::default();
        let header =
            BatchHeader::new("s", "p", 0, engine.policy_digest()).with_policy(engine.policy());
        let meta = Event::new(
            1_000,
            EventData::Meta(MetaData {
                href: engine.url("https://a.example/HREF"),
                width: 1,
                height: 1,
            }),
        );
        let json = serde_json::to_string(&Batch::new(header, vec![meta]))
            .unwrap()
            .replace("https://a.example/HREF", href);
        serde_json::from_str(&json).unwrap()
    }

    #[test]
    fn storage_failure_is_503_and_retryable() {
        let r = ingest(
            &site(vec![]),
            &body("https://a.example/"),
            &DecodeLimits::default(),
            &WriteOnly(|_: &NewBatch| Err(StoreError::Db("disk full".into()))),
            1,
        )
        .unwrap_err();
        assert_eq!((r.status, r.code), (503, STORAGE_UNAVAILABLE));
    }

    #[test]
    fn stores_the_rescrubbed_batch() {
        let store = SqliteStore::in_memory().unwrap();
        let digest = PrivacyEngine::default().policy_digest();
        let done = ingest(
            &site(vec![digest]),
            &body("https://a.example/u/jane.doe@example.com/"),
            &DecodeLimits::default(),
            &store,
            2_000,
        )
        .unwrap();
        assert_eq!(done.outcome, PutOutcome::Stored);
        assert_eq!(done.scrubbed.0.get("email"), Some(&1));
        let stored = store.session_batches("s", None).unwrap();
        let back = Batch::decode(&stored[0].data, &DecodeLimits::default()).unwrap();
        let json = serde_json::to_string(&back.events).unwrap();
        assert!(!json.contains("jane.doe"), "{json}");
    }

    /// `policyDigest` is what the recorder writes, 64 lower-case hex digits;
    /// `policy` is bounded and printable ASCII. Anything else is refused and
    /// nothing is stored.
    #[test]
    fn refuses_policy_fields_the_recorder_never_writes() {
        let store = SqliteStore::in_memory().unwrap();
        type Edit = fn(&mut Batch);
        let edits: [(&str, Edit); 7] = [
            ("upper-case digest", |b| {
                b.policy_digest.make_ascii_uppercase()
            }),
            ("short digest", |b| {
                b.policy_digest.pop();
            }),
            ("non-hex digest", |b| {
                b.policy_digest.replace_range(..1, "g")
            }),
            ("no digest", |b| b.policy_digest.clear()),
            ("long policy", |b| {
                b.policy = "p".repeat(MAX_POLICY_BYTES + 1)
            }),
            ("control character", |b| b.policy.push('\n')),
            ("non-ASCII", |b| b.policy.push('é')),
        ];
        for (what, edit) in edits {
            let mut b = batch("https://a.example/");
            edit(&mut b);
            let r = ingest(
                &site(vec![]),
                &b.encode().unwrap(),
                &DecodeLimits::default(),
                &store,
                1,
            )
            .unwrap_err();
            assert_eq!((r.status, r.code), (400, "BAD_PAYLOAD"), "{what}");
        }
        assert!(store.session_batches("s", None).unwrap().is_empty());
        // At the bound, and as the recorder writes it: stored.
        let mut b = batch("https://a.example/");
        b.policy = "p".repeat(MAX_POLICY_BYTES);
        let done = ingest(
            &site(vec![]),
            &b.encode().unwrap(),
            &DecodeLimits::default(),
            &store,
            1,
        )
        .unwrap();
        assert_eq!(done.outcome, PutOutcome::Stored);
    }

    /// A batch whose re-encoding outgrows what the store's readers accept is
    /// refused (413) rather than stored unreadable; within them it is stored
    /// and reads back. Attribute changes written as arrays, `[0, {}]` (3
    /// bytes), re-encode as `{"id": 0, "attributes": {}}` (17 bytes).
    #[test]
    fn stores_only_what_reads_back() {
        const N: usize = 10_000;
        let engine = PrivacyEngine::default();
        let header =
            BatchHeader::new("s", "p", 0, engine.policy_digest()).with_policy(engine.policy());
        let change = AttributeMutation {
            id: 0,
            attributes: Default::default(),
        };
        let mutation = MutationData::with(|m| m.attributes = vec![change; N]);
        let as_maps = Batch::new(
            header,
            vec![Event::new(
                1_000,
                EventData::Incremental(IncrementalData::Mutation(mutation)),
            )],
        )
        .to_msgpack();
        let map = b"\x82\xa2id\x00\xaaattributes\x80";
        let (mut raw, mut rest) = (Vec::new(), &as_maps[..]);
        while !rest.is_empty() {
            if rest.starts_with(map) {
                raw.extend_from_slice(b"\x92\x00\x80");
                rest = &rest[map.len()..];
            } else {
                raw.push(rest[0]);
                rest = &rest[1..];
            }
        }
        assert_eq!(as_maps.len() - raw.len(), N * (map.len() - 3));
        let body = reticent_core::batch::gzip(&raw).unwrap();

        let store = SqliteStore::in_memory().unwrap();
        let limits = DecodeLimits::default();
        let read_back = DecodeLimits::for_sizes(1 << 20, 2 * raw.len());
        let r = ingest_within(&site(vec![]), &body, &limits, &read_back, &store, 1).unwrap_err();
        assert_eq!((r.status, r.code), (413, "TOO_LARGE"), "{}", r.message);
        assert!(store.session_batches("s", None).unwrap().is_empty());

        let done = ingest(&site(vec![]), &body, &limits, &store, 1).unwrap();
        assert_eq!(done.outcome, PutOutcome::Stored);
        let stored = store.session_batches("s", None).unwrap();
        let back = Batch::decode(&stored[0].data, &stored_limits()).unwrap();
        assert_eq!(back, Batch::from_msgpack(&as_maps, &limits).unwrap());
    }
}
