//! The exported `gzipBatch`: the second, expensive step of producing a batch.
//!
//! `Recorder.takeRawBatch` returns a batch as MessagePack; `gzipBatch` turns
//! it into the wire bytes, byte for byte what `Recorder.takeBatch` returns.
//! It touches no recorder state and no DOM, so the JS package runs it in a
//! Web Worker that instantiated this same module, and on the main thread
//! only as the fallback (no worker allowed, or the worker failed) and on
//! page exit.

use reticent_core::batch;
use wasm_bindgen::prelude::*;

use crate::error::ReticentError;

/// gzip (RFC 1952) of a batch returned by `takeRawBatch`: the bytes to send.
/// `level` 0–9 (above 9 is 9); without it, 6, the level of `takeBatch`,
/// quick enough for the main thread. The compression worker asks for 9.
/// Throws `ENCODE` if compression fails.
#[wasm_bindgen(js_name = gzipBatch)]
pub fn gzip_batch(raw: &[u8], level: Option<u32>) -> Result<Vec<u8>, ReticentError> {
    let level = level.unwrap_or(batch::DEFAULT_GZIP_LEVEL);
    Ok(batch::gzip_with_level(raw, level)?)
}

#[cfg(test)]
mod tests {
    use super::*;
    use reticent_core::batch::{Batch, BatchHeader, DecodeLimits};

    #[test]
    fn gzips_into_a_decodable_batch() {
        let b = Batch::new(BatchHeader::new("s", "pv", 3, "0".repeat(64)), vec![]);
        let bytes = gzip_batch(&b.to_msgpack(), None).unwrap();
        assert_eq!(bytes, b.encode().unwrap());
        assert_eq!(Batch::decode(&bytes, &DecodeLimits::default()).unwrap(), b);
        let best = gzip_batch(&b.to_msgpack(), Some(batch::BEST_GZIP_LEVEL)).unwrap();
        assert_eq!(Batch::decode(&best, &DecodeLimits::default()).unwrap(), b);
    }
}
