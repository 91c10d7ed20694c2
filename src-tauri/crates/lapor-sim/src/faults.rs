//! Fault rules and the seeded engine that decides, per request, what goes wrong.
//!
//! Spec syntax (CLI `--fault`, env `LAPOR_SIM_FAULTS`, admin API):
//!
//! ```text
//! ENDPOINT:FAULT[@TRIGGER]
//! ENDPOINT = institutions | templates | upload_file | create_complaint | reject
//!          | get_complaint | list_followups | add_followup | search | *
//! FAULT    = latency=MS | 500 | 502 | 503 | status=CODE | unauthorized | 401
//!          | rate_limit[=SECS] | 429[=SECS] | reset | malformed | html[=STATUS]
//!          | slow[=MS_PER_CHUNK] | huge[=BYTES] | commit_drop
//! TRIGGER  = always (default) | p=PROBABILITY | every=N | next=N
//! ```
//!
//! Examples: `create_complaint:commit_drop@p=0.1`, `*:latency=200`,
//! `get_complaint:503@every=3`, `templates:rate_limit=30@next=2`.
//!
//! Each rule has its own RNG seeded from the run seed and the rule's position,
//! so a run is reproducible as long as requests to one endpoint arrive in the
//! same order (different endpoints do not disturb each other's draws).

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use lapor_wire::Endpoint;
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};

use crate::error::SimError;

/// Default size of a `huge` body: twice what a client should accept.
pub const DEFAULT_HUGE_BYTES: u64 = 2 * lapor_wire::MAX_BODY_BYTES as u64;
/// Default delay between 16-byte chunks of a `slow` body.
pub const DEFAULT_SLOW_MS: u64 = 200;
/// Default `Retry-After` seconds of a `rate_limit`.
pub const DEFAULT_RETRY_AFTER_SECS: u64 = 1;

/// What goes wrong. Faults marked *commits* run the real handler first (the
/// change is stored) and then spoil the answer: the client cannot know the
/// outcome. The others answer before the handler runs: nothing is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum FaultKind {
    /// Extra delay before handling; combines with any other fault.
    Latency { ms: u64 },
    /// An HTTP error status (500/502/503 or any 4xx/5xx) with a JSON error body.
    Status { code: u16 },
    /// 401 as if the token had expired.
    Unauthorized,
    /// 429 with `Retry-After: secs`.
    RateLimit { retry_after_secs: u64 },
    /// TCP reset before any answer (the client sees a transport error).
    Reset,
    /// *Commits*, then answers 200 with truncated JSON.
    Malformed,
    /// An HTML error page as gateways return (default status 502).
    Html { status: u16 },
    /// *Commits*, then trickles the real answer 16 bytes at a time.
    SlowBody { ms_per_chunk: u64 },
    /// *Commits*, then answers 200 with a body of `bytes` bytes.
    HugeBody { bytes: u64 },
    /// *Commits*, then aborts the connection without answering.
    CommitDrop,
}

impl FaultKind {
    /// Stable key for stats (`status_503`, `commit_drop`...).
    pub fn key(&self) -> String {
        match self {
            FaultKind::Latency { .. } => "latency".into(),
            FaultKind::Status { code } => format!("status_{code}"),
            FaultKind::Unauthorized => "unauthorized".into(),
            FaultKind::RateLimit { .. } => "rate_limit".into(),
            FaultKind::Reset => "reset".into(),
            FaultKind::Malformed => "malformed".into(),
            FaultKind::Html { .. } => "html".into(),
            FaultKind::SlowBody { .. } => "slow_body".into(),
            FaultKind::HugeBody { .. } => "huge_body".into(),
            FaultKind::CommitDrop => "commit_drop".into(),
        }
    }

    /// True if the handler runs (and stores) before the fault spoils the answer.
    pub fn commits(&self) -> bool {
        matches!(
            self,
            FaultKind::Malformed
                | FaultKind::SlowBody { .. }
                | FaultKind::HugeBody { .. }
                | FaultKind::CommitDrop
        )
    }
}

impl fmt::Display for FaultKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FaultKind::Latency { ms } => write!(f, "latency={ms}"),
            FaultKind::Status { code } => write!(f, "status={code}"),
            FaultKind::Unauthorized => f.write_str("unauthorized"),
            FaultKind::RateLimit { retry_after_secs } => write!(f, "rate_limit={retry_after_secs}"),
            FaultKind::Reset => f.write_str("reset"),
            FaultKind::Malformed => f.write_str("malformed"),
            FaultKind::Html { status } => write!(f, "html={status}"),
            FaultKind::SlowBody { ms_per_chunk } => write!(f, "slow={ms_per_chunk}"),
            FaultKind::HugeBody { bytes } => write!(f, "huge={bytes}"),
            FaultKind::CommitDrop => f.write_str("commit_drop"),
        }
    }
}

/// When a rule fires.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Trigger {
    Always,
    /// Each matching request with this probability (seeded RNG).
    Probability(f64),
    /// Every n-th matching request (n, 2n, ...).
    EveryNth(u32),
    /// The next n matching requests, then never again.
    NextN(u32),
}

impl fmt::Display for Trigger {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Trigger::Always => f.write_str("always"),
            Trigger::Probability(p) => write!(f, "p={p}"),
            Trigger::EveryNth(n) => write!(f, "every={n}"),
            Trigger::NextN(n) => write!(f, "next={n}"),
        }
    }
}

/// One rule: `{endpoint, fault, trigger}`. `endpoint: None` means every endpoint.
/// Deserializes from the object form or from a spec string.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultRule {
    /// Stable endpoint key, or `None` for `*`.
    pub endpoint: Option<Endpoint>,
    pub fault: FaultKind,
    pub trigger: Trigger,
}

impl FaultRule {
    pub fn new(endpoint: Option<Endpoint>, fault: FaultKind, trigger: Trigger) -> FaultRule {
        FaultRule {
            endpoint,
            fault,
            trigger,
        }
    }

    /// Parse `ENDPOINT:FAULT[@TRIGGER]`.
    pub fn parse(spec: &str) -> Result<FaultRule, SimError> {
        let bad = |reason: &str| SimError::BadFaultSpec {
            spec: spec.to_string(),
            reason: reason.to_string(),
        };
        let s = spec.trim();
        let (ep, rest) = s
            .split_once(':')
            .ok_or_else(|| bad("expected ENDPOINT:FAULT[@TRIGGER]"))?;
        let endpoint = match ep.trim() {
            "*" => None,
            key => Some(Endpoint::from_key(key).ok_or_else(|| bad("unknown endpoint key"))?),
        };
        let (fault_s, trig_s) = match rest.split_once('@') {
            Some((f, t)) => (f.trim(), Some(t.trim())),
            None => (rest.trim(), None),
        };
        let (name, arg) = match fault_s.split_once('=') {
            Some((n, a)) => (n.trim(), Some(a.trim())),
            None => (fault_s, None),
        };
        let num = |a: Option<&str>, default: Option<u64>| -> Result<u64, SimError> {
            match a {
                Some(a) => a
                    .parse::<u64>()
                    .map_err(|_| bad("expected a number after =")),
                None => default.ok_or_else(|| bad("this fault needs =NUMBER")),
            }
        };
        let status = |code: u64| -> Result<u16, SimError> {
            u16::try_from(code)
                .ok()
                .filter(|c| (400..=599).contains(c))
                .ok_or_else(|| bad("status must be 400-599"))
        };
        let no_arg = |f: FaultKind| -> Result<FaultKind, SimError> {
            if arg.is_some() {
                Err(bad("this fault takes no argument"))
            } else {
                Ok(f)
            }
        };
        let fault = match name {
            "latency" => FaultKind::Latency {
                ms: num(arg, None)?,
            },
            "500" | "502" | "503" => FaultKind::Status {
                code: status(num(Some(name), None)?)?,
            },
            "status" => FaultKind::Status {
                code: status(num(arg, None)?)?,
            },
            "unauthorized" | "401" => no_arg(FaultKind::Unauthorized)?,
            "rate_limit" | "429" => FaultKind::RateLimit {
                retry_after_secs: num(arg, Some(DEFAULT_RETRY_AFTER_SECS))?,
            },
            "reset" => no_arg(FaultKind::Reset)?,
            "malformed" => no_arg(FaultKind::Malformed)?,
            "html" => FaultKind::Html {
                status: u16::try_from(num(arg, Some(502))?)
                    .ok()
                    .filter(|c| (200..=599).contains(c))
                    .ok_or_else(|| bad("html status must be 200-599"))?,
            },
            "slow" => FaultKind::SlowBody {
                ms_per_chunk: num(arg, Some(DEFAULT_SLOW_MS))?,
            },
            "huge" => FaultKind::HugeBody {
                bytes: num(arg, Some(DEFAULT_HUGE_BYTES))?,
            },
            "commit_drop" => no_arg(FaultKind::CommitDrop)?,
            _ => return Err(bad("unknown fault")),
        };
        let trigger = match trig_s {
            None | Some("always") => Trigger::Always,
            Some(t) => {
                let (k, v) = t
                    .split_once('=')
                    .ok_or_else(|| bad("trigger must be always, p=, every= or next="))?;
                match k.trim() {
                    "p" => {
                        let p: f64 = v.trim().parse().map_err(|_| bad("p must be a number"))?;
                        if !(0.0..=1.0).contains(&p) {
                            return Err(bad("p must be within 0..1"));
                        }
                        Trigger::Probability(p)
                    }
                    "every" => Trigger::EveryNth(
                        v.trim()
                            .parse()
                            .ok()
                            .filter(|n| *n > 0)
                            .ok_or_else(|| bad("every must be a positive integer"))?,
                    ),
                    "next" => Trigger::NextN(
                        v.trim()
                            .parse()
                            .map_err(|_| bad("next must be a non-negative integer"))?,
                    ),
                    _ => return Err(bad("trigger must be always, p=, every= or next=")),
                }
            }
        };
        Ok(FaultRule {
            endpoint,
            fault,
            trigger,
        })
    }

    fn matches(&self, e: Endpoint) -> bool {
        self.endpoint.is_none_or(|x| x == e)
    }
}

impl fmt::Display for FaultRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let ep = self.endpoint.map(|e| e.key()).unwrap_or("*");
        write!(f, "{ep}:{}@{}", self.fault, self.trigger)
    }
}

impl FromStr for FaultRule {
    type Err = SimError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        FaultRule::parse(s)
    }
}

impl<'de> Deserialize<'de> for FaultRule {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Obj {
            #[serde(default)]
            endpoint: Option<String>,
            fault: FaultKind,
            #[serde(default = "always")]
            trigger: Trigger,
        }
        fn always() -> Trigger {
            Trigger::Always
        }
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Repr {
            Spec(String),
            Obj(Obj),
        }
        match Repr::deserialize(d)? {
            Repr::Spec(s) => FaultRule::parse(&s).map_err(serde::de::Error::custom),
            Repr::Obj(o) => {
                let endpoint = match o.endpoint.as_deref() {
                    None | Some("*") => None,
                    Some(k) => Some(Endpoint::from_key(k).ok_or_else(|| {
                        serde::de::Error::custom(format!("unknown endpoint key {k:?}"))
                    })?),
                };
                Ok(FaultRule {
                    endpoint,
                    fault: o.fault,
                    trigger: o.trigger,
                })
            }
        }
    }
}

/// Parse a list of specs separated by commas, semicolons or whitespace (env form).
pub fn parse_fault_list(s: &str) -> Result<Vec<FaultRule>, SimError> {
    s.split([',', ';', ' ', '\n', '\t'])
        .filter(|p| !p.trim().is_empty())
        .map(FaultRule::parse)
        .collect()
}

/// What to do with one request.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Decision {
    pub latency_ms: u64,
    /// At most one non-latency fault (the first rule that fires wins).
    pub fault: Option<FaultKind>,
}

struct RuleState {
    rule: FaultRule,
    seen: u64,
    applied: u64,
    rng: StdRng,
}

/// The rule set with its counters and RNGs.
pub struct FaultEngine {
    seed: u64,
    rules: Vec<RuleState>,
    /// Faults injected, by kind key.
    pub injected: BTreeMap<String, u64>,
    /// Faults injected, by endpoint key then kind key.
    pub injected_by_endpoint: BTreeMap<String, BTreeMap<String, u64>>,
}

fn rule_rng(seed: u64, index: usize) -> StdRng {
    // Golden-ratio stride keeps per-rule streams apart for neighbouring seeds.
    StdRng::seed_from_u64(seed ^ (index as u64 + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15))
}

impl FaultEngine {
    pub fn new(seed: u64, rules: Vec<FaultRule>) -> FaultEngine {
        let mut e = FaultEngine {
            seed,
            rules: Vec::new(),
            injected: BTreeMap::new(),
            injected_by_endpoint: BTreeMap::new(),
        };
        e.replace(rules, None);
        e
    }

    /// Replace all rules (counters and RNGs restart; a new seed if given).
    pub fn replace(&mut self, rules: Vec<FaultRule>, seed: Option<u64>) {
        if let Some(s) = seed {
            self.seed = s;
        }
        let seed = self.seed;
        self.rules = rules
            .into_iter()
            .enumerate()
            .map(|(i, rule)| RuleState {
                rule,
                seen: 0,
                applied: 0,
                rng: rule_rng(seed, i),
            })
            .collect();
    }

    pub fn push(&mut self, rule: FaultRule) {
        let i = self.rules.len();
        self.rules.push(RuleState {
            rule,
            seen: 0,
            applied: 0,
            rng: rule_rng(self.seed, i),
        });
    }

    pub fn rules(&self) -> Vec<FaultRule> {
        self.rules.iter().map(|r| r.rule.clone()).collect()
    }

    pub fn seed(&self) -> u64 {
        self.seed
    }

    pub fn reset_counts(&mut self) {
        self.injected.clear();
        self.injected_by_endpoint.clear();
    }

    /// Decide for one request to `e` and count what is injected.
    pub fn decide(&mut self, e: Endpoint) -> Decision {
        let mut d = Decision::default();
        for r in self.rules.iter_mut().filter(|r| r.rule.matches(e)) {
            r.seen += 1;
            // Draw even when another rule already won, so each rule's stream
            // depends only on how many requests it has seen.
            let fires = match r.rule.trigger {
                Trigger::Always => true,
                Trigger::Probability(p) => r.rng.random::<f64>() < p,
                Trigger::EveryNth(n) => r.seen % u64::from(n.max(1)) == 0,
                Trigger::NextN(n) => r.applied < u64::from(n),
            };
            if !fires {
                continue;
            }
            match r.rule.fault {
                FaultKind::Latency { ms } => {
                    d.latency_ms = d.latency_ms.saturating_add(ms);
                    r.applied += 1;
                }
                other if d.fault.is_none() => {
                    d.fault = Some(other);
                    r.applied += 1;
                }
                _ => {}
            }
        }
        let kinds = d
            .fault
            .iter()
            .map(FaultKind::key)
            .chain((d.latency_ms > 0).then(|| "latency".to_string()));
        for k in kinds {
            *self.injected.entry(k.clone()).or_default() += 1;
            *self
                .injected_by_endpoint
                .entry(e.key().to_string())
                .or_default()
                .entry(k)
                .or_default() += 1;
        }
        d
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_all_kinds_and_round_trip() {
        let specs = [
            "create_complaint:commit_drop@p=0.1",
            "*:latency=200",
            "get_complaint:503@every=3",
            "templates:rate_limit=30@next=2",
            "institutions:500",
            "institutions:502",
            "search:status=418",
            "upload_file:unauthorized",
            "upload_file:401",
            "reject:429",
            "list_followups:reset",
            "add_followup:malformed",
            "get_complaint:html",
            "get_complaint:html=200",
            "get_complaint:slow",
            "get_complaint:slow=5",
            "get_complaint:huge=100",
            "get_complaint:huge",
        ];
        for s in specs {
            let r = FaultRule::parse(s).unwrap();
            let again = FaultRule::parse(&r.to_string()).unwrap();
            assert_eq!(r, again, "{s}");
            let json = serde_json::to_string(&r).unwrap();
            let back: FaultRule = serde_json::from_str(&json).unwrap();
            assert_eq!(back, r, "{json}");
            let from_str: FaultRule = serde_json::from_value(serde_json::json!(s)).unwrap();
            assert_eq!(from_str, r);
        }
        let r = FaultRule::parse("create_complaint:commit_drop").unwrap();
        assert_eq!(
            serde_json::to_value(&r).unwrap(),
            serde_json::json!({"endpoint":"create_complaint","fault":{"kind":"commit_drop"},"trigger":"always"})
        );
    }

    #[test]
    fn parse_errors() {
        for s in [
            "",
            "create_complaint",
            "nope:reset",
            "get_complaint:explode",
            "get_complaint:latency",
            "get_complaint:status=200",
            "get_complaint:reset=3",
            "get_complaint:reset@p=2",
            "get_complaint:reset@every=0",
            "get_complaint:reset@sometimes",
            "get_complaint:huge=-1",
        ] {
            let e = FaultRule::parse(s).unwrap_err();
            assert_eq!(e.code(), "SIM_BAD_FAULT_SPEC", "{s}");
        }
        assert_eq!(
            parse_fault_list("a:reset; *:latency=1").unwrap_err().code(),
            "SIM_BAD_FAULT_SPEC"
        );
        assert_eq!(
            parse_fault_list("search:reset; *:latency=1,templates:500")
                .unwrap()
                .len(),
            3
        );
    }

    #[test]
    fn triggers() {
        let mut e = FaultEngine::new(
            1,
            vec![
                FaultRule::parse("get_complaint:503@every=3").unwrap(),
                FaultRule::parse("templates:reset@next=2").unwrap(),
                FaultRule::parse("*:latency=5").unwrap(),
            ],
        );
        let got: Vec<_> = (0..6)
            .map(|_| e.decide(Endpoint::GetComplaint).fault)
            .collect();
        let s503 = Some(FaultKind::Status { code: 503 });
        assert_eq!(got, [None, None, s503, None, None, s503]);
        let got: Vec<_> = (0..4)
            .map(|_| e.decide(Endpoint::Templates).fault)
            .collect();
        assert_eq!(
            got,
            [Some(FaultKind::Reset), Some(FaultKind::Reset), None, None]
        );
        assert_eq!(e.decide(Endpoint::Search).latency_ms, 5);
        assert_eq!(e.injected["status_503"], 2);
        assert_eq!(e.injected["reset"], 2);
        assert_eq!(e.injected["latency"], 11);
        assert_eq!(e.injected_by_endpoint["templates"]["reset"], 2);
    }

    #[test]
    fn probability_is_seeded() {
        let run = |seed| {
            let mut e = FaultEngine::new(
                seed,
                vec![FaultRule::parse("create_complaint:commit_drop@p=0.3").unwrap()],
            );
            (0..200)
                .map(|_| e.decide(Endpoint::CreateComplaint).fault.is_some())
                .collect::<Vec<_>>()
        };
        let a = run(42);
        assert_eq!(a, run(42));
        assert_ne!(a, run(43));
        let n = a.iter().filter(|x| **x).count();
        assert!((30..=90).contains(&n), "{n}");
    }

    #[test]
    fn first_rule_wins() {
        let mut e = FaultEngine::new(
            0,
            vec![
                FaultRule::parse("*:500@next=1").unwrap(),
                FaultRule::parse("*:502@next=1").unwrap(),
            ],
        );
        assert_eq!(
            e.decide(Endpoint::Search).fault,
            Some(FaultKind::Status { code: 500 })
        );
        // The second rule was not consumed by the first request.
        assert_eq!(
            e.decide(Endpoint::Search).fault,
            Some(FaultKind::Status { code: 502 })
        );
        assert_eq!(e.decide(Endpoint::Search).fault, None);
    }
}
