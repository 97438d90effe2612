//! The DOM-free core of Reticent, a privacy-first session replay recorder.
//!
//! Everything that can be decided without a browser lives here, so it is
//! tested with plain `cargo test`:
//!
//! - [`event`] and [`node`]: rrweb's event model with rrweb's numeric codes, so a
//!   decoded recording is valid input for rrweb's replayer.
//! - [`privacy`]: the one masking path every channel goes through. Recorded
//!   strings are [`privacy::Scrubbed`], a type only the privacy engine constructs.
//! - [`consent`]: the consent gate; unknown means denied.
//! - [`batch`]: the wire format, MessagePack (rmp-serde) inside gzip (flate2),
//!   with a hardened decoder for untrusted input.
//! - [`visit`]: walks every recorded string (collector re-scrub, audits).
//!
//! ```
//! use reticent_core::batch::{Batch, BatchHeader, DecodeLimits};
//! use reticent_core::event::{Event, EventData, MetaData};
//! use reticent_core::privacy::PrivacyEngine;
//!
//! let engine = PrivacyEngine::default();
//! let meta = Event::new(1_700_000_000_000, EventData::Meta(MetaData {
//!     href: engine.url("https://shop.example/account/42?token=secret#x"),
//!     width: 1280,
//!     height: 720,
//! }));
//! let header = BatchHeader::new("s-1", "pv-1", 0, engine.policy_digest());
//! let bytes = Batch::new(header, vec![meta]).encode().unwrap();
//! let back = Batch::decode(&bytes, &DecodeLimits::default()).unwrap();
//! assert_eq!(back.events.len(), 1);
//! assert!(!format!("{:?}", back).contains("secret"));
//! ```
#![deny(missing_docs)]

pub mod batch;
pub mod consent;
pub mod error;
pub mod event;
pub mod incremental;
pub mod node;
pub mod privacy;
pub mod sorted_map;
pub mod visit;
mod wire;

pub use error::{CoreError, ErrorCode};
