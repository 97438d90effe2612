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
//! `grantConsent` opens the gate. From then on, until consent is withdrawn
//! (or the recorder is freed), the session:
//!
//! - observes the document, open shadow roots and same-origin iframe
//!   documents with one `MutationObserver`, and turns each callback's records
//!   into one rrweb `Mutation` event (`mutations.rs`), added subtrees being
//!   serialised by the snapshot walk so the engine applies identically;
//! - listens (passive, capture phase) to pointer, touch, scroll, resize,
//!   input, media, visibility and navigation events (`interactions.rs`);
//! - wraps with a `Proxy` (`patch.rs`, restored on stop)
//!   `history.pushState`/`replaceState`,
//!   `CSSStyleSheet.prototype.insertRule`/`deleteRule`/`replace`/`replaceSync`,
//!   `CSSStyleDeclaration.prototype.setProperty`/`removeProperty`,
//!   `Element.prototype.attachShadow` (a root attached to a recorded host is
//!   observed), the form value setters (a value set by script is recorded
//!   like a typed one) and the `adoptedStyleSheets` setter of documents and
//!   shadow roots; the adopted sheets themselves are also recorded after the
//!   snapshot and whenever a document or shadow host is added;
//! - matches the site's masking rules (`rules.rs`) on the snapshot, added
//!   nodes, text and attribute changes and input events alike, and stops
//!   (without touching consent) on a navigation into an excluded page;
//! - bounds its buffer: a mutation flood or an oversized buffer is replaced
//!   by a fresh snapshot and the loss is counted in the batch header.
//!
//! Withdrawing consent, freeing the recorder, or an error inside any of these
//! callbacks detaches everything at once (`session.rs`); a callback's error is
//! kept for `takeError`.
//!
//! The first snapshot is walked in slices of about 20 ms: the first slice runs
//! inside `grantConsent` (a typical page is complete after it), the rest from
//! zero-delay timers owned by the session. Until it is complete nothing is
//! buffered (`takeBatch` returns `undefined`, interactions are not recorded);
//! text and attribute changes made meanwhile follow the snapshot as mutations,
//! and a structural change restarts the walk (after three restarts the
//! snapshot is taken synchronously), as does an attribute change that may
//! change the rules of an element the walk is inside. `checkpoint` is walked in slices the
//! same way; the flood guard takes its snapshot synchronously.
//!
//! ```js
//! const recorder = new Recorder({ privacy: { allowQueryParams: ["page"] } });
//! recorder.grantConsent("s-1", "pv-1");   // Meta + FullSnapshot, then live capture
//! const bytes = recorder.takeBatch();     // gzip'd MessagePack, or undefined
//! const raw = recorder.takeRawBatch();    // the same batch, not yet gzip'd…
//! const wire = gzipBatch(raw);            // …and gzip'd (anywhere: a worker runs this)
//! const failure = recorder.takeError();   // an Error if a page callback failed
//! recorder.withdrawConsent();             // detaches and drops everything unsent
//! ```
//!
//! Errors thrown to JavaScript are real `Error` objects named `ReticentError`
//! with a stable `code` (see [`ReticentError`]).
#![deny(missing_docs)]

mod clock;
mod compress;
mod dom;
mod error;
mod guard;
mod interactions;
mod live;
mod mirror;
mod mutations;
mod options;
mod page;
mod patch;
mod recorder;
mod rules;
mod session;
// Installed on wasm32 only; native builds compile it for its unit tests.
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
mod slab;
mod snapshot;
mod strict;

// Small blocks by size class (see slab.rs); the system allocator for the rest.
#[cfg(target_arch = "wasm32")]
#[global_allocator]
static ALLOCATOR: slab::Slab<std::alloc::System> = slab::Slab::new(std::alloc::System);

pub use compress::gzip_batch;
pub use error::ReticentError;
pub use options::RecorderOptions;
pub use recorder::Recorder;
