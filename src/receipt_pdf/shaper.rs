//! Text shaped for a receipt: cut into runs by the font of the chain that has each
//! character and by direction (`super::runs`), each run shaped by rustybuzz with its
//! own font. Measuring (line breaking) and drawing take the same runs, so a line
//! measured to fit is the line drawn.

use super::font::{Doorkeeper, ReceiptFont, ShapeCache, Shaped, ShapedGlyph};
use super::layout::Measure;
use super::runs::{runs, Run};
use super::PdfError;
use crate::domain::i18n::Lang;
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::rc::Rc;

/// The segment properties a shape plan is made for, and the font.
type PlanKey = (
    usize,
    rustybuzz::Direction,
    rustybuzz::Script,
    Option<rustybuzz::Language>,
);

/// A run of a text as shaped with its font.
pub(super) struct ShapedRun {
    pub run: Run,
    pub glyphs: Shaped,
    /// The font's units per em.
    pub upem: f32,
}

impl ShapedRun {
    /// The run's advance, in ems.
    pub fn advance(&self) -> f32 {
        self.glyphs
            .iter()
            .map(|g| i64::from(g.x_advance))
            .sum::<i64>() as f32
            / self.upem
    }
}

/// A text's runs as shaped, left to right.
pub(super) type ShapedText = Rc<[ShapedRun]>;

/// Text widths from the shaped glyphs' advances, and the glyphs to draw. Line breaking
/// measures many pieces of the same text, so the shape plans (one per font, direction,
/// script and language; building one reads the font's layout tables, which for a CJK
/// font costs more than the shaping itself) are made once per document and reused; the
/// shaped runs are kept longer, in the font's [`ShapeCache`]. A fallback's face is
/// parsed only when a text needs a character the fonts before it lack.
pub(super) struct Shaper<'a> {
    font: &'a ReceiptFont,
    lang: Lang,
    /// The chain's faces, parsed when first needed (`None`: the file cannot be used);
    /// boxed, as a face is 3 kB and most receipts use only the first.
    faces: Vec<OnceCell<Option<Box<rustybuzz::Face<'a>>>>>,
    shapes: &'a ShapeCache,
    seen: &'a Doorkeeper,
    /// The texts shaped for this document (a line that is a whole paragraph is
    /// measured, then drawn): the doorkeeper sees a run once per document.
    this_document: RefCell<HashMap<Box<str>, ShapedText>>,
    plans: RefCell<Vec<(PlanKey, Rc<rustybuzz::ShapePlan>)>>,
}

/// A shaped run's key in the [`ShapeCache`]: the font's place in the chain, the
/// direction and the face. The primary font's left-to-right runs keep the face index
/// alone as their key.
fn cache_key(slot: usize, rtl: bool, face: u32) -> u32 {
    let slot = u32::try_from(slot).unwrap_or(u32::MAX >> 17);
    (slot << 17) | (u32::from(rtl) << 16) | (face & 0xFFFF)
}

impl<'a> Shaper<'a> {
    pub(super) fn new(font: &'a ReceiptFont, lang: Lang) -> Result<Shaper<'a>, PdfError> {
        let faces: Vec<OnceCell<Option<Box<rustybuzz::Face<'a>>>>> =
            (0..font.slots()).map(|_| OnceCell::new()).collect();
        let (data, face_index) = font
            .slot_data(0, lang)
            .ok_or_else(|| PdfError::Font("the receipt PDF font cannot be shaped".into()))?;
        let primary = rustybuzz::Face::from_slice((**data).as_ref(), face_index)
            .ok_or_else(|| PdfError::Font("the receipt PDF font cannot be shaped".into()))?;
        let _ = faces[0].set(Some(Box::new(primary)));
        let (shapes, seen) = font.shapes();
        Ok(Shaper {
            font,
            lang,
            faces,
            shapes,
            seen,
            this_document: Default::default(),
            plans: Default::default(),
        })
    }

    /// The chain's face `slot`, parsed on first use.
    fn face(&self, slot: usize) -> Option<&rustybuzz::Face<'a>> {
        self.faces
            .get(slot)?
            .get_or_init(|| {
                let (data, index) = self.font.slot_data(slot, self.lang)?;
                let face = rustybuzz::Face::from_slice((**data).as_ref(), index);
                if face.is_none() {
                    tracing::warn!(font = %self.font.slot_name(slot), "a receipt PDF fallback font cannot be parsed");
                }
                face.map(Box::new)
            })
            .as_deref()
    }

    fn plan(&self, key: PlanKey) -> Option<Rc<rustybuzz::ShapePlan>> {
        let mut plans = self.plans.borrow_mut();
        if let Some((_, plan)) = plans.iter().find(|(k, _)| *k == key) {
            return Some(plan.clone());
        }
        let plan = Rc::new(rustybuzz::ShapePlan::new(
            self.face(key.0)?,
            key.1,
            Some(key.2),
            key.3.as_ref(),
            &[],
        ));
        plans.push((key, plan.clone()));
        Some(plan)
    }

    /// `text` in runs, each shaped with its font, left to right; or as shaped before.
    pub(super) fn shape(&self, text: &str) -> ShapedText {
        if let Some(shaped) = self.this_document.borrow().get(text) {
            return shaped.clone();
        }
        let pieces = if text.is_ascii() {
            // The primary font has ASCII (no look-up per letter).
            vec![Run {
                range: 0..text.len(),
                slot: 0,
                rtl: false,
            }]
        } else {
            runs(text, self.faces.len(), |slot, c| {
                self.face(slot).is_some_and(|f| f.glyph_index(c).is_some())
            })
        };
        let shaped: ShapedText = pieces
            .into_iter()
            .filter(|run| !run.range.is_empty())
            .map(|run| {
                let (glyphs, upem) = self.shape_run(&text[run.range.clone()], run.slot, run.rtl);
                ShapedRun { run, glyphs, upem }
            })
            .collect();
        self.this_document
            .borrow_mut()
            .insert(Box::from(text), shaped.clone());
        shaped
    }

    /// One run shaped with the font `slot`, or as shaped before; and the font's units
    /// per em.
    fn shape_run(&self, text: &str, slot: usize, rtl: bool) -> (Shaped, f32) {
        let Some(face) = self.face(slot) else {
            return (Shaped::from([]), 1000.0);
        };
        let upem = face.units_per_em() as f32;
        let face_index = self.font.slot_data(slot, self.lang).map_or(0, |(_, i)| i);
        let key = (cache_key(slot, rtl, face_index), Box::from(text));
        if let Some(shaped) = self.shapes.get(&key) {
            return (shaped, upem);
        }
        let shaped = self.shape_anew(text, slot, rtl);
        if self.seen.seen_before(&key) {
            self.shapes.insert(key, shaped.clone());
        }
        (shaped, upem)
    }

    fn shape_anew(&self, text: &str, slot: usize, rtl: bool) -> Shaped {
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        buffer.guess_segment_properties();
        buffer.set_direction(if rtl {
            rustybuzz::Direction::RightToLeft
        } else {
            rustybuzz::Direction::LeftToRight
        });
        let key = (slot, buffer.direction(), buffer.script(), buffer.language());
        let (Some(face), Some(plan)) = (self.face(slot), self.plan(key)) else {
            return Shaped::from([]);
        };
        let out = rustybuzz::shape_with_plan(face, &plan, buffer);
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

    /// `text` as the runs to draw, left to right: each run's font slot and glyphs
    /// (sizes in ems, text ranges in `text`), and its advance in ems (what krilla's own
    /// `draw_text` would make, without building a new face for every line, which for a
    /// CJK font costs more than everything else in the receipt).
    pub(super) fn glyph_runs(
        &self,
        text: &str,
    ) -> Vec<(usize, Vec<krilla::text::KrillaGlyph>, f32)> {
        self.shape(text)
            .iter()
            .map(|shaped| (shaped.run.slot, glyphs(shaped), shaped.advance()))
            .collect()
    }
}

/// A shaped run's glyphs as krilla draws them. A glyph's text is its cluster up to the
/// next cluster (in text order), within the run.
fn glyphs(shaped: &ShapedRun) -> Vec<krilla::text::KrillaGlyph> {
    let offset = shaped.run.range.start;
    let mut starts: Vec<usize> = shaped.glyphs.iter().map(|g| g.cluster as usize).collect();
    starts.sort_unstable();
    starts.dedup();
    let upem = shaped.upem;
    shaped
        .glyphs
        .iter()
        .map(|g| {
            let start = g.cluster as usize;
            let end = starts
                .get(starts.partition_point(|&s| s <= start))
                .copied()
                .unwrap_or(shaped.run.range.len());
            krilla::text::KrillaGlyph::new(
                krilla::text::GlyphId::new(g.id),
                g.x_advance as f32 / upem,
                g.x_offset as f32 / upem,
                g.y_offset as f32 / upem,
                g.y_advance as f32 / upem,
                offset + start..offset + end,
                None,
            )
        })
        .collect()
}

impl Measure for Shaper<'_> {
    fn width(&self, text: &str, size: f32) -> f32 {
        if text.is_empty() {
            return 0.0;
        }
        self.shape(text).iter().map(ShapedRun::advance).sum::<f32>() * size
    }

    /// One shaping of the whole text; each glyph's advance counts for the piece its
    /// cluster (the byte offset of its first character, in its run) falls in.
    fn widths(&self, text: &str, ends: &[usize], size: f32) -> Vec<f32> {
        let mut ems = vec![0f64; ends.len()];
        if !text.is_empty() {
            for shaped in self.shape(text).iter() {
                for g in shaped.glyphs.iter() {
                    let at = shaped.run.range.start + g.cluster as usize;
                    let piece = ends.partition_point(|&end| end <= at);
                    if let Some(u) = ems.get_mut(piece) {
                        *u += f64::from(g.x_advance) / f64::from(shaped.upem);
                    }
                }
            }
        }
        ems.into_iter().map(|u| u as f32 * size).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::super::fallback::default_paths;
    use super::super::font::{ReceiptFont, DEFAULT_FONT};
    use super::super::layout::{wrap, Measure};
    use crate::domain::i18n::Lang;
    use std::sync::OnceLock;

    /// The CJK font with Debian's fallbacks (scripts/test installs them).
    fn font() -> &'static ReceiptFont {
        static FONT: OnceLock<ReceiptFont> = OnceLock::new();
        FONT.get_or_init(|| {
            ReceiptFont::load_with(std::path::Path::new(DEFAULT_FONT), &default_paths())
                .expect("fonts-noto-cjk is installed")
        })
    }

    const MIXED: &str = "Passports: นายจ้างเก็บหนังสือเดินทางไว้ ဟုတ်ကဲ့ កម្មករ ລາວ বাংলা සිංහල தமிழ் श्रमिकहरूको पासपोर्ट جوازات السفر مع العمال עברית 120 👍 👨‍👩‍👧 🇹🇭 ✔️ 旅券は本人が保管しています。";

    #[test]
    fn text_the_cjk_font_has_is_one_run_of_it() {
        let shaper = font().shaper(Lang::Ja).unwrap();
        let runs = shaper.glyph_runs("旅券は本人が保管 Người lao động");
        assert_eq!(runs.len(), 1);
        assert_eq!(runs[0].0, 0);
    }

    #[test]
    fn each_script_is_drawn_with_a_font_that_has_its_glyphs() {
        let shaper = font().shaper(Lang::Ja).unwrap();
        let shaped = shaper.shape(MIXED);
        let slots: Vec<usize> = shaped.iter().map(|r| r.run.slot).collect();
        // Every font of the chain: CJK, Thai, Myanmar, Khmer, Lao, Devanagari, Bengali,
        // Sinhala, Tamil, Arabic and Hebrew (right to left), emoji.
        for slot in 0..12 {
            assert!(slots.contains(&slot), "{slot} in {slots:?}");
        }
        assert!(shaped.iter().any(|r| r.run.rtl && r.run.slot == 9));
        assert!(shaped.iter().any(|r| r.run.rtl && r.run.slot == 10));
        // No glyph is the missing glyph (0): nothing drawn as a box.
        for run in shaped.iter() {
            assert!(
                run.glyphs.iter().all(|g| g.id != 0),
                "a box in {:?}",
                &MIXED[run.run.range.clone()]
            );
        }
    }

    #[test]
    fn lines_are_measured_as_they_are_drawn_and_fit() {
        let shaper = font().shaper(Lang::Ja).unwrap();
        let drawn: f32 = shaper.glyph_runs(MIXED).iter().map(|r| r.2).sum::<f32>() * 10.0;
        assert!((shaper.width(MIXED, 10.0) - drawn).abs() < 0.01);
        for width in [80.0, 150.0, 300.0] {
            let lines = wrap(MIXED, width, 10.0, &shaper);
            assert!(lines.len() > 1);
            assert_eq!(lines.concat().replace(' ', ""), MIXED.replace(' ', ""));
            for line in &lines {
                use unicode_segmentation::UnicodeSegmentation;
                assert!(
                    line.graphemes(true).count() == 1 || shaper.width(line, 10.0) <= width + 0.05,
                    "{line:?} at {width}"
                );
            }
        }
    }
}
