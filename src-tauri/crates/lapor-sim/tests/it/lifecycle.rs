//! The admin API moves reports through their life; the client sees it through
//! the LAPOR! endpoints. State survives a restart on the same file.

use crate::common::*;
use lapor_sim::{ODD_STATUS, SimError};
use lapor_wire::{ComplaintDetail, FollowUp, LaporId, Page, status};

fn detail(sim: &lapor_sim::SimHandle, id: &LaporId) -> ComplaintDetail {
    get(sim, &lapor_wire::complaint_path(id)).decode().unwrap()
}

#[test]
fn main_path_verify_route_process_followup_reply_finish() {
    let sim = start();
    let admin = sim.admin();
    let id = create(&sim, &sample("life-000001")).complaint_id;

    let c = admin.verify(&id).unwrap();
    assert_eq!(c.status_name, "Terverifikasi");
    let c = admin.dispose(&id, 103).unwrap();
    assert_eq!(c.disposition_id, Some(103));
    assert_eq!(c.status_name, "Terverifikasi", "routing keeps the status");
    admin.process(&id).unwrap();
    admin
        .followup(
            &id,
            "Apotek puskesmas menambah satu petugas pada jam sibuk.",
        )
        .unwrap();
    admin
        .reporter_reply(&id, "Terima kasih, antrean sudah lebih singkat.")
        .unwrap();
    let c = admin.finish(&id).unwrap();
    assert_eq!(c.followups, 2);

    let d = detail(&sim, &id);
    assert_eq!(d.status_code.as_str(), status::SELESAI.code);
    assert_eq!(d.status_name, "Selesai");
    let names: Vec<_> = d
        .status_logs
        .iter()
        .map(|l| l.status_name.clone().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "Belum Terverifikasi",
            "Terverifikasi",
            "Dalam Proses",
            "Selesai"
        ]
    );
    assert_eq!(
        d.disposition.unwrap().name.as_deref(),
        Some("Puskesmas Cibinong")
    );
    assert!(d.data_logs.len() >= 6);

    let p: Page<FollowUp> = get(&sim, &lapor_wire::followups_path(&id, 1))
        .decode()
        .unwrap();
    assert_eq!(p.items.len(), 2);
    assert!(!p.items[0].is_from_reporter());
    assert_eq!(
        p.items[0].institution_from.as_ref().unwrap().id,
        Some(LaporId::from_u64(103))
    );
    assert!(p.items[1].is_from_reporter());
    assert_eq!(
        p.items[1].institution_to.as_ref().unwrap().id,
        Some(LaporId::from_u64(103))
    );
}

#[test]
fn side_exits_and_odd_statuses() {
    let sim = start();
    let admin = sim.admin();
    let mk = |uid: &str| create(&sim, &sample(uid)).complaint_id;

    let a = mk("side-000001");
    admin.archive(&a, "Laporan tidak jelas").unwrap();
    assert_eq!(detail(&sim, &a).status_name, "Diarsipkan");
    assert_eq!(
        detail(&sim, &a).status_logs.last().unwrap().note.as_deref(),
        Some("Laporan tidak jelas")
    );

    let r = mk("side-000002");
    admin.reject(&r, "Bukan pelayanan publik").unwrap();
    assert_eq!(detail(&sim, &r).status_code.as_str(), status::DITOLAK.code);

    let f = mk("side-000003");
    let c = admin.forward(&f, 113, "Terkait kepesertaan BPJS").unwrap();
    assert_eq!(c.disposition_id, Some(113));
    let d = detail(&sim, &f);
    assert_eq!(d.status_name, "Bukan Wewenang");
    assert_eq!(
        d.disposition.unwrap().name.as_deref(),
        Some("BPJS Kesehatan Kantor Cabang Bogor")
    );

    let p = mk("side-000004");
    admin.postpone(&p, "Menunggu data").unwrap();
    assert_eq!(detail(&sim, &p).status_name, "Ditunda");

    let o = mk("side-000005");
    admin
        .set_status(&o, ODD_STATUS.code, ODD_STATUS.name)
        .unwrap();
    let d = detail(&sim, &o);
    assert_eq!(d.status_code.as_str(), "99");
    assert_eq!(
        lapor_wire::status::known(Some(d.status_code.as_str()), Some(&d.status_name)),
        None,
        "clients must cope with a status nobody told them about"
    );
    // A code that is not even a number.
    admin.set_status(&o, "X-7", "Eskalasi Khusus").unwrap();
    assert_eq!(detail(&sim, &o).status_code.as_str(), "X-7");
}

#[test]
fn admin_errors_are_typed() {
    let sim = start();
    let admin = sim.admin();
    match admin.verify(123) {
        Err(SimError::AdminHttp { status: 404, .. }) => {}
        other => panic!("{other:?}"),
    }
    let id = create(&sim, &sample("adm-0000001")).complaint_id;
    match admin.dispose(&id, 5) {
        Err(SimError::AdminHttp { status: 422, .. }) => {}
        other => panic!("{other:?}"),
    }
    let r: Result<serde_json::Value, _> = admin.call(
        "POST",
        &format!("/__sim/complaints/{id}/verify"),
        Some(&serde_json::json!({"unknown": 1})),
    );
    assert!(matches!(r, Err(SimError::AdminHttp { status: 400, .. })));
    // Nobody listening.
    let gone = lapor_sim::AdminClient::new("127.0.0.1:9".parse().unwrap())
        .with_timeout(std::time::Duration::from_secs(2));
    assert_eq!(gone.health().unwrap_err().code(), "SIM_ADMIN_IO");
}

#[test]
fn list_counts_copies_per_reference() {
    let sim = start();
    for uid in ["count-000001", "count-000001", "count-000002"] {
        create(&sim, &sample(uid));
    }
    let admin = sim.admin();
    assert_eq!(admin.complaints().unwrap().len(), 3);
    assert_eq!(
        admin
            .complaints_with_tag(&tag("count-000001"))
            .unwrap()
            .len(),
        2
    );
    assert_eq!(
        admin
            .complaints_with_tag(&tag("count-000002"))
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        admin
            .complaints_with_tag(&tag("count-00000"))
            .unwrap()
            .len(),
        0
    );
    let all = admin.complaints().unwrap();
    assert!(
        all.iter()
            .all(|c| c.payload["is_secret"] == serde_json::json!(true))
    );
}

#[test]
fn reset_clears_data_and_counters_but_never_reuses_ids() {
    let sim = start();
    let first = create(&sim, &sample("reset-000001")).complaint_id;
    get(&sim, "/masters/templates");
    let admin = sim.admin();
    admin.set_fault_specs(&["search:500"], None).unwrap();
    admin.reset().unwrap();
    let st = admin.stats().unwrap();
    assert_eq!(st.complaints, 0);
    assert!(st.requests.is_empty());
    assert_eq!(admin.faults().unwrap().rules.len(), 1, "fault rules stay");
    let second = create(&sim, &sample("reset-000002")).complaint_id;
    assert!(second.as_u64() > first.as_u64());
    assert_eq!(get(&sim, &lapor_wire::complaint_path(&first)).status, 404);
    // Institutions and templates are still there.
    assert_eq!(
        get(&sim, &lapor_wire::institutions_path(100))
            .decode::<Page<lapor_wire::Institution>>()
            .unwrap()
            .items
            .len(),
        16
    );
}

#[test]
fn state_survives_a_restart_on_the_same_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("lapor-sim.sqlite3");
    let (id, tracking) = {
        let sim = start_with(|c| c.db_path = Some(db.clone()));
        let r = create(&sim, &sample("persist-0001"));
        sim.admin().verify(&r.complaint_id).unwrap();
        sim.admin()
            .followup(&r.complaint_id, "Sudah ditangani.")
            .unwrap();
        (r.complaint_id, r.tracking_id)
    }; // dropped: server stopped, file closed
    let sim = start_with(|c| c.db_path = Some(db.clone()));
    let d = detail(&sim, &id);
    assert_eq!(d.tracking_id, tracking);
    assert_eq!(d.status_name, "Terverifikasi");
    let p: Page<FollowUp> = get(&sim, &lapor_wire::followups_path(&id, 1))
        .decode()
        .unwrap();
    assert_eq!(p.items.len(), 1);
    let next = create(&sim, &sample("persist-0002")).complaint_id;
    assert_eq!(next.as_u64(), id.as_u64().map(|v| v + 1));
    assert_eq!(sim.stats().unwrap().complaints, 2);
}

#[test]
fn stats_count_requests_per_endpoint() {
    let sim = start();
    get(&sim, "/masters/templates");
    get(&sim, "/masters/templates");
    let id = create(&sim, &sample("stats-000001")).complaint_id;
    get(&sim, &lapor_wire::complaint_path(&id));
    let st = sim.admin().stats().unwrap();
    assert_eq!(st.requests["templates"], 2);
    assert_eq!(st.requests["create_complaint"], 1);
    assert_eq!(st.requests["get_complaint"], 1);
    assert!(!st.requests.contains_key("search"));
    assert_eq!(st.complaints, 1);
    assert!(st.faults.is_empty());
}

#[test]
fn handle_shuts_down_on_drop() {
    let sim = start();
    let addr = sim.addr();
    assert!(std::net::TcpStream::connect(addr).is_ok());
    drop(sim);
    assert!(
        std::net::TcpStream::connect(addr).is_err(),
        "the port is closed after drop"
    );
}
