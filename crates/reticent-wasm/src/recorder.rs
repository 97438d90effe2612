//! The exported `Recorder`: consent gate, session state and the event buffer.

use js_sys::Uint8Array;
use reticent_core::batch::is_valid_id;
use reticent_core::consent::{ConsentGate, ConsentState, Transition};
use reticent_core::event::{CustomData, EventData};
use reticent_core::privacy::PrivacyEngine;
use reticent_core::{CoreError, ErrorCode};
use wasm_bindgen::prelude::*;

use crate::error::ReticentError;
use crate::guard;
use crate::live::SLICE_MS;
use crate::options::RecorderOptions;
use crate::page::{internal, Page};
use crate::session::{Session, SliceBudget};

/// A session replay recorder for one page.
///
/// It reads nothing from the page until `grantConsent`; withdrawing consent
/// drops everything it holds. While consent is granted it observes the page
/// (mutations, interactions, navigations). All state lives in the instance:
/// two recorders do not share anything.
#[wasm_bindgen]
pub struct Recorder {
    engine: PrivacyEngine,
    gate: ConsentGate,
    /// Present only while consent is granted.
    session: Option<Session>,
    /// An error that stopped recording inside a page callback, until taken.
    error: Option<CoreError>,
    /// Budget of each slice of the first snapshot (tests tune it).
    slice: SliceBudget,
    /// Consent is granted but the page is excluded (`privacy.excludePages`):
    /// nothing is recorded until a new page view starts elsewhere.
    excluded: bool,
}

#[wasm_bindgen]
impl Recorder {
    /// Creates a recorder from `options` (`{ privacy?: { allowQueryParams?,
    /// unmaskText?, unmaskInputs?, mask?, block?, ignore?, excludePages? } }`,
    /// see `options.rs`). Reads nothing from the page (selectors are parsed
    /// on a detached fragment). Throws `ReticentError` (`UNKNOWN_OPTION`,
    /// `INVALID_OPTION`) on bad options.
    #[wasm_bindgen(constructor)]
    pub fn new(
        #[wasm_bindgen(unchecked_param_type = "object")] options: JsValue,
    ) -> Result<Recorder, ReticentError> {
        Self::build(options, true)
    }

    /// Consent was given: starts a page view with the given ids (1 to 64
    /// characters of `[A-Za-z0-9_-]`): takes a full snapshot (buffered with a
    /// Meta event before this returns on a typical page; a large page is
    /// walked in ~20 ms slices on timers and buffered when complete), then
    /// observes the page. On a page `privacy.excludePages` excludes, consent
    /// is granted but nothing is read or recorded (`excluded` reads `true`).
    /// A no-op while consent is already granted. Throws `INVALID_OPTION` for a bad id; if starting fails,
    /// consent stays as it was, nothing stays attached and the error is thrown.
    #[wasm_bindgen(js_name = grantConsent)]
    pub fn grant_consent(
        &mut self,
        #[wasm_bindgen(js_name = sessionId, unchecked_param_type = "string")] session_id: JsValue,
        #[wasm_bindgen(js_name = pageViewId, unchecked_param_type = "string")]
        page_view_id: JsValue,
    ) -> Result<(), ReticentError> {
        self.sync();
        if self.gate.is_open() {
            return Ok(());
        }
        let session_id = checked_id("sessionId", &session_id)?;
        let page_view_id = checked_id("pageViewId", &page_view_id)?;
        let previous = self.gate.state();
        if self.gate.apply(ConsentState::Granted) == Transition::Start {
            // An excluded page: consent holds, nothing is read or recorded.
            let excluded = match Page::current().and_then(|p| p.href()) {
                Ok(href) => self.engine.excludes_page(&href),
                Err(e) => {
                    self.gate.apply(previous);
                    return Err(e.into());
                }
            };
            if excluded {
                self.excluded = true;
                return Ok(());
            }
            match Session::start(&self.engine, session_id, page_view_id, self.slice) {
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

    /// Consent was refused or withdrawn: disconnects the observer, removes
    /// every listener, restores wrapped methods, drops the unsent events, the
    /// ids and the node mirror. Never throws.
    #[wasm_bindgen(js_name = withdrawConsent)]
    pub fn withdraw_consent(&mut self) {
        // `Stop` or not, nothing may outlive a closed gate.
        let _ = self.gate.apply(ConsentState::Denied);
        self.session = None;
        self.excluded = false;
    }

    /// `true` while consent is granted but nothing is recorded because the
    /// page is excluded (`privacy.excludePages`): `grantConsent` was called
    /// on an excluded page, or an SPA navigation led to one (the session
    /// then stopped as on a withdrawal: everything detached, unsent events
    /// dropped). To record again once the page is no longer excluded, call
    /// `withdrawConsent` then `grantConsent` with a new page-view id.
    #[wasm_bindgen(getter)]
    pub fn excluded(&mut self) -> bool {
        self.sync();
        self.excluded
    }

    /// Whether the current page address matches `privacy.excludePages`
    /// (after sanitising: query and fragment removed, identifiers replaced).
    /// Reads `location.href` only; call it once consent is granted.
    #[wasm_bindgen(js_name = isPageExcluded)]
    pub fn is_page_excluded(&self) -> Result<bool, ReticentError> {
        let href = Page::current().and_then(|p| p.href())?;
        Ok(self.engine.excludes_page(&href))
    }

    /// The buffered events as one encoded batch (gzip'd MessagePack), or
    /// `undefined` when consent is not granted or nothing is buffered. Pending
    /// interactions (sampled positions, throttled scrolls, unfinished inputs)
    /// are written first. The buffer is emptied and the sequence number
    /// advances. `dropped` (default 0) is added to the events the recorder
    /// itself dropped (mutation floods) and written in the header, so losses
    /// are counted, never silent. Throws `ENCODE` if encoding fails (the
    /// events are then dropped, not retried).
    #[wasm_bindgen(js_name = takeBatch)]
    pub fn take_batch(&mut self, dropped: Option<u32>) -> Result<Option<Vec<u8>>, ReticentError> {
        match self.encode_batch(dropped)? {
            Some(raw) => Ok(Some(crate::compress::gzip_batch(raw, None)?)),
            None => Ok(None),
        }
    }

    /// `takeBatch` without its last step: the batch as MessagePack, not yet
    /// compressed, for `gzipBatch` to compress elsewhere (a Web Worker).
    /// Everything else is as `takeBatch`: the buffer is emptied, the sequence
    /// number advances, `dropped` goes into the header. These bytes must not
    /// be sent as they are: only `gzipBatch(raw)` is a batch.
    #[wasm_bindgen(js_name = takeRawBatch)]
    pub fn take_raw_batch(
        &mut self,
        dropped: Option<u32>,
    ) -> Result<Option<Uint8Array>, ReticentError> {
        // Copied out of the session's buffer straight into a JS array.
        Ok(self.encode_batch(dropped)?.map(Uint8Array::from))
    }

    /// Records that the site triggered (`recorder.trigger(reason)`, or an
    /// uncaught error in the on-trigger mode): buffers the Custom event
    /// `{ tag: "reticent.trigger", payload: { reason } }`, the reason
    /// scrubbed by the privacy engine (PII detectors, the site's custom
    /// detectors, length cap; see `PrivacyEngine::trigger_reason`). Without
    /// a string reason the payload is empty. `false` when nothing was
    /// recorded: no consent, an excluded page, or the first snapshot is
    /// still being taken (an event may not precede it).
    #[wasm_bindgen(js_name = recordTrigger)]
    pub fn record_trigger(
        &mut self,
        #[wasm_bindgen(unchecked_param_type = "string | undefined")] reason: JsValue,
    ) -> Result<bool, ReticentError> {
        self.sync();
        if !self.gate.is_open() {
            return Ok(false);
        }
        let Some(session) = self.session.as_mut() else {
            return Ok(false);
        };
        let reason = reason.as_string().map(|r| self.engine.trigger_reason(&r));
        let result = session.state().and_then(|mut live| {
            if live.is_slicing() {
                return Ok(false);
            }
            live.push(EventData::Custom(CustomData::trigger(reason)))
                .map(|()| true)
        });
        if let Err(e) = &result {
            self.stop_with(e.clone());
        }
        Ok(result?)
    }

    /// Buffers a fresh Meta event and full snapshot (node ids are assigned
    /// anew), so that a recording can start from here: the on-trigger mode
    /// keeps a rolling window that must open with a snapshot. A large page is
    /// walked in slices, like the first snapshot (`snapshotPending` is `true`
    /// until it is buffered; nothing else is recorded meanwhile); a small one
    /// is buffered at once. A no-op without consent.
    pub fn checkpoint(&mut self) -> Result<(), ReticentError> {
        self.sync();
        if !self.gate.is_open() {
            return Ok(());
        }
        let Some(session) = self.session.as_mut() else {
            return Ok(());
        };
        let result = session
            .state()
            .and_then(|mut live| live.sliced_checkpoint());
        if let Err(e) = &result {
            self.stop_with(e.clone());
        }
        Ok(result?)
    }

    /// How many events are buffered, counting interactions that the next
    /// `takeBatch` writes (pending positions, scrolls, inputs).
    #[wasm_bindgen(js_name = pendingEvents)]
    pub fn pending_events(&self) -> u32 {
        let Some(live) = self.session.as_ref().and_then(|s| s.live.try_borrow().ok()) else {
            return 0;
        };
        if live.stopped {
            return 0;
        }
        u32::try_from(live.buffer.len() + live.pending.count()).unwrap_or(u32::MAX)
    }

    /// `true` while the first snapshot of a large page is still being taken
    /// in slices: it is buffered (and can be sent) only once complete, so the
    /// wrapper sends it as soon as this turns `false` instead of waiting for
    /// its next flush.
    #[wasm_bindgen(getter, js_name = snapshotPending)]
    pub fn snapshot_pending(&self) -> bool {
        match self.session.as_ref().and_then(|s| s.live.try_borrow().ok()) {
            Some(live) => !live.stopped && live.is_slicing(),
            None => false,
        }
    }

    /// How many nodes the node mirror holds (0 without a session): removed
    /// nodes are forgotten, so this stays flat over a long session.
    #[wasm_bindgen(js_name = mirrorSize)]
    pub fn mirror_size(&self) -> u32 {
        match self.session.as_ref().and_then(|s| s.live.try_borrow().ok()) {
            Some(live) if !live.stopped => live.mirror.size(),
            _ => 0,
        }
    }

    /// The error that stopped recording inside a page callback (observer,
    /// listener, wrapped method), once: later calls return `undefined`. When
    /// a callback fails, the recorder stops as on `withdrawConsent`
    /// (`consentState` reads `"denied"`) and keeps the error here.
    #[wasm_bindgen(js_name = takeError, unchecked_return_type = "Error | undefined")]
    pub fn take_error(&mut self) -> JsValue {
        self.sync();
        match self.error.take() {
            Some(e) => ReticentError::from(e).into(),
            None => JsValue::UNDEFINED,
        }
    }

    /// `"unknown"`, `"granted"` or `"denied"`.
    #[wasm_bindgen(getter, js_name = consentState)]
    pub fn consent_state(&self) -> String {
        if self
            .session
            .as_ref()
            .is_some_and(|s| (s.stopped() && !s.excluded()) || guard::trapped())
        {
            return consent_name(ConsentState::Denied).to_owned();
        }
        consent_name(self.gate.state()).to_owned()
    }
}

impl Recorder {
    /// The work of `takeBatch` and `takeRawBatch` up to the MessagePack
    /// bytes, which stay in the session's buffer until the next batch.
    fn encode_batch(&mut self, dropped: Option<u32>) -> Result<Option<&[u8]>, ReticentError> {
        self.sync();
        if !self.gate.is_open() {
            return Ok(None);
        }
        let Some(session) = self.session.as_mut() else {
            return Ok(None);
        };
        let taken = session.take_raw_batch(&self.engine, dropped.unwrap_or(0));
        if let Err(e) = &taken {
            if e.code != ErrorCode::Encode {
                self.stop_with(e.clone());
            }
        }
        if !taken? {
            return Ok(None);
        }
        Ok(self.session.as_ref().map(Session::raw_batch))
    }

    /// A recorder whose selectors were not parsed by the browser, so tests
    /// can check that a selector that throws while matching fails closed.
    /// Rust only (not exported to JavaScript).
    #[doc(hidden)]
    pub fn new_unchecked_selectors_for_tests(options: JsValue) -> Result<Recorder, ReticentError> {
        Self::build(options, false)
    }

    /// Parses `options` (selectors also by the browser when `parse_selectors`).
    fn build(options: JsValue, parse_selectors: bool) -> Result<Recorder, ReticentError> {
        let options = RecorderOptions::from_js(options)?;
        if parse_selectors {
            crate::rules::validate_selectors(&options.privacy)?;
        }
        Ok(Recorder {
            engine: PrivacyEngine::new(options.privacy)?,
            gate: ConsentGate::new(),
            session: None,
            error: None,
            slice: SliceBudget {
                nodes: u32::MAX,
                ms: SLICE_MS,
            },
            excluded: false,
        })
    }

    /// Limits each slice of the first snapshot to `nodes` nodes, so tests
    /// can observe a sliced snapshot on a small page. Rust only (not
    /// exported to JavaScript); applies to the next `grantConsent`.
    #[doc(hidden)]
    pub fn set_slice_nodes_for_tests(&mut self, nodes: u32) {
        self.slice.nodes = nodes.max(1);
    }

    /// Sets the time budget of each slice of the first snapshot; infinity
    /// makes `grantConsent` finish the snapshot at once, whatever the load of
    /// the machine, so tests that are not about slicing stay deterministic.
    /// Rust only; applies to the next `grantConsent`.
    #[doc(hidden)]
    pub fn set_slice_budget_ms_for_tests(&mut self, ms: f64) {
        self.slice.ms = ms;
    }

    /// Finishes stopping a session a callback stopped: keeps its error and
    /// closes the gate as `withdrawConsent` does.
    fn sync(&mut self) {
        let Some(session) = &self.session else { return };
        if guard::trapped() {
            // A callback trapped (a panic): the module's state cannot be
            // trusted any more. Stop, and report it once.
            if self.error.is_none() {
                self.error = Some(internal(
                    "the recorder failed inside a page callback (observer, listener, timer or wrapped method)",
                ));
            }
            self.withdraw_consent();
            return;
        }
        if !session.stopped() {
            return;
        }
        if session.excluded() {
            // Not a failure: consent holds, the page is excluded.
            self.session = None;
            self.excluded = true;
            return;
        }
        let error = session
            .live
            .try_borrow_mut()
            .ok()
            .and_then(|mut l| l.error.take());
        if self.error.is_none() {
            self.error = error;
        }
        self.withdraw_consent();
    }

    /// Stops after an error of a direct call: the error is thrown to the
    /// caller, so it is not kept for `takeError`.
    fn stop_with(&mut self, _thrown: CoreError) {
        self.withdraw_consent();
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

#[cfg(all(test, target_arch = "wasm32"))]
mod browser_tests {
    use super::*;
    use crate::live::with_live;
    use std::rc::Rc;
    use wasm_bindgen::JsCast;
    use wasm_bindgen_test::*;

    wasm_bindgen_test_configure!(run_in_browser);

    /// A callback that fails stops everything and reports once.
    #[wasm_bindgen_test]
    fn a_failing_callback_stops_the_recorder_and_reports_once() {
        let mut r = Recorder::new(JsValue::UNDEFINED).unwrap();
        r.grant_consent(JsValue::from_str("s-1"), JsValue::from_str("pv-1"))
            .unwrap();
        assert!(r.pending_events() > 0);
        let live = Rc::downgrade(&r.session.as_ref().unwrap().live);
        // What any observer, listener or wrapped method does with an error.
        with_live(&live, |_| {
            Err(CoreError::new(
                ErrorCode::Internal,
                "simulated callback failure",
            ))
        });
        assert_eq!(r.pending_events(), 0, "buffers dropped at once");
        assert_eq!(r.mirror_size(), 0);
        assert_eq!(r.consent_state(), "denied");
        // Listeners are detached even before the recorder is called again.
        let doc = web_sys::window().unwrap().document().unwrap();
        let ev = web_sys::Event::new("click").unwrap();
        doc.dispatch_event(&ev).unwrap();

        let err = r.take_error();
        let e = err.dyn_ref::<js_sys::Error>().expect("an Error");
        assert_eq!(String::from(e.name()), "ReticentError");
        assert!(String::from(e.message()).contains("simulated"));
        let code = js_sys::Reflect::get(&err, &JsValue::from_str("code")).unwrap();
        assert_eq!(code.as_string().as_deref(), Some("INTERNAL"));
        assert!(r.take_error().is_undefined(), "reported once");
        assert!(r.session.is_none(), "closures freed");
        assert_eq!(r.take_batch(None).unwrap(), None);

        // A new grant starts afresh.
        r.grant_consent(JsValue::from_str("s-2"), JsValue::from_str("pv-2"))
            .unwrap();
        assert_eq!(r.consent_state(), "granted");
        assert_eq!(r.pending_events(), 2);
    }

    /// A callback that trapped (a panic, caught by its JS guard) stops the
    /// recorder at its next call, which reports it once.
    #[wasm_bindgen_test]
    fn a_trapped_callback_stops_the_recorder_and_reports_once() {
        let mut r = Recorder::new(JsValue::UNDEFINED).unwrap();
        r.set_slice_budget_ms_for_tests(f64::INFINITY);
        r.grant_consent(JsValue::from_str("s-g"), JsValue::from_str("pv-g"))
            .unwrap();
        assert_eq!(r.consent_state(), "granted");
        let throwing =
            js_sys::Function::new_no_args("throw new WebAssembly.RuntimeError('unreachable')");
        assert!(crate::guard::guard(&throwing).call0(&JsValue::NULL).is_ok());
        assert_eq!(r.consent_state(), "denied");
        let err = r.take_error();
        let code = js_sys::Reflect::get(&err, &JsValue::from_str("code")).unwrap();
        assert_eq!(code.as_string().as_deref(), Some("INTERNAL"));
        assert!(r.take_error().is_undefined(), "reported once");
        assert!(r.session.is_none());
        crate::guard::untrap();
    }

    /// `takeRawBatch` answers a copy: the session writes every batch into
    /// one kept buffer, and a batch already handed to JS must not change
    /// when the next one is written there.
    #[wasm_bindgen_test]
    fn a_raw_batch_is_not_overwritten_by_the_next() {
        use reticent_core::batch::{gunzip, Batch, DecodeLimits};

        let mut r = Recorder::new(JsValue::UNDEFINED).unwrap();
        r.set_slice_budget_ms_for_tests(f64::INFINITY);
        r.grant_consent(JsValue::from_str("s-r"), JsValue::from_str("pv-r"))
            .unwrap();
        let first = r.take_raw_batch(None).unwrap().expect("the snapshot");
        let kept = first.to_vec();
        assert!(r.record_trigger(JsValue::from_str("second")).unwrap());
        let second = r.take_raw_batch(None).unwrap().expect("a batch").to_vec();
        assert_eq!(first.to_vec(), kept, "the first batch changed");
        let limits = DecodeLimits::default();
        let decode = |raw: &[u8]| Batch::from_msgpack(raw, &limits).unwrap();
        assert_eq!(decode(&kept).sequence, 0);
        let second = decode(&second);
        assert_eq!((second.sequence, second.events.len()), (1, 1));
        // The in-wasm path reads the same buffer.
        assert!(r.record_trigger(JsValue::from_str("third")).unwrap());
        let wire = r.take_batch(None).unwrap().expect("a batch");
        let third = decode(&gunzip(&wire, &limits).unwrap());
        assert_eq!((third.sequence, third.events.len()), (2, 1));
    }

    /// `recordTrigger` writes the scrubbed reason as a Custom event into the
    /// next batch, which `gzipBatch(takeRawBatch())` encodes as `takeBatch` would.
    #[wasm_bindgen_test]
    fn a_trigger_reason_is_recorded_scrubbed() {
        use reticent_core::batch::{Batch, DecodeLimits};
        use reticent_core::event::{EventData, TRIGGER_TAG};

        let mut r = Recorder::new(JsValue::UNDEFINED).unwrap();
        assert!(!r
            .record_trigger(JsValue::from_str("before consent"))
            .unwrap());
        r.set_slice_budget_ms_for_tests(f64::INFINITY);
        r.grant_consent(JsValue::from_str("s-t"), JsValue::from_str("pv-t"))
            .unwrap();
        assert!(r
            .record_trigger(JsValue::from_str("refund for jane.doe@example.com"))
            .unwrap());
        assert!(r.record_trigger(JsValue::UNDEFINED).unwrap());
        let raw = r.take_raw_batch(None).unwrap().expect("a batch").to_vec();
        let wire = crate::compress::gzip_batch(&raw, None).unwrap();
        let batch = Batch::decode(&wire, &DecodeLimits::default()).unwrap();
        let triggers: Vec<_> = batch
            .events
            .iter()
            .filter_map(|e| match &e.data {
                EventData::Custom(c) if c.tag == TRIGGER_TAG => Some(c),
                _ => None,
            })
            .collect();
        assert_eq!(triggers.len(), 2);
        let reason = triggers[0].payload["reason"].as_str();
        assert!(reason.starts_with("refund for "), "{reason}");
        assert!(!reason.contains("jane.doe"), "{reason}");
        assert!(triggers[1].payload.is_empty());
        r.withdraw_consent();
        assert!(!r.record_trigger(JsValue::from_str("after")).unwrap());
    }
}
