//! Batched DOM reads: what the snapshot needs of an element in one call.
//!
//! Reading an element through `web-sys` crosses the JS/wasm boundary once
//! per property and decodes one string per crossing: tag name, namespace,
//! the attribute list, then item, name and value for each attribute. On a
//! 10,000-element page those crossings cost more than the serialisation
//! itself (see docs/benchmarks.md). A few lines of JS shipped with the module
//! read them all and return one string, decoded once.
//!
//! The string is `localName NUL svg NUL (name NUL value NUL)*`. A NUL inside a
//! name or value (possible through `setAttribute`) would make it ambiguous, so
//! the JS side then returns `undefined` and the caller reads the slow way,
//! property by property: same result, never a guess. It does the same for two
//! attributes of one qualified name (`setAttributeNS` in two namespaces),
//! which it reads by name.

use reticent_core::privacy::{ATTR_BLOCK, ATTR_MASK, ATTR_UNMASK};
use wasm_bindgen::prelude::*;
use web_sys::{Element, Node};

#[wasm_bindgen(inline_js = r#"
const SVG = 'http://www.w3.org/2000/svg';
// The readers catch what a hostile getter throws and answer `undefined`
// (read the slow way): a `catch` import would wrap every call in
// `apply(this, arguments)`, which costs more than the read on small elements.
export function reticent_read_element(el) {
  try {
    return readElement(el);
  } catch (_) {
    return undefined;
  }
}
export function reticent_read_light(el) {
  try {
    return readLight(el);
  } catch (_) {
    return undefined;
  }
}
// A node's kind and what the snapshot reads of it, in one crossing: 'E' and
// the packed element, 'e' for an element to read the slow way, 'T' and a
// text's value, 'C' and a comment's, '#' and the node type for the rest.
// After the kind, one digit of links: 1 the node has a next sibling, 2 a
// first child, 4 an open shadow root. The walk takes the sibling and the
// child from `next` and `first` only when they exist: asking for them would
// be a crossing each, plus one more into wasm for every answer that is a
// node (wasm-bindgen wraps an `Option` of a JS object in JS), and most
// elements have no shadow root to ask for.
let next = null;
let first = null;
export function reticent_read_node(node) {
  try {
    next = node.nextSibling;
    const type = node.nodeType;
    let links = next === null ? 0 : 1;
    if (type === 1) {
      first = node.firstChild;
      if (first !== null) links |= 2;
      if (node.shadowRoot !== null) links |= 4;
      const packed = readElement(node);
      return packed === undefined ? 'e' + links : 'E' + links + packed;
    }
    first = null;
    if (type === 3 || type === 8) {
      const value = node.nodeValue;
      return (type === 3 ? 'T' : 'C') + links + (value === null ? '' : value);
    }
    return '#' + links + type;
  } catch (_) {
    next = first = null;
    return undefined;
  }
}
// A link `reticent_read_node` reported (1 the next sibling, 2 the first
// child), taken once and let go, so the module keeps no node alive. One
// function with an argument, not two without: wasm-bindgen 0.2.130 lists a
// snippet once per direct import in the import object, and the duplicate key
// fails the bundle's build.
export function reticent_take(link) {
  const n = link === 1 ? next : first;
  if (link === 1) next = null;
  else first = null;
  return n;
}
// A mutation record's kind in one crossing, without its type as a string:
// 1 characterData, 2 attributes, 3 childList, 0 anything else.
const RECORD_KINDS = { characterData: 1, attributes: 2, childList: 3 };
export function reticent_record_kind(record) {
  try {
    return record instanceof MutationRecord ? RECORD_KINDS[record.type] ?? 0 : 0;
  } catch (_) {
    return 0;
  }
}
// `new URL(raw, base).href` in one crossing; `undefined` when it throws.
export function reticent_resolve(raw, base) {
  try {
    return new URL(raw, base).href;
  } catch (_) {
    return undefined;
  }
}
function readElement(el) {
  let out = el.localName + '\0' + (el.namespaceURI === SVG ? '1' : '0') + '\0';
  // Names then values by name: `attributes[i]` would make (and keep) an Attr
  // node per attribute, twice the time on a first read.
  const names = el.getAttributeNames();
  for (let i = 0; i < names.length; i++) {
    const name = names[i];
    // Two attributes of one qualified name (setAttributeNS in two namespaces):
    // getAttribute would see the first only, so read them the slow way.
    if (names.indexOf(name, i + 1) !== -1) return undefined;
    const value = el.getAttribute(name);
    if (value === null || name.indexOf('\0') !== -1 || value.indexOf('\0') !== -1) return undefined;
    out += name + '\0' + value + '\0';
  }
  return out;
}
function readLight(el) {
  let out = el.localName + '\0' + (el.namespaceURI === SVG ? '1' : '0') + '\0';
  for (const name of LIGHT) {
    const value = el.getAttribute(name);
    if (value === null) continue;
    if (value.indexOf('\0') !== -1) return undefined;
    out += name + '\0' + value + '\0';
  }
  return out;
}
const LIGHT = ['type', 'autocomplete'];
export function reticent_rule_attributes(el, block, mask, unmask) {
  return (el.hasAttribute(block) ? 1 : 0) | (el.hasAttribute(mask) ? 2 : 0) | (el.hasAttribute(unmask) ? 4 : 0);
}
"#)]
extern "C" {
    fn reticent_read_element(el: &Element) -> Option<String>;
    fn reticent_read_node(node: &Node) -> Option<String>;
    // Not `Option<Node>`: called only when the link exists (see `Links`).
    fn reticent_take(link: u32) -> Node;
    fn reticent_resolve(raw: &str, base: &JsValue) -> Option<String>;
    fn reticent_record_kind(record: &JsValue) -> u32;
    fn reticent_read_light(el: &Element) -> Option<String>;
    #[wasm_bindgen(catch)]
    fn reticent_rule_attributes(
        el: &Element,
        block: &JsValue,
        mask: &JsValue,
        unmask: &JsValue,
    ) -> Result<u32, JsValue>;
}

/// Which of the `data-reticent-*` attributes an element carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct RuleAttributes {
    pub(crate) block: bool,
    pub(crate) mask: bool,
    pub(crate) unmask: bool,
}

/// The attribute names, as JS strings made once per thread: each call then
/// passes three references instead of encoding three strings.
struct RuleNames {
    block: JsValue,
    mask: JsValue,
    unmask: JsValue,
}

thread_local! {
    static RULE_NAMES: RuleNames = RuleNames {
        block: JsValue::from_str(ATTR_BLOCK),
        mask: JsValue::from_str(ATTR_MASK),
        unmask: JsValue::from_str(ATTR_UNMASK),
    };
}

/// The `data-reticent-*` attributes among attributes already read (by
/// qualified name, as `hasAttribute` matches them): no crossing.
pub(crate) fn rule_attributes_of(attributes: &[(String, String)]) -> RuleAttributes {
    let has = |wanted: &str| attributes.iter().any(|(name, _)| name == wanted);
    RuleAttributes {
        block: has(ATTR_BLOCK),
        mask: has(ATTR_MASK),
        unmask: has(ATTR_UNMASK),
    }
}

/// The `data-reticent-*` attributes of `el`, in one crossing. If reading
/// throws (a hostile page's getter), fails closed: blocked and masked, not
/// unmasked.
pub(crate) fn rule_attributes(el: &Element) -> RuleAttributes {
    let bits = RULE_NAMES
        .with(|n| reticent_rule_attributes(el, &n.block, &n.mask, &n.unmask))
        .unwrap_or(0b011);
    RuleAttributes {
        block: bits & 1 != 0,
        mask: bits & 2 != 0,
        unmask: bits & 4 != 0,
    }
}

/// An element's local name, whether it is in the SVG namespace, and its
/// attributes as (name, value) in document order.
pub(crate) struct ElementRead {
    pub(crate) local_name: String,
    pub(crate) is_svg: bool,
    pub(crate) attributes: Vec<(String, String)>,
}

const SVG_NS: &str = "http://www.w3.org/2000/svg";

/// Reads `el` in one crossing when it can, else property by property.
pub(crate) fn read_element(el: &Element) -> ElementRead {
    match reticent_read_element(el).as_deref().and_then(unpack) {
        Some(read) => read,
        None => read_slowly(el),
    }
}

/// `raw` resolved against `base` as the URL parser does (`href`); `None`
/// when it cannot be: one crossing, no `URL` object kept on the wasm side.
pub(crate) fn resolve_url(raw: &str, base: &JsValue) -> Option<String> {
    reticent_resolve(raw, base)
}

/// The kind of a MutationObserver record (anything else is `Other`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RecordKind {
    CharacterData,
    Attributes,
    ChildList,
    Other,
}

/// What kind of record `record` is, in one crossing (not `instanceof`, then
/// `type` decoded as a string).
pub(crate) fn record_kind(record: &JsValue) -> RecordKind {
    match reticent_record_kind(record) {
        1 => RecordKind::CharacterData,
        2 => RecordKind::Attributes,
        3 => RecordKind::ChildList,
        _ => RecordKind::Other,
    }
}

/// A node as the snapshot reads it (see [`read_node`]).
pub(crate) enum NodeRead {
    /// An element, read as [`read_element`] does.
    Element(ElementRead),
    /// A text node and its value.
    Text(String),
    /// A comment and its value.
    Comment(String),
    /// Any other node, by `nodeType`.
    Other(u16),
}

/// Where the walk goes from a node, as [`read_node`] found it.
pub(crate) struct Links {
    /// The next sibling.
    pub(crate) next: Option<Node>,
    /// The first child (`None` too for a node that is not an element).
    pub(crate) first: Option<Node>,
    /// Whether the element has an open shadow root.
    pub(crate) shadow: bool,
}

/// The data of the text nodes before `node` among its siblings, in order:
/// what a `<style>`'s CSS holds before `node`'s part (its text children
/// concatenated). A sibling that cannot be read makes the whole answer
/// `None`: the caller then cannot know where `node` starts.
pub(crate) fn preceding_text(node: &Node) -> Option<String> {
    let mut parts = Vec::new();
    let mut at = node.previous_sibling();
    while let Some(sibling) = at {
        if sibling.node_type() == Node::TEXT_NODE {
            parts.push(sibling.node_value()?);
        }
        at = sibling.previous_sibling();
    }
    parts.reverse();
    Some(parts.concat())
}

/// `node`'s kind, what the snapshot reads of it, and its links, in one
/// crossing (two or three when it has a next sibling or children) when it
/// can; else property by property (the same result, and no links: the
/// caller asks the DOM).
pub(crate) fn read_node(node: &Node) -> (NodeRead, Option<Links>) {
    if let Some(read) = reticent_read_node(node).and_then(|packed| unpack_node(node, packed)) {
        return read;
    }
    let read = match node.node_type() {
        Node::ELEMENT_NODE => NodeRead::Element(read_element(node.unchecked_ref())),
        Node::TEXT_NODE => NodeRead::Text(node.node_value().unwrap_or_default()),
        Node::COMMENT_NODE => NodeRead::Comment(node.node_value().unwrap_or_default()),
        other => NodeRead::Other(other),
    };
    (read, None)
}

/// Decodes what `reticent_read_node` answered and takes the links it
/// reported; `None` if it is not well formed (then nothing was taken, and
/// what the JS side holds is dropped at its next read).
fn unpack_node(node: &Node, mut packed: String) -> Option<(NodeRead, Option<Links>)> {
    let mut head = packed.bytes();
    let kind = head.next()?;
    let bits = head.next()?.wrapping_sub(b'0');
    if bits > 7 {
        return None;
    }
    let read = match kind {
        b'E' => NodeRead::Element(unpack(packed.get(2..)?)?),
        b'e' => NodeRead::Element(read_slowly(node.unchecked_ref())),
        b'T' | b'C' => {
            packed.drain(..2);
            if kind == b'T' {
                NodeRead::Text(packed)
            } else {
                NodeRead::Comment(packed)
            }
        }
        b'#' => NodeRead::Other(packed.get(2..)?.parse().ok()?),
        _ => return None,
    };
    let is_element = matches!(kind, b'E' | b'e');
    let links = Links {
        next: (bits & 1 != 0).then(|| reticent_take(1)),
        first: (is_element && bits & 2 != 0).then(|| reticent_take(2)),
        shadow: bits & 4 != 0,
    };
    Some((read, Some(links)))
}

/// The attributes whose values scrub an element's text and input changes.
pub(crate) const LIGHT_ATTRIBUTES: [&str; 2] = ["type", "autocomplete"];

/// Like [`read_element`], but of the attributes only `type` and
/// `autocomplete` ([`LIGHT_ATTRIBUTES`]): for text, attribute and input
/// changes, whose element may carry large attributes (`d`, `style`, data
/// URLs) not worth copying on every change.
pub(crate) fn read_light(el: &Element) -> ElementRead {
    match reticent_read_light(el).as_deref().and_then(unpack) {
        Some(read) => read,
        None => read_light_slowly(el),
    }
}

fn read_light_slowly(el: &Element) -> ElementRead {
    ElementRead {
        local_name: el.local_name(),
        is_svg: el.namespace_uri().as_deref() == Some(SVG_NS),
        attributes: LIGHT_ATTRIBUTES
            .iter()
            .filter_map(|n| el.get_attribute(n).map(|v| ((*n).to_owned(), v)))
            .collect(),
    }
}

/// Splits the packed string; `None` if it is not well formed.
fn unpack(packed: &str) -> Option<ElementRead> {
    let mut rest = packed;
    let local_name = next_part(&mut rest)?.to_owned();
    let is_svg = match next_part(&mut rest)? {
        "1" => true,
        "0" => false,
        _ => return None,
    };
    let mut attributes = Vec::new();
    // Each attribute ends with its value's NUL, so nothing may follow the last.
    while !rest.is_empty() {
        let name = next_part(&mut rest)?;
        // An attribute name is never empty.
        if name.is_empty() {
            return None;
        }
        attributes.push((name.to_owned(), next_part(&mut rest)?.to_owned()));
    }
    Some(ElementRead {
        local_name,
        is_svg,
        attributes,
    })
}

/// The part of `rest` before its first NUL, which `rest` then skips; `None`
/// if there is no NUL. A byte loop: the parts are a few bytes long, and
/// `str::split` cost more per part than the copy of it (CPU profile).
fn next_part<'a>(rest: &mut &'a str) -> Option<&'a str> {
    let end = rest.bytes().position(|b| b == 0)?;
    let part = &rest[..end];
    *rest = &rest[end + 1..];
    Some(part)
}

/// The same facts through `web-sys`, one property at a time.
fn read_slowly(el: &Element) -> ElementRead {
    let attrs = el.attributes();
    let mut attributes = Vec::with_capacity(attrs.length() as usize);
    for i in 0..attrs.length() {
        if let Some(attr) = attrs.item(i) {
            attributes.push((attr.name(), attr.value()));
        }
    }
    ElementRead {
        local_name: el.local_name(),
        is_svg: el.namespace_uri().as_deref() == Some(SVG_NS),
        attributes,
    }
}

#[cfg(test)]
mod tests {
    use super::unpack;

    #[test]
    fn unpacks_names_and_values() {
        let r = unpack("a\x000\0href\0/x\0class\0\0").unwrap();
        assert_eq!(r.local_name, "a");
        assert!(!r.is_svg);
        assert_eq!(
            r.attributes,
            vec![
                ("href".to_owned(), "/x".to_owned()),
                ("class".to_owned(), String::new())
            ]
        );
        let r = unpack("svg\x001\0").unwrap();
        assert!(r.is_svg && r.attributes.is_empty());
    }

    #[test]
    fn refuses_malformed_strings() {
        for bad in [
            "",
            "a",
            "a\0",
            "a\x002\0",
            "a\x000\0href\0",
            "a\x000\0href\0v\0x",
            "a\x000\0\0v\0",
        ] {
            assert!(unpack(bad).is_none(), "{bad:?}");
        }
    }
}
