//! docs/lapor-openapi.yaml and the code agree: the same paths and methods as
//! the simulator routes, the same endpoint keys and provenance as lapor-wire,
//! the same request fields, and a provenance mark on every field.

use std::collections::BTreeSet;
use std::path::PathBuf;

use lapor_wire::{Endpoint, FILE_FIELD, FOLLOWUP_TEXT_FIELDS};
use serde_json::Value;

fn spec() -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../docs/lapor-openapi.yaml");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_norway::from_str(&text).expect("valid YAML")
}

const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

fn operations(spec: &Value) -> Vec<(String, String, Value)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for (k, op) in item.as_object().expect("path item") {
            if METHODS.contains(&k.as_str()) {
                out.push((k.to_uppercase(), path.clone(), op.clone()));
            }
        }
    }
    out
}

#[test]
fn is_openapi_3_1() {
    let s = spec();
    assert!(s["openapi"].as_str().unwrap().starts_with("3.1."));
}

#[test]
fn routed_paths_and_openapi_paths_are_the_same_set() {
    let s = spec();
    let documented: BTreeSet<(String, String)> =
        operations(&s).into_iter().map(|(m, p, _)| (m, p)).collect();
    let routed: BTreeSet<(String, String)> = lapor_sim::routed_paths()
        .into_iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let undocumented: Vec<_> = routed.difference(&documented).collect();
    let unrouted: Vec<_> = documented.difference(&routed).collect();
    assert!(
        undocumented.is_empty(),
        "routed but not in the OpenAPI file: {undocumented:?}"
    );
    assert!(
        unrouted.is_empty(),
        "in the OpenAPI file but not routed: {unrouted:?}"
    );
    assert_eq!(routed.len(), Endpoint::ALL.len());
}

#[test]
fn operations_carry_key_and_provenance() {
    let s = spec();
    for (method, path, op) in operations(&s) {
        let key = op["x-posko-endpoint-key"].as_str().unwrap_or_default();
        let e = Endpoint::from_key(key).unwrap_or_else(|| panic!("{method} {path}: key {key:?}"));
        assert_eq!(e.path_template(), path);
        assert_eq!(e.method().as_str(), method);
        assert_eq!(op["operationId"], key);
        assert_eq!(
            op["x-posko-provenance"].as_str(),
            Some(e.provenance().as_str()),
            "{method} {path}"
        );
        for p in op["parameters"].as_array().into_iter().flatten() {
            if p.get("$ref").is_none() {
                let prov = p["x-posko-provenance"].as_str();
                assert!(
                    matches!(prov, Some("observed" | "assumed")),
                    "{method} {path} parameter {}",
                    p["name"]
                );
            }
        }
    }
    let search = &s["paths"]["/complaints/complaint/search"]["get"];
    assert_eq!(search["x-posko-provenance"], "assumed");
}

#[test]
fn every_field_has_a_provenance_and_every_ref_resolves() {
    let s = spec();
    let schemas = s["components"]["schemas"].as_object().unwrap();
    for (name, schema) in schemas {
        for (field, def) in schema["properties"].as_object().into_iter().flatten() {
            let prov = def["x-posko-provenance"].as_str();
            assert!(
                matches!(prov, Some("observed" | "assumed")),
                "{name}.{field} lacks x-posko-provenance"
            );
        }
    }
    fn walk(v: &Value, root: &Value, seen: &mut usize) {
        match v {
            Value::Object(o) => {
                if let Some(Value::String(r)) = o.get("$ref") {
                    let ptr = r.strip_prefix('#').expect("local ref");
                    assert!(root.pointer(ptr).is_some(), "dangling $ref {r}");
                    *seen += 1;
                }
                o.values().for_each(|x| walk(x, root, seen));
            }
            Value::Array(a) => a.iter().for_each(|x| walk(x, root, seen)),
            _ => {}
        }
    }
    let mut refs = 0;
    walk(&s, &s, &mut refs);
    assert!(refs > 30);
}

fn property_names(s: &Value, schema: &str) -> BTreeSet<String> {
    s["components"]["schemas"][schema]["properties"]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect()
}

#[test]
fn request_fields_match_the_wire_types() {
    let s = spec();
    // A create request with every optional field present.
    let full = lapor_wire::CreateComplaintRequest {
        title: "t".into(),
        content: "c".into(),
        channel: 1.into(),
        classification_id: 1.into(),
        category_id: 1.into(),
        disposition_id: Some(1.into()),
        location_id: Some(1.into()),
        date_of_incident: Some(lapor_wire::IncidentDate(
            chrono::NaiveDate::from_ymd_opt(2026, 1, 1).unwrap(),
        )),
        is_anonymous: false,
        is_secret: false,
        tags_raw: String::new(),
        attachments: vec![],
        reporter_name: Some("n".into()),
        reporter_phone: Some("p".into()),
        reporter_email: Some("e".into()),
    };
    let sent: BTreeSet<String> = serde_json::to_value(&full)
        .unwrap()
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(sent, property_names(&s, "CreateComplaintRequest"));

    let reject: BTreeSet<String> = serde_json::to_value(lapor_wire::RejectRequest {
        institution_id: 1.into(),
        reason: "r".into(),
    })
    .unwrap()
    .as_object()
    .unwrap()
    .keys()
    .cloned()
    .collect();
    assert_eq!(reject, property_names(&s, "RejectRequest"));

    let mut form: BTreeSet<String> = FOLLOWUP_TEXT_FIELDS.iter().map(|s| s.to_string()).collect();
    form.insert(FILE_FIELD.to_string());
    assert_eq!(form, property_names(&s, "AddFollowUpForm"));
}
