//! Least privilege: the main window's capability grants exactly the app's
//! commands, no more (no shell, fs, opener, http) and no fewer.

use std::collections::BTreeSet;

fn granted() -> (BTreeSet<String>, serde_json::Value) {
    let path =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src-tauri/capabilities/main.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let perms = v["permissions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| {
            p.as_str()
                .expect("permissions are plain identifiers")
                .to_owned()
        })
        .collect();
    (perms, v)
}

#[test]
fn every_command_is_granted_and_nothing_else() {
    let (perms, v) = granted();
    let expected: BTreeSet<String> = posko_app::COMMANDS
        .iter()
        .map(|c| format!("allow-{}", c.replace('_', "-")))
        .collect();
    let missing: Vec<_> = expected.difference(&perms).collect();
    let extra: Vec<_> = perms.difference(&expected).collect();
    assert!(
        missing.is_empty(),
        "commands no capability grants: {missing:?}"
    );
    assert!(
        extra.is_empty(),
        "capability grants that are not app commands: {extra:?}"
    );
    assert_eq!(v["windows"], serde_json::json!(["main"]));
    assert!(v.get("remote").is_none(), "no remote origin may reach IPC");
}

#[test]
fn csp_forbids_inline_and_remote_scripts() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tauri.conf.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let csp = &v["app"]["security"]["csp"];
    assert_eq!(csp["script-src"], "'self'");
    assert_eq!(csp["default-src"], "'self'");
    assert_eq!(csp["object-src"], "'none'");
    for (k, val) in csp.as_object().unwrap() {
        let s = val.as_str().unwrap();
        assert!(
            !s.contains("http:") || k == "connect-src",
            "{k} allows http: {s}"
        );
        assert!(!s.contains("https:"), "{k} allows remote https: {s}");
        assert!(!s.contains("'unsafe-eval'"), "{k} allows eval");
    }
}

/// Updates are configured with signature checking and off: the release's
/// minisign (Ed25519) public key is in tauri.conf.json, no endpoint is set,
/// no updater artifact is built and the window holds no updater permission
/// (the test above allows only the app's own commands).
#[test]
fn updater_checks_signatures_and_is_off() {
    use base64::Engine as _;
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tauri.conf.json");
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    let updater = &v["plugins"]["updater"];
    let b64 = base64::engine::general_purpose::STANDARD;
    let text = b64
        .decode(updater["pubkey"].as_str().expect("an updater public key"))
        .expect("the public key is base64");
    let text = String::from_utf8(text).unwrap();
    let mut lines = text.lines();
    assert!(
        lines
            .next()
            .unwrap()
            .starts_with("untrusted comment: minisign public key")
    );
    let key = b64.decode(lines.next().unwrap()).unwrap();
    assert_eq!(key.len(), 2 + 8 + 32, "algorithm, key id, Ed25519 key");
    assert_eq!(&key[..2], b"Ed");
    assert_eq!(updater["endpoints"], serde_json::json!([]), "off");
    assert_eq!(v["bundle"]["createUpdaterArtifacts"], false);
    let (perms, _) = granted();
    assert!(perms.iter().all(|p| !p.starts_with("updater:")));
}
