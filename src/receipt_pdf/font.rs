//! The receipt's font: one OpenType file or collection with Japanese, Chinese and
//! Vietnamese glyphs (Debian's `fonts-noto-cjk`, `NotoSansCJK-Regular.ttc`, by default;
//! `HRDD_PDF_FONT` names another). Nothing is downloaded: start-up only checks that the
//! file is there and is a font ([`FontSource::check`]); it is read and its coverage
//! checked when the first receipt is made, and then kept (one mapping per process).
//!
//! The file is memory-mapped, not read: a CJK collection is about 19 MB, of which a
//! receipt touches the tables and glyphs it uses, so only those pages become resident
//! (reading it whole put all 19 MB on the heap of every process that made a receipt).

use super::layout::Measure;
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
            .finish()
    }
}

impl FontSource {
    /// Checks that `path` is a readable font file (its first bytes), without reading it
    /// all: a missing font stops start-up with what to do.
    pub fn check(path: &Path) -> Result<FontSource, PdfError> {
        use std::io::Read;
        let mut magic = [0u8; 4];
        std::fs::File::open(path)
            .and_then(|mut f| f.read_exact(&mut magic))
            .map_err(|e| {
                PdfError::Font(format!(
                    "the receipt PDF font {} cannot be read ({e}): {FIX}",
                    path.display()
                ))
            })?;
        if !matches!(&magic, b"ttcf" | b"OTTO" | b"true" | [0, 1, 0, 0]) {
            return Err(PdfError::Font(format!(
                "the receipt PDF font {} is not an OpenType/TrueType font: {FIX}",
                path.display()
            )));
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Ok(FontSource {
            path: path.to_path_buf(),
            loaded: OnceLock::new(),
            renders: tokio::sync::Semaphore::new(cores),
            background_renders: tokio::sync::Semaphore::new(cores),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
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
                ReceiptFont::load(&self.path)
                    .map(Arc::new)
                    .map_err(|e| e.to_string())
            })
            .clone()
            .map_err(PdfError::Font)
    }
}

/// A font's bytes: a mapped file, or bytes in memory (tests).
type FontBytes = Arc<dyn AsRef<[u8]> + Send + Sync>;

/// A font file's bytes and the face to use per language.
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
}

/// A glyph as shaped: what drawing and measuring take from rustybuzz's buffer (font
/// units).
#[derive(Debug, Clone, Copy)]
struct ShapedGlyph {
    id: u32,
    /// Byte offset of the glyph's first character in the text.
    cluster: u32,
    x_advance: i32,
    y_advance: i32,
    x_offset: i32,
    y_offset: i32,
}

/// A text's glyphs as shaped.
type Shaped = Arc<[ShapedGlyph]>;

/// Texts shaped before, by face and text, **kept between receipts**: the questions,
/// section titles and labels of a questionnaire are the same in every receipt in its
/// language, and shaping was 40 % of a receipt's CPU (`examples/receipt_render`: 1.70
/// ms a receipt before, 1.22–1.27 ms after). Shaping depends on nothing else (the plan
/// is chosen from the text itself), so a kept shape is the one shaping again would
/// give. A text is let in from the second document that has it ([`Doorkeeper`]);
/// bounded by [`SHAPES_BYTES`].
type ShapeCache = quick_cache::sync::Cache<(u32, Box<str>), Shaped, ShapeWeight>;

/// Hashes of the texts shaped for one receipt so far, so that a text is kept only from
/// the second receipt that has it on (a receipt asks once per text): what one receipt
/// alone has (its free-text answers, its organisation) is never allocated for keeping.
/// Kept shapes outlive the receipts around them, and every one taken in and pushed out
/// again was a long-lived allocation between short-lived ones: keeping every text, two
/// receipt threads of 4,000 receipts grew to 70–150 MB (glibc, two arenas; 15 MB
/// without keeping) while the kept weight stayed at its 4 MB; with the doorkeeper,
/// 13–20 MB, and the flow benchmark's receipts keep 140 texts (40 kB).
#[derive(Default)]
struct Doorkeeper(std::sync::Mutex<std::collections::HashSet<u64>>);

/// How many hashes the doorkeeper holds before it starts again (8 bytes and a little
/// each).
const DOORKEEPER_HASHES: usize = 1 << 15;

impl Doorkeeper {
    /// Whether `key` was seen before (and it is now).
    fn seen_before(&self, key: &(u32, Box<str>)) -> bool {
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
struct ShapeWeight;

impl quick_cache::Weighter<(u32, Box<str>), Shaped> for ShapeWeight {
    fn weight(&self, key: &(u32, Box<str>), shaped: &Shaped) -> u64 {
        (key.1.len() + std::mem::size_of_val::<[ShapedGlyph]>(shaped) + 64) as u64
    }
}

impl ReceiptFont {
    /// Maps `path` and checks that its face has every [`REQUIRED`] character.
    pub fn load(path: &Path) -> Result<ReceiptFont, PdfError> {
        let unreadable = |e: std::io::Error| {
            PdfError::Font(format!(
                "the receipt PDF font {} cannot be read ({e}): {FIX}",
                path.display()
            ))
        };
        let file = std::fs::File::open(path).map_err(unreadable)?;
        // SAFETY: the mapping is read-only and lives as long as the font. A font file is
        // installed by the operator's package manager, which replaces a file by renaming
        // a new one over it (the mapping keeps the old inode); changing the bytes in
        // place while the service runs is not supported, as for any mapped font (fontdb
        // and the system font loaders map fonts the same way).
        let map = unsafe { memmap2::Mmap::map(&file) }.map_err(unreadable)?;
        Self::from_data(Arc::new(map), &path.display().to_string())
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
        })
    }

    /// The font's face for `lang`, as krilla embeds it (subset to the glyphs used).
    pub(super) fn pdf_font(&self, lang: Lang) -> Result<krilla::text::Font, PdfError> {
        krilla::text::Font::new(self.data.clone().into(), self.face(lang))
            .ok_or_else(|| PdfError::Font("the receipt PDF font cannot be embedded".into()))
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

    /// Measures text as it will be drawn (shaped with the same face).
    pub(super) fn shaper(&self, lang: Lang) -> Result<Shaper<'_>, PdfError> {
        let face_index = self.face(lang);
        let face = rustybuzz::Face::from_slice((*self.data).as_ref(), face_index)
            .ok_or_else(|| PdfError::Font("the receipt PDF font cannot be shaped".into()))?;
        Ok(Shaper {
            face,
            face_index,
            shapes: &self.shapes,
            seen: &self.seen,
            this_document: Default::default(),
            plans: Default::default(),
        })
    }
}

/// The segment properties a shape plan is made for.
type PlanKey = (
    rustybuzz::Direction,
    rustybuzz::Script,
    Option<rustybuzz::Language>,
);

/// Text widths from the shaped glyphs' advances. Line breaking measures many pieces of
/// the same text, so the shape plans (one per direction, script and language; building
/// one reads the font's layout tables, which for a CJK font costs more than the shaping
/// itself) are made once per document and reused; the shaped texts are kept longer, in
/// the font's [`ShapeCache`].
pub(super) struct Shaper<'a> {
    face: rustybuzz::Face<'a>,
    face_index: u32,
    shapes: &'a ShapeCache,
    seen: &'a Doorkeeper,
    /// The texts shaped for this document (a line that is a whole paragraph is
    /// measured, then drawn): the doorkeeper sees a text once per document.
    this_document: std::cell::RefCell<std::collections::HashMap<Box<str>, Shaped>>,
    plans: std::cell::RefCell<Vec<(PlanKey, std::rc::Rc<rustybuzz::ShapePlan>)>>,
}

impl Shaper<'_> {
    fn plan(&self, key: PlanKey) -> std::rc::Rc<rustybuzz::ShapePlan> {
        let mut plans = self.plans.borrow_mut();
        if let Some((_, plan)) = plans.iter().find(|(k, _)| *k == key) {
            return plan.clone();
        }
        let plan = std::rc::Rc::new(rustybuzz::ShapePlan::new(
            &self.face,
            key.0,
            Some(key.1),
            key.2.as_ref(),
            &[],
        ));
        plans.push((key, plan.clone()));
        plan
    }
}

impl Shaper<'_> {
    /// `text` shaped with the plan for its direction, script and language, or as it
    /// was shaped before.
    fn shape(&self, text: &str) -> Shaped {
        if let Some(shaped) = self.this_document.borrow().get(text) {
            return shaped.clone();
        }
        let key = (self.face_index, Box::from(text));
        let shaped = match self.shapes.get(&key) {
            Some(shaped) => shaped,
            None => {
                let shaped = self.shape_anew(text);
                if self.seen.seen_before(&key) {
                    self.shapes.insert(key.clone(), shaped.clone());
                }
                shaped
            }
        };
        self.this_document
            .borrow_mut()
            .insert(key.1, shaped.clone());
        shaped
    }

    fn shape_anew(&self, text: &str) -> Shaped {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        let plan = self.plan((buffer.direction(), buffer.script(), buffer.language()));
        let out = rustybuzz::shape_with_plan(&self.face, &plan, buffer);
        out.glyph_infos()
            .iter()
            .zip(out.glyph_positions())
            .map(|(info, pos)| ShapedGlyph {
                id: info.glyph_id,
                cluster: info.cluster,
                x_advance: pos.x_advance,
                y_advance: pos.y_advance,
                x_offset: pos.x_offset,
                y_offset: pos.y_offset,
            })
            .collect()
    }

    /// `text` as the glyphs to draw, sizes in ems (what krilla's own `draw_text` would
    /// make, without building a new face for every line, which for a CJK font costs
    /// more than everything else in the receipt).
    pub(super) fn glyphs(&self, text: &str) -> Vec<krilla::text::KrillaGlyph> {
        let shaped = self.shape(text);
        let upem = self.face.units_per_em() as f32;
        // A glyph's text is its cluster up to the next cluster (in text order).
        let mut starts: Vec<usize> = shaped.iter().map(|g| g.cluster as usize).collect();
        starts.sort_unstable();
        starts.dedup();
        shaped
            .iter()
            .map(|g| {
                let start = g.cluster as usize;
                let end = starts
                    .get(starts.partition_point(|&s| s <= start))
                    .copied()
                    .unwrap_or(text.len());
                krilla::text::KrillaGlyph::new(
                    krilla::text::GlyphId::new(g.id),
                    g.x_advance as f32 / upem,
                    g.x_offset as f32 / upem,
                    g.y_offset as f32 / upem,
                    g.y_advance as f32 / upem,
                    start..end,
                    None,
                )
            })
            .collect()
    }
}

impl Measure for Shaper<'_> {
    fn width(&self, text: &str, size: f32) -> f32 {
        if text.is_empty() {
            return 0.0;
        }
        let units: i64 = self
            .shape(text)
            .iter()
            .map(|g| i64::from(g.x_advance))
            .sum();
        units as f32 * size / self.face.units_per_em() as f32
    }

    /// One shaping of the whole text; each glyph's advance counts for the piece its
    /// cluster (the byte offset of its first character) falls in.
    fn widths(&self, text: &str, ends: &[usize], size: f32) -> Vec<f32> {
        let mut units = vec![0i64; ends.len()];
        if !text.is_empty() {
            for g in self.shape(text).iter() {
                let piece = ends.partition_point(|&end| end <= g.cluster as usize);
                if let Some(u) = units.get_mut(piece) {
                    *u += i64::from(g.x_advance);
                }
            }
        }
        let scale = size / self.face.units_per_em() as f32;
        units.into_iter().map(|u| u as f32 * scale).collect()
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
        let source = FontSource::check(&path).expect("a font by its magic");
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
