//! Every fault kind over real loopback HTTP with a real client, plus triggers,
//! seeding and runtime switching.

use std::time::{Duration, Instant};

use crate::common::*;
use lapor_sim::{FaultRule, SimHandle};
use lapor_wire::{
    ComplaintDetail, ComplaintSummary, CreateComplaintResponse, Institution, LaporId,
    MAX_BODY_BYTES, Page, Template, WireError,
};

fn with_faults(specs: &[&str]) -> SimHandle {
    let rules: Vec<FaultRule> = specs.iter().map(|s| FaultRule::parse(s).unwrap()).collect();
    start_with(|c| {
        c.faults = rules;
        c.seed = 2026;
    })
}

fn send_create(sim: &SimHandle, uid: &str) -> Result<reqwest::blocking::Response, reqwest::Error> {
    authed(client().post(url(sim, "/complaints/complaint")))
        .json(&sample(uid))
        .send()
}

#[test]
fn commit_then_drop_creates_but_client_sees_transport_error() {
    let sim = with_faults(&["create_complaint:commit_drop@next=1"]);
    let uid = "dropped-00001";
    let err = send_create(&sim, uid).expect_err("the response must never arrive");
    assert!(
        err.status().is_none(),
        "a transport error, not an HTTP status: {err:?}"
    );
    assert!(
        !err.is_timeout(),
        "the connection was aborted, not slow: {err:?}"
    );

    // ... yet the complaint really exists.
    let stored = sim.admin().complaints_with_tag(&tag(uid)).unwrap();
    assert_eq!(stored.len(), 1);

    // A blind resend makes the duplicate real clients suffer from ...
    let again: CreateComplaintResponse = read(send_create(&sim, uid).unwrap()).decode().unwrap();
    let copies = sim.admin().complaints_with_tag(&tag(uid)).unwrap();
    assert_eq!(copies.len(), 2);
    // ... which the (assumed) search endpoint lets a client detect.
    let found: Page<ComplaintSummary> = get(&sim, &lapor_wire::search_path(&tag(uid)))
        .decode()
        .unwrap();
    assert_eq!(found.items.len(), 2);
    assert!(
        found
            .items
            .iter()
            .any(|c| c.complaint_id == again.complaint_id)
    );

    let st = sim.admin().stats().unwrap();
    assert_eq!(st.faults["commit_drop"], 1);
    assert_eq!(st.faults_by_endpoint["create_complaint"]["commit_drop"], 1);
    assert_eq!(st.requests["create_complaint"], 2);
}

#[test]
fn reset_is_a_transport_error_and_stores_nothing() {
    let sim = with_faults(&["create_complaint:reset@next=1", "templates:reset@next=1"]);
    let err = send_create(&sim, "reset-000001").expect_err("reset");
    assert!(err.status().is_none(), "{err:?}");
    assert!(!err.is_timeout());
    assert!(
        sim.admin().complaints().unwrap().is_empty(),
        "nothing committed"
    );
    let err = authed(client().get(url(&sim, "/masters/templates")))
        .send()
        .expect_err("reset");
    assert!(err.status().is_none());
    // The server is fine afterwards, on a new connection.
    let t: Vec<Template> = get(&sim, "/masters/templates").decode().unwrap();
    assert!(!t.is_empty());
    assert_eq!(sim.admin().stats().unwrap().faults["reset"], 2);
}

#[test]
fn raw_tcp_sees_the_connection_die_without_an_answer() {
    // Below any HTTP client: the socket yields EOF or ECONNRESET and zero bytes.
    use std::io::{Read, Write};
    let sim = with_faults(&["get_complaint:reset", "templates:commit_drop"]);
    for path in ["/complaints/1/complaint", "/masters/templates"] {
        let mut s = std::net::TcpStream::connect(sim.addr()).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        write!(
            s,
            "GET {path} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {KEY}\r\ntoken: {TOKEN}\r\n\r\n"
        )
        .unwrap();
        let mut buf = Vec::new();
        let r = s.read_to_end(&mut buf);
        assert!(
            buf.is_empty(),
            "{path}: got {:?}",
            String::from_utf8_lossy(&buf)
        );
        match r {
            Ok(0) => {}
            Err(e) => assert_eq!(e.kind(), std::io::ErrorKind::ConnectionReset, "{path}"),
            Ok(n) => panic!("{path}: read {n} bytes"),
        }
    }
}

#[test]
fn http_error_statuses() {
    let sim = with_faults(&[
        "institutions:500@next=1",
        "institutions:502@next=1",
        "institutions:503@next=1",
        "create_complaint:503@next=1",
    ]);
    for code in [500u16, 502, 503] {
        let r = get(&sim, &lapor_wire::institutions_path(10));
        assert_eq!(r.status, code);
        match r.decode::<Page<Institution>>() {
            Err(WireError::Remote { http_status, .. }) => assert_eq!(http_status, code),
            other => panic!("{code}: {other:?}"),
        }
    }
    assert_eq!(get(&sim, &lapor_wire::institutions_path(10)).status, 200);
    let r = read(send_create(&sim, "status-00001").unwrap());
    assert_eq!(r.status, 503);
    assert!(
        sim.admin().complaints().unwrap().is_empty(),
        "an error status stores nothing"
    );
    let st = sim.admin().stats().unwrap();
    assert_eq!(st.faults["status_500"], 1);
    assert_eq!(st.faults["status_502"], 1);
    assert_eq!(st.faults["status_503"], 2);
}

#[test]
fn expired_token_401() {
    let sim = with_faults(&["get_complaint:unauthorized@next=1"]);
    let id = create(&sim, &sample("expired-0001")).complaint_id;
    let r = get(&sim, &lapor_wire::complaint_path(&id));
    assert_eq!(r.status, 401);
    match r.decode::<ComplaintDetail>() {
        Err(WireError::Remote {
            http_status: 401,
            message,
            ..
        }) => {
            assert_eq!(message.as_deref(), Some("Token expired"))
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(get(&sim, &lapor_wire::complaint_path(&id)).status, 200);
    let st = sim.stats().unwrap();
    assert_eq!(st.faults["unauthorized"], 1);
    assert_eq!(
        st.auth_failures, 0,
        "an injected 401 is not a credential failure"
    );
}

#[test]
fn rate_limit_with_retry_after() {
    let sim = with_faults(&["templates:rate_limit=7@next=2"]);
    for _ in 0..2 {
        let r = get(&sim, "/masters/templates");
        assert_eq!(r.status, 429);
        assert_eq!(r.headers["retry-after"], "7");
        assert!(matches!(
            r.decode::<Vec<Template>>(),
            Err(WireError::Remote {
                http_status: 429,
                ..
            })
        ));
    }
    assert_eq!(get(&sim, "/masters/templates").status, 200);
}

#[test]
fn latency_is_added() {
    let sim = with_faults(&["templates:latency=400", "templates:503@next=1"]);
    let t0 = Instant::now();
    let r = get(&sim, "/masters/templates");
    assert!(t0.elapsed() >= Duration::from_millis(400));
    assert_eq!(r.status, 503, "latency combines with another fault");
    let t0 = Instant::now();
    let r = get(&sim, "/masters/templates");
    assert!(t0.elapsed() >= Duration::from_millis(400));
    assert_eq!(r.status, 200);
    let t0 = Instant::now();
    get(&sim, &lapor_wire::institutions_path(1));
    assert!(
        t0.elapsed() < Duration::from_millis(400),
        "other endpoints unaffected"
    );
    assert_eq!(sim.stats().unwrap().faults["latency"], 2);
}

#[test]
fn malformed_json_after_commit() {
    let sim = with_faults(&["create_complaint:malformed@next=1"]);
    let r = read(send_create(&sim, "malformed-01").unwrap());
    assert_eq!(r.status, 200);
    let e = r.decode::<CreateComplaintResponse>().unwrap_err();
    assert_eq!(e.code(), "LAPOR_MALFORMED_JSON");
    assert!(e.is_undecodable());
    // The create went through: the client must reconcile, not resend.
    assert_eq!(
        sim.admin()
            .complaints_with_tag(&tag("malformed-01"))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn html_error_page() {
    let sim = with_faults(&["get_complaint:html@next=1", "get_complaint:html=200@next=1"]);
    let id = create(&sim, &sample("html-000001")).complaint_id;
    let r = get(&sim, &lapor_wire::complaint_path(&id));
    assert_eq!(r.status, 502);
    assert!(r.content_type.as_deref().unwrap().starts_with("text/html"));
    match r.decode::<ComplaintDetail>() {
        Err(WireError::HtmlPage {
            http_status: 502,
            title,
        }) => assert_eq!(title, "502 Bad Gateway"),
        other => panic!("{other:?}"),
    }
    let r = get(&sim, &lapor_wire::complaint_path(&id));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.decode::<ComplaintDetail>().unwrap_err().code(),
        "LAPOR_HTML_PAGE"
    );
    assert!(
        get(&sim, &lapor_wire::complaint_path(&id))
            .decode::<ComplaintDetail>()
            .is_ok()
    );
}

#[test]
fn slow_body_trickles_the_real_answer() {
    let sim = with_faults(&["templates:slow=20@next=1"]);
    let t0 = Instant::now();
    let r = get(&sim, "/masters/templates");
    let took = t0.elapsed();
    let chunks = r.body.len().div_ceil(16) as u32;
    assert!(
        took >= Duration::from_millis(20) * chunks,
        "{took:?} for {chunks} chunks"
    );
    let t: Vec<Template> = r.decode().expect("the slow answer is complete and valid");
    assert!(!t.is_empty());
}

#[test]
fn slow_body_times_out_after_commit() {
    let sim = with_faults(&["create_complaint:slow=300@next=1"]);
    let c = client_with_timeout(Duration::from_millis(700));
    let outcome = authed(c.post(url(&sim, "/complaints/complaint")))
        .json(&sample("slow-0000001"))
        .send()
        .and_then(|r| r.bytes());
    let err = outcome.expect_err("the client gives up");
    assert!(err.is_timeout(), "{err:?}");
    assert_eq!(
        sim.admin()
            .complaints_with_tag(&tag("slow-0000001"))
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn huge_body_exceeds_the_client_limit() {
    let sim = with_faults(&["get_complaint:huge@next=1", "templates:huge=1000@next=1"]);
    let id = create(&sim, &sample("huge-0000001")).complaint_id;
    let r = get(&sim, &lapor_wire::complaint_path(&id));
    assert_eq!(r.status, 200);
    assert_eq!(
        r.body.len(),
        MAX_BODY_BYTES + 1,
        "the client stopped reading at its limit"
    );
    assert_eq!(
        r.decode::<ComplaintDetail>().unwrap_err(),
        WireError::BodyTooLarge {
            limit: MAX_BODY_BYTES
        }
    );
    // A small "huge" body is valid JSON of the wrong shape.
    let r = get(&sim, "/masters/templates");
    assert!((1000..1100).contains(&r.body.len()), "{}", r.body.len());
    assert!(r.decode::<Vec<Template>>().is_err());
    assert!(
        get(&sim, &lapor_wire::complaint_path(&id))
            .decode::<ComplaintDetail>()
            .is_ok()
    );
}

/// Status sequence of `n` template requests.
fn pattern(sim: &SimHandle, n: usize) -> Vec<u16> {
    (0..n)
        .map(|_| get(sim, "/masters/templates").status)
        .collect()
}

#[test]
fn every_nth_and_next_n() {
    let sim = with_faults(&["templates:503@every=3"]);
    assert_eq!(pattern(&sim, 6), [200, 200, 503, 200, 200, 503]);
    let sim = with_faults(&["templates:502@next=2"]);
    assert_eq!(pattern(&sim, 4), [502, 502, 200, 200]);
}

#[test]
fn probability_is_reproducible_with_the_seed() {
    let run = |seed: u64| {
        let sim = start_with(|c| {
            c.faults = vec![FaultRule::parse("templates:503@p=0.5").unwrap()];
            c.seed = seed;
        });
        pattern(&sim, 40)
    };
    let a = run(7);
    assert_eq!(a, run(7));
    assert_ne!(a, run(8));
    let failures = a.iter().filter(|s| **s == 503).count();
    assert!((8..=32).contains(&failures), "{failures}");
}

#[test]
fn faults_switch_at_runtime() {
    let sim = start();
    let admin = sim.admin();
    assert!(admin.faults().unwrap().rules.is_empty());
    admin
        .set_fault_specs(&["templates:503", "*:latency=1@next=1"], Some(99))
        .unwrap();
    let set = admin.faults().unwrap();
    assert_eq!(set.rules.len(), 2);
    assert_eq!(set.seed, Some(99));
    assert_eq!(get(&sim, "/masters/templates").status, 503);
    admin
        .add_fault(FaultRule::parse("institutions:429=3").unwrap())
        .unwrap();
    assert_eq!(get(&sim, &lapor_wire::institutions_path(1)).status, 429);
    admin.clear_faults().unwrap();
    assert_eq!(get(&sim, "/masters/templates").status, 200);
    // The object form is accepted too, and bad rules are refused.
    let r: Result<serde_json::Value, _> = admin.call(
        "POST",
        "/__sim/faults",
        Some(&serde_json::json!({"endpoint":"search","fault":{"kind":"status","code":500},"trigger":{"every_nth":2}})),
    );
    assert!(r.is_ok());
    let r: Result<serde_json::Value, _> = admin.call(
        "POST",
        "/__sim/faults",
        Some(&serde_json::json!("search:explode")),
    );
    assert!(matches!(
        r,
        Err(lapor_sim::SimError::AdminHttp { status: 400, .. })
    ));
    let st = admin.stats().unwrap();
    assert_eq!(st.seed, 99);
    assert_eq!(st.faults["status_503"], 1);
    assert_eq!(st.faults["rate_limit"], 1);
}

#[test]
fn every_fault_kind_on_every_endpoint_keeps_the_server_alive() {
    // One request per (endpoint, fault) pair; whatever happens on the wire,
    // the simulator answers the next clean request.
    let kinds = [
        "500",
        "502",
        "503",
        "unauthorized",
        "rate_limit",
        "reset",
        "malformed",
        "html",
        "slow=1",
        "huge=64",
        "commit_drop",
        "latency=1",
    ];
    let sim = start();
    let id = create(&sim, &sample("alive-000001")).complaint_id;
    let admin = sim.admin();
    let quick = client_with_timeout(Duration::from_secs(10));
    for e in lapor_wire::Endpoint::ALL {
        for k in kinds {
            admin
                .set_fault_specs(&[&format!("{}:{k}@next=1", e.key())], None)
                .unwrap();
            let path = match e {
                lapor_wire::Endpoint::Institutions => lapor_wire::institutions_path(5),
                lapor_wire::Endpoint::Templates => lapor_wire::templates_path(),
                lapor_wire::Endpoint::GetComplaint => lapor_wire::complaint_path(&id),
                lapor_wire::Endpoint::ListFollowups => lapor_wire::followups_path(&id, 1),
                lapor_wire::Endpoint::Search => lapor_wire::search_path("posko-ref-12345678"),
                // POST endpoints: built below with their real bodies.
                _ => String::new(),
            };
            let outcome = if path.is_empty() {
                let rb = match e {
                    lapor_wire::Endpoint::UploadFile => quick
                        .post(url(&sim, &lapor_wire::upload_file_path()))
                        .multipart(files_form(&[("a.txt", b"a")])),
                    lapor_wire::Endpoint::CreateComplaint => quick
                        .post(url(&sim, &lapor_wire::create_complaint_path()))
                        .json(&sample("alive-000002")),
                    lapor_wire::Endpoint::Reject => quick
                        .post(url(&sim, &lapor_wire::reject_path(&id)))
                        .json(&lapor_wire::RejectRequest {
                            institution_id: LaporId::from_u64(102),
                            reason: "x".into(),
                        }),
                    _ => quick
                        .post(url(&sim, &lapor_wire::add_followup_path()))
                        .multipart(followup_form(
                            &lapor_wire::AddFollowUpForm {
                                complaint_id: id.clone(),
                                institution_from_id: None,
                                institution_to_id: None,
                                content: "x".into(),
                                template_code: None,
                                rating: None,
                                is_secret: false,
                            },
                            &[],
                        )),
                };
                authed(rb).send().map(read)
            } else {
                authed(quick.get(url(&sim, &path))).send().map(read)
            };
            let expected: Option<u16> = match k {
                "reset" | "commit_drop" => None,
                "500" | "502" | "503" => k.parse().ok(),
                "unauthorized" => Some(401),
                "rate_limit" => Some(429),
                "html" => Some(502),
                _ => Some(200),
            };
            match (&outcome, expected) {
                (Ok(r), Some(code)) => assert_eq!(r.status, code, "{} {k}", e.key()),
                (Err(err), None) => assert!(err.status().is_none(), "{} {k}", e.key()),
                (o, x) => panic!(
                    "{} {k}: got {:?}, expected {x:?}",
                    e.key(),
                    o.as_ref().map(|r| r.status)
                ),
            }
            assert_eq!(
                get(&sim, "/masters/templates").status,
                200,
                "{} {k}",
                e.key()
            );
        }
    }
    let st = admin.stats().unwrap();
    for k in [
        "status_500",
        "status_502",
        "status_503",
        "unauthorized",
        "rate_limit",
        "reset",
        "malformed",
        "html",
        "slow_body",
        "huge_body",
        "commit_drop",
        "latency",
    ] {
        assert_eq!(st.faults[k], 9, "{k}");
    }
}
