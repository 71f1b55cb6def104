//! Refused posts from the debugger a panel attached (issue 19): recorded
//! for the tab the panel watches, the sender named where one frame can be
//! it, kept across a worker restart like any record, and the debugger
//! detached when the panel that attached it goes away.

mod world;

use serde_json::{json, Value};
use world::World;
use wwe_engine::Input;

const TOP: &str = "http://127.0.0.1:8001/";

fn log_entry(target: &str) -> Value {
    json!({
        "source": "security", "level": "warning", "timestamp": 1_700_000_000_500.0,
        "text": format!("Failed to execute 'postMessage' on 'DOMWindow': The target origin provided ('{target}') does not match the recipient window's origin ('http://127.0.0.1:8001')."),
        "url": "http://127.0.0.1:8001/client.js",
        "stackTrace": {"callFrames": [{"functionName": "post", "url": "http://127.0.0.1:8001/client.js", "lineNumber": 9, "columnNumber": 4}]}
    })
}

/// The tab's resource tree as the debugger gives it: the child frame
/// (`{TOP}frame101`, the world's URL for frame 101) loaded the script.
fn tree(script_in_both: bool) -> Value {
    let child = |url: String| json!({"frame": {"id": "C", "url": url, "securityOrigin": "http://127.0.0.1:8001"},
        "resources": [{"url": "http://127.0.0.1:8001/client.js", "type": "Script"}]});
    let mut top = json!({"frame": {"id": "T", "url": TOP, "securityOrigin": "http://127.0.0.1:8001"}, "resources": [],
        "childFrames": [child(format!("{TOP}frame101"))]});
    if script_in_both {
        top["resources"] = json!([{"url": "http://127.0.0.1:8001/client.js", "type": "Script"}]);
    }
    json!({ "frameTree": top })
}

fn report(world: &mut World, port: u32, tab: i64, entry: Value, tree: Value) {
    world.input(Input::PortMessage { port, message: json!({"type": "debugger-log", "tabId": tab, "entry": entry, "tree": tree}) });
    world.settle();
}

#[test]
fn a_refused_post_is_a_record_with_its_sender_and_survives_a_restart() {
    let mut world = World::new();
    world.add_tab(1, TOP, 1);
    let port = world.open_panel(1);
    report(&mut world, port, 1, log_entry("https://wrong.example"), tree(false));
    let records = world.panels[&port].records.clone();
    assert_eq!(records.len(), 1, "{records:?}");
    let r = &records[0];
    let u = r.undelivered.as_ref().expect("undelivered");
    assert_eq!((u.target_origin.as_str(), u.recipient_origin.as_str()), ("https://wrong.example", "http://127.0.0.1:8001"));
    assert_eq!(u.stack.as_deref(), Some("at post (http://127.0.0.1:8001/client.js:10:5)"));
    assert_eq!(r.source_frame_id, Some(101), "the one frame that loaded the calling script");
    assert_eq!(r.source_origin, "http://127.0.0.1:8001");
    assert!(!r.page_reported, "the browser's report, not the page's");
    assert_eq!(r.time, 1_700_000_000_500.0);

    // Stored like any record: a restarted worker still has it.
    world.boot(false);
    world.settle();
    let (again, dropped) = world.fresh_view(1);
    assert_eq!((again.len(), dropped), (1, 0));
    assert_eq!(again[0].undelivered, records[0].undelivered);
}

#[test]
fn when_two_frames_loaded_the_calling_script_no_frame_is_named() {
    let mut world = World::new();
    world.add_tab(1, TOP, 1);
    let port = world.open_panel(1);
    report(&mut world, port, 1, log_entry("https://wrong.example"), tree(true));
    let r = &world.panels[&port].records[0];
    assert_eq!(r.source_frame_id, None);
    assert!(r.source_unknown.as_deref().is_some_and(|why| why.contains("2 frames")), "{:?}", r.source_unknown);
    assert_eq!(r.source_origin, "http://127.0.0.1:8001", "both had that origin: that much is known");
}

#[test]
fn other_log_entries_and_other_tabs_give_nothing() {
    let mut world = World::new();
    world.add_tab(1, TOP, 1);
    world.add_tab(2, "http://127.0.0.1:8002/", 0);
    let port = world.open_panel(1);
    report(&mut world, port, 1, json!({"source": "network", "text": "Failed to load resource"}), Value::Null);
    // Tab 2 is not this panel's: a panel cannot add records to it.
    report(&mut world, port, 2, log_entry("https://wrong.example"), Value::Null);
    assert!(world.panels[&port].records.is_empty());
    let (other, _) = world.fresh_view(2);
    assert!(other.is_empty());
}

#[test]
fn the_debugger_is_detached_when_the_panel_that_attached_it_goes() {
    let mut world = World::new();
    world.add_tab(1, TOP, 0);
    let attacher = world.open_panel(1);
    let other = world.open_panel(1);
    world.input(Input::PortMessage { port: attacher, message: json!({"type": "debugger", "tabId": 1, "attached": true}) });
    world.close_panel(other);
    assert!(world.detached.is_empty(), "another panel's going leaves it");
    world.close_panel(attacher);
    assert_eq!(world.detached, [1]);

    // A panel that detached it itself leaves nothing to do.
    let port = world.open_panel(1);
    world.input(Input::PortMessage { port, message: json!({"type": "debugger", "tabId": 1, "attached": true}) });
    world.input(Input::PortMessage { port, message: json!({"type": "debugger", "tabId": 1, "attached": false}) });
    world.close_panel(port);
    assert_eq!(world.detached, [1]);
}

/// `Log.enable` replays what was logged before it: a panel that attaches
/// again reports the same refusals, which are not recorded twice.
#[test]
fn a_replayed_report_is_not_recorded_twice() {
    let mut world = World::new();
    world.add_tab(1, TOP, 1);
    let port = world.open_panel(1);
    report(&mut world, port, 1, log_entry("https://wrong.example"), tree(false));
    report(&mut world, port, 1, log_entry("https://wrong.example"), tree(false));
    let mut later = log_entry("https://wrong.example");
    later["timestamp"] = json!(1_700_000_000_600.0);
    report(&mut world, port, 1, later, tree(false));
    assert_eq!(world.panels[&port].records.len(), 2, "the replay is dropped, a later post of the same kind is not");
}
