//! Postgres statements in one round trip. sqlx's extended protocol spends a round trip on
//! Parse/Describe before the Bind/Execute of every statement it has not prepared on that
//! connection, which is every statement of a short-lived CLI process. Over a real network
//! that doubles the cost of each query. The simple protocol does it in one, but takes no
//! parameters: so each `$n` is replaced by a literal of exactly the type sqlx would have
//! declared for the bound value (`'…'::int8`, `'…'::text`, `'…'::timestamptz`, …), which gives
//! the server the same typed value. Text is quoted the standard way (quotes doubled) and the
//! connection is opened with `standard_conforming_strings = on`, so a backslash is only a
//! backslash; a NUL byte, which no Postgres text can hold, is refused before anything is sent.

use std::fmt::Write;

use super::StoreError;
use super::backend::Val;

/// `sql` with every `$n` placeholder (outside quotes, quoted identifiers, comments and
/// dollar-quoted bodies) replaced by the typed literal of `args[n-1]`. `None` when a value
/// cannot be written as a literal the server would read back identically (then the caller
/// binds it instead).
pub fn inline(sql: &str, args: &[Val]) -> Result<Option<String>, StoreError> {
    if args.is_empty() {
        return Ok(Some(sql.to_string()));
    }
    let mut lits = Vec::with_capacity(args.len());
    for a in args {
        match literal(a)? {
            Some(l) => lits.push(l),
            None => return Ok(None),
        }
    }
    let b = sql.as_bytes();
    let mut out = String::with_capacity(sql.len() + lits.iter().map(String::len).sum::<usize>());
    let mut i = 0;
    let mut copied = 0;
    while i < b.len() {
        match b[i] {
            b'\'' => i = skip_quoted(b, i, b'\''),
            b'"' => i = skip_quoted(b, i, b'"'),
            b'-' if b.get(i + 1) == Some(&b'-') => {
                i = b[i..]
                    .iter()
                    .position(|&c| c == b'\n')
                    .map_or(b.len(), |p| i + p + 1)
            }
            b'/' if b.get(i + 1) == Some(&b'*') => {
                i = find(b, i + 2, b"*/").map_or(b.len(), |p| p + 2);
            }
            b'$' if ident_char_before(b, i) => i += 1,
            b'$' if b.get(i + 1).is_some_and(u8::is_ascii_digit) => {
                let start = i;
                let mut j = i + 1;
                while j < b.len() && b[j].is_ascii_digit() {
                    j += 1;
                }
                let n: usize = sql[start + 1..j].parse().unwrap_or(0);
                let Some(lit) = n.checked_sub(1).and_then(|k| lits.get(k)) else {
                    return Err(StoreError::Query(format!(
                        "placeholder ${n} without a value ({} given)",
                        lits.len()
                    )));
                };
                out.push_str(&sql[copied..start]);
                out.push_str(lit);
                copied = j;
                i = j;
            }
            b'$' => {
                // A dollar-quoted body: $tag$ … $tag$.
                let tag_end = b[i + 1..]
                    .iter()
                    .position(|&c| !(c.is_ascii_alphanumeric() || c == b'_'))
                    .map(|p| i + 1 + p);
                match tag_end {
                    Some(e) if b[e] == b'$' => {
                        let tag = &b[i..=e];
                        i = find(b, e + 1, tag).map_or(b.len(), |p| p + tag.len());
                    }
                    _ => i += 1,
                }
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[copied..]);
    Ok(Some(out))
}

fn ident_char_before(b: &[u8], i: usize) -> bool {
    i > 0 && (b[i - 1].is_ascii_alphanumeric() || b[i - 1] == b'_' || b[i - 1] >= 0x80)
}

/// The index just past the closing quote of the quoted run starting at `i` (a doubled quote
/// stays inside).
fn skip_quoted(b: &[u8], i: usize, q: u8) -> usize {
    let mut j = i + 1;
    while j < b.len() {
        if b[j] == q {
            if b.get(j + 1) == Some(&q) {
                j += 2;
                continue;
            }
            return j + 1;
        }
        j += 1;
    }
    b.len()
}

fn find(b: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    if from > b.len() {
        return None;
    }
    b[from..]
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| from + p)
}

fn quote(s: &str, ty: &str) -> Result<String, StoreError> {
    if s.contains('\0') {
        return Err(StoreError::Query(
            "a text value holds a NUL byte, which Postgres text cannot store".into(),
        ));
    }
    let mut out = String::with_capacity(s.len() + ty.len() + 4);
    out.push('\'');
    for c in s.chars() {
        if c == '\'' {
            out.push('\'');
        }
        out.push(c);
    }
    let _ = write!(out, "'::{ty}");
    Ok(out)
}

/// The literal of one value, typed as sqlx declares it when binding (`None`: not inlinable).
fn literal(v: &Val) -> Result<Option<String>, StoreError> {
    Ok(Some(match v {
        Val::I64(None) => "NULL::int8".into(),
        Val::F64(None) => "NULL::float8".into(),
        Val::Text(None) => "NULL::text".into(),
        Val::Ts(None) => "NULL::timestamptz".into(),
        Val::Bool(None) => "NULL::bool".into(),
        Val::Json(None) => "NULL::jsonb".into(),
        Val::I64(Some(n)) => format!("'{n}'::int8"),
        Val::F64(Some(x)) => {
            let t = if x.is_nan() {
                "NaN".to_string()
            } else if x.is_infinite() {
                if *x > 0.0 { "Infinity" } else { "-Infinity" }.to_string()
            } else {
                // Rust prints the shortest text that reads back as the same f64.
                format!("{x:?}")
            };
            format!("'{t}'::float8")
        }
        Val::Bool(Some(x)) => if *x { "true" } else { "false" }.into(),
        Val::Text(Some(s)) => quote(s, "text")?,
        Val::Ts(Some(t)) => {
            use chrono::Datelike;
            // sqlx sends microseconds; the same precision here. Years outside 1..=9999 are
            // bound instead (their text form differs).
            if !(1..=9999).contains(&t.year()) {
                return Ok(None);
            }
            format!("'{}'::timestamptz", t.format("%Y-%m-%dT%H:%M:%S%.6fZ"))
        }
        Val::Json(Some(j)) => quote(&j.to_string(), "jsonb")?,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn run(sql: &str, args: Vec<Val>) -> String {
        inline(sql, &args).unwrap().unwrap()
    }

    #[test]
    fn placeholders_outside_quotes_comments_and_bodies_are_replaced() {
        let sql = "SELECT '$1', \"a$1\", $1, x$1, $2 -- $1\n /* $2 */ $$ $1 $$ $t$ $2 $t$ $10";
        let mut args: Vec<Val> = (1..=10).map(|i| Val::from(i as i64)).collect();
        args[1] = Val::from("it's");
        assert_eq!(
            run(sql, args),
            "SELECT '$1', \"a$1\", '1'::int8, x$1, 'it''s'::text -- $1\n /* $2 */ $$ $1 $$ \
             $t$ $2 $t$ '10'::int8"
        );
    }

    #[test]
    fn values_keep_their_types() {
        let t = chrono::Utc.with_ymd_and_hms(2026, 12, 6, 8, 0, 1).unwrap();
        let out = run(
            "$1 $2 $3 $4 $5 $6 $7 $8",
            vec![
                Val::from(0.1),
                Val::F64(Some(f64::NEG_INFINITY)),
                Val::from(t),
                Val::from(true),
                Val::Text(None),
                Val::from(serde_json::json!({"a": "b'c"})),
                Val::from(-3i64),
                Val::from("back\\slash"),
            ],
        );
        assert_eq!(
            out,
            "'0.1'::float8 '-Infinity'::float8 '2026-12-06T08:00:01.000000Z'::timestamptz true \
             NULL::text '{\"a\":\"b''c\"}'::jsonb '-3'::int8 'back\\slash'::text"
        );
    }

    #[test]
    fn a_nul_byte_is_refused_and_a_missing_value_is_an_error() {
        assert!(inline("SELECT $1", &[Val::from("a\0b")]).is_err());
        assert!(inline("SELECT $2", &[Val::from(1i64)]).is_err());
    }
}
