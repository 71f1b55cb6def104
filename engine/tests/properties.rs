//! The engine through arbitrary interleavings of deliveries, batches,
//! landed and refused writes, timers, frame trees, worker restarts at any
//! step, panel connects and disconnects, preserve and always-record
//! changes, navigations that keep the log and budget changes. Afterwards,
//! for every tab, a freshly opened panel shows each message at most once,
//! and shows + counts as dropped exactly what was delivered.
//!
//! Not covered here: Clear and navigations that clear the log (what they
//! discard is meant to go, so the count starts over), and popups (the
//! frame resolution tests in `src/frames.rs` cover their senders).

mod world;

use std::collections::BTreeSet;

use proptest::prelude::*;
use serde_json::json;
use world::World;
use wwe_engine::Input;

const TABS: [(i64, &str); 2] = [(1, "http://127.0.0.1:8001/"), (2, "http://127.0.0.2:8002/")];

#[derive(Clone, Debug)]
enum Step {
    Deliver { relay: usize, count: usize },
    Flush { relay: usize },
    ReadAnswers,
    LandWrite,
    Refusing(bool),
    Timer,
    Frames,
    Restart,
    OpenPanel { tab: usize },
    ClosePanel,
    Preserve { tab: usize, on: bool },
    AlwaysRecord { tab: usize, on: bool },
    Navigate { tab: usize },
    Budget { kb: u32 },
    Hello { relay: usize },
}

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        6 => (0..4usize, 1..12usize).prop_map(|(relay, count)| Step::Deliver { relay, count }),
        6 => (0..4usize).prop_map(|relay| Step::Flush { relay }),
        4 => Just(Step::ReadAnswers),
        6 => Just(Step::LandWrite),
        1 => any::<bool>().prop_map(Step::Refusing),
        2 => Just(Step::Timer),
        2 => Just(Step::Frames),
        1 => Just(Step::Restart),
        1 => (0..2usize).prop_map(|tab| Step::OpenPanel { tab }),
        1 => Just(Step::ClosePanel),
        1 => (0..2usize, any::<bool>()).prop_map(|(tab, on)| Step::Preserve { tab, on }),
        1 => (0..2usize, any::<bool>()).prop_map(|(tab, on)| Step::AlwaysRecord { tab, on }),
        1 => (0..2usize).prop_map(|tab| Step::Navigate { tab }),
        1 => prop_oneof![Just(1u32), Just(4), Just(100_000)].prop_map(|kb| Step::Budget { kb }),
        1 => (0..4usize).prop_map(|relay| Step::Hello { relay }),
    ]
}

fn run(world: &mut World, step: &Step) {
    match *step {
        Step::Deliver { relay, count } => world.deliver(relay, count),
        Step::Flush { relay } => world.flush(relay),
        Step::ReadAnswers => world.read_answers(),
        Step::LandWrite => {
            world.land_write();
        }
        Step::Refusing(on) => world.refusing = on,
        Step::Timer => {
            world.fire_timer();
        }
        Step::Frames => {
            world.answer_frames();
        }
        Step::Restart => world.boot(false),
        Step::OpenPanel { tab } => {
            world.open_panel(TABS[tab].0);
        }
        Step::ClosePanel => {
            if let Some(port) = world.panels.keys().next().copied() {
                world.close_panel(port);
            }
        }
        Step::Preserve { tab, on } => {
            // Preserve is set from a panel watching the tab.
            let port = world.open_panel(TABS[tab].0);
            world.input(Input::PortMessage {
                port,
                message: json!({"type": "preserve", "on": on}),
            });
            world.close_panel(port);
        }
        Step::AlwaysRecord { tab, on } => {
            let origin = TABS[tab].1.trim_end_matches('/');
            let mut list: BTreeSet<String> =
                serde_json::from_value(world.always_record.clone()).unwrap_or_default();
            if on {
                list.insert(origin.into());
            } else {
                list.remove(origin);
            }
            world.always_record = json!(list);
            let tabs = TABS
                .iter()
                .map(|(id, url)| (*id, url.to_string()))
                .collect();
            world.input(Input::AlwaysRecord {
                always_record: world.always_record.clone(),
                tabs,
            });
        }
        Step::Navigate { tab } => {
            // Only while the log is kept: a navigation that clears it
            // starts the count over (not covered, see the header).
            let (id, url) = TABS[tab];
            if world.engine_preserves(id) {
                world.input(Input::Committed {
                    tab: id,
                    frame: 0,
                    parent: Some(-1),
                    url: url.into(),
                });
            }
        }
        Step::Budget { kb } => {
            world.settings = Some(json!({"recordBudgetMb": kb as f64 / 1024.0}).to_string());
            world.input(Input::Settings {
                settings: world.settings.clone(),
            });
        }
        Step::Hello { relay } => world.hello(relay),
    }
}

fn check(steps: Vec<Step>) -> Result<(), TestCaseError> {
    let mut world = World::new();
    for (tab, url) in TABS {
        world.add_tab(tab, url, 1);
    }
    for step in &steps {
        run(&mut world, step);
    }
    // Whatever happened, the browser now lets everything finish.
    world.refusing = false;
    world.settle();
    for relay in 0..world.relays.len() {
        world.hello(relay);
    }
    let ports: Vec<u32> = TABS.iter().map(|(tab, _)| world.open_panel(*tab)).collect();
    world.settle();
    for (tab, _) in TABS {
        let (records, dropped) = world.fresh_view(tab);
        let delivered = world.delivered(tab);
        let mut seen = BTreeSet::new();
        for r in &records {
            prop_assert!(
                seen.insert((r.frame_id, r.seq)),
                "tab {tab}: frame {} seq {} shown twice",
                r.frame_id,
                r.seq
            );
        }
        prop_assert_eq!(
            records.len() as u64 + dropped,
            delivered,
            "tab {}: shown {} + dropped {} != delivered",
            tab,
            records.len(),
            dropped
        );
    }
    for port in ports {
        world.close_panel(port);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn shown_plus_dropped_is_delivered_whatever_happens(steps in prop::collection::vec(step(), 0..120)) {
        check(steps)?;
    }
}

/// A burst into an always-recorded tab with no panel open, the worker
/// stopped twice in the middle: under the budget nothing is dropped.
#[test]
fn always_record_keeps_a_burst_across_restarts() {
    let mut world = World::new();
    world.always_record = json!(["http://127.0.0.1:8001"]);
    world.boot(false);
    world.add_tab(1, "http://127.0.0.1:8001/", 1);
    for round in 0..3 {
        for _ in 0..100 {
            world.deliver(0, 20);
            world.deliver(1, 3);
            world.flush(0);
            world.flush(1);
            world.land_write();
            world.answer_frames();
            world.fire_timer();
            world.read_answers();
        }
        if round < 2 {
            world.boot(false);
        }
    }
    world.settle();
    let (records, dropped) = world.fresh_view(1);
    assert_eq!(world.delivered(1), 6900);
    assert_eq!((records.len(), dropped), (6900, 0));
}

/// The panel's settings drive the send-side hook, and the relays of an
/// armed tab hear a new size cap at once (they read no storage).
#[test]
fn settings_reach_the_hook_and_armed_relays() {
    let mut world = World::new();
    world.add_tab(1, "http://127.0.0.1:8001/", 0);
    let port = world.open_panel(1);
    assert!(!world.hook, "off by default");
    world.settings = Some(json!({"sendSide": true, "sizeCap": 4096}).to_string());
    world.input(Input::Settings { settings: world.settings.clone() });
    assert!(world.hook);
    assert_eq!(world.relay_settings(0), Some(json!({"sizeCap": 4096, "sendSide": true})));
    world.close_panel(port);
    world.input(Input::Settings { settings: Some("{}".into()) });
    assert!(!world.hook);
}

/// After a worker restart the engine knows no tab's URL: an always-recorded
/// tab whose first batch comes from a child frame is still armed (the
/// relays of the children once got "not armed" and stopped sending).
#[test]
fn an_always_recorded_tab_stays_armed_when_a_child_speaks_first_after_a_restart() {
    let mut world = World::new();
    world.always_record = json!(["http://127.0.0.1:8001"]);
    world.boot(false);
    world.add_tab(1, "http://127.0.0.1:8001/", 1);
    world.boot(false);
    world.deliver(1, 3);
    world.flush(1);
    world.settle();
    assert!(world.relays[1].armed, "the child's relay was told its tab is not armed");
    assert_eq!(world.fresh_view(1).0.len(), 3);
}

/// The hook's registration is asked for at the first reading of the
/// settings and when `sendSide` changes, not on every save (a column
/// resize saves the settings too).
#[test]
fn only_a_change_of_send_side_touches_the_hook() {
    use wwe_engine::{Effect, Engine};
    let hooks = |effects: Vec<Effect>| effects.into_iter().filter_map(|e| match e { Effect::Hook { on } => Some(on), _ => None }).collect::<Vec<_>>();
    let mut engine = Engine::new();
    let boot = Input::Boot { boot: "b".into(), extension_url: "chrome-extension://x/".into(), build: None, fresh: true, stored: Default::default() };
    assert_eq!(hooks(engine.handle(boot)), [false]);
    assert_eq!(hooks(engine.handle(Input::Settings { settings: Some(r#"{"sizeCap": 4096}"#.into()) })), Vec::<bool>::new());
    assert_eq!(hooks(engine.handle(Input::Settings { settings: Some(r#"{"sendSide": true}"#.into()) })), [true]);
    assert_eq!(hooks(engine.handle(Input::Settings { settings: Some(r#"{"sendSide": true, "sizeCap": 9000}"#.into()) })), Vec::<bool>::new());
    assert_eq!(hooks(engine.handle(Input::Settings { settings: None })), [false]);
}
