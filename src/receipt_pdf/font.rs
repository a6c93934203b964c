//! The receipt's font: one OpenType file or collection with Japanese, Chinese and
//! Vietnamese glyphs (Debian's `fonts-noto-cjk`, `NotoSansCJK-Regular.ttc`, by default;
//! `HRDD_PDF_FONT` names another). Nothing is downloaded: start-up only checks that the
//! file is there and is a font ([`FontSource::check`]); it is read and its coverage
//! checked when the first receipt is made, and then kept (one mapping per process).
//!
//! The file is memory-mapped, not read: a CJK collection is about 19 MB, of which a
//! receipt touches the tables and glyphs it uses, so only those pages become resident
//! (reading it whole put all 19 MB on the heap of every process that made a receipt).
//!
//! After it come the fallback fonts for the scripts it lacks (`super::fallback`), each
//! mapped when a receipt first needs it; `super::shaper` cuts a text into runs by font.

use super::fallback::{self, FallbackFont};
use super::shaper::Shaper;
use super::PdfError;
use crate::domain::i18n::Lang;
use rustybuzz::ttf_parser;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// Where Debian's `fonts-noto-cjk` puts the sans-serif collection.
pub const DEFAULT_FONT: &str = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc";

/// Characters every receipt font must have: kana, a Han character, Vietnamese letters.
const REQUIRED: &str = "あア漢ệƯđẫ";

/// What to tell an operator whose font does not do.
const FIX: &str = "install Debian's fonts-noto-cjk (NotoSansCJK-Regular.ttc) or set HRDD_PDF_FONT to an OpenType font or collection with Japanese and Vietnamese glyphs";

/// The font file named by the settings, read on first use.
pub struct FontSource {
    path: PathBuf,
    /// The fallback files found at start-up, in order.
    fallbacks: Vec<PathBuf>,
    /// Scripts no font of the chain has (logged at start-up).
    uncovered: Vec<&'static fallback::Script>,
    loaded: OnceLock<Result<Arc<ReceiptFont>, String>>,
    /// Receipts made at once with this font: one per core. Making one is CPU work with a
    /// few MB of working memory; more at once than there are cores is not faster, and
    /// each blocking thread that makes one keeps its own allocator arena (measured: the
    /// service's peak RSS under the flow benchmark).
    renders: tokio::sync::Semaphore,
    /// The same for receipts made in the background (emails, at a lower CPU priority):
    /// apart, so that a download never waits for a turn held by a slow background one.
    background_renders: tokio::sync::Semaphore,
}

impl std::fmt::Debug for FontSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FontSource")
            .field("path", &self.path)
            .field("fallbacks", &self.fallbacks)
            .finish()
    }
}

impl FontSource {
    /// Checks that `path` is a readable font file (its first bytes), without reading it
    /// all: a missing font stops start-up with what to do. Of the `fallbacks`, those
    /// that are fonts are kept; the scripts none of the chain has are logged, once
    /// ([`fallback::check`]).
    pub fn check(path: &Path, fallbacks: &[PathBuf]) -> Result<FontSource, PdfError> {
        let is_font = fallback::has_font_magic(path).map_err(|e| {
            PdfError::Font(format!(
                "the receipt PDF font {} cannot be read ({e}): {FIX}",
                path.display()
            ))
        })?;
        if !is_font {
            return Err(PdfError::Font(format!(
                "the receipt PDF font {} is not an OpenType/TrueType font: {FIX}",
                path.display()
            )));
        }
        let checked = fallback::check(path, fallbacks);
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(FontSource {
            path: path.to_path_buf(),
            fallbacks: checked.usable,
            uncovered: checked.uncovered,
            loaded: OnceLock::new(),
            renders: tokio::sync::Semaphore::new(cores),
            background_renders: tokio::sync::Semaphore::new(cores),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The names of the scripts no font of the chain has: drawn as empty boxes.
    pub fn uncovered_scripts(&self) -> Vec<&'static str> {
        self.uncovered.iter().map(|s| s.name).collect()
    }

    /// A turn to make a receipt (at most one per core at once).
    pub async fn turn(&self) -> tokio::sync::SemaphorePermit<'_> {
        Self::acquire(&self.renders).await
    }

    /// A turn to make a receipt in the background (at most one per core at once, apart
    /// from [`Self::turn`]'s).
    pub async fn background_turn(&self) -> tokio::sync::SemaphorePermit<'_> {
        Self::acquire(&self.background_renders).await
    }

    async fn acquire(renders: &tokio::sync::Semaphore) -> tokio::sync::SemaphorePermit<'_> {
        // The semaphores are never closed.
        renders
            .acquire()
            .await
            .unwrap_or_else(|_| unreachable!("the receipt semaphores are never closed"))
    }

    /// The font, read and checked once.
    pub fn get(&self) -> Result<Arc<ReceiptFont>, PdfError> {
        self.loaded
            .get_or_init(|| {
                ReceiptFont::load_with(&self.path, &self.fallbacks)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(PdfError::Font)
    }
}

/// A font's bytes: a mapped file, or bytes in memory (tests).
pub(super) type FontBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A font file's bytes and the face to use per language, then the fallback fonts.
pub struct ReceiptFont {
    data: FontBytes,
    /// Face for Japanese, Vietnamese and English (a "JP" face in a CJK collection).
    default_face: u32,
    /// Face for Chinese (an "SC" face), else the default.
    chinese_face: u32,
    /// Texts shaped for earlier receipts.
    shapes: ShapeCache,
    /// Texts shaped for one receipt so far (hashes): a text is kept from the second.
    seen: Doorkeeper,
    /// The fonts tried, in order, for what this one lacks.
    fallbacks: Vec<FallbackFont>,
}

/// A glyph as shaped: what drawing and measuring take from rustybuzz's buffer (font
/// units).
#[derive(Debug, Clone, Copy)]
pub(super) struct ShapedGlyph {
    pub id: u32,
    /// Byte offset of the glyph's first character in the text.
    pub cluster: u32,
    pub x_advance: i32,
    pub y_advance: i32,
    pub x_offset: i32,
    pub y_offset: i32,
}

/// A text's glyphs as shaped.
pub(super) type Shaped = Arc<[ShapedGlyph]>;

/// Texts shaped before, by face and text, **kept between receipts**: the questions,
/// section titles and labels of a questionnaire are the same in every receipt in its
/// language, and shaping was 40 % of a receipt's CPU (`examples/receipt_render`: 1.70
/// ms a receipt before, 1.22–1.27 ms after). Shaping depends on nothing else (the plan
/// is chosen from the text itself), so a kept shape is the one shaping again would
/// give. A text is let in from the second document that has it ([`Doorkeeper`]);
/// bounded by [`SHAPES_BYTES`]. The key's number is the font's (its place in the chain
/// and its face) and the direction ([`super::shaper`]'s `cache_key`).
pub(super) type ShapeCache = quick_cache::sync::Cache<(u32, Box<str>), Shaped, ShapeWeight>;

/// Hashes of the texts shaped for one receipt so far, so that a text is kept only from
/// the second receipt that has it on (a receipt asks once per text): what one receipt
/// alone has (its free-text answers, its organisation) is never allocated for keeping.
/// Kept shapes outlive the receipts around them, and every one taken in and pushed out
/// again was a long-lived allocation between short-lived ones: keeping every text, two
/// receipt threads of 4,000 receipts grew to 70–150 MB (glibc, two arenas; 15 MB
/// without keeping) while the kept weight stayed at its 4 MB; with the doorkeeper,
/// 13–20 MB, and the flow benchmark's receipts keep 140 texts (40 kB).
#[derive(Default)]
pub(super) struct Doorkeeper(std::sync::Mutex<std::collections::HashSet<u64>>);

/// How many hashes the doorkeeper holds before it starts again (8 bytes and a little
/// each).
const DOORKEEPER_HASHES: usize = 1 << 15;

impl Doorkeeper {
    /// Whether `key` was seen before (and it is now).
    pub(super) fn seen_before(&self, key: &(u32, Box<str>)) -> bool {
        use std::hash::{BuildHasher, BuildHasherDefault, DefaultHasher};
        let hash = BuildHasherDefault::<DefaultHasher>::default().hash_one(key);
        let mut seen = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if seen.len() >= DOORKEEPER_HASHES {
            seen.clear();
        }
        !seen.insert(hash)
    }
}

/// About what the kept shapes may take in memory (their texts and glyphs): the
/// questions of a few questionnaires in every language.
const SHAPES_BYTES: u64 = 4 << 20;

/// A kept shape's weight: its bytes, about.
#[derive(Clone)]
pub(super) struct ShapeWeight;

impl quick_cache::Weighter<(u32, Box<str>), Shaped> for ShapeWeight {
    fn weight(&self, key: &(u32, Box<str>), shaped: &Shaped) -> u64 {
        (key.1.len() + std::mem::size_of_val::<[ShapedGlyph]>(shaped) + 64) as u64
    }
}

impl ReceiptFont {
    /// Maps `path` and checks that its face has every [`REQUIRED`] character; no
    /// fallbacks.
    pub fn load(path: &Path) -> Result<ReceiptFont, PdfError> {
        Self::load_with(path, &[])
    }

    /// [`Self::load`], with the `fallbacks` after it (each mapped when first needed).
    pub fn load_with(path: &Path, fallbacks: &[PathBuf]) -> Result<ReceiptFont, PdfError> {
        let unreadable = |e: std::io::Error| {
            PdfError::Font(format!(
                "the receipt PDF font {} cannot be read ({e}): {FIX}",
                path.display()
            ))
        };
        let map = fallback::map(path).map_err(unreadable)?;
        let mut font = Self::from_data(Arc::new(map), &path.display().to_string())?;
        font.fallbacks = fallbacks.iter().cloned().map(FallbackFont::new).collect();
        Ok(font)
    }

    /// A font from its bytes (`name` for messages).
    pub fn from_bytes(data: Vec<u8>, name: &str) -> Result<ReceiptFont, PdfError> {
        Self::from_data(Arc::new(data), name)
    }

    fn from_data(data: FontBytes, name: &str) -> Result<ReceiptFont, PdfError> {
        let bytes: &[u8] = (*data).as_ref();
        let faces = ttf_parser::fonts_in_collection(bytes).unwrap_or(1);
        let family = |index: u32| -> Option<String> {
            let face = ttf_parser::Face::parse(bytes, index).ok()?;
            face.names()
                .into_iter()
                .filter(|n| n.name_id == ttf_parser::name_id::FAMILY)
                .find_map(|n| n.to_string())
        };
        let families: Vec<Option<String>> = (0..faces).map(family).collect();
        if families.iter().all(Option::is_none) {
            return Err(PdfError::Font(format!(
                "the receipt PDF font {name} cannot be parsed: {FIX}"
            )));
        }
        let find = |suffix: &str| {
            families
                .iter()
                .position(|f| f.as_deref().is_some_and(|f| f.ends_with(suffix)))
                .and_then(|i| u32::try_from(i).ok())
        };
        let default_face = find(" JP").unwrap_or(0);
        let chinese_face = find(" SC").unwrap_or(default_face);
        let face = ttf_parser::Face::parse(bytes, default_face).map_err(|e| {
            PdfError::Font(format!(
                "the receipt PDF font {name} cannot be parsed ({e}): {FIX}"
            ))
        })?;
        let missing: String = REQUIRED
            .chars()
            .filter(|c| face.glyph_index(*c).is_none())
            .collect();
        if !missing.is_empty() {
            return Err(PdfError::Font(format!(
                "the receipt PDF font {name} has no glyph for {missing:?}: {FIX}"
            )));
        }
        Ok(ReceiptFont {
            data,
            default_face,
            chinese_face,
            shapes: ShapeCache::with_weighter(2048, SHAPES_BYTES, ShapeWeight),
            seen: Doorkeeper::default(),
            fallbacks: Vec::new(),
        })
    }

    /// The chain's font `slot` with its face for `lang`, as krilla embeds it (subset to
    /// the glyphs used).
    pub(super) fn pdf_font(&self, lang: Lang, slot: usize) -> Result<krilla::text::Font, PdfError> {
        let cannot = || PdfError::Font(format!("{} cannot be embedded", self.slot_name(slot)));
        let (data, face) = self.slot_data(slot, lang).ok_or_else(cannot)?;
        krilla::text::Font::new(data.clone().into(), face).ok_or_else(cannot)
    }

    /// How many shaped texts are kept (for tests).
    #[cfg(test)]
    pub(super) fn kept_shapes(&self) -> usize {
        self.shapes.len()
    }

    pub(super) fn face(&self, lang: Lang) -> u32 {
        match lang {
            Lang::Zh => self.chinese_face,
            _ => self.default_face,
        }
    }

    /// Measures and shapes text as it will be drawn, with the face for `lang` and the
    /// fallbacks after it.
    pub(super) fn shaper(&self, lang: Lang) -> Result<Shaper<'_>, PdfError> {
        Shaper::new(self, lang)
    }

    /// How many fonts the chain has: the primary, then the fallbacks.
    pub(super) fn slots(&self) -> usize {
        1 + self.fallbacks.len()
    }

    /// The bytes and face index of the chain's font `slot` for `lang`; `None` for a
    /// fallback that cannot be mapped.
    pub(super) fn slot_data(&self, slot: usize, lang: Lang) -> Option<(&FontBytes, u32)> {
        match slot {
            0 => Some((&self.data, self.face(lang))),
            n => Some((self.fallbacks.get(n - 1)?.data()?, 0)),
        }
    }

    /// A name for the font `slot` in messages.
    pub(super) fn slot_name(&self, slot: usize) -> String {
        match slot {
            0 => "the receipt PDF font".into(),
            n => self.fallbacks.get(n - 1).map_or_else(String::new, |f| {
                format!("the receipt PDF fallback font {}", f.path().display())
            }),
        }
    }

    pub(super) fn shapes(&self) -> (&ShapeCache, &Doorkeeper) {
        (&self.shapes, &self.seen)
    }
}

#[cfg(test)]
mod tests {
    use super::FontSource;
    use futures_util::FutureExt;

    #[test]
    fn a_download_gets_a_turn_while_background_receipts_hold_all_theirs() {
        let dir = tempfile::tempdir().expect("a temporary folder");
        let path = dir.path().join("font.otf");
        std::fs::write(&path, b"OTTO").expect("the font file");
        let source = FontSource::check(&path, &[]).expect("a font by its magic");
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let held: Vec<_> = (0..cores)
            .map(|_| {
                source
                    .background_turn()
                    .now_or_never()
                    .expect("a free turn")
            })
            .collect();
        assert!(
            source.background_turn().now_or_never().is_none(),
            "background turns are one per core"
        );
        assert!(
            source.turn().now_or_never().is_some(),
            "a download does not wait behind the background"
        );
        drop(held);
        assert!(source.background_turn().now_or_never().is_some());
    }
}
