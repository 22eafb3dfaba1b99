//! Copying to the clipboard through the terminal: OSC 52, which the terminal emulator on the
//! operator's own machine handles, so it works over SSH; inside tmux the sequence is wrapped in
//! tmux's passthrough (tmux needs `set -g allow-passthrough on`, or `set-clipboard on` to
//! handle OSC 52 itself).

use super::keymap::Action;
use super::msg::Effect;
use super::state::{FLASH_SECS, State};
use super::tabs;

/// The escape sequence that puts `text` on the clipboard; wrapped for tmux when `tmux`.
pub fn osc52(text: &str, tmux: bool) -> String {
    let seq = format!("\x1b]52;c;{}\x07", base64(text.as_bytes()));
    if tmux {
        // tmux passes a DCS `tmux;` sequence through, every ESC inside doubled.
        format!("\x1bPtmux;{}\x1b\\", seq.replace('\x1b', "\x1b\x1b"))
    } else {
        seq
    }
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let b = [
            chunk[0],
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = (u32::from(b[0]) << 16) | (u32::from(b[1]) << 8) | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ABC[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// What `c` can copy from the selected row, in the order repeated presses go through: its id,
/// its text, its raw JSON (each only when the row has it).
pub fn choices(s: &State) -> Vec<(&'static str, String)> {
    let Some(v) = tabs::module(s.tab).raw_json(s) else {
        return Vec::new();
    };
    let mut out = Vec::new();
    let scalar = |x: &serde_json::Value| match x {
        serde_json::Value::String(t) if !t.is_empty() => Some(t.clone()),
        serde_json::Value::Number(n) => Some(n.to_string()),
        _ => None,
    };
    if let Some(id) = ["username", "id", "job", "decision_id", "value", "version"]
        .iter()
        .find_map(|k| v.get(*k).and_then(scalar))
    {
        out.push(("id", id));
    }
    if let Some(text) = [
        "proposed_rewrite",
        "original_text",
        "final_text",
        "content_preview",
        "content",
        "error",
        "details",
        "message",
    ]
    .iter()
    .find_map(|k| v.get(*k).and_then(|x| x.as_str()).filter(|t| !t.is_empty()))
    {
        out.push(("text", text.to_string()));
    }
    out.push((
        "raw JSON",
        serde_json::to_string_pretty(&v).unwrap_or_default(),
    ));
    out
}

/// `c`: copy the selected row's id; pressed again within the flash's time, its text, then its
/// raw JSON. The flash says what was copied and what the next press copies.
pub fn copy(s: &mut State) -> Vec<Effect> {
    let items = choices(s);
    let Some(first) = items.first().map(|(_, p)| p.clone()) else {
        s.info("nothing selected to copy");
        return Vec::new();
    };
    let step = match &s.copied {
        Some((tab, key, step, at))
            if *tab == s.tab && *key == first && (s.now - *at).num_seconds() < FLASH_SECS =>
        {
            (step + 1) % items.len()
        }
        _ => 0,
    };
    let (label, payload) = items[step].clone();
    s.copied = Some((s.tab, first, step, s.now));
    let chars = payload.chars().count();
    let shown = if label == "id" {
        crate::text::cell(&payload, 40)
    } else {
        format!("{chars} chars")
    };
    let next = items
        .get((step + 1) % items.len())
        .filter(|_| items.len() > 1)
        .map(|(l, _)| {
            format!(
                " — {} again copies its {l}",
                s.keymap.key_label(Action::Copy)
            )
        })
        .unwrap_or_default();
    s.info(format!("copied {label}: {shown}{next}"));
    vec![Effect::Clipboard(payload)]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_rfc_vectors() {
        for (plain, coded) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }

    #[test]
    fn osc52_is_wrapped_for_tmux() {
        assert_eq!(osc52("hi", false), "\x1b]52;c;aGk=\x07");
        assert_eq!(osc52("hi", true), "\x1bPtmux;\x1b\x1b]52;c;aGk=\x07\x1b\\");
    }
}
