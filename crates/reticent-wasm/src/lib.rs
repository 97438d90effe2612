//! The browser binding of Reticent, compiled to WebAssembly.
//!
//! This crate is thin on purpose: it reads the page with `web-sys`, hands the
//! raw facts about each node to [`reticent_core`]'s privacy engine, and keeps
//! the node ↔ id mirror. It never decides what may be recorded and never builds
//! a recorded string itself: every recorded string is a
//! [`reticent_core::privacy::Scrubbed`], which only the engine creates.
//!
//! The one exported type is [`Recorder`]. Nothing runs before consent: the
//! constructor only parses options, and the first DOM read happens when
//! `grantConsent` opens the gate.
//!
//! ```js
//! const recorder = new Recorder({ privacy: { allowQueryParams: ["page"] } });
//! recorder.grantConsent("s-1", "pv-1");   // Meta + FullSnapshot, buffered
//! const bytes = recorder.takeBatch();     // gzip'd MessagePack, or undefined
//! recorder.withdrawConsent();             // drops everything unsent
//! ```
//!
//! Errors thrown to JavaScript are real `Error` objects named `ReticentError`
//! with a stable `code` (see [`ReticentError`]).
#![deny(missing_docs)]

mod clock;
mod error;
mod mirror;
mod options;
mod page;
mod recorder;
mod snapshot;
mod strict;

pub use error::ReticentError;
pub use options::RecorderOptions;
pub use recorder::Recorder;
