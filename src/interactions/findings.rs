//! The interaction findings: traffic about interactions or toasts that
//! contradicts itself, with stable codes of their own (`X001`…). Kept apart
//! from the lints' codes because they judge this reconstruction, not one
//! message or its pairing.

/// A stable code of an interaction finding, e.g. `X001`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum XCode {
    /// An interaction event for an interaction never added.
    UnknownInteraction,
    /// A state after the interaction had ended (e.g. ESTABLISHED after
    /// RELEASED).
    StateAfterEnd,
    /// An event for an interaction after it was removed.
    EventAfterRemoved,
    /// `ADDED` for an interaction already on the desktop.
    AddedTwice,
    /// A toast update, click or close for a toast never popped.
    UnknownToast,
    /// A close for a dialog no captured `system.openDialog` returned.
    UnknownDialog,
}

impl XCode {
    /// Every code, in order.
    pub const ALL: &'static [XCode] =
        &[XCode::UnknownInteraction, XCode::StateAfterEnd, XCode::EventAfterRemoved, XCode::AddedTwice, XCode::UnknownToast, XCode::UnknownDialog];

    /// The code, e.g. `"X001"`.
    pub fn as_str(self) -> &'static str {
        match self {
            XCode::UnknownInteraction => "X001",
            XCode::StateAfterEnd => "X002",
            XCode::EventAfterRemoved => "X003",
            XCode::AddedTwice => "X004",
            XCode::UnknownToast => "X005",
            XCode::UnknownDialog => "X006",
        }
    }

    /// How bad it is: every one is a contradiction in the traffic (events
    /// out of order, a capture started mid-call, or a faulty sender), so a
    /// warning, like the lints' protocol warnings.
    pub fn severity(self) -> crate::lint::Severity {
        crate::lint::Severity::Warning
    }

    /// The code's name, e.g. `"unknown-interaction"`.
    pub fn name(self) -> &'static str {
        match self {
            XCode::UnknownInteraction => "unknown-interaction",
            XCode::StateAfterEnd => "state-after-end",
            XCode::EventAfterRemoved => "event-after-removed",
            XCode::AddedTwice => "added-twice",
            XCode::UnknownToast => "unknown-toast",
            XCode::UnknownDialog => "unknown-dialog",
        }
    }
}

/// Traffic about interactions or toasts that contradicts itself.
#[derive(Debug, Clone, PartialEq)]
pub struct InteractionFinding {
    /// What kind of contradiction.
    pub code: XCode,
    /// What is wrong, as a sentence.
    pub message: String,
    /// Record ids of the messages concerned.
    pub messages: Vec<u64>,
}
