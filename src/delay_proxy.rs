//! A TCP proxy on loopback that puts a network between xbot and its Postgres: every byte
//! waits `one_way` in each direction, and every TCP connection costs one more round trip for
//! its handshake, as on a real link. It counts what a far-away database makes you pay for:
//! round trips, not milliseconds.
//!
//! A round trip is counted each time the server answers after the client spoke (a client
//! burst followed by server data), plus one per TCP handshake. Statements the client
//! pipelines without waiting share one round trip; a message the server never answers (the
//! final Terminate) and data the server pushes unasked (a NOTIFY on a listening connection)
//! cost none. The client's messages are also counted by Postgres protocol type (`Q` simple
//! query, `P` parse, `B` bind, `E` execute, `S` sync, …) until a connection turns to TLS.

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::Instant;

/// What went through the proxy since it started (or since the last `reset`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct ProxyStats {
    /// TCP connections opened through the proxy.
    pub connections: u64,
    /// Round trips, the TCP handshakes included.
    pub round_trips: u64,
    /// Client messages by Postgres protocol type (`startup`, `ssl_request`, `Q`, `P`, …).
    pub client_messages: BTreeMap<String, u64>,
    pub bytes_to_server: u64,
    pub bytes_to_client: u64,
}

impl ProxyStats {
    /// `self - earlier`, for the cost of one step.
    pub fn since(&self, earlier: &ProxyStats) -> ProxyStats {
        let mut msgs = BTreeMap::new();
        for (k, v) in &self.client_messages {
            let d = v - earlier.client_messages.get(k).copied().unwrap_or(0);
            if d > 0 {
                msgs.insert(k.clone(), d);
            }
        }
        ProxyStats {
            connections: self.connections - earlier.connections,
            round_trips: self.round_trips - earlier.round_trips,
            client_messages: msgs,
            bytes_to_server: self.bytes_to_server - earlier.bytes_to_server,
            bytes_to_client: self.bytes_to_client - earlier.bytes_to_client,
        }
    }

    /// Statements sent: simple queries plus extended-protocol executes.
    pub fn statements(&self) -> u64 {
        self.client_messages.get("Q").copied().unwrap_or(0)
            + self.client_messages.get("E").copied().unwrap_or(0)
    }
}

/// A running proxy. Dropping it stops accepting; open connections end with their peers.
pub struct DelayProxy {
    addr: SocketAddr,
    stats: Arc<Mutex<ProxyStats>>,
    accept: JoinHandle<()>,
}

impl Drop for DelayProxy {
    fn drop(&mut self) {
        self.accept.abort();
    }
}

impl DelayProxy {
    /// Listen on 127.0.0.1 (a free port) and forward to `upstream` with `one_way` of delay
    /// each way (a round trip of twice that).
    pub async fn start(upstream: SocketAddr, one_way: Duration) -> std::io::Result<DelayProxy> {
        let listener = TcpListener::bind(("127.0.0.1", 0)).await?;
        let addr = listener.local_addr()?;
        let stats = Arc::new(Mutex::new(ProxyStats::default()));
        let st = stats.clone();
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let st = st.clone();
                tokio::spawn(async move {
                    if let Err(e) = serve(client, upstream, one_way, st).await {
                        tracing::debug!(error = %e, "delay proxy connection ended");
                    }
                });
            }
        });
        Ok(DelayProxy {
            addr,
            stats,
            accept,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// A snapshot of the counters.
    pub fn stats(&self) -> ProxyStats {
        self.stats.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// `url` (postgres://…) with its host and port replaced by the proxy's.
    pub fn url_through(&self, url: &str) -> Option<String> {
        replace_host_port(url, &self.addr.to_string())
    }
}

/// The host:port of a postgres:// URL (default port 5432), resolved.
pub fn upstream_of(url: &str) -> Option<SocketAddr> {
    use std::net::ToSocketAddrs;
    let (_, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?']).next()?;
    let hostport = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    let hostport = if hostport.contains(':') {
        hostport.to_string()
    } else {
        format!("{hostport}:5432")
    };
    hostport.to_socket_addrs().ok()?.next()
}

fn replace_host_port(url: &str, hostport: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let userinfo = authority
        .rsplit_once('@')
        .map(|(u, _)| format!("{u}@"))
        .unwrap_or_default();
    Some(format!("{scheme}://{userinfo}{hostport}{tail}"))
}

/// Which side spoke last on a connection.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Last {
    Nobody,
    Client,
    Server,
}

async fn serve(
    client: TcpStream,
    upstream: SocketAddr,
    one_way: Duration,
    stats: Arc<Mutex<ProxyStats>>,
) -> std::io::Result<()> {
    let accepted = Instant::now();
    let server = TcpStream::connect(upstream).await?;
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    if let Ok(mut s) = stats.lock() {
        s.connections += 1;
        s.round_trips += 1;
    }
    // Nothing the client sends can reach the server before the handshake's round trip.
    let open_at = accepted + one_way * 2;
    let last = Arc::new(Mutex::new(Last::Nobody));
    let (cr, cw) = client.into_split();
    let (sr, sw) = server.into_split();
    let up = pump(
        cr,
        sw,
        one_way,
        open_at,
        Direction::ToServer,
        last.clone(),
        stats.clone(),
    );
    let down = pump(sr, cw, one_way, accepted, Direction::ToClient, last, stats);
    let _ = tokio::join!(up, down);
    Ok(())
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Direction {
    ToServer,
    ToClient,
}

/// Copy one direction, each chunk delivered `one_way` after it was read (never before
/// `not_before`), in order.
async fn pump(
    mut from: tokio::net::tcp::OwnedReadHalf,
    mut to: tokio::net::tcp::OwnedWriteHalf,
    one_way: Duration,
    not_before: Instant,
    dir: Direction,
    last: Arc<Mutex<Last>>,
    stats: Arc<Mutex<ProxyStats>>,
) {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Instant, Vec<u8>)>();
    let writer = tokio::spawn(async move {
        while let Some((due, chunk)) = rx.recv().await {
            tokio::time::sleep_until(due).await;
            if to.write_all(&chunk).await.is_err() {
                break;
            }
        }
        let _ = to.shutdown().await;
    });
    let mut parser = MessageParser::default();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let chunk = buf[..n].to_vec();
        if let (Ok(mut l), Ok(mut s)) = (last.lock(), stats.lock()) {
            match dir {
                Direction::ToServer => {
                    s.bytes_to_server += n as u64;
                    for kind in parser.feed(&chunk) {
                        *s.client_messages.entry(kind).or_default() += 1;
                    }
                    *l = Last::Client;
                }
                Direction::ToClient => {
                    s.bytes_to_client += n as u64;
                    if *l == Last::Client {
                        s.round_trips += 1;
                    }
                    *l = Last::Server;
                }
            }
        }
        let due = (Instant::now() + one_way).max(not_before + one_way);
        if tx.send((due, chunk)).is_err() {
            break;
        }
    }
    drop(tx);
    let _ = writer.await;
}

/// Splits the client's byte stream into Postgres messages and names them.
#[derive(Default)]
struct MessageParser {
    buf: Vec<u8>,
    /// Past the untyped startup phase.
    typed: bool,
    /// The connection asked for TLS: the rest is opaque (counted as bytes only).
    opaque: bool,
}

impl MessageParser {
    fn feed(&mut self, chunk: &[u8]) -> Vec<String> {
        if self.opaque {
            return Vec::new();
        }
        self.buf.extend_from_slice(chunk);
        let mut out = Vec::new();
        loop {
            if !self.typed {
                let Some(len) = read_len(&self.buf, 0) else {
                    break;
                };
                if self.buf.len() < len {
                    break;
                }
                let code = read_len(&self.buf, 4).unwrap_or(0) as u32;
                let name = match code {
                    80_877_103 => "ssl_request",
                    80_877_104 => "gssenc_request",
                    80_877_102 => "cancel_request",
                    _ => "startup",
                };
                out.push(name.to_string());
                self.buf.drain(..len);
                if name == "startup" {
                    self.typed = true;
                }
                if name == "ssl_request" || name == "gssenc_request" {
                    // Whether the server accepted TLS is only known from its answer; sqlx
                    // sends the StartupMessage in clear after an 'N', and TLS bytes start
                    // with 0x16, which is no startup length we would accept.
                    continue;
                }
            } else {
                if self.buf.len() < 5 {
                    break;
                }
                let Some(len) = read_len(&self.buf, 1) else {
                    break;
                };
                if self.buf.len() < len + 1 {
                    break;
                }
                out.push((self.buf[0] as char).to_string());
                self.buf.drain(..len + 1);
            }
        }
        // A TLS record after an SSLRequest: stop parsing.
        if !self.typed && self.buf.first() == Some(&0x16) {
            self.opaque = true;
            self.buf.clear();
        }
        out
    }
}

fn read_len(buf: &[u8], at: usize) -> Option<usize> {
    let b: [u8; 4] = buf.get(at..at + 4)?.try_into().ok()?;
    Some(u32::from_be_bytes(b) as usize)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_keep_credentials_and_path() {
        assert_eq!(
            replace_host_port(
                "postgres://u:p@db.example:5432/x?sslmode=disable",
                "127.0.0.1:9"
            )
            .as_deref(),
            Some("postgres://u:p@127.0.0.1:9/x?sslmode=disable")
        );
        assert_eq!(
            replace_host_port("postgres://h/x", "127.0.0.1:9").as_deref(),
            Some("postgres://127.0.0.1:9/x")
        );
    }

    #[test]
    fn the_parser_names_startup_and_typed_messages_across_chunks() {
        let mut p = MessageParser::default();
        let ssl = [0, 0, 0, 8, 4, 210, 22, 47];
        assert_eq!(p.feed(&ssl), vec!["ssl_request"]);
        let mut startup = vec![0, 0, 0, 9, 0, 3, 0, 0, 0];
        startup.extend_from_slice(&[b'Q', 0, 0, 0, 5]);
        assert_eq!(p.feed(&startup), vec!["startup"]);
        assert_eq!(p.feed(b";"), vec!["Q"]);
        assert_eq!(p.feed(&[b'S', 0, 0, 0, 4, b'X']), vec!["S"]);
        assert_eq!(p.feed(&[0, 0, 0, 4]), vec!["X"]);
    }
}
