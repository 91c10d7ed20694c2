//! Shared helpers: a real reqwest client (rustls build, plain HTTP on loopback)
//! talking to a real simulator.
#![allow(dead_code)]

use std::io::Read;
use std::time::Duration;

use lapor_sim::{Sim, SimConfig, SimHandle};
use lapor_wire::{
    AddFollowUpForm, AuthScheme, CreateComplaintRequest, CreateComplaintResponse, FILE_FIELD,
    IncidentDate, LaporId, MAX_BODY_BYTES, WireError, decode, join_url, reference_tag, with_tag,
};
use reqwest::blocking::{Client, RequestBuilder, Response, multipart};
use serde::de::DeserializeOwned;

pub const KEY: &str = "kunci-uji-8d1f";
pub const TOKEN: &str = "5b0f3c1e-2a4d-4e6f-8a9b-0c1d2e3f4a5b";

pub fn start() -> SimHandle {
    start_with(|_| {})
}

pub fn start_with(f: impl FnOnce(&mut SimConfig)) -> SimHandle {
    let mut cfg = SimConfig::new(KEY, TOKEN);
    f(&mut cfg);
    Sim::start(cfg).expect("simulator starts")
}

pub fn client() -> Client {
    client_with_timeout(Duration::from_secs(20))
}

pub fn client_with_timeout(t: Duration) -> Client {
    Client::builder().timeout(t).build().expect("client")
}

pub fn url(sim: &SimHandle, path: &str) -> String {
    join_url(sim.base_url(), path)
}

/// Add the three headers exactly as the wire crate says.
pub fn authed(rb: RequestBuilder) -> RequestBuilder {
    let h = AuthScheme::default().headers(KEY, TOKEN).unwrap();
    h.into_iter().fold(rb, |rb, (k, v)| rb.header(k, v))
}

pub struct Raw {
    pub status: u16,
    pub content_type: Option<String>,
    pub headers: reqwest::header::HeaderMap,
    pub body: Vec<u8>,
}

/// Read an answer the way a careful client does: at most MAX_BODY_BYTES + 1.
pub fn read(resp: Response) -> Raw {
    let status = resp.status().as_u16();
    let headers = resp.headers().clone();
    let content_type = headers
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_string);
    let mut body = Vec::new();
    resp.take(MAX_BODY_BYTES as u64 + 1)
        .read_to_end(&mut body)
        .expect("body");
    Raw {
        status,
        content_type,
        headers,
        body,
    }
}

impl Raw {
    pub fn decode<T: DeserializeOwned>(&self) -> Result<T, WireError> {
        decode(self.status, self.content_type.as_deref(), &self.body)
    }
}

pub fn get(sim: &SimHandle, path: &str) -> Raw {
    read(authed(client().get(url(sim, path))).send().expect("send"))
}

pub fn post_json<T: serde::Serialize>(sim: &SimHandle, path: &str, body: &T) -> Raw {
    read(
        authed(client().post(url(sim, path)))
            .json(body)
            .send()
            .expect("send"),
    )
}

pub fn sample(uid: &str) -> CreateComplaintRequest {
    CreateComplaintRequest {
        title: "Antrean obat di Puskesmas Cibinong sangat lama".into(),
        content: "Pada hari Senin saya menunggu obat lebih dari tiga jam tanpa kejelasan.".into(),
        channel: LaporId::from_u64(1),
        classification_id: LaporId::from_u64(2),
        category_id: LaporId::from_u64(301),
        disposition_id: Some(LaporId::from_u64(101)),
        location_id: Some(LaporId::from_u64(3201)),
        date_of_incident: Some(IncidentDate(
            chrono::NaiveDate::from_ymd_opt(2026, 3, 2).unwrap(),
        )),
        is_anonymous: false,
        is_secret: true,
        tags_raw: with_tag("puskesmas,antrean", &reference_tag(uid).unwrap()),
        attachments: vec![],
        reporter_name: Some("Siti Aminah".into()),
        reporter_phone: Some("081234567890".into()),
        reporter_email: None,
    }
}

pub fn tag(uid: &str) -> String {
    reference_tag(uid).unwrap()
}

pub fn create(sim: &SimHandle, req: &CreateComplaintRequest) -> CreateComplaintResponse {
    post_json(sim, "/complaints/complaint", req)
        .decode()
        .expect("create decodes")
}

pub fn followup_form(form: &AddFollowUpForm, files: &[(&str, &[u8])]) -> multipart::Form {
    let mut f = multipart::Form::new();
    for (k, v) in form.to_parts().unwrap() {
        f = f.text(k, v);
    }
    for (name, data) in files {
        f = f.part(
            FILE_FIELD,
            multipart::Part::bytes(data.to_vec()).file_name(name.to_string()),
        );
    }
    f
}

pub fn files_form(files: &[(&str, &[u8])]) -> multipart::Form {
    files
        .iter()
        .fold(multipart::Form::new(), |f, (name, data)| {
            f.part(
                FILE_FIELD,
                multipart::Part::bytes(data.to_vec()).file_name(name.to_string()),
            )
        })
}

pub fn post_multipart(sim: &SimHandle, path: &str, form: multipart::Form) -> Raw {
    read(
        authed(client().post(url(sim, path)))
            .multipart(form)
            .send()
            .expect("send"),
    )
}
