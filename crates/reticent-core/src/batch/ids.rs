//! Node ids on the wire (format version 2): zigzag deltas.
//!
//! Node ids are the one high-entropy part of a masked recording. Text is
//! masked to runs of `*`, tags and attribute names repeat, and gzip removes
//! most of that; but every node carries a different id (`23360`, `23361`…),
//! which no back-reference can match. Written as the difference to the id
//! before it, the ids of a snapshot walk become a run of `+1`s and those of
//! an added subtree small repeating steps, which gzip compresses like the
//! rest. On the bench page this shrinks the full-snapshot batch about fourfold.
//!
//! The transform is applied to the ids of the two events that carry many of
//! them — the full snapshot's node tree and mutations (texts, attributes,
//! removes, adds) — in one fixed order, restarting from 0 at each event so an
//! event decodes on its own. Other events carry one id each and keep it as is.
//! Two chains run side by side: the nodes' own ids, and the ids a mutation
//! links them to (`parentId`, `nextId`). Apart, each chain moves in small
//! steps (the removed items of a list are siblings, their parent is the same);
//! interleaved, every step would jump between a parent and its child. On the
//! bench's activity two chains write 20 % fewer bytes than one.
//! Arithmetic is modulo 2³², so every `u32` round-trips exactly and a hostile
//! batch cannot make the decoder overflow: it can only produce ids that the
//! replay does not find, as any forged id could.
//!
//! Decoded batches hold absolute ids again: the collector, the viewer and
//! `reticent decode` see rrweb's events unchanged.

use crate::event::{Event, EventData};
use crate::incremental::IncrementalData;
use crate::node::SerializedNode;

/// Which delta chain an id belongs to.
#[derive(Clone, Copy)]
enum Chain {
    /// A node's own id (snapshot nodes, added, removed and changed nodes).
    Node = 0,
    /// An id a mutation places a node against: `parentId`, `nextId`.
    Link = 1,
}

/// Rewrites the ids of `events` from absolute to wire form.
pub(crate) fn to_wire(events: &mut [Event]) {
    for event in events {
        let mut prev = [0u32; 2];
        for_each_id(event, |chain, id| {
            let prev = &mut prev[chain as usize];
            let delta = id.wrapping_sub(*prev) as i32;
            *prev = *id;
            *id = zigzag(delta);
        });
    }
}

/// Rewrites the ids of `events` from wire form back to absolute ids.
pub(crate) fn from_wire(events: &mut [Event]) {
    for event in events {
        let mut prev = [0u32; 2];
        for_each_id(event, |chain, id| {
            let prev = &mut prev[chain as usize];
            *prev = prev.wrapping_add(unzigzag(*id) as u32);
            *id = *prev;
        });
    }
}

/// Small magnitudes of either sign become small unsigned numbers (0, -1, 1,
/// -2… → 0, 1, 2, 3…), which MessagePack writes in one byte up to 127.
fn zigzag(v: i32) -> u32 {
    ((v << 1) ^ (v >> 31)) as u32
}

fn unzigzag(v: u32) -> i32 {
    ((v >> 1) as i32) ^ -((v & 1) as i32)
}

/// Calls `f` on every delta-coded id of `event`, always in the same order (the
/// encoder and the decoder must agree on it; it need not be the order of the
/// bytes on the wire).
fn for_each_id(event: &mut Event, mut f: impl FnMut(Chain, &mut u32)) {
    let mut node = |id: &mut u32| f(Chain::Node, id);
    match &mut event.data {
        EventData::FullSnapshot(s) => for_each_node_id(&mut s.node, &mut node),
        EventData::Incremental(IncrementalData::Mutation(m)) => {
            for t in &mut m.texts {
                node(&mut t.id);
            }
            for a in &mut m.attributes {
                node(&mut a.id);
            }
            for r in &mut m.removes {
                node(&mut r.id);
            }
            for a in &mut m.adds {
                for_each_node_id(&mut a.node, &mut node);
            }
            for r in &mut m.removes {
                f(Chain::Link, &mut r.parent_id);
            }
            for a in &mut m.adds {
                f(Chain::Link, &mut a.parent_id);
                if let Some(next) = &mut a.next_id {
                    f(Chain::Link, next);
                }
            }
        }
        _ => {}
    }
}

/// The ids of a node tree in document order (pre-order), without recursion:
/// decoded trees may be as deep as the decoder's depth limit.
fn for_each_node_id(root: &mut SerializedNode, f: &mut impl FnMut(&mut u32)) {
    let mut stack: Vec<&mut SerializedNode> = vec![root];
    while let Some(node) = stack.pop() {
        let (id, children) = node.id_and_children_mut();
        f(id);
        if let Some(children) = children {
            stack.extend(children.iter_mut().rev());
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn zigzag_round_trips(v in any::<i32>()) {
            prop_assert_eq!(unzigzag(zigzag(v)), v);
        }
    }

    #[test]
    fn small_steps_become_small_numbers() {
        assert_eq!(
            [0, -1, 1, -2, 2].map(zigzag),
            [0, 1, 2, 3, 4],
            "zigzag order"
        );
        assert_eq!(zigzag(i32::MIN), u32::MAX);
    }
}
