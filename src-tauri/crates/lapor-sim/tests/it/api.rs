//! Every LAPOR! endpoint over real loopback HTTP: happy path, strictness, and
//! auth failure.

use crate::common::*;
use lapor_wire::{
    AddFollowUpForm, AddFollowUpResponse, ComplaintDetail, ComplaintSummary, Endpoint, FollowUp,
    Institution, LaporId, Page, ProcessResult, RejectRequest, Template, UploadedDocument,
    WireError, status,
};

#[test]
fn institutions_paged() {
    let sim = start();
    let p: Page<Institution> = get(&sim, &lapor_wire::institutions_path(5))
        .decode()
        .unwrap();
    assert_eq!(p.items.len(), 5);
    assert_eq!(p.total, Some(16));
    assert_eq!(p.next_page(), Some(2));
    assert_eq!(p.items[0].name, "Dinas Kesehatan Kabupaten Bogor");
    let all: Page<Institution> = get(&sim, &lapor_wire::institutions_path(500))
        .decode()
        .unwrap();
    assert_eq!(all.items.len(), 16);
    assert_eq!(all.next_page(), None);
    assert!(all.items.iter().any(|i| i.name.starts_with("Puskesmas")));
    assert!(all.items.iter().any(|i| i.name.starts_with("RSUD")));
    let p2: Page<Institution> = get(&sim, "/masters/institutions/external?page_size=5&page=4")
        .decode()
        .unwrap();
    assert_eq!(p2.items.len(), 1);
    let bad = get(&sim, "/masters/institutions/external?page_size=banyak");
    assert_eq!(bad.status, 422);
}

#[test]
fn templates_list() {
    let sim = start();
    let t: Vec<Template> = get(&sim, &lapor_wire::templates_path()).decode().unwrap();
    assert!(t.len() >= 4);
    assert!(
        t.iter()
            .all(|t| t.content.as_deref().is_some_and(|c| !c.is_empty()))
    );
    assert!(t.iter().any(|t| t.template_code == "TL-01"));
}

#[test]
fn upload_then_create_with_attachments() {
    let sim = start();
    let docs: Vec<UploadedDocument> = post_multipart(
        &sim,
        &lapor_wire::upload_file_path(),
        files_form(&[
            ("foto.jpg", b"\xff\xd8\xff fake jpeg"),
            ("surat.pdf", b"%PDF-1.4 fake"),
        ]),
    )
    .decode()
    .unwrap();
    assert_eq!(docs.len(), 2);
    assert_eq!(docs[1].file_name.as_deref(), Some("surat.pdf"));
    let mut req = sample("upload-0001");
    req.attachments = docs.iter().map(|d| d.id.clone()).collect();
    let r = create(&sim, &req);
    let stored = sim.admin().complaint(&r.complaint_id).unwrap();
    assert_eq!(
        stored.payload["attachments"],
        serde_json::json!([9001, 9002])
    );

    // An unknown document id is a validation error, and nothing is stored.
    req.attachments = vec![LaporId::from_u64(1)];
    let e = post_json(&sim, "/complaints/complaint", &req)
        .decode::<serde_json::Value>()
        .unwrap_err();
    match e {
        WireError::Remote {
            http_status: 422,
            fields,
            ..
        } => {
            assert_eq!(fields[0].field, "attachments")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(sim.admin().complaints().unwrap().len(), 1);

    // No file at all, or a file under another field name, is refused.
    let empty = post_multipart(
        &sim,
        "/complaints/complaint/file",
        reqwest::blocking::multipart::Form::new().text("x", "y"),
    );
    assert_eq!(empty.status, 422);
    let wrong = post_multipart(
        &sim,
        "/complaints/complaint/file",
        reqwest::blocking::multipart::Form::new().part(
            "file",
            reqwest::blocking::multipart::Part::bytes(b"x".to_vec()).file_name("a.txt"),
        ),
    );
    assert_eq!(wrong.status, 422);
}

#[test]
fn create_and_detail() {
    let sim = start();
    let req = sample("create-0001");
    let r = create(&sim, &req);
    assert_eq!(r.complaint_id.as_u64(), Some(700_001));
    let tracking = r.tracking_id.clone().unwrap();
    assert_eq!(tracking.len(), 7);
    assert!(tracking.bytes().all(|b| b.is_ascii_digit()));

    let d: ComplaintDetail = get(&sim, &lapor_wire::complaint_path(&r.complaint_id))
        .decode()
        .unwrap();
    assert_eq!(d.complaint_id, r.complaint_id);
    assert_eq!(d.tracking_id.as_deref(), Some(tracking.as_str()));
    assert_eq!(d.status_code.as_str(), status::BELUM_TERVERIFIKASI.code);
    assert_eq!(d.status_name, "Belum Terverifikasi");
    assert_eq!(d.is_secret, Some(true));
    assert_eq!(d.is_anonymous, Some(false));
    assert_eq!(d.status_logs.len(), 1);
    assert_eq!(d.data_logs.len(), 1);
    assert!(d.created_at.is_some());
    let disp = d.disposition.unwrap();
    assert_eq!(
        disp.name.as_deref(),
        Some("Dinas Kesehatan Kabupaten Bogor")
    );
    assert!(lapor_wire::tags_contain(
        d.tags_raw.as_deref().unwrap(),
        &tag("create-0001")
    ));
    // The store keeps the payload verbatim.
    let stored = sim.admin().complaint(700_001).unwrap();
    assert_eq!(stored.payload, serde_json::to_value(&req).unwrap());
}

#[test]
fn create_is_strict() {
    let sim = start();
    let mut v = serde_json::to_value(sample("strict-0001")).unwrap();
    v["nik"] = serde_json::json!("3201014101900003");
    let r = post_json(&sim, "/complaints/complaint", &v);
    assert_eq!(r.status, 422, "unknown fields are refused");

    let mut req = sample("strict-0002");
    req.title = "  ".into();
    let e = post_json(&sim, "/complaints/complaint", &req)
        .decode::<serde_json::Value>()
        .unwrap_err();
    assert!(matches!(
        e,
        WireError::Remote {
            http_status: 422,
            ..
        }
    ));

    req = sample("strict-0003");
    req.disposition_id = Some(LaporId::from_u64(999));
    assert_eq!(post_json(&sim, "/complaints/complaint", &req).status, 422);

    let r = read(
        authed(client().post(url(&sim, "/complaints/complaint")))
            .body(serde_json::to_string(&sample("strict-0004")).unwrap())
            .send()
            .unwrap(),
    );
    assert_eq!(r.status, 415, "JSON body needs the JSON content type");
    let r = read(
        authed(client().post(url(&sim, "/complaints/complaint")))
            .header("Content-Type", "application/json")
            .body("{not json")
            .send()
            .unwrap(),
    );
    assert_eq!(r.status, 400);
    assert_eq!(sim.admin().complaints().unwrap().len(), 0);
}

#[test]
fn get_complaint_not_found_is_json() {
    let sim = start();
    for path in ["/complaints/700999/complaint", "/complaints/abc/complaint"] {
        let r = get(&sim, path);
        assert_eq!(r.status, 404);
        assert!(matches!(
            r.decode::<ComplaintDetail>(),
            Err(WireError::Remote {
                http_status: 404,
                ..
            })
        ));
    }
    let r = get(&sim, "/no/such/route");
    assert_eq!(r.status, 404);
    assert!(r.decode::<()>().is_err());
}

#[test]
fn reject_forwards_to_another_institution() {
    let sim = start();
    let r = create(&sim, &sample("reject-0001"));
    let body = RejectRequest {
        institution_id: LaporId::from_u64(112),
        reason: "Bukan wewenang Dinas Kesehatan; terkait bantuan sosial.".into(),
    };
    let res: Option<ProcessResult> =
        post_json(&sim, &lapor_wire::reject_path(&r.complaint_id), &body)
            .decode()
            .unwrap();
    let res = res.unwrap();
    assert_eq!(res.status_name.as_deref(), Some("Bukan Wewenang"));
    let d: ComplaintDetail = get(&sim, &lapor_wire::complaint_path(&r.complaint_id))
        .decode()
        .unwrap();
    assert_eq!(d.status_code.as_str(), status::BUKAN_WEWENANG.code);
    assert_eq!(d.disposition.unwrap().id, Some(LaporId::from_u64(112)));
    assert_eq!(
        d.status_logs.last().unwrap().note.as_deref(),
        Some(body.reason.as_str())
    );

    let bad_target = RejectRequest {
        institution_id: LaporId::from_u64(1),
        reason: "x".into(),
    };
    assert_eq!(
        post_json(&sim, &lapor_wire::reject_path(&r.complaint_id), &bad_target).status,
        422
    );
    assert_eq!(
        post_json(&sim, "/complaints/process/123/reject", &body).status,
        404
    );
    let blank = RejectRequest {
        institution_id: LaporId::from_u64(112),
        reason: " ".into(),
    };
    assert_eq!(
        post_json(&sim, &lapor_wire::reject_path(&r.complaint_id), &blank).status,
        422
    );
}

#[test]
fn followups_add_and_page() {
    let sim = start_with(|c| c.followups_per_page = 5);
    let r = create(&sim, &sample("follow-0001"));
    for i in 0..6 {
        let form = AddFollowUpForm {
            complaint_id: r.complaint_id.clone(),
            institution_from_id: Some(LaporId::from_u64(101)),
            institution_to_id: Some(LaporId::from_u64(103)),
            content: format!("Tindak lanjut ke-{i}: petugas farmasi ditambah."),
            template_code: (i == 0).then(|| "TL-01".to_string()),
            rating: None,
            is_secret: i % 2 == 0,
        };
        let files: &[(&str, &[u8])] = if i == 0 {
            &[("bukti.pdf", b"%PDF-1.4")]
        } else {
            &[]
        };
        let a: AddFollowUpResponse = post_multipart(
            &sim,
            &lapor_wire::add_followup_path(),
            followup_form(&form, files),
        )
        .decode()
        .unwrap();
        assert!(a.followup_id.is_some());
    }
    sim.admin()
        .reporter_reply(&r.complaint_id, "Terima kasih, sudah lebih cepat.")
        .unwrap();

    let mut all: Vec<FollowUp> = Vec::new();
    let mut page = 1;
    loop {
        let p: Page<FollowUp> = get(&sim, &lapor_wire::followups_path(&r.complaint_id, page))
            .decode()
            .unwrap();
        all.extend(p.items.iter().cloned());
        match p.next_page() {
            Some(n) => page = n,
            None => break,
        }
    }
    assert_eq!(page, 2);
    assert_eq!(all.len(), 7);
    assert_eq!(all[0].template_code.as_deref(), Some("TL-01"));
    assert_eq!(all[0].attachments.len(), 1);
    assert_eq!(
        all[0].attachments[0].file_name.as_deref(),
        Some("bukti.pdf")
    );
    assert_eq!(
        all[0].institution_from.as_ref().unwrap().name.as_deref(),
        Some("Dinas Kesehatan Kabupaten Bogor")
    );
    assert_eq!(all[0].is_secret, Some(true));
    assert!(all[6].is_from_reporter());
    assert!(all.windows(2).all(|w| w[0].created_at <= w[1].created_at));
    // A page past the end is empty, not an error.
    let p: Page<FollowUp> = get(&sim, &lapor_wire::followups_path(&r.complaint_id, 9))
        .decode()
        .unwrap();
    assert!(p.items.is_empty());
    assert_eq!(get(&sim, "/complaints/42/followups?page=1").status, 404);
}

#[test]
fn add_followup_is_strict() {
    let sim = start();
    let r = create(&sim, &sample("follow-0002"));
    let form = reqwest::blocking::multipart::Form::new()
        .text("complaint_id", r.complaint_id.to_string())
        .text("content", "Isi")
        .text("nik", "3201014101900003");
    assert_eq!(
        post_multipart(&sim, "/complaints/followup/add", form).status,
        422
    );
    let form = reqwest::blocking::multipart::Form::new()
        .text("complaint_id", "123")
        .text("content", "Isi");
    assert_eq!(
        post_multipart(&sim, "/complaints/followup/add", form).status,
        422
    );
    let form = reqwest::blocking::multipart::Form::new()
        .text("complaint_id", r.complaint_id.to_string())
        .text("content", "Isi")
        .text("template_code", "TIDAK-ADA");
    assert_eq!(
        post_multipart(&sim, "/complaints/followup/add", form).status,
        422
    );
    let r2 = read(
        authed(client().post(url(&sim, "/complaints/followup/add")))
            .json(&serde_json::json!({"complaint_id": 1}))
            .send()
            .unwrap(),
    );
    assert_eq!(r2.status, 400, "follow-ups are multipart, not JSON");
    assert_eq!(sim.stats().unwrap().followups, 0);
}

#[test]
fn search_by_reference_tag() {
    let sim = start();
    let t = tag("search-0001");
    assert!(
        get(&sim, &lapor_wire::search_path(&t))
            .decode::<Page<ComplaintSummary>>()
            .unwrap()
            .items
            .is_empty()
    );
    let r = create(&sim, &sample("search-0001"));
    create(&sim, &sample("search-0002"));
    let found: Page<ComplaintSummary> = get(&sim, &lapor_wire::search_path(&t)).decode().unwrap();
    assert_eq!(found.items.len(), 1);
    assert_eq!(found.items[0].complaint_id, r.complaint_id);
    assert_eq!(found.items[0].tracking_id, r.tracking_id);
    // Whole tags only: a prefix does not match.
    let prefix: Page<ComplaintSummary> = get(&sim, &lapor_wire::search_path("posko-ref-search"))
        .decode()
        .unwrap();
    assert!(prefix.items.is_empty());
    assert_eq!(get(&sim, "/complaints/complaint/search").status, 422);
}

#[test]
fn search_can_be_switched_off() {
    let sim = start_with(|c| c.search_supported = false);
    let r = get(&sim, &lapor_wire::search_path(&tag("search-0003")));
    assert_eq!(r.status, 404);
}

/// A request for each endpoint, valid apart from the credentials.
fn each_endpoint(
    sim: &lapor_sim::SimHandle,
    id: &LaporId,
) -> Vec<(Endpoint, reqwest::blocking::RequestBuilder)> {
    let c = client();
    let u = |p: &str| url(sim, p);
    let form = AddFollowUpForm {
        complaint_id: id.clone(),
        institution_from_id: None,
        institution_to_id: None,
        content: "x".into(),
        template_code: None,
        rating: None,
        is_secret: false,
    };
    vec![
        (
            Endpoint::Institutions,
            c.get(u(&lapor_wire::institutions_path(10))),
        ),
        (Endpoint::Templates, c.get(u(&lapor_wire::templates_path()))),
        (
            Endpoint::UploadFile,
            c.post(u(&lapor_wire::upload_file_path()))
                .multipart(files_form(&[("a.txt", b"a")])),
        ),
        (
            Endpoint::CreateComplaint,
            c.post(u(&lapor_wire::create_complaint_path()))
                .json(&sample("auth-00001")),
        ),
        (
            Endpoint::Reject,
            c.post(u(&lapor_wire::reject_path(id)))
                .json(&RejectRequest {
                    institution_id: LaporId::from_u64(102),
                    reason: "x".into(),
                }),
        ),
        (
            Endpoint::GetComplaint,
            c.get(u(&lapor_wire::complaint_path(id))),
        ),
        (
            Endpoint::ListFollowups,
            c.get(u(&lapor_wire::followups_path(id, 1))),
        ),
        (
            Endpoint::AddFollowup,
            c.post(u(&lapor_wire::add_followup_path()))
                .multipart(followup_form(&form, &[])),
        ),
        (
            Endpoint::Search,
            c.get(u(&lapor_wire::search_path("posko-ref-12345678"))),
        ),
    ]
}

#[test]
fn every_endpoint_refuses_bad_credentials() {
    let sim = start();
    let id = create(&sim, &sample("auth-00000")).complaint_id;
    let before = sim.admin().complaints().unwrap().len();
    type Mutate = fn(reqwest::blocking::RequestBuilder) -> reqwest::blocking::RequestBuilder;
    let variants: [(&str, Mutate); 5] = [
        ("no headers", |rb| rb),
        ("wrong key", |rb| {
            rb.header("Authorization", "Bearer salah")
                .header("token", TOKEN)
        }),
        ("wrong token", |rb| {
            rb.header("Authorization", format!("Bearer {KEY}"))
                .header("token", "00000000-0000-0000-0000-000000000000")
        }),
        ("no bearer prefix", |rb| {
            rb.header("Authorization", KEY).header("token", TOKEN)
        }),
        ("key under another header", |rb| {
            rb.header("X-Api-Key", format!("Bearer {KEY}"))
                .header("token", TOKEN)
        }),
    ];
    let mut refused = 0;
    for (what, mutate) in variants {
        let reqs = each_endpoint(&sim, &id);
        assert_eq!(reqs.len(), Endpoint::ALL.len());
        for (e, rb) in reqs {
            let r = read(mutate(rb).send().unwrap());
            assert_eq!(r.status, 401, "{what} / {}", e.key());
            match r.decode::<serde_json::Value>() {
                Err(WireError::Remote {
                    http_status: 401,
                    message,
                    ..
                }) => {
                    assert!(message.is_some())
                }
                other => panic!("{what} / {}: {other:?}", e.key()),
            }
            refused += 1;
        }
    }
    assert_eq!(sim.stats().unwrap().auth_failures, refused);
    assert_eq!(
        sim.admin().complaints().unwrap().len(),
        before,
        "nothing stored"
    );

    // The same requests with the right headers all succeed.
    for (e, rb) in each_endpoint(&sim, &id) {
        let r = read(authed(rb).send().unwrap());
        assert_eq!(
            r.status,
            200,
            "{}: {}",
            e.key(),
            String::from_utf8_lossy(&r.body)
        );
    }
}

#[test]
fn auth_header_name_is_configurable() {
    let sim = start_with(|c| c.auth_header = "X-Lapor-Auth".into());
    let scheme = lapor_wire::AuthScheme::new("X-Lapor-Auth").unwrap();
    let rb = scheme.headers(KEY, TOKEN).unwrap().into_iter().fold(
        client().get(url(&sim, "/masters/templates")),
        |rb, (k, v)| rb.header(k, v),
    );
    assert_eq!(read(rb.send().unwrap()).status, 200);
    // The default header is now the wrong one.
    assert_eq!(get(&sim, "/masters/templates").status, 401);
}

#[test]
fn nik_like_text_is_counted() {
    let sim = start();
    let mut req = sample("nik-000001");
    req.content = "Pelapor dengan NIK 3201014101900003 mengeluh".into();
    create(&sim, &req);
    assert_eq!(sim.admin().stats().unwrap().nik_like_texts, 1);
}

#[test]
fn start_refuses_non_loopback_and_empty_credentials() {
    let mut cfg = lapor_sim::SimConfig::new(KEY, TOKEN);
    cfg.listen = "0.0.0.0:0".parse().unwrap();
    assert_eq!(
        lapor_sim::Sim::start(cfg).err().unwrap().code(),
        "SIM_NOT_LOOPBACK"
    );
    let cfg = lapor_sim::SimConfig::new("", TOKEN);
    assert_eq!(
        lapor_sim::Sim::start(cfg).err().unwrap().code(),
        "SIM_CONFIG"
    );
    // Debug output never shows the credentials.
    let dbg = format!("{:?}", lapor_sim::SimConfig::new(KEY, TOKEN));
    assert!(!dbg.contains(KEY) && !dbg.contains(TOKEN));
}
