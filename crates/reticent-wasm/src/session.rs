//! One recording session: created when consent opens the gate, dropped when
//! it closes (or when a callback fails). It owns the Rust side of every
//! callback given to the page; the JS side is detached first, in `Drop`, so
//! nothing the page holds can call into freed memory and nothing lingers.

use std::any::Any;
use std::cell::RefCell;
use std::rc::Rc;

use js_sys::Array;
use reticent_core::batch::{Batch, BatchHeader};
use reticent_core::privacy::PrivacyEngine;
use reticent_core::{CoreError, ErrorCode};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;
use web_sys::{AddEventListenerOptions, Event, EventTarget, MutationObserver};

use crate::guard;
use crate::interactions::{On, LISTENERS};
use crate::live::{with_live, Live};
use crate::mutations;
use crate::page::{describe, internal, Page};
use crate::patch::{self, PATCHES, SETTERS};

/// How much of the first snapshot one slice may walk (tests tune it).
#[derive(Clone, Copy, Debug)]
pub(crate) struct SliceBudget {
    /// Nodes per slice.
    pub(crate) nodes: u32,
    /// Milliseconds per slice.
    pub(crate) ms: f64,
}

/// What exists only while recording is allowed.
pub(crate) struct Session {
    session_id: String,
    page_view_id: String,
    /// Sequence number of the next batch.
    sequence: u32,
    pub(crate) live: Rc<RefCell<Live>>,
    /// The Rust halves of the callbacks given to the page.
    closures: Vec<Box<dyn Any>>,
    /// The last batch [`Session::take_raw_batch`] wrote, kept with its
    /// capacity: batches of the bench's activity are about 0.5 MiB of
    /// MessagePack, and a fresh buffer per batch had, now and then, no free
    /// block of its size left and grew the module's memory by 1 MiB.
    raw: Vec<u8>,
}

/// A kept batch buffer larger than this is let go before the next batch: a
/// huge page's snapshot should not hold its size for the whole session.
const MAX_KEPT_RAW: usize = 2 << 20;

impl Session {
    /// Opens a page view: Meta first, then the full snapshot (same
    /// timestamp), then the observer and listeners. If any step fails,
    /// everything attached so far is detached again.
    pub(crate) fn start(
        engine: &PrivacyEngine,
        session_id: String,
        page_view_id: String,
        slice: SliceBudget,
    ) -> Result<Session, CoreError> {
        let mut session = Session {
            session_id,
            page_view_id,
            sequence: 0,
            live: Live::new(engine.clone()),
            closures: Vec::new(),
            raw: Vec::new(),
        };
        {
            let mut live = session.live.borrow_mut();
            live.slice_nodes = slice.nodes.max(1);
            live.slice_ms = slice.ms;
        }
        session.observe()?;
        session.timer();
        let snapshot = session.live.borrow_mut().start_sliced_snapshot();
        snapshot?;
        session.listen()?;
        session.patch()?;
        Ok(session)
    }

    /// Creates the mutation observer (the snapshot then observes the document
    /// and the open shadow roots it meets).
    fn observe(&mut self) -> Result<(), CoreError> {
        let weak = Rc::downgrade(&self.live);
        let callback: Closure<dyn FnMut(Array, MutationObserver)> =
            Closure::new(move |records: Array, _: MutationObserver| {
                with_live(&weak, |live| mutations::process(live, &records));
            });
        let guarded = guard::guard(callback.as_ref().unchecked_ref());
        let observer = MutationObserver::new(&guarded).map_err(|e| {
            internal(&format!(
                "creating a MutationObserver failed: {}",
                describe(&e)
            ))
        })?;
        self.closures.push(Box::new(callback));
        self.live.borrow_mut().handles.observer = Some(observer);
        Ok(())
    }

    /// Creates the callback of the sliced snapshot's timer.
    fn timer(&mut self) {
        let weak = Rc::downgrade(&self.live);
        let callback: Closure<dyn FnMut()> = Closure::new(move || {
            with_live(&weak, Live::step);
        });
        let f = guard::guard(callback.as_ref().unchecked_ref());
        self.closures.push(Box::new(callback));
        self.live.borrow_mut().handles.step_fn = Some(f);
    }

    /// Registers every interaction listener (passive, capture phase).
    fn listen(&mut self) -> Result<(), CoreError> {
        let page = Page::current()?;
        let options = AddEventListenerOptions::new();
        options.set_capture(true);
        options.set_passive(true);
        for &(on, kind, handler) in LISTENERS {
            let target: EventTarget = match on {
                On::Document => page.document.clone().into(),
                On::Window => page.window.clone().into(),
            };
            let weak = Rc::downgrade(&self.live);
            let callback: Closure<dyn FnMut(Event)> = Closure::new(move |e: Event| {
                // Nothing may be buffered before the first snapshot.
                with_live(&weak, |live| {
                    // Navigations are checked against excluded pages even
                    // while slicing (`navigated` skips the Meta then).
                    if live.is_slicing() && !matches!(kind, "popstate" | "hashchange") {
                        return Ok(());
                    }
                    handler(live, &e)
                });
            });
            let f = guard::guard(callback.as_ref().unchecked_ref());
            self.closures.push(Box::new(callback));
            target
                .add_event_listener_with_callback_and_add_event_listener_options(kind, &f, &options)
                .map_err(|e| {
                    internal(&format!(
                        "adding the {kind} listener failed: {}",
                        describe(&e)
                    ))
                })?;
            let mut live = self.live.borrow_mut();
            // Interactions inside same-origin frames too (a frame's
            // visibility is the page's: not listened to twice).
            if on == On::Document && kind != "visibilitychange" {
                live.handles.frame_listeners.push((kind, f.clone()));
            }
            live.handles.listeners.push((target, kind, f));
        }
        // Frames attached by the first slice of the snapshot, before now.
        let mut live = self.live.borrow_mut();
        let docs: Vec<_> = live.iframes.iter().map(|(_, d)| d.clone()).collect();
        for doc in &docs {
            live.listen_in(doc)?;
        }
        Ok(())
    }

    /// Wraps the page methods the recorder must see called.
    fn patch(&mut self) -> Result<(), CoreError> {
        for &(owner, key, hook) in PATCHES {
            let weak = Rc::downgrade(&self.live);
            if let Some((handle, trap)) = patch::install(owner, key, hook, weak)? {
                self.closures.push(Box::new(trap));
                self.live.borrow_mut().handles.patches.push(handle);
            }
        }
        for &(owner, key, hook) in SETTERS {
            let weak = Rc::downgrade(&self.live);
            if let Some((handle, trap)) = patch::install_setter(owner, key, hook, weak)? {
                self.closures.push(Box::new(trap));
                self.live.borrow_mut().handles.patches.push(handle);
            }
        }
        Ok(())
    }

    /// The shared state, for a direct call from JS. Busy only if a page
    /// callback was cut short by a JS exception: an error, not a panic.
    pub(crate) fn state(&self) -> Result<std::cell::RefMut<'_, Live>, CoreError> {
        self.live
            .try_borrow_mut()
            .map_err(|_| CoreError::new(ErrorCode::Internal, "recorder state is busy"))
    }

    /// Whether a callback failed and stopped the session, or a navigation
    /// led to an excluded page.
    pub(crate) fn stopped(&self) -> bool {
        self.live.try_borrow().is_ok_and(|l| l.stopped)
    }

    /// Whether the session stopped because a navigation led to an excluded page.
    pub(crate) fn excluded(&self) -> bool {
        self.live
            .try_borrow()
            .is_ok_and(|l| l.stopped && l.excluded)
    }

    /// Encodes (MessagePack, not compressed) and empties the buffer;
    /// `dropped` adds to the session's own count of events dropped by the
    /// flood guard. `false` when nothing was buffered; else the batch is in
    /// [`Session::raw_batch`] until the next call.
    /// `reticent_core::batch::gzip` makes the wire bytes.
    pub(crate) fn take_raw_batch(
        &mut self,
        engine: &PrivacyEngine,
        dropped: u32,
    ) -> Result<bool, CoreError> {
        if self.raw.capacity() > MAX_KEPT_RAW {
            self.raw = Vec::new();
        }
        self.raw.clear();
        let mut live = self.state()?;
        // Nothing of an excluded page leaves, whatever way it was reached.
        live.check_address()?;
        live.flush_pending()?;
        if live.buffer.is_empty() {
            return Ok(false);
        }
        let events = std::mem::take(&mut live.buffer);
        // The flood caps bound what waits in memory: what was taken no longer counts.
        live.incremental_events = 0;
        live.incremental_bytes = 0;
        let dropped = dropped.saturating_add(std::mem::take(&mut live.dropped));
        drop(live);
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
        Batch::new(header, events).into_msgpack_in(&mut self.raw);
        Ok(true)
    }

    /// The batch the last [`Session::take_raw_batch`] wrote (empty if it
    /// wrote none).
    pub(crate) fn raw_batch(&self) -> &[u8] {
        &self.raw
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        match self.live.try_borrow_mut() {
            Ok(mut live) => live.stop(),
            Err(_) => {
                // Cannot happen (the page's callbacks never run while the
                // recorder holds the state); if it did, leaking the closures
                // is safer than freeing functions the page may still call:
                // they find the session gone and do nothing.
                for c in self.closures.drain(..) {
                    std::mem::forget(c);
                }
            }
        }
    }
}
