//! `ballotproof serve`: the web application on the data directory's audits, accounts and
//! election log (see the `web` crate for what it serves and its contract for browser tests).

use std::io::Write;
use std::path::PathBuf;

use anyhow::Context;
use clap::Args;

#[derive(Debug, Args)]
pub struct ServeArgs {
    /// Port to listen on; 0 picks a free one (the line printed says which).
    #[arg(long, default_value_t = 8080)]
    pub port: u16,
    /// Address to bind. The default serves this machine only; to serve others, put a reverse
    /// proxy with TLS in front (docs/DEPLOYMENT.md) or give --tls-cert and --tls-key.
    #[arg(long, default_value = "127.0.0.1")]
    pub bind: std::net::IpAddr,
    /// TLS certificate chain (PEM), to serve HTTPS directly.
    #[arg(long, requires = "tls_key", value_name = "FILE")]
    pub tls_cert: Option<PathBuf>,
    /// TLS private key (PEM).
    #[arg(long, requires = "tls_cert", value_name = "FILE")]
    pub tls_key: Option<PathBuf>,
    /// Mark cookies Secure (use when a reverse proxy serves HTTPS in front of this server).
    #[arg(long)]
    pub behind_https_proxy: bool,
}

/// Serves `dir` until Ctrl-C or SIGTERM; `banner` is printed after the listening line.
pub fn serve_dir(
    args: &ServeArgs,
    dir: &std::path::Path,
    banner: &str,
    out: &mut (dyn Write + Send),
) -> anyhow::Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("cannot start the server's runtime")?;
    let config = web::Config {
        bind: args.bind,
        port: args.port,
        tls: args.tls_cert.clone().zip(args.tls_key.clone()),
    };
    rt.block_on(async {
        let state = web::AppState::open(
            dir,
            web::state::Settings {
                secure_cookies: config.tls.is_some() || args.behind_https_proxy,
                ..web::state::Settings::default()
            },
        )
        .await?;
        web::serve(state, &config, out, banner).await
    })?;
    Ok(())
}

pub fn run(args: &ServeArgs, data_dir: anyhow::Result<PathBuf>) -> anyhow::Result<()> {
    let dir = data_dir?;
    let mut out = std::io::stdout();
    serve_dir(args, &dir, "", &mut out)
}
