//! The message list's columns: which show, how wide each is and which one
//! sorts the list, as the user set them by dragging a header's edge,
//! right-clicking the header and clicking a header. Saved with the
//! settings, so they persist per browser profile. Plain data, tested here;
//! `table.rs` draws the header, `model::visible` sorts.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

/// One column of the list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Column {
    Time,
    Kind,
    Name,
    Status,
    Latency,
    From,
    To,
    Size,
    Message,
}

/// How a column is drawn by default.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ColumnSpec {
    pub column: Column,
    /// The cells' class (`c-name`), which `panel.css` styles.
    pub class: &'static str,
    /// The header's text (the kind column has an icon, no text).
    pub label: &'static str,
    /// What the header's menu calls it.
    pub title: &'static str,
    /// Its grid track until the user resizes it.
    pub track: &'static str,
    /// The narrowest a drag can make it, in CSS pixels.
    pub min_px: u32,
}

/// Every column, in the order they show.
pub const COLUMNS: [ColumnSpec; 9] = [
    ColumnSpec { column: Column::Time, class: "c-time", label: "Time", title: "Time", track: "104px", min_px: 60 },
    ColumnSpec { column: Column::Kind, class: "c-kind", label: "", title: "Kind", track: "26px", min_px: 20 },
    ColumnSpec { column: Column::Name, class: "c-name", label: "Name", title: "Name", track: "minmax(140px, 1.2fr)", min_px: 60 },
    ColumnSpec { column: Column::Status, class: "c-status", label: "Status", title: "Status", track: "92px", min_px: 40 },
    ColumnSpec { column: Column::Latency, class: "c-latency", label: "Latency", title: "Latency", track: "78px", min_px: 40 },
    ColumnSpec { column: Column::From, class: "c-from", label: "From", title: "From", track: "150px", min_px: 50 },
    ColumnSpec { column: Column::To, class: "c-to", label: "To", title: "To", track: "150px", min_px: 50 },
    ColumnSpec { column: Column::Size, class: "c-size", label: "Size", title: "Size", track: "64px", min_px: 36 },
    ColumnSpec { column: Column::Message, class: "c-summary", label: "Message", title: "Message", track: "minmax(200px, 3fr)", min_px: 80 },
];

/// Which column sorts the list, and which way.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sort {
    pub column: Column,
    pub descending: bool,
}

/// What the user set. The defaults: every column at its default width,
/// the list in time order.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default)]
pub struct ColumnPrefs {
    /// Widths the user dragged, in CSS pixels.
    pub widths: BTreeMap<Column, u32>,
    /// Columns the user hid.
    pub hidden: BTreeSet<Column>,
    /// The sort; `None` = time order, as captured.
    pub sort: Option<Sort>,
}

impl ColumnPrefs {
    /// Whether `column` shows.
    pub fn shows(&self, column: Column) -> bool {
        !self.hidden.contains(&column)
    }

    /// `grid-template-columns` for the columns that show.
    pub fn template(&self) -> String {
        COLUMNS
            .iter()
            .filter(|c| self.shows(c.column))
            .map(|c| self.widths.get(&c.column).map_or_else(|| c.track.to_owned(), |px| format!("{px}px")))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Classes for the list that hide the cells of hidden columns
    /// (`hide-c-size`).
    pub fn hidden_classes(&self) -> String {
        COLUMNS.iter().filter(|c| !self.shows(c.column)).map(|c| format!("hide-{}", c.class)).collect::<Vec<_>>().join(" ")
    }

    /// Shows a hidden column or hides a shown one; the last column that
    /// shows stays.
    pub fn toggle_hidden(&mut self, column: Column) {
        if !self.hidden.remove(&column) && self.hidden.len() + 1 < COLUMNS.len() {
            self.hidden.insert(column);
            if self.sort.is_some_and(|s| s.column == column) {
                self.sort = None;
            }
        }
    }

    /// A click on a header: ascending, then descending, then back to time
    /// order.
    pub fn toggle_sort(&mut self, column: Column) {
        self.sort = match self.sort {
            Some(Sort { column: c, descending: false }) if c == column => Some(Sort { column, descending: true }),
            Some(Sort { column: c, descending: true }) if c == column => None,
            _ => Some(Sort { column, descending: false }),
        };
    }

    /// A drag of a header's edge to `px` wide (at least the column's
    /// minimum).
    pub fn set_width(&mut self, column: Column, px: f64) {
        let min = COLUMNS.iter().find(|c| c.column == column).map_or(20, |c| c.min_px);
        let px = if px.is_finite() { px.round().clamp(f64::from(min), 4000.0) as u32 } else { min };
        self.widths.insert(column, px);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn template_follows_widths_and_hidden_columns() {
        let mut p = ColumnPrefs::default();
        // The default is panel.css's `--cols`.
        assert_eq!(p.template(), "104px 26px minmax(140px, 1.2fr) 92px 78px 150px 150px 64px minmax(200px, 3fr)");
        p.set_width(Column::Name, 333.4);
        p.toggle_hidden(Column::Size);
        assert!(p.template().contains("333px") && !p.template().contains("64px"), "{}", p.template());
        assert_eq!(p.hidden_classes(), "hide-c-size");
        p.toggle_hidden(Column::Size);
        assert_eq!(p.hidden_classes(), "");
        p.set_width(Column::Time, 1.0);
        assert_eq!(p.widths[&Column::Time], 60, "no narrower than the minimum");
    }

    #[test]
    fn the_last_column_stays_and_a_hidden_sort_goes() {
        let mut p = ColumnPrefs::default();
        p.toggle_sort(Column::Size);
        for c in COLUMNS {
            p.toggle_hidden(c.column);
        }
        assert_eq!(p.hidden.len(), COLUMNS.len() - 1);
        assert_eq!(p.sort, None, "sorting by a hidden column is dropped");
    }

    #[test]
    fn sort_cycles_and_prefs_round_trip() {
        let mut p = ColumnPrefs::default();
        p.toggle_sort(Column::Latency);
        assert_eq!(p.sort, Some(Sort { column: Column::Latency, descending: false }));
        p.toggle_sort(Column::Latency);
        assert_eq!(p.sort, Some(Sort { column: Column::Latency, descending: true }));
        p.toggle_sort(Column::Latency);
        assert_eq!(p.sort, None);
        p.toggle_sort(Column::Name);
        p.set_width(Column::From, 200.0);
        p.toggle_hidden(Column::Kind);
        let text = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<ColumnPrefs>(&text).unwrap(), p);
        assert!(text.contains("\"from\":200") && text.contains("\"kind\""), "{text}");
    }
}
