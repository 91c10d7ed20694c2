//! A small blocking client for the admin API.
//!
//! Plain HTTP/1.1 over `std::net::TcpStream` with `Connection: close`: no
//! async runtime, so it works from plain tests and from inside a tokio task
//! alike (a blocking reqwest client would panic inside a runtime).

use std::fmt::Display;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs};
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::admin::{FaultSet, SimStats};
use crate::error::SimError;
use crate::faults::FaultRule;
use crate::store::SimComplaint;

#[derive(Debug, Clone)]
pub struct AdminClient {
    addr: SocketAddr,
    timeout: Duration,
}

/// Largest admin answer read (a 10 000-complaint listing is a few MiB).
const MAX_ANSWER: usize = 256 * 1024 * 1024;

impl AdminClient {
    pub fn new(addr: SocketAddr) -> AdminClient {
        AdminClient {
            addr,
            timeout: Duration::from_secs(30),
        }
    }

    /// From a base URL such as `http://127.0.0.1:8088` (only `http://host:port`).
    pub fn from_url(url: &str) -> Result<AdminClient, SimError> {
        let bad = || SimError::Config {
            detail: format!("admin URL must look like http://127.0.0.1:PORT, got {url:?}"),
        };
        let rest = url.trim().strip_prefix("http://").ok_or_else(bad)?;
        let hostport = rest.split('/').next().unwrap_or(rest);
        let addr = hostport
            .to_socket_addrs()
            .map_err(|_| bad())?
            .next()
            .ok_or_else(bad)?;
        Ok(AdminClient::new(addr))
    }

    pub fn with_timeout(mut self, t: Duration) -> AdminClient {
        self.timeout = t;
        self
    }

    pub fn health(&self) -> Result<(), SimError> {
        self.call::<serde_json::Value>("GET", "/__sim/health", None)
            .map(|_| ())
    }

    pub fn reset(&self) -> Result<(), SimError> {
        self.call::<serde_json::Value>("POST", "/__sim/reset", None)
            .map(|_| ())
    }

    pub fn stats(&self) -> Result<SimStats, SimError> {
        self.call("GET", "/__sim/stats", None)
    }

    /// Every stored complaint (with its payload), in id order.
    pub fn complaints(&self) -> Result<Vec<SimComplaint>, SimError> {
        self.call("GET", "/__sim/complaints", None)
    }

    /// The complaints whose `tags_raw` carries exactly `tag`.
    pub fn complaints_with_tag(&self, tag: &str) -> Result<Vec<SimComplaint>, SimError> {
        let path = format!(
            "/__sim/complaints?tags_raw={}",
            lapor_wire::encode_query(tag)
        );
        self.call("GET", &path, None)
    }

    pub fn complaint(&self, id: impl Display) -> Result<SimComplaint, SimError> {
        self.call("GET", &format!("/__sim/complaints/{}", seg(id)), None)
    }

    pub fn verify(&self, id: impl Display) -> Result<SimComplaint, SimError> {
        self.action(id, "verify", serde_json::json!({}))
    }

    /// Route (disposisi) to an institution.
    pub fn dispose(&self, id: impl Display, institution_id: u64) -> Result<SimComplaint, SimError> {
        self.action(
            id,
            "dispose",
            serde_json::json!({ "institution_id": institution_id }),
        )
    }

    /// Status Dalam Proses.
    pub fn process(&self, id: impl Display) -> Result<SimComplaint, SimError> {
        self.action(id, "process", serde_json::json!({}))
    }

    /// A follow-up from the institution (the current disposition).
    pub fn followup(&self, id: impl Display, content: &str) -> Result<SimComplaint, SimError> {
        self.action(id, "followup", serde_json::json!({ "content": content }))
    }

    /// A follow-up from a given institution with a template code.
    pub fn followup_from(
        &self,
        id: impl Display,
        institution_id: u64,
        content: &str,
        template_code: Option<&str>,
    ) -> Result<SimComplaint, SimError> {
        self.action(
            id,
            "followup",
            serde_json::json!({ "content": content, "institution_id": institution_id, "template_code": template_code }),
        )
    }

    /// A reply from the reporter.
    pub fn reporter_reply(
        &self,
        id: impl Display,
        content: &str,
    ) -> Result<SimComplaint, SimError> {
        self.action(
            id,
            "reporter-reply",
            serde_json::json!({ "content": content }),
        )
    }

    pub fn finish(&self, id: impl Display) -> Result<SimComplaint, SimError> {
        self.action(id, "finish", serde_json::json!({}))
    }

    pub fn archive(&self, id: impl Display, reason: &str) -> Result<SimComplaint, SimError> {
        self.action(id, "archive", serde_json::json!({ "note": reason }))
    }

    /// Status Ditolak.
    pub fn reject(&self, id: impl Display, reason: &str) -> Result<SimComplaint, SimError> {
        self.action(id, "reject", serde_json::json!({ "note": reason }))
    }

    /// Status Ditunda.
    pub fn postpone(&self, id: impl Display, reason: &str) -> Result<SimComplaint, SimError> {
        self.action(id, "postpone", serde_json::json!({ "note": reason }))
    }

    /// "Bukan wewenang": route to another institution, status Bukan Wewenang.
    pub fn forward(
        &self,
        id: impl Display,
        institution_id: u64,
        reason: &str,
    ) -> Result<SimComplaint, SimError> {
        self.action(
            id,
            "forward",
            serde_json::json!({ "institution_id": institution_id, "note": reason }),
        )
    }

    /// Any status, known or not.
    pub fn set_status(
        &self,
        id: impl Display,
        code: &str,
        name: &str,
    ) -> Result<SimComplaint, SimError> {
        self.action(
            id,
            "status",
            serde_json::json!({ "code": code, "name": name }),
        )
    }

    pub fn faults(&self) -> Result<FaultSet, SimError> {
        self.call("GET", "/__sim/faults", None)
    }

    /// Replace all fault rules (counters restart; `seed` replaces the run seed).
    pub fn set_faults(
        &self,
        rules: Vec<FaultRule>,
        seed: Option<u64>,
    ) -> Result<FaultSet, SimError> {
        let body = to_value(&FaultSet { rules, seed })?;
        self.call("PUT", "/__sim/faults", Some(&body))
    }

    /// Replace all fault rules from spec strings (`create_complaint:commit_drop@p=0.1`).
    pub fn set_fault_specs(&self, specs: &[&str], seed: Option<u64>) -> Result<FaultSet, SimError> {
        let rules = specs
            .iter()
            .map(|s| FaultRule::parse(s))
            .collect::<Result<Vec<_>, _>>()?;
        self.set_faults(rules, seed)
    }

    pub fn add_fault(&self, rule: FaultRule) -> Result<FaultSet, SimError> {
        let body = to_value(&rule)?;
        self.call("POST", "/__sim/faults", Some(&body))
    }

    pub fn clear_faults(&self) -> Result<FaultSet, SimError> {
        self.call("DELETE", "/__sim/faults", None)
    }

    fn action(
        &self,
        id: impl Display,
        verb: &str,
        body: serde_json::Value,
    ) -> Result<SimComplaint, SimError> {
        let path = format!("/__sim/complaints/{}/{verb}", seg(id));
        self.call("POST", &path, Some(&body))
    }

    /// One admin call; decodes the envelope's `data`.
    pub fn call<T: DeserializeOwned>(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<T, SimError> {
        let (status, bytes) = self.raw(method, path, body)?;
        let v: serde_json::Value =
            serde_json::from_slice(&bytes).map_err(|e| SimError::AdminDecode {
                detail: format!("HTTP {status}: {e}"),
            })?;
        if !(200..300).contains(&status) || v.get("success") != Some(&serde_json::Value::Bool(true))
        {
            let message = v
                .get("message")
                .and_then(|m| m.as_str())
                .unwrap_or("(no message)")
                .to_string();
            return Err(SimError::AdminHttp { status, message });
        }
        let data = v.get("data").cloned().unwrap_or(serde_json::Value::Null);
        serde_json::from_value(data).map_err(|e| SimError::AdminDecode {
            detail: e.to_string(),
        })
    }

    fn raw(
        &self,
        method: &str,
        path: &str,
        body: Option<&serde_json::Value>,
    ) -> Result<(u16, Vec<u8>), SimError> {
        let io = |e: std::io::Error| SimError::AdminIo {
            detail: format!("{method} {path}: {e}"),
        };
        let mut s = TcpStream::connect_timeout(&self.addr, self.timeout).map_err(io)?;
        s.set_read_timeout(Some(self.timeout)).map_err(io)?;
        s.set_write_timeout(Some(self.timeout)).map_err(io)?;
        let payload = body.map(|b| b.to_string()).unwrap_or_default();
        let head = format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\nAccept: application/json\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            self.addr,
            payload.len()
        );
        s.write_all(head.as_bytes()).map_err(io)?;
        s.write_all(payload.as_bytes()).map_err(io)?;
        let mut buf = Vec::new();
        s.take(MAX_ANSWER as u64 + 1)
            .read_to_end(&mut buf)
            .map_err(io)?;
        parse_response(&buf).ok_or_else(|| SimError::AdminIo {
            detail: format!("{method} {path}: incomplete HTTP answer"),
        })
    }
}

fn seg(id: impl Display) -> String {
    lapor_wire::encode_segment(&id.to_string())
}

fn to_value<T: Serialize>(v: &T) -> Result<serde_json::Value, SimError> {
    serde_json::to_value(v).map_err(|e| SimError::AdminDecode {
        detail: e.to_string(),
    })
}

/// Split an HTTP/1.1 answer read to EOF into (status, body), undoing chunked
/// transfer encoding if used.
fn parse_response(buf: &[u8]) -> Option<(u16, Vec<u8>)> {
    let split = buf.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = std::str::from_utf8(&buf[..split]).ok()?;
    let body = &buf[split + 4..];
    let mut lines = head.split("\r\n");
    let status: u16 = lines.next()?.split_whitespace().nth(1)?.parse().ok()?;
    let chunked = lines.any(|l| {
        let l = l.to_ascii_lowercase();
        l.starts_with("transfer-encoding:") && l.contains("chunked")
    });
    if !chunked {
        return Some((status, body.to_vec()));
    }
    let mut out = Vec::new();
    let mut rest = body;
    loop {
        let eol = rest.windows(2).position(|w| w == b"\r\n")?;
        let size_s = std::str::from_utf8(&rest[..eol]).ok()?;
        let size = usize::from_str_radix(size_s.split(';').next()?.trim(), 16).ok()?;
        rest = &rest[eol + 2..];
        if size == 0 {
            return Some((status, out));
        }
        if rest.len() < size + 2 {
            return None;
        }
        out.extend_from_slice(&rest[..size]);
        rest = &rest[size + 2..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_plain_and_chunked() {
        let plain = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}";
        assert_eq!(parse_response(plain), Some((200, b"{}".to_vec())));
        let chunked = b"HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n";
        assert_eq!(parse_response(chunked), Some((404, b"abcde".to_vec())));
        assert_eq!(parse_response(b"HTTP/1.1 200"), None);
        assert_eq!(
            parse_response(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nff\r\nab"),
            None
        );
    }

    #[test]
    fn from_url() {
        let c = AdminClient::from_url("http://127.0.0.1:8088/").unwrap();
        assert_eq!(c.addr.port(), 8088);
        assert!(AdminClient::from_url("https://127.0.0.1:1").is_err());
        assert!(AdminClient::from_url("http://").is_err());
    }
}
