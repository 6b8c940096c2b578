//! Serving: bind (127.0.0.1 by default), print exactly one line `Listening on URL` before
//! accepting, serve plain HTTP or TLS (rustls with the ring provider), and shut down cleanly on
//! Ctrl-C or SIGTERM (requests in flight finish).

use std::io::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::serve::Listener;
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;
use tokio_rustls::server::TlsStream;

use crate::error::WebError;
use crate::routes::router;
use crate::state::AppState;

/// What `ballotproof serve` was asked for.
#[derive(Debug, Clone)]
pub struct Config {
    pub bind: std::net::IpAddr,
    /// 0 picks a free port.
    pub port: u16,
    pub tls: Option<(PathBuf, PathBuf)>,
}

fn tls_acceptor(cert: &PathBuf, key: &PathBuf) -> Result<TlsAcceptor, WebError> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, PrivateKeyDer};
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .and_then(|it| it.collect::<Result<Vec<_>, _>>())
        .map_err(|e| {
            WebError::Startup(format!(
                "cannot read the TLS certificate {}: {e}; give a PEM file with --tls-cert",
                cert.display()
            ))
        })?;
    let key = PrivateKeyDer::from_pem_file(key).map_err(|e| {
        WebError::Startup(format!(
            "cannot read the TLS key {}: {e}; give a PEM private key with --tls-key",
            key.display()
        ))
    })?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| WebError::Startup(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| {
            WebError::Startup(format!(
                "the TLS certificate and key do not fit together: {e}"
            ))
        })?;
    Ok(TlsAcceptor::from(Arc::new(config)))
}

/// A TCP listener that does the TLS handshake (with a time limit, so a silent client cannot
/// hold the accept loop) before handing the stream to the server.
struct TlsListener {
    tcp: TcpListener,
    acceptor: TlsAcceptor,
}

impl Listener for TlsListener {
    type Io = TlsStream<TcpStream>;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        loop {
            let (stream, addr) = Listener::accept(&mut self.tcp).await;
            let handshake = self.acceptor.accept(stream);
            match tokio::time::timeout(std::time::Duration::from_secs(10), handshake).await {
                Ok(Ok(tls)) => return (tls, addr),
                Ok(Err(e)) => tracing::debug!(error = %e, "TLS handshake failed"),
                Err(_) => tracing::debug!("TLS handshake timed out"),
            }
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        Listener::local_addr(&self.tcp)
    }
}

/// The peer's address, for the request context (both listeners provide it).
#[derive(Debug, Clone, Copy)]
pub struct Peer(pub SocketAddr);

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TcpListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, TcpListener>) -> Peer {
        Peer(*stream.remote_addr())
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TlsListener>> for Peer {
    fn connect_info(stream: axum::serve::IncomingStream<'_, TlsListener>) -> Peer {
        Peer(*stream.remote_addr())
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
    tracing::info!("shutting down");
}

/// Serves `state` until Ctrl-C or SIGTERM. Writes `Listening on URL` (one line) to `out` once the
/// socket is bound, then `after_listen` (the demo's logins) — before the first request is served.
pub async fn serve(
    state: AppState,
    config: &Config,
    out: &mut (dyn Write + Send),
    after_listen: &str,
) -> Result<(), WebError> {
    let tcp = TcpListener::bind((config.bind, config.port))
        .await
        .map_err(|e| {
            WebError::Startup(format!(
                "cannot listen on {}:{}: {e}; choose another --port (0 picks a free one)",
                config.bind, config.port
            ))
        })?;
    let addr = tcp
        .local_addr()
        .map_err(|e| WebError::Startup(e.to_string()))?;
    let host = match addr {
        SocketAddr::V6(a) => format!("[{}]:{}", a.ip(), a.port()),
        SocketAddr::V4(a) => a.to_string(),
    };
    let scheme = if config.tls.is_some() {
        "https"
    } else {
        "http"
    };
    let app = router(state).into_make_service_with_connect_info::<Peer>();
    let acceptor = match &config.tls {
        Some((cert, key)) => Some(tls_acceptor(cert, key)?),
        None => None,
    };
    let print = |out: &mut (dyn Write + Send)| {
        writeln!(out, "Listening on {scheme}://{host}/")
            .and_then(|()| out.write_all(after_listen.as_bytes()))
            .and_then(|()| out.flush())
            .map_err(|e| WebError::Startup(format!("cannot write to standard output: {e}")))
    };
    match acceptor {
        Some(acceptor) => {
            print(out)?;
            axum::serve(TlsListener { tcp, acceptor }, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
        }
        None => {
            print(out)?;
            axum::serve(tcp, app)
                .with_graceful_shutdown(shutdown_signal())
                .await
        }
    }
    .map_err(|e| WebError::Startup(format!("the server stopped: {e}")))
}
