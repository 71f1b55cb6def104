//! Where frames are: each tab's index paths (reported by relays) and frame
//! tree (from `webNavigation`), the popups a tab opened, and the sender of
//! a message resolved from the relay's view of `event.source` to a browser
//! frame id.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use wwe_core::wire::Source;

/// Deepest index path accepted from a relay.
const MAX_PATH: usize = 64;
/// Popup chains followed to find a capture tab.
const MAX_OPENERS: usize = 8;

/// One tab's frames.
#[derive(Clone, Debug, Default)]
pub struct FrameIndex {
    /// Index path ("1.0") -> frame id.
    pub paths: BTreeMap<String, i64>,
    /// Frame id -> parent frame id.
    pub parents: BTreeMap<i64, i64>,
    /// Frame id -> its document's URL, as `webNavigation` last told it
    /// (names the sender of a refused post, `refused.rs`).
    pub urls: BTreeMap<i64, String>,
}

/// Who opened a popup.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Opener {
    pub opener_tab_id: i64,
    pub opener_frame_id: i64,
}

/// Every tab's frames and popups.
#[derive(Clone, Debug, Default)]
pub struct Frames {
    pub tabs: BTreeMap<i64, FrameIndex>,
    pub popups: BTreeMap<i64, Opener>,
}

/// A sender resolved: the record fields that name it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Resolved {
    pub source_frame_id: Option<i64>,
    pub source_path: Option<Vec<u32>>,
    pub source_relation: Option<String>,
    pub source_tab_id: Option<i64>,
    pub source_unknown: Option<String>,
}

pub fn path_key(path: &[u32]) -> String {
    path.iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(".")
}

impl Frames {
    pub fn index(&mut self, tab: i64) -> &mut FrameIndex {
        self.tabs.entry(tab).or_default()
    }

    /// The tab whose capture a tab's records join: a popup joins its
    /// opener's.
    pub fn capture_tab_of(&self, tab: i64) -> i64 {
        let mut current = tab;
        for _ in 0..MAX_OPENERS {
            match self.popups.get(&current) {
                Some(opener) => current = opener.opener_tab_id,
                None => break,
            }
        }
        current
    }

    /// Notes that `frame` of `tab` sits at `path`; a frame has one path.
    pub fn note_path(&mut self, tab: i64, frame: i64, path: &[u32]) {
        if path.len() > MAX_PATH {
            return;
        }
        let index = self.index(tab);
        let key = path_key(path);
        if index.paths.get(&key) == Some(&frame) {
            return;
        }
        index.paths.retain(|_, id| *id != frame);
        index.paths.insert(key, frame);
    }

    pub fn knows_frame(&self, tab: i64, frame: i64) -> bool {
        self.tabs
            .get(&tab)
            .is_some_and(|i| i.parents.contains_key(&frame))
    }

    pub fn knows_path(&self, tab: i64, path: &[u32]) -> bool {
        self.tabs
            .get(&tab)
            .is_some_and(|i| i.paths.contains_key(&path_key(path)))
    }

    fn frame_at(&self, tab: i64, key: &str) -> Option<i64> {
        if key.is_empty() {
            return Some(0);
        }
        self.tabs.get(&tab)?.paths.get(key).copied()
    }

    /// Resolves the relay's view of `event.source` (seen from `frame` of
    /// `tab`) to a browser frame id, or says why it cannot.
    pub fn resolve(
        &self,
        tab: i64,
        frame: i64,
        src: Option<&Source>,
        src_unknown: Option<&str>,
    ) -> Resolved {
        let Some(src) = src else {
            let why = src_unknown
                .map(|s| truncate(s, 300))
                .unwrap_or_else(|| "the relay reported no sender".to_string());
            return Resolved {
                source_unknown: Some(why),
                ..Resolved::default()
            };
        };
        let key = path_key(&src.path);
        let mut out = Resolved {
            source_path: Some(src.path.clone()),
            source_relation: Some(src.rel.clone()),
            ..Resolved::default()
        };
        let mut why: Option<String> = None;
        let found = match src.rel.as_str() {
            "self" => Some(frame),
            "top" => Some(0),
            "parent" => self.frame_at(tab, &key).or_else(|| {
                self.tabs
                    .get(&tab)?
                    .parents
                    .get(&frame)
                    .copied()
                    .filter(|p| *p >= 0)
            }),
            rel @ ("child" | "frame") => {
                let mut found = self.frame_at(tab, &key);
                if found.is_none() && rel == "child" {
                    let children: Vec<i64> = self
                        .tabs
                        .get(&tab)
                        .map(|i| {
                            i.parents
                                .iter()
                                .filter(|(_, p)| **p == frame)
                                .map(|(id, _)| *id)
                                .collect()
                        })
                        .unwrap_or_default();
                    if let [only] = children[..] {
                        found = Some(only);
                    }
                }
                if found.is_none() {
                    why = Some(format!(
                        "no frame of this tab has reported index path [{key}] yet"
                    ));
                }
                found
            }
            "opener" => match self.popups.get(&tab) {
                None => {
                    why = Some("this tab's opener is not known (it was opened before the extension started)".into());
                    None
                }
                Some(opener) => {
                    out.source_tab_id = Some(opener.opener_tab_id);
                    let found = self.frame_at(opener.opener_tab_id, &key);
                    if found.is_none() {
                        why = Some(format!(
                            "no frame of the opener tab has reported index path [{key}] yet"
                        ));
                    }
                    found
                }
            },
            "popup" => {
                let mut candidates: Vec<(i64, Opener)> = self
                    .popups
                    .iter()
                    .filter(|(_, o)| o.opener_tab_id == tab)
                    .map(|(t, o)| (*t, *o))
                    .collect();
                if candidates.len() > 1 {
                    if let Some(opener_path) = &src.opener_path {
                        let opener_frame = self.frame_at(tab, &path_key(opener_path));
                        candidates.retain(|(_, o)| Some(o.opener_frame_id) == opener_frame);
                    }
                }
                match candidates[..] {
                    [(popup, _)] => {
                        out.source_tab_id = Some(popup);
                        let found = self.frame_at(popup, &key);
                        if found.is_none() {
                            why = Some(format!(
                                "no frame of the popup tab has reported index path [{key}] yet"
                            ));
                        }
                        found
                    }
                    [] => {
                        why = Some(
                            "the sender is a popup of this tab that the extension did not see open"
                                .into(),
                        );
                        None
                    }
                    _ => {
                        why = Some(format!(
                            "the sender is one of {} popups of this frame",
                            candidates.len()
                        ));
                        None
                    }
                }
            }
            other => {
                why = Some(format!(
                    "unknown relation {}",
                    serde_json::Value::String(other.to_string())
                ));
                None
            }
        };
        out.source_frame_id = found;
        if found.is_none() {
            out.source_unknown =
                Some(why.unwrap_or_else(|| format!("no frame id known for index path [{key}]")));
        }
        out
    }
}

/// At most `max` characters of `text`.
pub fn truncate(text: &str, max: usize) -> String {
    text.chars().take(max).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn src(rel: &str, path: &[u32]) -> Source {
        Source {
            rel: rel.into(),
            path: path.to_vec(),
            opener_path: None,
        }
    }

    #[test]
    fn a_child_resolves_by_path_or_as_the_only_child() {
        let mut frames = Frames::default();
        frames.index(1).parents.insert(5, 0);
        let only = frames.resolve(1, 0, Some(&src("child", &[0])), None);
        assert_eq!(only.source_frame_id, Some(5), "the only child of the frame");
        frames.index(1).parents.insert(6, 0);
        let two = frames.resolve(1, 0, Some(&src("child", &[1])), None);
        assert_eq!(two.source_frame_id, None);
        assert_eq!(
            two.source_unknown.as_deref(),
            Some("no frame of this tab has reported index path [1] yet")
        );
        frames.note_path(1, 6, &[1]);
        assert_eq!(
            frames
                .resolve(1, 0, Some(&src("child", &[1])), None)
                .source_frame_id,
            Some(6)
        );
    }

    #[test]
    fn a_frame_has_one_path_and_the_top_is_frame_zero() {
        let mut frames = Frames::default();
        frames.note_path(1, 7, &[0]);
        frames.note_path(1, 7, &[2]);
        assert!(!frames.knows_path(1, &[0]));
        assert_eq!(
            frames
                .resolve(1, 7, Some(&src("top", &[])), None)
                .source_frame_id,
            Some(0)
        );
        assert_eq!(
            frames
                .resolve(1, 7, Some(&src("frame", &[2])), None)
                .source_frame_id,
            Some(7)
        );
    }

    #[test]
    fn popups_join_their_openers_capture_and_resolve_both_ways() {
        let mut frames = Frames::default();
        frames.popups.insert(
            2,
            Opener {
                opener_tab_id: 1,
                opener_frame_id: 0,
            },
        );
        frames.popups.insert(
            3,
            Opener {
                opener_tab_id: 2,
                opener_frame_id: 0,
            },
        );
        assert_eq!(frames.capture_tab_of(3), 1);
        let from_opener = frames.resolve(2, 0, Some(&src("opener", &[])), None);
        assert_eq!(
            (from_opener.source_tab_id, from_opener.source_frame_id),
            (Some(1), Some(0))
        );
        let from_popup = frames.resolve(1, 0, Some(&src("popup", &[])), None);
        assert_eq!(
            (from_popup.source_tab_id, from_popup.source_frame_id),
            (Some(2), Some(0))
        );
        let unknown = frames.resolve(9, 0, Some(&src("opener", &[])), None);
        assert!(unknown
            .source_unknown
            .unwrap()
            .contains("opener is not known"));
    }

    #[test]
    fn no_sender_keeps_the_relays_reason() {
        let frames = Frames::default();
        let r = frames.resolve(1, 0, None, Some("event.source is null"));
        assert_eq!(r.source_unknown.as_deref(), Some("event.source is null"));
        assert_eq!(r.source_frame_id, None);
    }
}
