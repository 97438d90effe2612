//! rrweb's events (`eventWithTime`): `{ type, data, timestamp }`.

use serde::de::{self, MapAccess, Visitor};
use serde::ser::SerializeStruct;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::incremental::IncrementalData;
use crate::node::SerializedNode;
use crate::privacy::Scrubbed;
use crate::sorted_map::SortedMap;

/// rrweb's `EventType` codes.
pub mod event_type {
    /// `EventType.DomContentLoaded`
    pub const DOM_CONTENT_LOADED: u8 = 0;
    /// `EventType.Load`
    pub const LOAD: u8 = 1;
    /// `EventType.FullSnapshot`
    pub const FULL_SNAPSHOT: u8 = 2;
    /// `EventType.IncrementalSnapshot`
    pub const INCREMENTAL_SNAPSHOT: u8 = 3;
    /// `EventType.Meta`
    pub const META: u8 = 4;
    /// `EventType.Custom`
    pub const CUSTOM: u8 = 5;
}

/// One recorded event.
#[derive(Clone, Debug, PartialEq)]
pub struct Event {
    /// Milliseconds since the Unix epoch.
    pub timestamp: u64,
    /// What happened.
    pub data: EventData,
}

impl Event {
    /// An event at `timestamp` (ms since the epoch).
    pub fn new(timestamp: u64, data: EventData) -> Self {
        Event { timestamp, data }
    }
}

/// The kinds of events Reticent records.
#[derive(Clone, Debug, PartialEq)]
pub enum EventData {
    /// Page address and viewport: starts every page view and SPA navigation.
    Meta(MetaData),
    /// The whole document.
    FullSnapshot(FullSnapshotData),
    /// A change since the last snapshot.
    Incremental(IncrementalData),
    /// An event of Reticent's own (trigger, consent notices).
    Custom(CustomData),
}

impl EventData {
    /// rrweb's `EventType` code.
    pub fn type_code(&self) -> u8 {
        match self {
            EventData::Meta(_) => event_type::META,
            EventData::FullSnapshot(_) => event_type::FULL_SNAPSHOT,
            EventData::Incremental(_) => event_type::INCREMENTAL_SNAPSHOT,
            EventData::Custom(_) => event_type::CUSTOM,
        }
    }
}

/// rrweb `metaEvent` data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MetaData {
    /// The page URL, sanitised.
    pub href: Scrubbed,
    /// Viewport width.
    pub width: u32,
    /// Viewport height.
    pub height: u32,
}

/// rrweb `fullSnapshotEvent` data.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct FullSnapshotData {
    /// The document node.
    pub node: SerializedNode,
    /// Window scroll offset when the snapshot was taken.
    pub initial_offset: Offset,
}

/// A scroll offset.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Offset {
    /// Vertical.
    pub top: i32,
    /// Horizontal.
    pub left: i32,
}

/// rrweb `customEvent` data. Reticent only emits its own tags (`reticent.*`)
/// with scrubbed string payloads: a site cannot push raw data through it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CustomData {
    /// Event name.
    pub tag: String,
    /// Payload fields.
    pub payload: SortedMap<Scrubbed>,
}

/// The tag of the Custom event `recorder.trigger(reason)` records.
pub const TRIGGER_TAG: &str = "reticent.trigger";

impl CustomData {
    /// The Custom event of a trigger: `{ tag: "reticent.trigger", payload:
    /// { reason } }` (an empty payload when no reason was given). The reason
    /// comes from `PrivacyEngine::trigger_reason`.
    pub fn trigger(reason: Option<Scrubbed>) -> Self {
        let mut payload = SortedMap::new();
        if let Some(r) = reason {
            payload.insert("reason".to_owned(), r);
        }
        CustomData {
            tag: TRIGGER_TAG.to_owned(),
            payload,
        }
    }
}

impl Serialize for Event {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("Event", 3)?;
        st.serialize_field("type", &self.data.type_code())?;
        match &self.data {
            EventData::Meta(d) => st.serialize_field("data", d)?,
            EventData::FullSnapshot(d) => st.serialize_field("data", d)?,
            EventData::Incremental(d) => st.serialize_field("data", d)?,
            EventData::Custom(d) => st.serialize_field("data", d)?,
        }
        st.serialize_field("timestamp", &self.timestamp)?;
        st.end()
    }
}

impl<'de> Deserialize<'de> for Event {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Event;
            fn expecting(&self, f: &mut core::fmt::Formatter) -> core::fmt::Result {
                f.write_str("an rrweb event map starting with `type`")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Event, A::Error> {
                let code = crate::wire::read_tag(&mut map, "type")?;
                let mut data = None;
                let mut timestamp = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "data" if data.is_none() => {
                            data = Some(match code {
                                event_type::META => EventData::Meta(map.next_value()?),
                                event_type::FULL_SNAPSHOT => {
                                    EventData::FullSnapshot(map.next_value()?)
                                }
                                event_type::INCREMENTAL_SNAPSHOT => {
                                    EventData::Incremental(map.next_value()?)
                                }
                                event_type::CUSTOM => EventData::Custom(map.next_value()?),
                                other => {
                                    return Err(de::Error::custom(format_args!(
                                        "unsupported event type {other}"
                                    )))
                                }
                            })
                        }
                        "timestamp" if timestamp.is_none() => timestamp = Some(map.next_value()?),
                        other => {
                            return Err(de::Error::custom(format_args!(
                                "unexpected or repeated key `{other}`"
                            )))
                        }
                    }
                }
                Ok(Event {
                    timestamp: timestamp.ok_or_else(|| de::Error::missing_field("timestamp"))?,
                    data: data.ok_or_else(|| de::Error::missing_field("data"))?,
                })
            }
        }
        d.deserialize_map(V)
    }
}
