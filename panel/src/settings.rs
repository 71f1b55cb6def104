//! The panel's settings: what the user chose, saved in the extension's
//! storage so the next panel opens the same way.

use serde::{Deserialize, Serialize};

/// Default cap on one captured message, in bytes (1 MB).
pub use wwe_core::wire::DEFAULT_SIZE_CAP;

/// Everything that persists. Unknown or missing fields fall back to the
/// defaults, so an older or damaged save never breaks the panel.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, rename_all = "camelCase")]
pub struct Settings {
    /// The WWE options text the user pasted (properties or JSON).
    pub options_text: String,
    /// Messages bigger than this are recorded truncated.
    pub size_cap: u64,
    /// Keep records across navigation and reload.
    pub preserve_log: bool,
    /// Show foreign (non-WWE) traffic.
    pub show_foreign: bool,
    /// One row per exchange.
    pub grouped: bool,
    /// The list's columns: widths, hidden ones, the sort.
    pub columns: crate::columns::ColumnPrefs,
    /// The send-side hook (targetOrigin and caller stack of same-origin
    /// sends): off by default, because the page can observe it
    /// (ARCHITECTURE.md, "Invisible capture"). The background registers the
    /// hook while this is on.
    pub send_side: bool,
    /// MB the background's store keeps of recorded messages over all tabs
    /// (what is recorded with no panel showing it survives a worker
    /// restart); beyond it the oldest are dropped and counted. The engine
    /// reads it (`recordBudgetMb`).
    pub record_budget_mb: u64,
    /// Sites (origins of the inspected tab's top document) whose panel
    /// attaches the browser's debugger to show the posts it refused
    /// (`undelivered.rs`; Chromium only): off unless turned on there.
    pub undelivered_sites: Vec<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            options_text: String::new(),
            size_cap: DEFAULT_SIZE_CAP,
            preserve_log: false,
            show_foreign: false,
            grouped: false,
            columns: Default::default(),
            send_side: false,
            record_budget_mb: wwe_core::wire::DEFAULT_RECORD_BUDGET_MB,
            undelivered_sites: Vec::new(),
        }
    }
}

impl Settings {
    /// Reads saved settings; anything unreadable gives the defaults.
    pub fn from_json(text: &str) -> Settings {
        serde_json::from_str(text).unwrap_or_default()
    }

    /// The JSON text saved.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// These saved settings, except where `early` (what the user set while
    /// they were loading) differs from the defaults: the user's choice wins
    /// over a save they have not seen.
    pub fn overridden_by(self, early: &Settings) -> Settings {
        let default = Settings::default();
        Settings {
            options_text: if early.options_text != default.options_text { early.options_text.clone() } else { self.options_text },
            size_cap: if early.size_cap != default.size_cap { early.size_cap } else { self.size_cap },
            preserve_log: if early.preserve_log != default.preserve_log { early.preserve_log } else { self.preserve_log },
            show_foreign: if early.show_foreign != default.show_foreign { early.show_foreign } else { self.show_foreign },
            grouped: if early.grouped != default.grouped { early.grouped } else { self.grouped },
            columns: if early.columns != default.columns { early.columns.clone() } else { self.columns },
            send_side: if early.send_side != default.send_side { early.send_side } else { self.send_side },
            record_budget_mb: if early.record_budget_mb != default.record_budget_mb { early.record_budget_mb } else { self.record_budget_mb },
            undelivered_sites: if early.undelivered_sites != default.undelivered_sites { early.undelivered_sites.clone() } else { self.undelivered_sites },
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn damaged_or_partial_saves_fall_back_to_defaults() {
        assert_eq!(Settings::from_json("not json"), Settings::default());
        let partial = Settings::from_json(r#"{"grouped": true, "unknown": 1}"#);
        assert!(partial.grouped);
        assert!(!partial.send_side, "the send-side hook is off unless turned on");
        assert_eq!(partial.size_cap, DEFAULT_SIZE_CAP);
    }

    #[test]
    fn what_the_user_set_while_loading_wins_over_the_save() {
        let saved = Settings { options_text: "old=1".into(), size_cap: 10, preserve_log: true, show_foreign: true, grouped: true, send_side: true, ..Settings::default() };
        let untouched = Settings::default();
        assert_eq!(saved.clone().overridden_by(&untouched), saved);
        let early = Settings { options_text: "new=2".into(), ..Settings::default() };
        let merged = saved.clone().overridden_by(&early);
        assert_eq!(merged, Settings { options_text: "new=2".into(), ..saved });
    }

    #[test]
    fn round_trips() {
        let mut s = Settings { options_text: "a=b".into(), size_cap: 10, preserve_log: true, show_foreign: true, grouped: true, send_side: true, ..Settings::default() };
        s.columns.toggle_sort(crate::columns::Column::Size);
        assert_eq!(Settings::from_json(&s.to_json()), s);
    }

    /// The engine reads the budget and the relays' settings from this very
    /// text (`engine/src/lib.rs`, `EngineSettings`): the names must match.
    #[test]
    fn the_engine_reads_these_names() {
        let value: serde_json::Value = serde_json::from_str(&Settings::default().to_json()).unwrap();
        assert_eq!(value["recordBudgetMb"], wwe_core::wire::DEFAULT_RECORD_BUDGET_MB);
        assert_eq!(value["sizeCap"], wwe_core::wire::DEFAULT_SIZE_CAP);
        assert_eq!(value["sendSide"], false);
    }
}
