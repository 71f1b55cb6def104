//! Checks the catalog against the wire-protocol reference: a transcribed
//! list of every request (always), and the reference file itself when it is
//! readable beside the repository (skipped quietly when it is not, as in a
//! CI clone without `shared/`).

use wwe_core::catalog;

/// Every request in wire-protocol.md, section "Requests in the client
/// library", with its parameter count, transcribed by hand.
const TRANSCRIBED: &[(&str, usize)] = &[
    ("auth.getJwtToken", 0),
    ("agent.get", 0),
    ("agent.getStateList", 0),
    ("agent.setState", 1),
    ("agent.getState", 0),
    ("interaction.getInteractions", 0),
    ("interaction.getByInteractionId", 1),
    ("interaction.setUserData", 2),
    ("interaction.deleteUserData", 2),
    ("interaction.selectCaseByCaseId", 1),
    ("interaction.markdone", 1),
    ("interaction.blockMarkdone", 2),
    ("interaction.unblockMarkdone", 1),
    ("interaction.accept", 1),
    ("interaction.reject", 1),
    ("interaction.singleStepTransfer", 4),
    ("interaction.singleStepConference", 4),
    ("interaction.consult", 4),
    ("interaction.completeTransfer", 1),
    ("interaction.completeConference", 1),
    ("voice.dial", 2),
    ("voice.dialEx", 3),
    ("voice.answer", 1),
    ("voice.hold", 1),
    ("voice.resume", 1),
    ("voice.hangUp", 1),
    ("voice.startCallRecording", 1),
    ("voice.stopCallRecording", 1),
    ("voice.pauseCallRecording", 1),
    ("voice.resumeCallRecording", 1),
    ("sipEndpoint.muteMicrophone", 0),
    ("sipEndpoint.unmuteMicrophone", 0),
    ("sipEndpoint.muteSpeaker", 0),
    ("sipEndpoint.unmuteSpeaker", 0),
    ("sipEndpoint.isMicrophoneMute", 0),
    ("sipEndpoint.isSpeakerMute", 0),
    ("email.create", 2),
    ("outbound.getCampaigns", 0),
    ("outbound.getPreviewRecord", 1),
    ("outbound.getChainedRecords", 1),
    ("outbound.getRecordFields", 1),
    ("outbound.updateRecordFields", 2),
    ("outbound.callPreviewRecord", 2),
    ("outbound.rejectPreviewRecord", 1),
    ("outbound.cancelPreviewRecord", 1),
    ("outbound.startDirectPushPreview", 0),
    ("outbound.stopDirectPushPreview", 0),
    ("outbound.rescheduleRecord", 4),
    ("outbound.cancelReschedule", 1),
    ("outbound.getListOfCallResults", 0),
    ("outbound.setCallResult", 2),
    ("outbound.getCallResult", 1),
    ("outbound.setDoNotCall", 1),
    ("outbound.removeDoNotCall", 1),
    ("media.setState", 2),
    ("media.getMediaList", 0),
    ("media.getMediaByName", 1),
    ("system.getAllowedServices", 0),
    ("system.triggerActivity", 0),
    ("system.popupToast", 1),
    ("system.updateToast", 2),
    ("system.closeToast", 1),
    ("system.openDialog", 2),
    ("system.closeDialog", 1),
    ("system.updateViewInApplicationMenuBar", 1),
    ("system.closeViewInApplicationMenuBar", 1),
    ("system.amIVisible", 0),
    ("system.isFrameLeading", 0),
    ("system.isFrameFollowing", 0),
    ("system.isFrameNegotiating", 0),
    ("system.isFrameLeadingOrNegotiating", 0),
    ("system.isLastActiveFrame", 0),
    ("messenger.broadcastMessage", 2),
    ("configuration.getOption", 1),
];

#[test]
fn catalog_has_every_transcribed_request() {
    for (name, count) in TRANSCRIBED {
        let spec = catalog::request(name).unwrap_or_else(|| panic!("catalog lacks {name}"));
        assert_eq!(spec.params.len(), *count, "parameter count of {name}");
    }
    // And nothing the reference does not list.
    assert_eq!(catalog::requests().len(), TRANSCRIBED.len());
}

#[test]
fn catalog_lists_every_namespace_event_and_option() {
    let namespaces: Vec<_> = catalog::namespaces().iter().map(|n| n.name).collect();
    assert_eq!(
        namespaces,
        [
            "auth", "agent", "interaction", "voice", "sipEndpoint", "email", "outbound", "media",
            "system", "messenger", "configuration"
        ]
    );
    for ev in ["agent", "interaction", "media", "outbound", "system", "markdone", "messenger:sales"] {
        assert!(catalog::event(ev).is_some(), "event {ev}");
    }
    for opt in [
        "service-client-api.accepted-web-content-origins",
        "service-client-api.rate-limit",
        "service-client-api.rate-limit.voice.dial",
        "service-client-api.rate-limit-quarantine-delay",
        "service-client-api.user-data.read-allowed",
        "service-client-api.user-data.write-allowed",
        "interaction.web-content",
    ] {
        assert!(catalog::option(opt).is_some(), "option {opt}");
    }
}

#[test]
fn catalog_has_every_event_type_of_the_guide() {
    use catalog::EventGroup::*;
    let groups = [
        (Agent, &["STATE_CHANGED"][..]),
        (System, &["CUSTOM_TOAST_BUTTON_CLICK"]),
        (
            Common,
            &["UNKNOWN", "ADDED", "REMOVED", "ATTACHED_DATA_CHANGED", "CASE_OR_BUNDLE_ID_CHANGED", "NEW_MESSAGE", "ERROR"],
        ),
        (Voice, &["CALL_RECORDING_STATE_CHANGED", "DIALING", "ESTABLISHED", "HELD", "PARTY_CHANGED", "RELEASED", "RINGING"]),
        (
            OpenMedia,
            &[
                "ACCEPTED", "COMPLETED", "COMPOSING", "CREATED", "INSERT_STANDARD_RESPONSE", "INVITED",
                "INVITED_CONFERENCE", "IN_QUEUE_FAILED", "IN_WORKBIN", "IN_WORKBIN_FAILED", "LEFT_CONFERENCE",
                "PULLED", "PULL_FAILED", "PULL_WORKBIN_FAILED", "REVOKED", "TRANSFER_COMPLETED",
            ],
        ),
        (Chat, &["ENDED", "JOIN_FAILED", "JOIN_PENDING"]),
        (OutboundEmail, &["CANCELLED", "SENT"]),
    ];
    let mut total = 0;
    for (group, names) in groups {
        for name in names {
            let spec = catalog::event_type(name).unwrap_or_else(|| panic!("catalog lacks eventType {name}"));
            assert_eq!(spec.group, group, "{name}");
            assert!(!spec.description.is_empty());
            total += 1;
        }
    }
    assert_eq!(catalog::event_types().len(), total);
}

/// Parses the request section of wire-protocol.md: `- \`ns\`: a(x), b(y, z)`
/// bullets, continued on indented lines.
fn requests_in_reference(text: &str) -> Vec<(String, Vec<String>)> {
    let start = text.find("## Requests in the client library").expect("request section");
    let section = &text[start..];
    let end = section.find("Event names that clients").unwrap_or(section.len());
    let section = &section[..end];
    let mut out = Vec::new();
    let mut bullets: Vec<(String, String)> = Vec::new();
    for line in section.lines() {
        if let Some(rest) = line.strip_prefix("- `") {
            let (ns, body) = rest.split_once("`:").expect("namespace bullet");
            bullets.push((ns.to_owned(), body.to_owned()));
        } else if let Some(last) = bullets.last_mut() {
            if line.starts_with("  ") {
                last.1.push(' ');
                last.1.push_str(line.trim());
            }
        }
    }
    for (ns, body) in bullets {
        // Drop the "-- delivered as ..." remarks.
        let body = body.split("--").next().unwrap();
        let mut rest = body;
        while let Some(open) = rest.find('(') {
            let name = rest[..open].rsplit(|c: char| !c.is_alphanumeric()).next().unwrap();
            let close = rest[open..].find(')').expect("closing parenthesis") + open;
            let params = rest[open + 1..close]
                .split(',')
                .map(|p| p.trim().to_owned())
                .filter(|p| !p.is_empty())
                .collect();
            out.push((format!("{ns}.{name}"), params));
            rest = &rest[close + 1..];
        }
    }
    out
}

#[test]
fn catalog_matches_the_reference_file_when_present() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../shared/reference/wire-protocol.md");
    let Ok(text) = std::fs::read_to_string(path) else { return };
    let reference = requests_in_reference(&text);
    assert_eq!(reference.len(), TRANSCRIBED.len(), "reference and transcription disagree on the count");
    for (name, params) in &reference {
        let spec = catalog::request(name).unwrap_or_else(|| panic!("catalog lacks {name} from the reference"));
        assert_eq!(spec.params.len(), params.len(), "parameter count of {name}");
        for (p, want) in spec.params.iter().zip(params) {
            // `stateListIndex | operationName` is one parameter of two forms.
            if !want.contains('|') {
                assert_eq!(p.name, want, "parameter of {name}");
            }
        }
    }
}

#[test]
fn the_reference_parser_reads_bullets_and_continuations() {
    let text = "## Requests in the client library (by namespace)\n\n- `agent`: get(), setState(a | b)\n- `voice`: dial(destination, userData),\n  hold(interactionId)\n\nEvent names that clients subscribe to";
    let got = requests_in_reference(text);
    assert_eq!(
        got,
        vec![
            ("agent.get".to_owned(), vec![]),
            ("agent.setState".to_owned(), vec!["a | b".to_owned()]),
            ("voice.dial".to_owned(), vec!["destination".to_owned(), "userData".to_owned()]),
            ("voice.hold".to_owned(), vec!["interactionId".to_owned()]),
        ]
    );
}
