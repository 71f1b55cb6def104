//! The wwe-devtools panel: a Leptos app mounted into `panel.html`.
