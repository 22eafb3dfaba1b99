//! Themes: semantic styles ("selection", "warn", "tier_t3") read from `themes/*.toml`.
//! The built-in dark, light and mono themes are compiled in; a file of the same name in the
//! user's theme directory overrides any of their roles, and a new file may `extends` one.
//! Colours are ANSI-16 unless the terminal says it has true colour or the config asks.

use std::collections::BTreeMap;
use std::path::Path;

use ratatui::style::{Color, Modifier, Style};

use crate::config::{ConfigError, Origin};

/// The roles a theme styles.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    Base,
    Muted,
    Title,
    Border,
    BorderFocus,
    Header,
    HeaderBadge,
    Tab,
    TabActive,
    TableHeader,
    Selection,
    Marked,
    Key,
    Ok,
    Info,
    Warn,
    Error,
    Critical,
    Bar,
    BarAlt,
    Positive,
    Negative,
    Flagged,
    TierT1,
    TierT2,
    TierT3,
    TierT4,
    FlashInfo,
    FlashError,
}

impl Role {
    pub const ALL: [Role; 29] = [
        Role::Base,
        Role::Muted,
        Role::Title,
        Role::Border,
        Role::BorderFocus,
        Role::Header,
        Role::HeaderBadge,
        Role::Tab,
        Role::TabActive,
        Role::TableHeader,
        Role::Selection,
        Role::Marked,
        Role::Key,
        Role::Ok,
        Role::Info,
        Role::Warn,
        Role::Error,
        Role::Critical,
        Role::Bar,
        Role::BarAlt,
        Role::Positive,
        Role::Negative,
        Role::Flagged,
        Role::TierT1,
        Role::TierT2,
        Role::TierT3,
        Role::TierT4,
        Role::FlashInfo,
        Role::FlashError,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Role::Base => "base",
            Role::Muted => "muted",
            Role::Title => "title",
            Role::Border => "border",
            Role::BorderFocus => "border_focus",
            Role::Header => "header",
            Role::HeaderBadge => "header_badge",
            Role::Tab => "tab",
            Role::TabActive => "tab_active",
            Role::TableHeader => "table_header",
            Role::Selection => "selection",
            Role::Marked => "marked",
            Role::Key => "key",
            Role::Ok => "ok",
            Role::Info => "info",
            Role::Warn => "warn",
            Role::Error => "error",
            Role::Critical => "critical",
            Role::Bar => "bar",
            Role::BarAlt => "bar_alt",
            Role::Positive => "positive",
            Role::Negative => "negative",
            Role::Flagged => "flagged",
            Role::TierT1 => "tier_t1",
            Role::TierT2 => "tier_t2",
            Role::TierT3 => "tier_t3",
            Role::TierT4 => "tier_t4",
            Role::FlashInfo => "flash_info",
            Role::FlashError => "flash_error",
        }
    }

    fn parse(name: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.name() == name)
    }
}

/// A loaded theme.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    pub name: String,
    styles: BTreeMap<Role, Style>,
}

/// The built-in themes, in cycling order.
pub const BUILT_IN: [(&str, &str); 3] = [
    ("dark", include_str!("../../themes/dark.toml")),
    ("light", include_str!("../../themes/light.toml")),
    ("mono", include_str!("../../themes/mono.toml")),
];

impl Theme {
    pub fn style(&self, role: Role) -> Style {
        self.styles.get(&role).copied().unwrap_or_default()
    }

    /// Load `name`: a built-in theme with the user's file of the same name laid over it, or a
    /// user theme file (which may `extends` a built-in; otherwise it extends "dark").
    pub fn load(name: &str, user_dir: &Path, truecolor: bool) -> Result<Theme, ConfigError> {
        let user_file = user_dir.join(format!("{name}.toml"));
        let user = match std::fs::read_to_string(&user_file) {
            Ok(text) => Some((text, user_file.display().to_string())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => {
                return Err(ConfigError::whole(
                    &Origin::File(user_file.display().to_string()),
                    format!("cannot read the theme: {e}"),
                ));
            }
        };
        let built_in = BUILT_IN.iter().find(|(n, _)| *n == name);
        let mut theme = match (built_in, &user) {
            (Some((_, text)), _) => {
                parse(text, &format!("built-in theme {name}"), None, truecolor)?
            }
            (None, Some((text, origin))) => {
                let base = extends_of(text, origin)?.unwrap_or_else(|| "dark".to_string());
                let (_, base_text) =
                    BUILT_IN
                        .iter()
                        .find(|(n, _)| *n == base)
                        .ok_or_else(|| ConfigError {
                            origin: origin.clone(),
                            key: "extends".into(),
                            value: format!("{base:?}"),
                            reason: "not a built-in theme (dark, light, mono)".into(),
                        })?;
                parse(
                    base_text,
                    &format!("built-in theme {base}"),
                    None,
                    truecolor,
                )?
            }
            (None, None) => {
                return Err(ConfigError {
                    origin: "theme".into(),
                    key: "theme".into(),
                    value: format!("{name:?}"),
                    reason: format!(
                        "no such theme (built in: dark, light, mono; or a file {})",
                        user_file.display()
                    ),
                });
            }
        };
        if let Some((text, origin)) = &user {
            theme = parse(text, origin, Some(theme), truecolor)?;
        }
        theme.name = name.to_string();
        Ok(theme)
    }

    /// The next built-in theme after `name` (for cycling at run time).
    pub fn next_built_in(name: &str) -> &'static str {
        let i = BUILT_IN
            .iter()
            .position(|(n, _)| *n == name)
            .map_or(0, |i| i + 1);
        BUILT_IN[i % BUILT_IN.len()].0
    }
}

fn extends_of(text: &str, origin: &str) -> Result<Option<String>, ConfigError> {
    let doc: toml::Table = toml::from_str(text).map_err(|e| {
        ConfigError::whole(
            &Origin::File(origin.into()),
            format!("not valid TOML: {}", e.message()),
        )
    })?;
    Ok(doc
        .get("extends")
        .and_then(|v| v.as_str())
        .map(str::to_string))
}

/// Parse a theme file, over `base` when given (partial overrides).
fn parse(
    text: &str,
    origin: &str,
    base: Option<Theme>,
    truecolor: bool,
) -> Result<Theme, ConfigError> {
    let err = |key: String, value: String, reason: &str| ConfigError {
        origin: origin.to_string(),
        key,
        value,
        reason: reason.to_string(),
    };
    let doc: toml::Table = toml::from_str(text).map_err(|e| {
        ConfigError::whole(
            &Origin::File(origin.into()),
            format!("not valid TOML: {}", e.message()),
        )
    })?;
    let mut theme = base.unwrap_or(Theme {
        name: String::new(),
        styles: BTreeMap::new(),
    });
    for (key, value) in &doc {
        match key.as_str() {
            "name" | "extends" => {}
            "truecolor" => {}
            "styles" => {
                let Some(table) = value.as_table() else {
                    return Err(err(
                        "styles".into(),
                        value.to_string(),
                        "expected a table of roles",
                    ));
                };
                for (role_name, spec) in table {
                    let key = format!("styles.{role_name}");
                    let role = Role::parse(role_name).ok_or_else(|| {
                        let known: Vec<&str> = Role::ALL.iter().map(|r| r.name()).collect();
                        err(
                            key.clone(),
                            String::new(),
                            &format!("unknown role (known: {})", known.join(", ")),
                        )
                    })?;
                    let style = parse_style(spec, &key, origin, truecolor)?;
                    theme.styles.insert(role, style);
                }
            }
            other => return Err(err(other.to_string(), String::new(), "unknown setting")),
        }
    }
    Ok(theme)
}

fn parse_style(
    spec: &toml::Value,
    key: &str,
    origin: &str,
    truecolor: bool,
) -> Result<Style, ConfigError> {
    let err = |k: String, value: String, reason: &str| ConfigError {
        origin: origin.to_string(),
        key: k,
        value,
        reason: reason.to_string(),
    };
    let Some(table) = spec.as_table() else {
        return Err(err(
            key.into(),
            spec.to_string(),
            "expected { fg = …, bg = …, bold = … }",
        ));
    };
    let mut style = Style::default();
    for (field, v) in table {
        let k = format!("{key}.{field}");
        match field.as_str() {
            "fg" | "bg" => {
                let s = v.as_str().ok_or_else(|| {
                    err(
                        k.clone(),
                        v.to_string(),
                        "expected a colour name or #rrggbb",
                    )
                })?;
                let color: Color = s.parse().map_err(|_| {
                    err(
                        k.clone(),
                        format!("{s:?}"),
                        "not a colour (ANSI name, 0-255 or #rrggbb)",
                    )
                })?;
                let color = if truecolor { color } else { to_ansi16(color) };
                style = if field == "fg" {
                    style.fg(color)
                } else {
                    style.bg(color)
                };
            }
            "bold" | "dim" | "italic" | "underlined" | "reversed" => {
                let on = v
                    .as_bool()
                    .ok_or_else(|| err(k.clone(), v.to_string(), "expected true or false"))?;
                let m = match field.as_str() {
                    "bold" => Modifier::BOLD,
                    "dim" => Modifier::DIM,
                    "italic" => Modifier::ITALIC,
                    "underlined" => Modifier::UNDERLINED,
                    _ => Modifier::REVERSED,
                };
                if on {
                    style = style.add_modifier(m);
                }
            }
            _ => return Err(err(k, String::new(), "unknown style field")),
        }
    }
    Ok(style)
}

/// True colour only when the terminal says so (`COLORTERM=truecolor` or `24bit`).
pub fn terminal_has_truecolor(colorterm: Option<&str>) -> bool {
    matches!(colorterm, Some("truecolor" | "24bit"))
}

/// The nearest of the 16 ANSI colours, for RGB and 256-colour values on plain terminals.
fn to_ansi16(c: Color) -> Color {
    let rgb = match c {
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i) if i >= 16 => indexed_rgb(i),
        other => return other,
    };
    const PALETTE: [(Color, (u8, u8, u8)); 16] = [
        (Color::Black, (0, 0, 0)),
        (Color::Red, (205, 0, 0)),
        (Color::Green, (0, 205, 0)),
        (Color::Yellow, (205, 205, 0)),
        (Color::Blue, (0, 0, 238)),
        (Color::Magenta, (205, 0, 205)),
        (Color::Cyan, (0, 205, 205)),
        (Color::Gray, (229, 229, 229)),
        (Color::DarkGray, (127, 127, 127)),
        (Color::LightRed, (255, 0, 0)),
        (Color::LightGreen, (0, 255, 0)),
        (Color::LightYellow, (255, 255, 0)),
        (Color::LightBlue, (92, 92, 255)),
        (Color::LightMagenta, (255, 0, 255)),
        (Color::LightCyan, (0, 255, 255)),
        (Color::White, (255, 255, 255)),
    ];
    let dist = |(r, g, b): (u8, u8, u8)| {
        let d = |a: u8, b: u8| (i32::from(a) - i32::from(b)).pow(2);
        d(r, rgb.0) + d(g, rgb.1) + d(b, rgb.2)
    };
    PALETTE
        .iter()
        .min_by_key(|(_, p)| dist(*p))
        .map_or(Color::Reset, |(c, _)| *c)
}

fn indexed_rgb(i: u8) -> (u8, u8, u8) {
    if i >= 232 {
        let v = 8 + (i - 232) * 10;
        return (v, v, v);
    }
    let i = i - 16;
    let level = |x: u8| if x == 0 { 0 } else { 55 + x * 40 };
    (level(i / 36), level((i / 6) % 6), level(i % 6))
}

/// Whether a glyph in `fg` would vanish on `bg`: the same colour, or the same colour family
/// (cyan on light cyan), or RGB colours closer than the eye tells apart. `Reset` (the
/// terminal's own colour) is never hidden.
pub fn hides(fg: Color, bg: Color) -> bool {
    fn family(c: Color) -> Option<u8> {
        Some(match c {
            Color::Black => 0,
            Color::Red | Color::LightRed => 1,
            Color::Green | Color::LightGreen => 2,
            Color::Yellow | Color::LightYellow => 3,
            Color::Blue | Color::LightBlue => 4,
            Color::Magenta | Color::LightMagenta => 5,
            Color::Cyan | Color::LightCyan => 6,
            Color::Gray | Color::White => 7,
            Color::DarkGray => 8,
            _ => return None,
        })
    }
    match (fg, bg) {
        (Color::Reset, _) | (_, Color::Reset) => false,
        (Color::Rgb(a, b, c), Color::Rgb(x, y, z)) => {
            let d = |p: u8, q: u8| (i32::from(p) - i32::from(q)).abs();
            d(a, x) + d(b, y) + d(c, z) < 96
        }
        (a, b) if a == b => true,
        (a, b) => family(a).is_some_and(|f| Some(f) == family(b)),
    }
}

/// Make every glyph the frame would draw invisibly (its colour on a background of the same
/// colour: a cyan score or bar on the cyan selection) readable: in the selection's own text
/// colour on the selection, else in black or white, whichever the background is not. One
/// pass over the finished frame, so no tab can hide a value, in any theme.
pub fn unhide_glyphs(buf: &mut ratatui::buffer::Buffer, theme: &Theme) {
    let sel = theme.style(Role::Selection);
    let area = buf.area;
    for y in area.top()..area.bottom() {
        for x in area.left()..area.right() {
            let cell = &mut buf[(x, y)];
            if cell.symbol().trim().is_empty() || !hides(cell.fg, cell.bg) {
                continue;
            }
            cell.fg = match (sel.bg, sel.fg) {
                (Some(bg), Some(fg)) if bg == cell.bg && !hides(fg, bg) => fg,
                _ => contrast(cell.bg),
            };
        }
    }
}

/// Black on light backgrounds, white on dark ones.
fn contrast(bg: Color) -> Color {
    let light = match bg {
        Color::Rgb(r, g, b) => {
            299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b) > 128_000
        }
        Color::Black | Color::Blue | Color::Red | Color::Magenta | Color::DarkGray => false,
        _ => true,
    };
    if light { Color::Black } else { Color::White }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_dir() -> std::path::PathBuf {
        std::path::PathBuf::from("/nonexistent/xbot/themes")
    }

    #[test]
    fn built_in_themes_define_every_role() {
        for (name, _) in BUILT_IN {
            let t = Theme::load(name, &no_dir(), false).unwrap();
            for role in Role::ALL {
                assert!(t.styles.contains_key(&role), "{name} lacks {}", role.name());
            }
        }
    }

    #[test]
    fn mono_has_no_colours_but_a_visible_selection() {
        let t = Theme::load("mono", &no_dir(), false).unwrap();
        for role in Role::ALL {
            let s = t.style(role);
            assert!(
                s.fg.is_none() && s.bg.is_none(),
                "{} has a colour",
                role.name()
            );
        }
        assert!(
            t.style(Role::Selection)
                .add_modifier
                .contains(Modifier::REVERSED)
        );
    }

    #[test]
    fn user_files_override_some_roles_and_errors_name_file_and_key() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("dark.toml"),
            "[styles]\nselection = { fg = \"white\", bg = \"#336699\" }\n",
        )
        .unwrap();
        let t = Theme::load("dark", dir.path(), false).unwrap();
        assert_eq!(t.style(Role::Selection).fg, Some(Color::White));
        // RGB is mapped to the nearest ANSI colour without true colour…
        assert!(!matches!(t.style(Role::Selection).bg, Some(Color::Rgb(..))));
        // …and kept with it.
        let t = Theme::load("dark", dir.path(), true).unwrap();
        assert_eq!(
            t.style(Role::Selection).bg,
            Some(Color::Rgb(0x33, 0x66, 0x99))
        );
        // Roles not overridden keep the built-in style.
        assert_eq!(
            t.style(Role::Warn),
            Theme::load("dark", &no_dir(), true)
                .unwrap()
                .style(Role::Warn)
        );

        std::fs::write(
            dir.path().join("ocean.toml"),
            "extends = \"light\"\n[styles]\nwarn = { fg = \"purpleish\" }\n",
        )
        .unwrap();
        let e = Theme::load("ocean", dir.path(), false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("ocean.toml") && e.contains("styles.warn.fg") && e.contains("purpleish"),
            "{e}"
        );

        std::fs::write(dir.path().join("ocean.toml"), "[styles]\nsparkles = {}\n").unwrap();
        let e = Theme::load("ocean", dir.path(), false)
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("styles.sparkles") && e.contains("unknown role"),
            "{e}"
        );
        assert!(Theme::load("nope", dir.path(), false).is_err());
    }

    #[test]
    fn themes_cycle_through_the_built_ins() {
        assert_eq!(Theme::next_built_in("dark"), "light");
        assert_eq!(Theme::next_built_in("light"), "mono");
        assert_eq!(Theme::next_built_in("mono"), "dark");
        assert_eq!(Theme::next_built_in("custom"), "dark");
    }
}
