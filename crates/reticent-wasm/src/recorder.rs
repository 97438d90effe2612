//! The exported `Recorder`: consent gate, session state and the event buffer.

use reticent_core::batch::{is_valid_id, Batch, BatchHeader};
use reticent_core::consent::{ConsentGate, ConsentState, Transition};
use reticent_core::event::{Event, EventData, FullSnapshotData, MetaData, Offset};
use reticent_core::privacy::PrivacyEngine;
use reticent_core::{CoreError, ErrorCode};
use wasm_bindgen::prelude::*;

use crate::clock::Clock;
use crate::error::ReticentError;
use crate::mirror::Mirror;
use crate::options::RecorderOptions;
use crate::page::Page;
use crate::snapshot;

/// A session replay recorder for one page.
///
/// It reads nothing from the page until `grantConsent`; withdrawing consent
/// drops everything it holds. All state lives in the instance: two recorders
/// do not share anything.
#[wasm_bindgen]
pub struct Recorder {
    engine: PrivacyEngine,
    gate: ConsentGate,
    /// Present only while consent is granted.
    session: Option<Session>,
}

/// What exists only while recording is allowed.
struct Session {
    session_id: String,
    page_view_id: String,
    /// Sequence number of the next batch.
    sequence: u32,
    /// Events not yet taken by `takeBatch`.
    buffer: Vec<Event>,
    mirror: Mirror,
    clock: Clock,
}

#[wasm_bindgen]
impl Recorder {
    /// Creates a recorder from `options` (`{ privacy?: { allowQueryParams?:
    /// string[] } }`). Reads nothing from the page. Throws `ReticentError`
    /// (`UNKNOWN_OPTION`, `INVALID_OPTION`) on bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "object")] options: JsValue,
    ) -> Result<Recorder, ReticentError> {
        let options = RecorderOptions::from_js(options)?;
        Ok(Recorder {
            engine: PrivacyEngine::new(options.privacy)?,
            gate: ConsentGate::new(),
            session: None,
        })
    }

    /// Consent was given: starts a page view with the given ids (1 to 64
    /// characters of `[A-Za-z0-9_-]`) by buffering a Meta event and a full
    /// snapshot. A no-op while consent is already granted. Throws
    /// `INVALID_OPTION` for a bad id; if the snapshot fails, consent stays as
    /// it was and the error is thrown.
    #[wasm_bindgen(js_name = grantConsent)]
    pub fn grant_consent(
        &mut self,
        #[wasm_bindgen(js_name = sessionId, unchecked_param_type = "string")] session_id: JsValue,
        #[wasm_bindgen(js_name = pageViewId, unchecked_param_type = "string")]
        page_view_id: JsValue,
    ) -> Result<(), ReticentError> {
        if self.gate.is_open() {
            return Ok(());
        }
        let session_id = checked_id("sessionId", &session_id)?;
        let page_view_id = checked_id("pageViewId", &page_view_id)?;
        let previous = self.gate.state();
        if self.gate.apply(ConsentState::Granted) == Transition::Start {
            match Session::start(&self.engine, session_id, page_view_id) {
                Ok(session) => self.session = Some(session),
                Err(e) => {
                    self.gate.apply(previous);
                    self.session = None;
                    return Err(e.into());
                }
            }
        }
        Ok(())
    }

    /// Consent was refused or withdrawn: drops the unsent events, the ids and
    /// the node mirror. Never throws.
    #[wasm_bindgen(js_name = withdrawConsent)]
    pub fn withdraw_consent(&mut self) {
        // `Stop` or not, nothing may outlive a closed gate.
        let _ = self.gate.apply(ConsentState::Denied);
        self.session = None;
    }

    /// The buffered events as one encoded batch (gzip'd MessagePack), or
    /// `undefined` when consent is not granted or nothing is buffered. The
    /// buffer is emptied and the sequence number advances. `dropped` (default
    /// 0) is written in the header: how many events or batches the page's
    /// queue dropped since the last batch, so losses are counted, never
    /// silent. Throws `ENCODE` if encoding fails (the events are then
    /// dropped, not retried).
    #[wasm_bindgen(js_name = takeBatch)]
    pub fn take_batch(&mut self, dropped: Option<u32>) -> Result<Option<Vec<u8>>, ReticentError> {
        if !self.gate.is_open() {
            return Ok(None);
        }
        match self.session.as_mut() {
            Some(s) if !s.buffer.is_empty() => {
                Ok(Some(s.take_batch(&self.engine, dropped.unwrap_or(0))?))
            }
            _ => Ok(None),
        }
    }

    /// Buffers a fresh Meta event and full snapshot (node ids are assigned
    /// anew), so that a recording can start from here: the on-trigger mode
    /// keeps a rolling window that must open with a snapshot. A no-op without
    /// consent.
    pub fn checkpoint(&mut self) -> Result<(), ReticentError> {
        if !self.gate.is_open() {
            return Ok(());
        }
        match self.session.as_mut() {
            Some(s) => Ok(s.snapshot(&self.engine)?),
            None => Ok(()),
        }
    }

    /// How many events are buffered.
    #[wasm_bindgen(js_name = pendingEvents)]
    pub fn pending_events(&self) -> u32 {
        self.session
            .as_ref()
            .map_or(0, |s| u32::try_from(s.buffer.len()).unwrap_or(u32::MAX))
    }

    /// `"unknown"`, `"granted"` or `"denied"`.
    #[wasm_bindgen(getter, js_name = consentState)]
    pub fn consent_state(&self) -> String {
        consent_name(self.gate.state()).to_owned()
    }
}

impl Session {
    /// Opens a page view: Meta first, then the full snapshot, same timestamp.
    fn start(
        engine: &PrivacyEngine,
        session_id: String,
        page_view_id: String,
    ) -> Result<Session, CoreError> {
        let mut session = Session {
            session_id,
            page_view_id,
            sequence: 0,
            buffer: Vec::new(),
            mirror: Mirror::new(),
            clock: Clock::default(),
        };
        session.snapshot(engine)?;
        Ok(session)
    }

    /// Buffers a Meta event and a full snapshot of the page, same timestamp.
    fn snapshot(&mut self, engine: &PrivacyEngine) -> Result<(), CoreError> {
        let page = Page::current()?;
        let at = self.clock.now();
        let (width, height) = page.viewport();
        let meta = MetaData {
            href: engine.url(&page.href()?),
            width,
            height,
        };
        let node = snapshot::document(&page.document, engine, &mut self.mirror)?;
        let (left, top) = page.scroll();
        self.buffer.push(Event::new(at, EventData::Meta(meta)));
        self.buffer.push(Event::new(
            at,
            EventData::FullSnapshot(FullSnapshotData {
                node,
                initial_offset: Offset { top, left },
            }),
        ));
        Ok(())
    }

    /// Encodes and empties the buffer.
    fn take_batch(&mut self, engine: &PrivacyEngine, dropped: u32) -> Result<Vec<u8>, CoreError> {
        let events = std::mem::take(&mut self.buffer);
        let sequence = self.sequence;
        self.sequence = sequence.checked_add(1).ok_or_else(|| {
            CoreError::new(ErrorCode::InvalidState, "batch sequence number exhausted")
        })?;
        let mut header = BatchHeader::new(
            &self.session_id,
            &self.page_view_id,
            sequence,
            engine.policy_digest(),
        )
        .with_policy(engine.policy());
        header.dropped = dropped;
        Batch::new(header, events).encode()
    }
}

/// Checks a session or page-view id passed from JavaScript.
fn checked_id(name: &str, value: &JsValue) -> Result<String, CoreError> {
    match value.as_string() {
        Some(id) if is_valid_id(&id) => Ok(id),
        _ => Err(CoreError::new(
            ErrorCode::InvalidOption,
            format!("{name} must be a string of 1 to 64 characters of [A-Za-z0-9_-]"),
        )),
    }
}

/// The JS name of a consent state.
fn consent_name(state: ConsentState) -> &'static str {
    match state {
        ConsentState::Unknown => "unknown",
        ConsentState::Granted => "granted",
        ConsentState::Denied => "denied",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn consent_names() {
        assert_eq!(consent_name(ConsentState::Unknown), "unknown");
        assert_eq!(consent_name(ConsentState::Granted), "granted");
        assert_eq!(consent_name(ConsentState::Denied), "denied");
    }
}
