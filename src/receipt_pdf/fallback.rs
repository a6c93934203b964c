//! The receipt's fallback fonts: after the primary (CJK) font, one font per script the
//! answers may be typed in that it lacks: Thai, Myanmar, Khmer, Lao, Devanagari,
//! Bengali, Sinhala, Tamil, Arabic (with Urdu's letters), Hebrew and emoji. By default
//! Debian's `fonts-noto-core` files ([`SCRIPTS`]) and `fonts-noto-color-emoji`;
//! `HRDD_PDF_FALLBACK_FONTS` (a `:`-separated list of files) names others.
//!
//! A missing fallback is not fatal: start-up ([`check`]) keeps the files that are fonts
//! and logs once which scripts no font of the chain has (they are drawn as empty boxes)
//! and what to install. Each file is memory-mapped when a receipt first needs it (a
//! character the fonts before it lack), never read into the heap, and kept mapped for
//! the process: a receipt touches the pages of the tables and glyphs it uses.

use super::font::FontBytes;
use rustybuzz::ttf_parser;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Where Debian's `fonts-noto-core` and `fonts-noto-color-emoji` put their fonts.
pub const NOTO_DIR: &str = "/usr/share/fonts/truetype/noto";

/// A script answers may be typed in that the primary font lacks, and the font for it.
#[derive(Debug, PartialEq, Eq)]
pub struct Script {
    pub name: &'static str,
    /// Characters a font for the script has.
    pub sample: &'static str,
    /// The font file in [`NOTO_DIR`].
    pub file: &'static str,
    /// The Debian package with that file.
    pub package: &'static str,
}

const fn script(
    name: &'static str,
    sample: &'static str,
    file: &'static str,
    package: &'static str,
) -> Script {
    Script {
        name,
        sample,
        file,
        package,
    }
}

/// The default fallbacks, in the order they are tried.
pub const SCRIPTS: [Script; 11] = [
    script(
        "Thai",
        "ภาษาไทย",
        "NotoSansThai-Regular.ttf",
        "fonts-noto-core",
    ),
    script(
        "Myanmar (Burmese)",
        "မြန်မာ",
        "NotoSansMyanmar-Regular.ttf",
        "fonts-noto-core",
    ),
    script(
        "Khmer",
        "ខ្មែរ",
        "NotoSansKhmer-Regular.ttf",
        "fonts-noto-core",
    ),
    script("Lao", "ລາວ", "NotoSansLao-Regular.ttf", "fonts-noto-core"),
    script(
        "Devanagari (Nepali, Hindi)",
        "नेपाली हिन्दी",
        "NotoSansDevanagari-Regular.ttf",
        "fonts-noto-core",
    ),
    script(
        "Bengali",
        "বাংলা",
        "NotoSansBengali-Regular.ttf",
        "fonts-noto-core",
    ),
    script(
        "Sinhala",
        "සිංහල",
        "NotoSansSinhala-Regular.ttf",
        "fonts-noto-core",
    ),
    script(
        "Tamil",
        "தமிழ்",
        "NotoSansTamil-Regular.ttf",
        "fonts-noto-core",
    ),
    // Noto Sans Arabic has the whole Arabic block, Urdu's letters (ٹ ڈ ڑ ں ے) too.
    script(
        "Arabic and Urdu",
        "العربية اردو ٹڈڑںے",
        "NotoSansArabic-Regular.ttf",
        "fonts-noto-core",
    ),
    script(
        "Hebrew",
        "עברית",
        "NotoSansHebrew-Regular.ttf",
        "fonts-noto-core",
    ),
    // Colour bitmaps (CBDT/PNG), which krilla draws as images.
    script(
        "emoji",
        "😀👍",
        "NotoColorEmoji.ttf",
        "fonts-noto-color-emoji",
    ),
];

/// The default fallback files, in order.
pub fn default_paths() -> Vec<PathBuf> {
    SCRIPTS
        .iter()
        .map(|s| Path::new(NOTO_DIR).join(s.file))
        .collect()
}

/// One fallback file, mapped on first use.
pub(super) struct FallbackFont {
    path: PathBuf,
    data: OnceLock<Option<FontBytes>>,
}

impl FallbackFont {
    pub(super) fn new(path: PathBuf) -> FallbackFont {
        FallbackFont {
            path,
            data: OnceLock::new(),
        }
    }

    /// The file's bytes, mapped the first time; `None` (said once) if it cannot be.
    pub(super) fn data(&self) -> Option<&FontBytes> {
        self.data
            .get_or_init(|| match map(&self.path) {
                Ok(map) => Some(Arc::new(map)),
                Err(e) => {
                    tracing::warn!(font = %self.path.display(), error = %e, "a receipt PDF fallback font cannot be read: what it covers is drawn as empty boxes");
                    None
                }
            })
            .as_ref()
    }

    pub(super) fn path(&self) -> &Path {
        &self.path
    }
}

/// `path` mapped read-only: every font of the chain, the primary one too.
pub(super) fn map(path: &Path) -> std::io::Result<memmap2::Mmap> {
    let file = std::fs::File::open(path)?;
    // SAFETY: the mapping is read-only and lives as long as the font. A font file is
    // installed by the operator's package manager, which replaces a file by renaming a
    // new one over it (the mapping keeps the old inode); changing the bytes in place
    // while the service runs is not supported, as for any mapped font (fontdb and the
    // system font loaders map fonts the same way).
    unsafe { memmap2::Mmap::map(&file) }
}

/// Whether the file starts as an OpenType/TrueType font or collection does.
pub(super) fn has_font_magic(path: &Path) -> std::io::Result<bool> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut magic))?;
    Ok(matches!(&magic, b"ttcf" | b"OTTO" | b"true" | [0, 1, 0, 0]))
}

/// What start-up found: the fallback files to use, and the [`SCRIPTS`] no font of the
/// chain has.
#[derive(Debug)]
pub struct Checked {
    pub usable: Vec<PathBuf>,
    pub uncovered: Vec<&'static Script>,
}

/// Keeps the `fallbacks` that are fonts it can parse and logs, once, those that are not and
/// the scripts that will be drawn as boxes with what to install. The coverage is read
/// from each file's character map (mapped for the check, then unmapped: only the pages
/// read are touched).
pub fn check(primary: &Path, fallbacks: &[PathBuf]) -> Checked {
    let mut usable = Vec::new();
    let mut maps = Vec::new();
    maps.extend(map(primary).ok());
    for path in fallbacks {
        let problem = match has_font_magic(path) {
            Ok(true) => match map(path) {
                Ok(m) if ttf_parser::Face::parse(&m, 0).is_ok() => {
                    usable.push(path.clone());
                    maps.push(m);
                    continue;
                }
                Ok(_) => "it cannot be parsed".to_string(),
                Err(e) => format!("it cannot be read ({e})"),
            },
            Ok(false) => "it is not an OpenType/TrueType font".to_string(),
            Err(e) => format!("it cannot be read ({e})"),
        };
        tracing::warn!(font = %path.display(), "a receipt PDF fallback font is skipped: {problem}");
    }
    let faces: Vec<ttf_parser::Face<'_>> = maps
        .iter()
        .filter_map(|m| ttf_parser::Face::parse(m, 0).ok())
        .collect();
    let uncovered = uncovered(&faces);
    if uncovered.is_empty() {
        tracing::info!(
            fallbacks = usable.len(),
            "receipt PDF fonts: every script of the fallback list is covered"
        );
    } else {
        let names: Vec<&str> = uncovered.iter().map(|s| s.name).collect();
        let mut packages: Vec<&str> = Vec::new();
        for s in &uncovered {
            if !packages.contains(&s.package) {
                packages.push(s.package);
            }
        }
        tracing::warn!(
            "receipt PDFs will draw {} as empty boxes: no font for them; install Debian's {} (fonts in {NOTO_DIR}) or list font files that have them in HRDD_PDF_FALLBACK_FONTS (':'-separated)",
            names.join(", "),
            packages.join(" and "),
        );
    }
    Checked { usable, uncovered }
}

/// The [`SCRIPTS`] whose sample no one of `faces` has whole.
pub(super) fn uncovered(faces: &[ttf_parser::Face<'_>]) -> Vec<&'static Script> {
    SCRIPTS
        .iter()
        .filter(|s| {
            !faces.iter().any(|f| {
                s.sample
                    .chars()
                    .filter(|c| *c != ' ')
                    .all(|c| f.glyph_index(c).is_some())
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn faces(maps: &[memmap2::Mmap]) -> Vec<ttf_parser::Face<'_>> {
        maps.iter()
            .map(|m| ttf_parser::Face::parse(m, 0).expect("a font"))
            .collect()
    }

    #[test]
    fn the_default_chain_covers_every_script_and_the_cjk_font_alone_none() {
        let primary = [map(Path::new(super::super::font::DEFAULT_FONT)).unwrap()];
        let alone = uncovered(&faces(&primary));
        assert_eq!(alone.len(), SCRIPTS.len(), "{alone:?}");
        // scripts/test installs fonts-noto-core and fonts-noto-color-emoji.
        let all: Vec<memmap2::Mmap> = primary
            .into_iter()
            .chain(default_paths().iter().map(|p| {
                map(p)
                    .unwrap_or_else(|e| panic!("{} ({e}): fonts-noto-core installed", p.display()))
            }))
            .collect();
        assert!(uncovered(&faces(&all)).is_empty());
    }

    #[test]
    fn start_up_keeps_the_fonts_and_names_the_scripts_left_as_boxes() {
        let dir = tempfile::tempdir().unwrap();
        let not_a_font = dir.path().join("NotoSansThai-Regular.ttf");
        std::fs::write(&not_a_font, "<html>").unwrap();
        let broken = dir.path().join("broken.otf");
        std::fs::write(&broken, "OTTO and nothing").unwrap();
        let hebrew = Path::new(NOTO_DIR).join("NotoSansHebrew-Regular.ttf");
        let checked = check(
            Path::new(super::super::font::DEFAULT_FONT),
            &[
                dir.path().join("missing.ttf"),
                not_a_font,
                broken,
                hebrew.clone(),
            ],
        );
        assert_eq!(checked.usable, [hebrew]);
        let names: Vec<&str> = checked.uncovered.iter().map(|s| s.name).collect();
        assert!(
            names.contains(&"Thai") && names.contains(&"emoji"),
            "{names:?}"
        );
        assert!(!names.contains(&"Hebrew"), "{names:?}");
    }
}
