//! Who is acting: the real OS user (from the password database, not `$USER`, which anyone can
//! set), the host, the SSH client address when the session came over SSH, and the process.

use std::sync::atomic::{AtomicU8, Ordering};

/// Which front end an operator action came from, as audited (`operator_audit.via`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Via {
    Console,
    Cli,
}

impl Via {
    pub fn as_str(self) -> &'static str {
        match self {
            Via::Console => "console",
            Via::Cli => "cli",
        }
    }
}

/// This process's front end: the console sets it when it starts; every verb is the CLI.
static FRONT_END: AtomicU8 = AtomicU8::new(0);

/// Record which front end this process is (read by [`Operator::current`]).
pub fn set_front_end(via: Via) {
    FRONT_END.store(
        match via {
            Via::Cli => 0,
            Via::Console => 1,
        },
        Ordering::Relaxed,
    );
}

/// This process's front end.
pub fn front_end() -> Via {
    match FRONT_END.load(Ordering::Relaxed) {
        1 => Via::Console,
        _ => Via::Cli,
    }
}

/// The operator behind an action, as written to the audit trail.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Operator {
    pub os_user: String,
    pub host: String,
    pub ssh_client: Option<String>,
    pub pid: u32,
    /// Where the action came from.
    pub via: Via,
}

impl Operator {
    /// The current process's operator, from this process's front end.
    pub fn current() -> Operator {
        Operator {
            os_user: os_user(),
            host: host(),
            ssh_client: ssh_client_from(
                std::env::var("SSH_CLIENT").ok(),
                std::env::var("SSH_CONNECTION").ok(),
            ),
            pid: std::process::id(),
            via: front_end(),
        }
    }

    /// The same operator acting through `via`.
    pub fn via(mut self, via: Via) -> Operator {
        self.via = via;
        self
    }

    /// `user@host`, shown in "already rejected by …" answers.
    pub fn name(&self) -> String {
        format!("{}@{}", self.os_user, self.host)
    }

    /// `user@host:pid`: the owner of a job lease.
    pub fn lease_owner(&self) -> String {
        format!("{}@{}:{}", self.os_user, self.host, self.pid)
    }
}

/// The real OS user name.
pub fn os_user() -> String {
    whoami::username().unwrap_or_else(|_| format!("uid{}", uid()))
}

fn uid() -> u32 {
    // SAFETY: getuid has no preconditions and cannot fail.
    unsafe { libc::getuid() }
}

/// The host name.
pub fn host() -> String {
    whoami::hostname().unwrap_or_else(|_| "unknown-host".to_string())
}

/// The SSH client's address: the first field of `SSH_CLIENT` or `SSH_CONNECTION`.
pub fn ssh_client_from(
    ssh_client: Option<String>,
    ssh_connection: Option<String>,
) -> Option<String> {
    ssh_client
        .or(ssh_connection)
        .and_then(|v| v.split_whitespace().next().map(str::to_string))
        .filter(|s| !s.is_empty())
}

/// This build's version, recorded with every audited action.
pub const APP_VERSION: &str = env!("CARGO_PKG_VERSION");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ssh_client_is_the_first_field() {
        assert_eq!(
            ssh_client_from(Some("203.0.113.9 52144 22".into()), None),
            Some("203.0.113.9".into())
        );
        assert_eq!(
            ssh_client_from(None, Some("198.51.100.4 6000 10.0.0.2 22".into())),
            Some("198.51.100.4".into())
        );
        assert_eq!(ssh_client_from(None, None), None);
    }

    #[test]
    fn operator_names() {
        let op = Operator {
            os_user: "alice".into(),
            host: "ops1".into(),
            ssh_client: None,
            pid: 42,
            via: Via::Cli,
        };
        assert_eq!(op.name(), "alice@ops1");
        assert_eq!(op.lease_owner(), "alice@ops1:42");
    }
}
