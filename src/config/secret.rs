//! Keeping secrets off screens, logs and JSON.

/// Mask the password of a URL: `postgres://user:secret@host/db` → `postgres://user:****@host/db`.
/// Also masks `password=` query parameters.
pub fn mask_url(url: &str) -> String {
    let mut out = url.to_string();
    if let Some((scheme, rest)) = url.split_once("://")
        && let Some((userinfo, host)) = rest.rsplit_once('@')
    {
        let masked = match userinfo.split_once(':') {
            Some((user, _)) => format!("{user}:****"),
            None => userinfo.to_string(),
        };
        out = format!("{scheme}://{masked}@{host}");
    }
    mask_query_password(&out)
}

fn mask_query_password(url: &str) -> String {
    let Some((base, query)) = url.split_once('?') else {
        return url.to_string();
    };
    let parts: Vec<String> = query
        .split('&')
        .map(|kv| match kv.split_once('=') {
            Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=****"),
            _ => kv.to_string(),
        })
        .collect();
    format!("{base}?{}", parts.join("&"))
}

/// The password in a database URL, if any, so that callers can scrub it from error texts.
pub fn url_password(url: &str) -> Option<String> {
    let rest = url.split_once("://")?.1;
    let (userinfo, _) = rest.rsplit_once('@')?;
    let (_, password) = userinfo.split_once(':')?;
    (!password.is_empty()).then(|| password.to_string())
}

/// Replace every occurrence of each secret in `text` with `****`.
pub fn scrub(text: &str, secrets: &[&str]) -> String {
    let mut out = text.to_string();
    for secret in secrets.iter().filter(|s| s.len() >= 4) {
        out = out.replace(secret, "****");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_passwords() {
        assert_eq!(
            mask_url("postgres://xbot:s3cr3t@db.example.com:5432/xbot"),
            "postgres://xbot:****@db.example.com:5432/xbot"
        );
        assert_eq!(
            mask_url("postgres://xbot@localhost/xbot"),
            "postgres://xbot@localhost/xbot"
        );
        assert_eq!(
            mask_url("postgres://localhost/xbot?user=a&password=p@ss"),
            "postgres://localhost/xbot?user=a&password=****"
        );
        assert_eq!(
            mask_url("postgres://u:p%40ss@h/db"),
            "postgres://u:****@h/db"
        );
    }

    #[test]
    fn finds_and_scrubs_passwords() {
        let url = "postgres://u:hunter22@h/db";
        let pw = url_password(url).unwrap();
        assert_eq!(pw, "hunter22");
        assert_eq!(scrub("failed for hunter22!", &[&pw]), "failed for ****!");
    }
}
