//! The state a recording session shares between the exported `Recorder` and
//! the page's callbacks (mutation observer, listeners, wrapped methods).
//!
//! Callbacks hold a `Weak<RefCell<Live>>`: once the session is dropped they do
//! nothing. Every callback goes through [`with_live`], which never panics and
//! turns an error into [`Live::fail`]: everything is detached from the page at
//! once, buffers are dropped and the error is kept for `takeError`. The
//! closures themselves are freed when the `Recorder` next looks at the
//! session (a closure cannot be freed while it runs).

use std::cell::RefCell;
use std::rc::{Rc, Weak};

use js_sys::{Array, Function, Object, Reflect, WeakMap};
use reticent_core::event::{Event, EventData, FullSnapshotData, MetaData, Offset};
use reticent_core::incremental::{
    AddedNode, AdoptedStyle, AdoptedStyleSheetData, IncrementalData, InputData, MouseMoveData,
    MutationData, Position, StyleRuleAdd,
};
use reticent_core::incremental::{ScrollData, TouchMoveData, ViewportResizeData};
use reticent_core::node::SerializedNode;
use reticent_core::privacy::{PrivacyEngine, RuleDecision};
use reticent_core::CoreError;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{
    Document, Element, EventTarget, HtmlIFrameElement, HtmlInputElement, HtmlSelectElement,
    HtmlTextAreaElement, MutationObserver, MutationObserverInit, MutationRecord, Node, ShadowRoot,
};

use crate::clock::Clock;
use crate::dom::{record_kind, RecordKind};
use crate::mirror::Mirror;
use crate::mutations;
use crate::page::{describe, internal, Page};
use crate::rules::Rules;
use crate::snapshot::{self, SlicedWalk};

/// More added nodes than this in one mutation callback: take a fresh full
/// snapshot instead of serialising the flood.
pub(crate) const MAX_ADDED_NODES: u32 = 5_000;
/// Incremental events buffered since the last snapshot before the buffer is
/// replaced by a fresh snapshot.
pub(crate) const MAX_INCREMENTAL_EVENTS: usize = 20_000;
/// Estimated bytes of incremental events buffered since the last snapshot
/// before the buffer is replaced by a fresh snapshot.
pub(crate) const MAX_INCREMENTAL_BYTES: usize = 8 * 1024 * 1024;

/// Levels of elements inside an editable element looked at for rules that
/// mask its value (see `Live::all_unmasked`).
const MAX_EDITABLE_DEPTH: usize = 64;

/// Time budget of one slice of the first snapshot. 20 ms, not more: a slice
/// that loses its core on a loaded machine stretches, and the last one also
/// assembles the snapshot, yet no task may pass 50 ms (a long task).
pub(crate) const SLICE_MS: f64 = 20.0;
/// Structural changes tolerated while slicing before a synchronous snapshot.
pub(crate) const MAX_RESTARTS: u32 = 3;
/// Text and attribute records kept while slicing before a restart.
const MAX_DEFERRED_RECORDS: u32 = 10_000;

/// Mouse and touch positions: one per this many ms.
const SAMPLE_MS: u64 = 50;
/// Positions are flushed as one event after this many ms.
const MOVE_FLUSH_MS: u64 = 500;
/// Scrolls are recorded at most once per target per this many ms.
const SCROLL_MS: u64 = 100;
/// Viewport sizes are recorded at most once per this many ms.
const RESIZE_MS: u64 = 200;

/// The shared session state.
pub(crate) struct Live {
    pub(crate) engine: PrivacyEngine,
    /// The site's masking rules, matched against elements.
    pub(crate) rules: Rules,
    /// Set when a navigation led to an excluded page: the session stopped
    /// like a withdrawal, without an error.
    pub(crate) excluded: bool,
    /// The page's address (raw; only compared, never recorded) as of the
    /// last Meta event or navigation seen: see [`Live::check_address`].
    address: String,
    pub(crate) buffer: Vec<Event>,
    pub(crate) mirror: Mirror,
    pub(crate) clock: Clock,
    /// JS-side handles, enough to detach everything from the page.
    pub(crate) handles: Handles,
    /// Set once a callback failed; the recorder then stops.
    pub(crate) error: Option<CoreError>,
    pub(crate) stopped: bool,
    /// Events dropped by the flood guard since the last batch.
    pub(crate) dropped: u32,
    /// Incremental events and their estimated size since the last snapshot
    /// or batch (the flood guard's counters).
    pub(crate) incremental_events: usize,
    pub(crate) incremental_bytes: usize,
    pub(crate) pending: Pending,
    /// Same-origin iframes whose documents are attached, with that document.
    pub(crate) iframes: Vec<(HtmlIFrameElement, Document)>,
    /// Incremented by every full snapshot (ids are renumbered then).
    pub(crate) generation: u64,
    /// The first snapshot, or a checkpoint, while it is taken in slices.
    pub(crate) slicing: Option<Slicing>,
    /// Ids of the constructed style sheets sent since the last snapshot
    /// (`CSSStyleSheet` → id), and the next id.
    pub(crate) style_ids: WeakMap,
    pub(crate) next_style_id: u32,
    /// At most this many nodes per slice (tests set it; the time budget
    /// applies in any case).
    pub(crate) slice_nodes: u32,
    /// Milliseconds per slice ([`SLICE_MS`]; tests that need a deterministic
    /// snapshot set it to infinity).
    pub(crate) slice_ms: f64,
}

/// A sliced snapshot in progress.
pub(crate) struct Slicing {
    walk: SlicedWalk,
    /// Walks restarted because the structure changed between slices.
    restarts: u32,
    /// Text and attribute records seen meanwhile, applied once the
    /// snapshot is buffered.
    deferred: Vec<Array>,
    deferred_records: u32,
}

/// Interaction data waiting to be written as events.
#[derive(Default)]
pub(crate) struct Pending {
    mouse: Positions,
    touch: Positions,
    /// Latest scroll per target not yet recorded (with the time it
    /// happened), and when each target was last recorded. Short lists, not
    /// maps: a page scrolls few targets within 100 ms, and these two maps'
    /// code (removal and rebalancing, used nowhere else) was 6.6 KiB of the
    /// gzip'd module.
    scrolls: Vec<(u32, (i32, i32, u64))>,
    scroll_times: Vec<(u32, u64)>,
    /// Latest viewport size not yet recorded, with the time it happened.
    resize: Option<(u32, u32, u64)>,
    resize_time: u64,
    /// At most one pending Input per element: (id, element, userTriggered).
    inputs: Vec<(u32, Element, bool)>,
}

#[derive(Default)]
struct Positions {
    list: Vec<(i32, i32, u32, u64)>,
    window_start: u64,
}

impl Pending {
    /// How many events flushing would write.
    pub(crate) fn count(&self) -> usize {
        usize::from(!self.mouse.list.is_empty())
            + usize::from(!self.touch.list.is_empty())
            + self.scrolls.len()
            + usize::from(self.resize.is_some())
            + self.inputs.len()
    }
}

/// Everything the session attached to the page, as JS references, so that it
/// can be detached from inside a callback without freeing the running closure.
#[derive(Default)]
pub(crate) struct Handles {
    pub(crate) observer: Option<MutationObserver>,
    pub(crate) listeners: Vec<(EventTarget, &'static str, Function)>,
    /// The document-level listeners, also added to every attached
    /// same-origin iframe document (interactions inside frames).
    pub(crate) frame_listeners: Vec<(&'static str, Function)>,
    pub(crate) patches: Vec<PatchHandle>,
    /// The snapshot slicer's timer callback, and its pending timeout.
    pub(crate) step_fn: Option<Function>,
    pub(crate) timer: Option<i32>,
}

/// A method (or a property's setter) replaced by a `Proxy` whose `apply`
/// trap records the call.
pub(crate) struct PatchHandle {
    pub(crate) object: Object,
    pub(crate) key: &'static str,
    pub(crate) original: JsValue,
    pub(crate) proxy: JsValue,
    pub(crate) handler: Object,
    pub(crate) had_own: bool,
    /// For a setter: the property's original descriptor (`original` is its
    /// `set`), put back on stop.
    pub(crate) descriptor: Option<Object>,
}

impl Handles {
    /// Detaches everything; idempotent and never throws.
    pub(crate) fn detach(&mut self) {
        if let Some(observer) = self.observer.take() {
            observer.disconnect();
        }
        self.clear_timer();
        self.step_fn = None;
        for (target, kind, f) in self.listeners.drain(..) {
            let _ = target.remove_event_listener_with_callback_and_bool(kind, &f, true);
        }
        self.frame_listeners.clear();
        for p in self.patches.drain(..) {
            // Without its trap the proxy forwards every call to the original,
            // so a reference the page kept stays harmless.
            let _ = Reflect::delete_property(&p.handler, &JsValue::from_str("apply"));
            let key = JsValue::from_str(p.key);
            if let Some(descriptor) = &p.descriptor {
                let current = Object::get_own_property_descriptor(&p.object, &key);
                let still_ours =
                    Reflect::get(&current, &JsValue::from_str("set")).is_ok_and(|v| v == p.proxy);
                if still_ours {
                    let _ = Reflect::define_property(&p.object, &key, descriptor);
                }
                continue;
            }
            let still_ours = Reflect::get(&p.object, &key).is_ok_and(|v| v == p.proxy);
            if still_ours {
                if p.had_own {
                    let _ = Reflect::set(&p.object, &key, &p.original);
                } else {
                    let _ = Reflect::delete_property(&p.object, &key);
                }
            }
        }
    }
}

impl Handles {
    /// Cancels the slicer's pending timeout, if any.
    pub(crate) fn clear_timer(&mut self) {
        if let (Some(id), Some(window)) = (self.timer.take(), web_sys::window()) {
            window.clear_timeout_with_handle(id);
        }
    }
}

/// Runs `f` on the session behind `weak`, if it is still recording. Never
/// panics: a busy or dropped session skips the call, an error stops it.
pub(crate) fn with_live(
    weak: &Weak<RefCell<Live>>,
    f: impl FnOnce(&mut Live) -> Result<(), CoreError>,
) {
    let Some(rc) = weak.upgrade() else { return };
    let Ok(mut live) = rc.try_borrow_mut() else {
        return;
    };
    if live.stopped {
        return;
    }
    if let Err(e) = f(&mut live) {
        live.fail(e);
    }
}

impl Live {
    pub(crate) fn new(engine: PrivacyEngine) -> Rc<RefCell<Live>> {
        let rules = Rules::new(engine.config());
        Rc::new(RefCell::new(Live {
            engine,
            rules,
            excluded: false,
            address: String::new(),
            buffer: Vec::new(),
            mirror: Mirror::new(),
            clock: Clock::default(),
            handles: Handles::default(),
            error: None,
            stopped: false,
            dropped: 0,
            incremental_events: 0,
            incremental_bytes: 0,
            pending: Pending::default(),
            iframes: Vec::new(),
            generation: 0,
            slicing: None,
            style_ids: WeakMap::new(),
            next_style_id: 1,
            slice_nodes: u32::MAX,
            slice_ms: SLICE_MS,
        }))
    }

    /// Stops after an internal error: detaches from the page, drops all data.
    pub(crate) fn fail(&mut self, e: CoreError) {
        if self.error.is_none() {
            self.error = Some(e);
        }
        self.stop();
    }

    /// Detaches from the page and drops all data; idempotent.
    pub(crate) fn stop(&mut self) {
        self.stopped = true;
        self.handles.detach();
        self.buffer = Vec::new();
        self.pending = Pending::default();
        self.iframes = Vec::new();
        self.slicing = None;
        self.mirror.reset();
    }

    /// Buffers an incremental event; past the buffer caps, the incremental
    /// events are dropped (and counted) and a fresh snapshot replaces them.
    pub(crate) fn push_incremental(
        &mut self,
        data: IncrementalData,
        estimated_bytes: usize,
    ) -> Result<(), CoreError> {
        let at = self.clock.now();
        self.buffer
            .push(Event::new(at, EventData::Incremental(data)));
        self.count(estimated_bytes)
    }

    /// Buffers an incremental event that happened at `at` (not later than
    /// now): a throttled scroll or resize written after the fact keeps the
    /// time it happened. It is placed after every buffered event of the
    /// same or an earlier time, so the buffer stays in time order. (What is
    /// buffered was all recorded after the last batch was taken, and `at`
    /// too, so batches stay in order as well.)
    fn insert_incremental(
        &mut self,
        at: u64,
        data: IncrementalData,
        estimated_bytes: usize,
    ) -> Result<(), CoreError> {
        let pos = self.buffer.partition_point(|e| e.timestamp <= at);
        self.buffer
            .insert(pos, Event::new(at, EventData::Incremental(data)));
        self.count(estimated_bytes)
    }

    /// Buffers a Meta or Custom event now, counted like incremental events.
    pub(crate) fn push(&mut self, data: EventData) -> Result<(), CoreError> {
        let at = self.clock.now();
        self.buffer.push(Event::new(at, data));
        self.count(64)
    }

    /// Counts one more event since the snapshot; past the caps, checkout.
    fn count(&mut self, estimated_bytes: usize) -> Result<(), CoreError> {
        self.incremental_events += 1;
        self.incremental_bytes = self.incremental_bytes.saturating_add(estimated_bytes);
        if self.incremental_events > MAX_INCREMENTAL_EVENTS
            || self.incremental_bytes > MAX_INCREMENTAL_BYTES
        {
            self.recheckout(0)?;
        }
        Ok(())
    }

    /// Drops everything buffered (counted in `dropped`) and takes a fresh
    /// snapshot: rrweb's checkout, the answer to mutation floods.
    /// `extra` counts events lost that were never buffered (the flood itself).
    pub(crate) fn recheckout(&mut self, extra: usize) -> Result<(), CoreError> {
        let lost = self.buffer.len() + self.pending.count() + extra;
        self.dropped = self
            .dropped
            .saturating_add(u32::try_from(lost).unwrap_or(u32::MAX));
        self.buffer = Vec::new();
        self.pending = Pending::default();
        self.snapshot()
    }

    /// Buffers a Meta event and a full snapshot of the page, same timestamp.
    /// Pending interactions are written first (their ids are about to be
    /// renumbered) and mutation records not yet delivered are discarded: the
    /// snapshot already shows their effect.
    pub(crate) fn snapshot(&mut self) -> Result<(), CoreError> {
        // A synchronous snapshot supersedes a sliced one in progress.
        self.slicing = None;
        self.handles.clear_timer();
        self.flush_pending()?;
        self.renumber();
        let page = Page::current()?;
        let at = self.clock.now();
        let serialized =
            snapshot::document(&page.document, &self.engine, &self.rules, &mut self.mirror)?;
        self.push_snapshot(&page, at, serialized.node)?;
        self.observe(&page.document)?;
        for root in &serialized.shadow_roots {
            self.observe(root)?;
        }
        self.adopted_in(&page.document, &serialized.shadow_roots, false)?;
        // Part of the snapshot: not counted against the incremental caps.
        self.attach_iframes(serialized.iframes, false)
    }

    /// Buffers the Meta event (the page's address and viewport) and the
    /// full snapshot `node`, both at `at`, and restarts the incremental caps:
    /// a recording can start from here.
    fn push_snapshot(
        &mut self,
        page: &Page,
        at: u64,
        node: SerializedNode,
    ) -> Result<(), CoreError> {
        let (width, height) = page.viewport();
        self.address = page.href()?;
        let meta = MetaData {
            href: self.engine.url(&self.address),
            width,
            height,
        };
        let (left, top) = page.scroll();
        self.buffer.push(Event::new(at, EventData::Meta(meta)));
        self.buffer.push(Event::new(
            at,
            EventData::FullSnapshot(FullSnapshotData {
                node,
                initial_offset: Offset { top, left },
            }),
        ));
        self.incremental_events = 0;
        self.incremental_bytes = 0;
        Ok(())
    }

    /// Whether the first snapshot is still being taken (interactions are
    /// not recorded meanwhile: their events would precede the snapshot).
    pub(crate) fn is_slicing(&self) -> bool {
        self.slicing.is_some()
    }

    /// Starts the first snapshot in slices of about [`SLICE_MS`]: the first
    /// slice runs now (a small page is complete after it, exactly as with
    /// [`Live::snapshot`]), the next ones from a zero-delay timer. Nothing
    /// is buffered until the snapshot is complete; then the Meta event and
    /// the snapshot come first, and the text and attribute changes seen
    /// meanwhile follow as one Mutation event each. A structural change
    /// (`childList`) between slices restarts the walk, since its cursor may
    /// no longer be in the page; after [`MAX_RESTARTS`] the snapshot is
    /// taken synchronously.
    pub(crate) fn start_sliced_snapshot(&mut self) -> Result<(), CoreError> {
        self.snapshot_prelude()?;
        let walk = self.new_walk()?;
        self.slicing = Some(Slicing {
            walk,
            restarts: 0,
            deferred: Vec::new(),
            deferred_records: 0,
        });
        self.step()
    }

    /// A fresh Meta event and full snapshot mid-session (`checkpoint`):
    /// pending interactions are written first (their ids are about to be
    /// renumbered), then the page is walked in slices like the first
    /// snapshot, so a large page is not frozen in one long task every time
    /// the on-trigger window starts a segment. A small page is complete
    /// after the first slice, as with a synchronous walk.
    pub(crate) fn sliced_checkpoint(&mut self) -> Result<(), CoreError> {
        self.flush_pending()?;
        self.start_sliced_snapshot()
    }

    /// Resets ids and starts observing, before a snapshot walk.
    fn snapshot_prelude(&mut self) -> Result<(), CoreError> {
        self.handles.clear_timer();
        self.renumber();
        self.observe(&Page::current()?.document)
    }

    /// Before any full snapshot: mutation records not yet delivered are
    /// discarded (the snapshot shows their effect), node and style sheet ids
    /// start afresh, attached frames are forgotten (the walk attaches them
    /// again), and the generation moves on.
    fn renumber(&mut self) {
        if let Some(observer) = &self.handles.observer {
            let _ = observer.take_records();
        }
        self.mirror.reset();
        self.forget_frames();
        self.generation += 1;
        self.style_ids = WeakMap::new();
    }

    fn new_walk(&mut self) -> Result<SlicedWalk, CoreError> {
        SlicedWalk::new(&Page::current()?.document, &mut self.mirror)
    }

    /// Runs one slice of the sliced snapshot (from the timer or the start).
    pub(crate) fn step(&mut self) -> Result<(), CoreError> {
        self.handles.timer = None;
        // What changed since the last slice.
        if let Some(observer) = &self.handles.observer {
            let records = observer.take_records();
            if records.length() > 0 {
                self.defer(records)?;
            }
        }
        let Live {
            slicing,
            engine,
            rules,
            mirror,
            slice_nodes,
            slice_ms,
            ..
        } = self;
        let Some(sl) = slicing.as_mut() else {
            return Ok(());
        };
        let started = js_sys::Date::now();
        let mut left = *slice_nodes;
        let mut roots = Vec::new();
        let done = loop {
            let chunk = left.min(256);
            let done = sl.walk.step(engine, rules, mirror, chunk, &mut roots)?;
            left -= chunk;
            if done || left == 0 || js_sys::Date::now() - started >= *slice_ms {
                break done;
            }
        };
        for root in &roots {
            self.observe(root)?;
        }
        if !done {
            return self.schedule();
        }
        let Some(sl) = self.slicing.take() else {
            return Ok(());
        };
        let Some(serialized) = sl.walk.finish() else {
            return Err(internal("sliced snapshot ended without a document"));
        };
        let page = Page::current()?;
        let at = self.clock.now();
        self.push_snapshot(&page, at, serialized.node)?;
        self.adopted_in(&page.document, &serialized.shadow_roots, false)?;
        let generation = self.generation;
        self.attach_iframes(serialized.iframes, false)?;
        for records in sl.deferred {
            if self.generation != generation || self.stopped {
                break;
            }
            mutations::process(self, &records)?;
        }
        Ok(())
    }

    /// Keeps records that arrive while the snapshot is sliced; a structural
    /// change, an attribute change that may change the rules of an element
    /// the walk is inside, or too many records restart the walk.
    pub(crate) fn defer(&mut self, records: Array) -> Result<(), CoreError> {
        let Some(sl) = self.slicing.as_ref() else {
            return Ok(());
        };
        // An element the walk is inside got its rules fixed when it was
        // entered: an attribute that may change them (any, with site
        // selectors; else `data-reticent-*`) restarts the walk too, or the
        // rest of its children would follow a rule that no longer holds.
        let selectors = self.rules.has_selectors();
        let structural = records.iter().any(|r| {
            let Some(r) = r.dyn_ref::<MutationRecord>() else {
                return false;
            };
            match record_kind(r) {
                RecordKind::ChildList => true,
                RecordKind::Attributes => {
                    (selectors
                        || r.attribute_name()
                            .is_some_and(|n| n.starts_with("data-reticent-")))
                        && r.target().is_some_and(|t| sl.walk.is_open(&t))
                }
                _ => false,
            }
        });
        let Some(sl) = self.slicing.as_mut() else {
            return Ok(());
        };
        sl.deferred_records = sl.deferred_records.saturating_add(records.length());
        if !structural && sl.deferred_records <= MAX_DEFERRED_RECORDS {
            sl.deferred.push(records);
            return Ok(());
        }
        let restarts = sl.restarts + 1;
        if restarts > MAX_RESTARTS {
            return self.snapshot();
        }
        let timer = self.handles.timer;
        self.snapshot_prelude()?;
        let walk = self.new_walk()?;
        self.slicing = Some(Slicing {
            walk,
            restarts,
            deferred: Vec::new(),
            deferred_records: 0,
        });
        // Keep stepping: from the pending timer, or a new one.
        if timer.is_some() {
            self.schedule()?;
        }
        Ok(())
    }

    /// Runs the next slice from a zero-delay timer.
    fn schedule(&mut self) -> Result<(), CoreError> {
        if self.handles.timer.is_some() {
            return Ok(());
        }
        let (Some(f), Some(window)) = (&self.handles.step_fn, web_sys::window()) else {
            return Err(internal("no timer for the sliced snapshot"));
        };
        let id = window
            .set_timeout_with_callback_and_timeout_and_arguments_0(f, 0)
            .map_err(|e| internal(&format!("setTimeout failed: {}", describe(&e))))?;
        self.handles.timer = Some(id);
        Ok(())
    }

    /// Attaches the documents of the same-origin `iframes` (and of iframes
    /// inside them), each as an `isAttachIframe` mutation, and observes them.
    /// Cross-origin iframes stay empty elements. A document attached earlier
    /// to the same iframe (it navigated) is forgotten first. `counted`:
    /// whether the events count against the incremental caps.
    pub(crate) fn attach_iframes(
        &mut self,
        mut work: Vec<HtmlIFrameElement>,
        counted: bool,
    ) -> Result<(), CoreError> {
        let generation = self.generation;
        while let Some(iframe) = work.pop() {
            if self.generation != generation {
                // A flood guard re-snapshot attached everything afresh.
                return Ok(());
            }
            let Some(entry) = self.mirror.entry(&iframe) else {
                continue;
            };
            if entry.meta.leaf {
                continue;
            }
            // `null` for cross-origin (and sandboxed) documents.
            let Some(doc) = iframe.content_document() else {
                continue;
            };
            if let Some(pos) = self.iframes.iter().position(|(f, _)| *f == iframe) {
                if self.iframes[pos].1 == doc {
                    // Attached and observed since (the snapshot met the frame
                    // while its document loaded, then `load` fired): every
                    // change since is a mutation already. Attaching it again
                    // would only renumber it; its own frames may have loaded
                    // new documents meanwhile (their `load` does not reach
                    // this document), so they are looked at.
                    work.extend(frames_in(&doc));
                    continue;
                }
                let (_, old) = self.iframes.remove(pos);
                self.mirror.forget_subtree(&old);
                self.unlisten(&old);
            }
            let first = self.mirror.next_id();
            let s = snapshot::iframe_document(&doc, &self.engine, &self.rules, &mut self.mirror)?;
            let nodes = usize::try_from(self.mirror.next_id().saturating_sub(first)).unwrap_or(0);
            self.observe(&doc)?;
            for root in &s.shadow_roots {
                self.observe(root)?;
            }
            self.listen_in(&doc)?;
            self.iframes.push((iframe, doc));
            work.extend(s.iframes);
            let data = IncrementalData::Mutation(MutationData::with(|d| {
                d.adds = vec![AddedNode {
                    parent_id: entry.id,
                    next_id: None,
                    node: s.node,
                }];
                d.is_attach_iframe = true;
            }));
            if counted {
                self.push_incremental(data, 64 + 96 * nodes)?;
                if self.generation != generation {
                    return Ok(());
                }
            } else {
                let at = self.clock.now();
                self.buffer
                    .push(Event::new(at, EventData::Incremental(data)));
            }
            let doc = self.iframes.last().map(|(_, d)| d.clone());
            if let Some(doc) = doc {
                self.adopted_in(&doc, &s.shadow_roots, counted)?;
            }
        }
        Ok(())
    }

    /// Records the style sheets adopted by `doc` and by the open shadow
    /// `roots` just recorded, for those that adopt any (after a snapshot or
    /// an attach). `counted`: as in [`Live::adopted`].
    pub(crate) fn adopted_in(
        &mut self,
        doc: &Document,
        roots: &[ShadowRoot],
        counted: bool,
    ) -> Result<(), CoreError> {
        let generation = self.generation;
        self.adopted(doc, false, counted)?;
        for root in roots {
            if self.generation != generation {
                break;
            }
            self.adopted(root, false, counted)?;
        }
        Ok(())
    }

    /// Records the style sheets `target` (a document or a shadow root)
    /// adopts: an AdoptedStyleSheet event naming them in order, with the
    /// rules (sanitised as CSS) of each sheet not sent since the last
    /// snapshot. `always`: also when it adopts none (the page set the list).
    /// `counted`: whether the event counts against the incremental caps (not
    /// when it is part of a snapshot: a huge sheet must not make the
    /// snapshot that replaces a flood trigger another one).
    /// Nothing when the document or the shadow host is not recorded.
    pub(crate) fn adopted(
        &mut self,
        target: &Node,
        always: bool,
        counted: bool,
    ) -> Result<(), CoreError> {
        let id = match crate::rules::as_shadow_root(target) {
            // Not for a host whose content is not recorded (blocked): fail closed.
            Some(root) => self
                .mirror
                .entry(&root.host())
                .filter(|e| !e.meta.leaf)
                .map(|e| e.id),
            None if target.node_type() == Node::DOCUMENT_NODE => self.mirror.id_of(target),
            None => None,
        };
        let Some(id) = id else {
            return Ok(());
        };
        let list = Reflect::get(target, &JsValue::from_str("adoptedStyleSheets"))
            .ok()
            .filter(JsValue::is_object)
            .map(|v| Array::from(&v))
            .unwrap_or_default();
        if list.length() == 0 && !always {
            return Ok(());
        }
        let mut style_ids = Vec::with_capacity(list.length() as usize);
        let mut styles = Vec::new();
        let mut bytes = 48;
        for sheet in list.iter().filter(JsValue::is_object) {
            let key = sheet.unchecked_ref::<Object>();
            if let Some(known) = self.style_ids.get(key).as_f64() {
                // Only ids written below are stored.
                style_ids.push(known as u32);
                continue;
            }
            let style_id = self.next_style_id;
            self.next_style_id = style_id.saturating_add(1);
            self.style_ids.set(key, &JsValue::from(style_id));
            style_ids.push(style_id);
            let rules = sheet_rules(&sheet)
                .into_iter()
                .zip(0u32..)
                .map(|(css, index)| StyleRuleAdd {
                    rule: self
                        .engine
                        .text(&css, reticent_core::privacy::TextContext::Style),
                    index: Some(index),
                })
                .collect::<Vec<_>>();
            bytes += 16
                + rules
                    .iter()
                    .map(|r| 8 + r.rule.as_str().len())
                    .sum::<usize>();
            styles.push(AdoptedStyle { style_id, rules });
        }
        let data = IncrementalData::AdoptedStyleSheet(AdoptedStyleSheetData::with(|d| {
            d.id = id;
            d.style_ids = style_ids;
            d.styles = styles;
        }));
        if counted {
            return self.push_incremental(data, bytes);
        }
        let at = self.clock.now();
        self.buffer
            .push(Event::new(at, EventData::Incremental(data)));
        Ok(())
    }

    /// The id of an adopted constructed sheet sent since the last snapshot.
    pub(crate) fn style_id(&self, sheet: &JsValue) -> Option<u32> {
        if !sheet.is_object() {
            return None;
        }
        let v = self
            .style_ids
            .get(sheet.unchecked_ref::<Object>())
            .as_f64()?;
        Some(v as u32)
    }

    /// Adds the document-level listeners to an attached iframe document
    /// (passive, capture phase, like on the page's own document). Before the
    /// listeners exist (the first snapshot's attaches), the session adds
    /// them to every attached document once it has them.
    pub(crate) fn listen_in(&mut self, doc: &Document) -> Result<(), CoreError> {
        let options = web_sys::AddEventListenerOptions::new();
        options.set_capture(true);
        options.set_passive(true);
        let target: &EventTarget = doc.unchecked_ref();
        for (kind, f) in &self.handles.frame_listeners {
            target
                .add_event_listener_with_callback_and_add_event_listener_options(kind, f, &options)
                .map_err(|e| {
                    internal(&format!(
                        "adding the {kind} listener failed: {}",
                        describe(&e)
                    ))
                })?;
            self.handles
                .listeners
                .push((target.clone(), kind, f.clone()));
        }
        Ok(())
    }

    /// Forgets every attached iframe document (before a fresh snapshot).
    fn forget_frames(&mut self) {
        for (_, doc) in std::mem::take(&mut self.iframes) {
            self.unlisten(&doc);
        }
    }

    /// Removes the listeners added to a forgotten iframe document.
    fn unlisten(&mut self, doc: &Document) {
        let target: &JsValue = doc.as_ref();
        self.handles.listeners.retain(|(t, kind, f)| {
            let ours = JsValue::from(t.clone()) == *target;
            if ours {
                let _ = t.remove_event_listener_with_callback_and_bool(kind, f, true);
            }
            !ours
        });
    }

    /// Forgets the documents of iframes that left the page.
    pub(crate) fn prune_iframes(&mut self) {
        let mut kept = Vec::with_capacity(self.iframes.len());
        for (iframe, doc) in std::mem::take(&mut self.iframes) {
            if iframe.is_connected() && self.mirror.id_of(&iframe).is_some() {
                kept.push((iframe, doc));
            } else {
                self.mirror.forget_subtree(&doc);
                self.unlisten(&doc);
            }
        }
        self.iframes = kept;
    }

    /// The `rootId` of nodes owned by `node`'s document: the id of an
    /// attached iframe document, `None` in the page's own document.
    pub(crate) fn root_id_of(&self, node: &Node) -> Option<u32> {
        let doc = node.owner_document()?;
        self.iframes
            .iter()
            .any(|(_, d)| *d == doc)
            .then(|| self.mirror.id_of(&doc))
            .flatten()
    }

    /// Observes `root` (a document or an open shadow root) with the
    /// session's mutation observer, if it has one.
    pub(crate) fn observe(&self, root: &Node) -> Result<(), CoreError> {
        let Some(observer) = &self.handles.observer else {
            return Ok(());
        };
        let init = MutationObserverInit::new();
        init.set_child_list(true);
        init.set_attributes(true);
        init.set_character_data(true);
        init.set_subtree(true);
        // Old values of `type` tell a field that was a password (rules.rs).
        init.set_attribute_old_value(true);
        observer.observe_with_options(root, &init).map_err(|e| {
            internal(&format!(
                "MutationObserver.observe failed: {}",
                describe(&e)
            ))
        })
    }

    /// An SPA navigation: into an excluded page, the session stops (as on a
    /// withdrawal: everything detached, buffers dropped, nothing of the new
    /// address recorded); otherwise a Meta event, unless the first snapshot
    /// is still being taken.
    pub(crate) fn navigated(&mut self) -> Result<(), CoreError> {
        let page = Page::current()?;
        self.address = page.href()?;
        if self.engine.excludes_page(&self.address) {
            self.excluded = true;
            self.stop();
            return Ok(());
        }
        if self.is_slicing() {
            return Ok(());
        }
        self.meta()
    }

    /// Catches a navigation the recorder did not see: the Navigation API's
    /// intercepted ones fire no `popstate`, and a router that kept the
    /// original `pushState` bypasses the wrapped one. Called before every
    /// mutation callback's records and every batch taken: a changed address
    /// is a navigation (an excluded page stops the recording before anything
    /// more of it is buffered or sent).
    pub(crate) fn check_address(&mut self) -> Result<(), CoreError> {
        if self.stopped || Page::current()?.href()? == self.address {
            return Ok(());
        }
        self.navigated()
    }

    /// A Meta event for the current address and viewport (SPA navigations).
    pub(crate) fn meta(&mut self) -> Result<(), CoreError> {
        let page = Page::current()?;
        let (width, height) = page.viewport();
        self.address = page.href()?;
        let href = self.engine.url(&self.address);
        self.push(EventData::Meta(MetaData {
            href,
            width,
            height,
        }))
    }

    /// Records a mouse (or touch) position, sampled.
    pub(crate) fn position(
        &mut self,
        touch: bool,
        x: i32,
        y: i32,
        id: u32,
    ) -> Result<(), CoreError> {
        let now = self.clock.now();
        let p = if touch {
            &mut self.pending.touch
        } else {
            &mut self.pending.mouse
        };
        let first = p.list.first().map(|f| f.3);
        match p.list.last_mut() {
            Some(last) if now.saturating_sub(p.window_start) < SAMPLE_MS => {
                *last = (x, y, id, now);
            }
            _ => {
                p.list.push((x, y, id, now));
                p.window_start = now;
            }
        }
        if first.is_some_and(|t| now.saturating_sub(t) >= MOVE_FLUSH_MS) {
            self.flush_positions(touch)?;
        }
        Ok(())
    }

    fn flush_positions(&mut self, touch: bool) -> Result<(), CoreError> {
        let list = if touch {
            std::mem::take(&mut self.pending.touch.list)
        } else {
            std::mem::take(&mut self.pending.mouse.list)
        };
        if list.is_empty() {
            return Ok(());
        }
        let at = self.clock.now();
        let positions: Vec<Position> = list
            .iter()
            .map(|&(x, y, id, t)| Position {
                x,
                y,
                id,
                time_offset: -i32::try_from(at.saturating_sub(t)).unwrap_or(i32::MAX),
            })
            .collect();
        let bytes = 32 + 24 * positions.len();
        let data = if touch {
            IncrementalData::TouchMove(TouchMoveData::with(|d| d.positions = positions))
        } else {
            IncrementalData::MouseMove(MouseMoveData::with(|d| d.positions = positions))
        };
        self.push_incremental(data, bytes)
    }

    /// Records a scroll position, at most once per target per 100 ms; the
    /// latest position in between is written later (by the next scroll of
    /// the target that is not throttled, or the next flush) with the time it
    /// happened, so the end of a scroll gesture is replayed when it happened.
    pub(crate) fn scroll(&mut self, id: u32, x: i32, y: i32) -> Result<(), CoreError> {
        let now = self.clock.now();
        let last = self
            .pending
            .scroll_times
            .iter()
            .find(|(k, _)| *k == id)
            .map(|(_, t)| *t);
        let pending = self.pending.scrolls.iter().position(|(k, _)| *k == id);
        if last.is_some_and(|t| now.saturating_sub(t) < SCROLL_MS) {
            match pending {
                Some(i) => self.pending.scrolls[i].1 = (x, y, now),
                None => self.pending.scrolls.push((id, (x, y, now))),
            }
            return Ok(());
        }
        if let Some(i) = pending {
            let (_, (px, py, at)) = self.pending.scrolls.swap_remove(i);
            self.push_scroll(id, px, py, at)?;
        }
        self.push_scroll(id, x, y, now)
    }

    /// Buffers one Scroll event that happened at `at` and remembers when
    /// `id` last scrolled (the throttle).
    fn push_scroll(&mut self, id: u32, x: i32, y: i32, at: u64) -> Result<(), CoreError> {
        match self.pending.scroll_times.iter_mut().find(|(k, _)| *k == id) {
            Some(entry) => entry.1 = at,
            None => self.pending.scroll_times.push((id, at)),
        }
        self.insert_incremental(
            at,
            IncrementalData::Scroll(ScrollData::with(|d| {
                d.id = id;
                d.x = x;
                d.y = y;
            })),
            48,
        )
    }

    /// Records a viewport size, throttled like scrolls.
    pub(crate) fn resize(&mut self, width: u32, height: u32) -> Result<(), CoreError> {
        let now = self.clock.now();
        if self.pending.resize_time != 0 && now.saturating_sub(self.pending.resize_time) < RESIZE_MS
        {
            self.pending.resize = Some((width, height, now));
            return Ok(());
        }
        if let Some((w, h, at)) = self.pending.resize.take() {
            self.insert_incremental(at, viewport(w, h), 40)?;
        }
        self.pending.resize_time = now;
        self.push_incremental(viewport(width, height), 40)
    }

    /// Marks `el` as having a pending Input event (one per element).
    pub(crate) fn input_pending(&mut self, id: u32, el: Element, user: bool) {
        match self.pending.inputs.iter_mut().find(|(i, _, _)| *i == id) {
            Some(entry) => entry.2 = entry.2 || user,
            None => self.pending.inputs.push((id, el, user)),
        }
    }

    /// Writes the pending Input event of element `id`, if any.
    pub(crate) fn flush_input(&mut self, id: u32) -> Result<(), CoreError> {
        let Some(pos) = self.pending.inputs.iter().position(|(i, _, _)| *i == id) else {
            return Ok(());
        };
        let (id, el, user) = self.pending.inputs.remove(pos);
        self.write_input(id, &el, user)
    }

    fn write_input(&mut self, id: u32, el: &Element, user: bool) -> Result<(), CoreError> {
        let rules = self.rules.decide(el);
        // A blocked element is not read at all; and while masked, a
        // checkbox's or radio's event would tell by itself which one was
        // chosen (`change` fires on the radio checked), whatever it carries.
        if rules.ignored || rules.blocked || (!rules.input_unmasked && is_choice(el)) {
            return Ok(());
        }
        // An editable element's value is its whole text: a rule that masks
        // or blocks an element inside it must still hold, so the value is in
        // clear only if every element inside is unmasked too (its text
        // reaches the replay anyway through text changes, decided node by
        // node).
        let rules =
            if rules.input_unmasked && !is_form_control(el) && !self.all_unmasked(el, rules, 0) {
                RuleDecision {
                    input_unmasked: false,
                    ..rules
                }
            } else {
                rules
            };
        // The constant mask, or (unmasked by a rule) the value after the detectors.
        let facts = self.rules.light_facts(el, rules);
        let text = self.engine.form_value(&facts, &form_value(el));
        self.push_incremental(
            IncrementalData::Input(InputData::with(|d| {
                d.id = id;
                d.text = text;
                // Checked state is never recorded while inputs are masked.
                d.is_checked = false;
                d.user_triggered = Some(user);
            })),
            48,
        )
    }

    /// Whether every element inside `parent` (whose decision is `decision`)
    /// keeps form values unmasked, with nothing blocked or ignored; `false`
    /// past [`MAX_EDITABLE_DEPTH`] levels (fail closed).
    fn all_unmasked(&self, parent: &Element, decision: RuleDecision, depth: usize) -> bool {
        if depth > MAX_EDITABLE_DEPTH {
            return false;
        }
        let mut child = parent.first_element_child();
        while let Some(el) = child {
            let d = self.rules.child(decision, &el);
            if d.blocked || d.ignored || !d.input_unmasked || !self.all_unmasked(&el, d, depth + 1)
            {
                return false;
            }
            child = el.next_element_sibling();
        }
        true
    }

    /// Writes every pending interaction as events.
    pub(crate) fn flush_pending(&mut self) -> Result<(), CoreError> {
        self.flush_positions(false)?;
        self.flush_positions(true)?;
        // Throttled scrolls and resizes keep the time they happened.
        let scrolls = std::mem::take(&mut self.pending.scrolls);
        let now = self.clock.now();
        for (id, (x, y, at)) in scrolls {
            self.push_scroll(id, x, y, at)?;
        }
        if let Some((w, h, at)) = self.pending.resize.take() {
            self.pending.resize_time = at;
            self.insert_incremental(at, viewport(w, h), 40)?;
        }
        for (id, el, user) in std::mem::take(&mut self.pending.inputs) {
            self.write_input(id, &el, user)?;
        }
        // Scroll timestamps only matter for 100 ms; keep the list short.
        self.pending
            .scroll_times
            .retain(|(_, t)| now.saturating_sub(*t) < SCROLL_MS);
        Ok(())
    }
}

/// The `<iframe>` elements of `doc` (outside shadow roots). `unchecked`:
/// they belong to the frame's realm, where `instanceof` fails.
fn frames_in(doc: &Document) -> Vec<HtmlIFrameElement> {
    let Ok(list) = doc.query_selector_all("iframe") else {
        return Vec::new();
    };
    (0..list.length())
        .filter_map(|i| list.item(i))
        .map(|n| n.unchecked_into::<HtmlIFrameElement>())
        .collect()
}

/// The CSS text of every rule of a (constructed) sheet; none when they
/// cannot be read.
fn sheet_rules(sheet: &JsValue) -> Vec<String> {
    let Ok(rules) = Reflect::get(sheet, &JsValue::from_str("cssRules")) else {
        return Vec::new();
    };
    if !rules.is_object() {
        return Vec::new();
    }
    Array::from(&rules)
        .iter()
        .filter_map(|r| {
            Reflect::get(&r, &JsValue::from_str("cssText"))
                .ok()?
                .as_string()
        })
        .collect()
}

fn viewport(width: u32, height: u32) -> IncrementalData {
    IncrementalData::ViewportResize(ViewportResizeData::with(|d| {
        d.width = width;
        d.height = height;
    }))
}

/// Whether `el` is a checkbox or a radio button.
fn is_choice(el: &Element) -> bool {
    crate::rules::as_html::<HtmlInputElement>(el, &["input"])
        .is_some_and(|i| matches!(i.type_().as_str(), "checkbox" | "radio"))
}

/// Whether `el` is an input, textarea or select (not an editable element).
fn is_form_control(el: &Element) -> bool {
    matches!(el.local_name().as_str(), "input" | "textarea" | "select")
}

/// The raw form value of an input, textarea, select or editable element.
fn form_value(el: &Element) -> String {
    use crate::rules::as_html;
    if let Some(i) = as_html::<HtmlInputElement>(el, &["input"]) {
        i.value()
    } else if let Some(t) = as_html::<HtmlTextAreaElement>(el, &["textarea"]) {
        t.value()
    } else if let Some(s) = as_html::<HtmlSelectElement>(el, &["select"]) {
        s.value()
    } else {
        el.text_content().unwrap_or_default()
    }
}
