//! `lapor-sim`: run the simulator, or drive a running one (`lapor-sim admin …`).
//!
//! Serving prints the base URL as the first line on stdout (scripts read it)
//! and logs one line per request to stderr. Credentials come from flags or,
//! better (not visible in `ps`), from `LAPOR_SIM_AUTH_KEY` / `LAPOR_SIM_TOKEN`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use lapor_sim::{AdminClient, FaultRule, Sim, SimConfig, SimError, parse_fault_list};

#[derive(Parser)]
#[command(
    name = "lapor-sim",
    version,
    about = "Reference simulator of the SP4N-LAPOR! v3 API for Posko (loopback only)",
    args_conflicts_with_subcommands = true
)]
struct Cli {
    #[command(subcommand)]
    cmd: Option<Cmd>,
    #[command(flatten)]
    serve: ServeArgs,
}

#[derive(Subcommand)]
enum Cmd {
    /// Drive a running simulator through its admin API.
    Admin(AdminArgs),
}

#[derive(Args)]
struct ServeArgs {
    /// Loopback address to listen on (port 0 = any free port).
    #[arg(long, default_value = "127.0.0.1:8088", env = "LAPOR_SIM_LISTEN")]
    listen: SocketAddr,
    /// SQLite file holding the state (created if missing). Without it, state is in memory.
    #[arg(long, env = "LAPOR_SIM_DB")]
    db: Option<PathBuf>,
    /// Expected key in `Authorization: Bearer <key>`.
    #[arg(long, env = "LAPOR_SIM_AUTH_KEY", hide_env_values = true)]
    auth_key: Option<String>,
    /// Expected GUID in the `token` header.
    #[arg(long, env = "LAPOR_SIM_TOKEN", hide_env_values = true)]
    token: Option<String>,
    /// Name of the header carrying `Bearer <key>`.
    #[arg(long, default_value = lapor_wire::DEFAULT_AUTH_HEADER, env = "LAPOR_SIM_AUTH_HEADER")]
    auth_header: String,
    /// Fault rule ENDPOINT:FAULT[@TRIGGER]; repeatable. Env: comma-separated list.
    #[arg(long = "fault", env = "LAPOR_SIM_FAULTS", value_delimiter = ',')]
    faults: Vec<String>,
    /// Seed for probabilistic faults (runs are reproducible).
    #[arg(long, default_value_t = 0, env = "LAPOR_SIM_SEED")]
    seed: u64,
    /// Do not serve the assumed search endpoint (answer 404 like a server without it).
    #[arg(long)]
    no_search: bool,
    /// Follow-ups per page.
    #[arg(long, default_value_t = 10)]
    followups_per_page: u32,
    /// Do not log requests to stderr.
    #[arg(long)]
    quiet: bool,
}

#[derive(Args)]
struct AdminArgs {
    /// Base URL of the running simulator.
    #[arg(long, default_value = "http://127.0.0.1:8088", env = "LAPOR_SIM_URL")]
    url: String,
    #[command(subcommand)]
    action: AdminCmd,
}

#[derive(Subcommand)]
enum AdminCmd {
    Health,
    /// Delete all complaints, follow-ups, files and counters (fault rules stay).
    Reset,
    Stats,
    /// List complaints, optionally only those carrying a tag in tags_raw.
    Complaints {
        #[arg(long)]
        tag: Option<String>,
    },
    Show {
        id: String,
    },
    /// Belum Terverifikasi → Terverifikasi.
    Verify {
        id: String,
    },
    /// Route (disposisi) to an institution.
    Dispose {
        id: String,
        institution_id: u64,
    },
    /// → Dalam Proses.
    Process {
        id: String,
    },
    /// A follow-up from the institution.
    Followup {
        id: String,
        content: String,
        #[arg(long)]
        institution: Option<u64>,
        #[arg(long)]
        template: Option<String>,
    },
    /// A reply from the reporter.
    ReporterReply {
        id: String,
        content: String,
    },
    /// → Selesai.
    Finish {
        id: String,
    },
    /// → Diarsipkan.
    Archive {
        id: String,
        reason: String,
    },
    /// → Ditolak.
    Reject {
        id: String,
        reason: String,
    },
    /// → Ditunda.
    Postpone {
        id: String,
        reason: String,
    },
    /// Bukan wewenang: route elsewhere, → Bukan Wewenang.
    Forward {
        id: String,
        institution_id: u64,
        reason: String,
    },
    /// Any status code/name (e.g. 99 "Menunggu Verifikasi Ulang").
    Status {
        id: String,
        code: String,
        name: String,
    },
    /// Show the fault rules.
    Faults,
    /// Replace all fault rules.
    SetFaults {
        specs: Vec<String>,
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Append one fault rule.
    AddFault {
        spec: String,
    },
    ClearFaults,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let r = match cli.cmd {
        Some(Cmd::Admin(a)) => admin(a),
        None => serve(cli.serve),
    };
    match r {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("lapor-sim: error [{}]: {e}", e.code());
            ExitCode::FAILURE
        }
    }
}

fn serve(a: ServeArgs) -> Result<(), SimError> {
    let missing = |what: &str| SimError::Config {
        detail: format!("{what} is required (flag or environment variable)"),
    };
    let mut faults = Vec::new();
    for spec in &a.faults {
        faults.extend(parse_fault_list(spec)?);
    }
    let mut cfg = SimConfig::new(
        a.auth_key
            .ok_or_else(|| missing("--auth-key / LAPOR_SIM_AUTH_KEY"))?,
        a.token
            .ok_or_else(|| missing("--token / LAPOR_SIM_TOKEN"))?,
    );
    cfg.listen = a.listen;
    cfg.db_path = a.db.clone();
    cfg.auth_header = a.auth_header;
    cfg.faults = faults;
    cfg.seed = a.seed;
    cfg.search_supported = !a.no_search;
    cfg.followups_per_page = a.followups_per_page;
    cfg.log_requests = !a.quiet;
    let rules: Vec<String> = cfg.faults.iter().map(ToString::to_string).collect();
    let handle = Sim::start(cfg)?;
    let mut out = std::io::stdout();
    let _ = writeln!(out, "{}", handle.base_url());
    let _ = out.flush();
    eprintln!(
        "lapor-sim: listening on {} (db: {}, seed {}, faults: [{}])",
        handle.base_url(),
        a.db.as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_else(|| "in memory".into()),
        a.seed,
        rules.join(", ")
    );
    wait_for_signal()?;
    eprintln!("lapor-sim: stopping");
    drop(handle);
    Ok(())
}

fn wait_for_signal() -> Result<(), SimError> {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| SimError::Runtime {
            detail: e.to_string(),
        })?;
    rt.block_on(async {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            match signal(SignalKind::terminate()) {
                Ok(mut term) => {
                    tokio::select! {
                        _ = tokio::signal::ctrl_c() => {}
                        _ = term.recv() => {}
                    }
                }
                Err(_) => {
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
        #[cfg(not(unix))]
        {
            let _ = tokio::signal::ctrl_c().await;
        }
    });
    Ok(())
}

fn admin(a: AdminArgs) -> Result<(), SimError> {
    let c = AdminClient::from_url(&a.url)?;
    let v: serde_json::Value = match a.action {
        AdminCmd::Health => {
            c.health()?;
            serde_json::json!({"ok": true})
        }
        AdminCmd::Reset => {
            c.reset()?;
            serde_json::json!({"reset": true})
        }
        AdminCmd::Stats => json(&c.stats()?),
        AdminCmd::Complaints { tag } => match tag {
            Some(t) => json(&c.complaints_with_tag(&t)?),
            None => json(&c.complaints()?),
        },
        AdminCmd::Show { id } => json(&c.complaint(id)?),
        AdminCmd::Verify { id } => json(&c.verify(id)?),
        AdminCmd::Dispose { id, institution_id } => json(&c.dispose(id, institution_id)?),
        AdminCmd::Process { id } => json(&c.process(id)?),
        AdminCmd::Followup {
            id,
            content,
            institution,
            template,
        } => match institution {
            Some(i) => json(&c.followup_from(id, i, &content, template.as_deref())?),
            None if template.is_some() => {
                return Err(SimError::Config {
                    detail: "--template needs --institution".into(),
                });
            }
            None => json(&c.followup(id, &content)?),
        },
        AdminCmd::ReporterReply { id, content } => json(&c.reporter_reply(id, &content)?),
        AdminCmd::Finish { id } => json(&c.finish(id)?),
        AdminCmd::Archive { id, reason } => json(&c.archive(id, &reason)?),
        AdminCmd::Reject { id, reason } => json(&c.reject(id, &reason)?),
        AdminCmd::Postpone { id, reason } => json(&c.postpone(id, &reason)?),
        AdminCmd::Forward {
            id,
            institution_id,
            reason,
        } => json(&c.forward(id, institution_id, &reason)?),
        AdminCmd::Status { id, code, name } => json(&c.set_status(id, &code, &name)?),
        AdminCmd::Faults => json(&c.faults()?),
        AdminCmd::SetFaults { specs, seed } => {
            let mut rules = Vec::new();
            for s in &specs {
                rules.extend(parse_fault_list(s)?);
            }
            json(&c.set_faults(rules, seed)?)
        }
        AdminCmd::AddFault { spec } => json(&c.add_fault(FaultRule::parse(&spec)?)?),
        AdminCmd::ClearFaults => json(&c.clear_faults()?),
    };
    println!(
        "{}",
        serde_json::to_string_pretty(&v).unwrap_or_else(|_| v.to_string())
    );
    Ok(())
}

fn json<T: serde::Serialize>(v: &T) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or(serde_json::Value::Null)
}
