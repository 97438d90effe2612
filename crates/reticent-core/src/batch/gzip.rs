//! gzip (RFC 1952) of an encoded batch, written by hand around raw deflate.
//!
//! flate2's `GzEncoder` would do, but it goes through `std::io` and
//! `crc32fast`: their error strings and CRC tables (16 KiB of slice-by-16
//! tables) weigh on the WebAssembly module every visitor downloads. The bytes
//! are the ones `GzEncoder` writes (the golden fixture pins them): the same
//! ten-byte header (no name, no time, OS "unknown"), miniz's raw deflate at
//! the same level, then CRC-32 and length.

use flate2::{Compress, Compression, FlushCompress, Status};

use crate::error::{CoreError, ErrorCode};

/// gzip of `raw` at `level` (0–9).
pub(super) fn gzip(raw: &[u8], level: u32) -> Result<Vec<u8>, CoreError> {
    let level = level.min(9);
    // XFL as flate2 writes it: 2 for the best level, 4 for the fastest.
    let xfl = match level {
        9 => 2,
        0 | 1 => 4,
        _ => 0,
    };
    let mut out = Vec::with_capacity(raw.len() / 4 + 64);
    out.extend_from_slice(&[0x1f, 0x8b, 8, 0, 0, 0, 0, 0, xfl, 255]);
    let mut deflate = Compress::new(Compression::new(level), false);
    loop {
        if out.capacity() - out.len() < 1024 {
            out.reserve(out.capacity().max(4096));
        }
        let consumed = usize::try_from(deflate.total_in()).unwrap_or(usize::MAX);
        let rest = raw.get(consumed..).unwrap_or_default();
        match deflate.compress_vec(rest, &mut out, FlushCompress::Finish) {
            Ok(Status::StreamEnd) => break,
            Ok(Status::Ok | Status::BufError) => {}
            Err(e) => {
                return Err(CoreError::new(
                    ErrorCode::Encode,
                    format!("gzip failed: {e}"),
                ))
            }
        }
    }
    out.extend_from_slice(&crc32(raw).to_le_bytes());
    // ISIZE: the input length modulo 2^32, as RFC 1952 defines it.
    out.extend_from_slice(&(raw.len() as u32).to_le_bytes());
    Ok(out)
}

/// The CRC-32 of gzip (IEEE 802.3, reflected, polynomial 0xEDB88320), one
/// byte at a time from a 1 KiB table built at compile time.
fn crc32(bytes: &[u8]) -> u32 {
    !bytes.iter().fold(!0u32, |crc, &b| {
        CRC_TABLE[usize::from((crc as u8) ^ b)] ^ (crc >> 8)
    })
}

const CRC_TABLE: [u32; 256] = {
    let mut table = [0u32; 256];
    let mut n = 0;
    while n < 256 {
        let mut c = n as u32;
        let mut k = 0;
        while k < 8 {
            c = if c & 1 != 0 {
                0xEDB8_8320 ^ (c >> 1)
            } else {
                c >> 1
            };
            k += 1;
        }
        table[n] = c;
        n += 1;
    }
    table
};

#[cfg(test)]
mod tests {
    use std::io::{Read, Write};

    use super::*;
    use flate2::{read::GzDecoder, write::GzEncoder};

    fn flate2_gzip(raw: &[u8], level: u32) -> Vec<u8> {
        let mut gz = GzEncoder::new(Vec::new(), Compression::new(level));
        gz.write_all(raw).unwrap();
        gz.finish().unwrap()
    }

    #[test]
    fn crc32_of_known_strings() {
        assert_eq!(crc32(b""), 0);
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(
            crc32(b"The quick brown fox jumps over the lazy dog"),
            0x414F_A339
        );
    }

    #[test]
    fn same_bytes_as_flate2_and_round_trips() {
        let mut text = Vec::new();
        for i in 0..20_000u32 {
            text.extend_from_slice(
                format!("{{\"id\":{i},\"tag\":\"div\",\"x\":{}}}", i * 7 % 13).as_bytes(),
            );
        }
        // Incompressible bytes too, longer than one output reservation.
        let noise: Vec<u8> = (0..300_000u32)
            .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
            .collect();
        for raw in [&b""[..], b"a", &text, &noise] {
            for level in 0..=9 {
                let ours = gzip(raw, level).unwrap();
                let mut back = Vec::new();
                GzDecoder::new(&ours[..]).read_to_end(&mut back).unwrap();
                assert!(
                    back == raw,
                    "level {level}, {} bytes: round trip",
                    raw.len()
                );
                // Level 1 is miniz's fast path, whose blocks depend on how much
                // output room each call has (flate2 gives it 32 KiB at a time):
                // valid, but not the same bytes. Batches use level 6.
                if level != 1 {
                    assert!(
                        ours == flate2_gzip(raw, level),
                        "level {level}, {} bytes: not flate2's bytes",
                        raw.len()
                    );
                }
            }
        }
    }
}
