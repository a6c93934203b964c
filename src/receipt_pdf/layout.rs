//! Pure page layout of the receipt: line breaking (words for Latin and Vietnamese, any
//! character boundary for Chinese and Japanese, with the basic kinsoku rules) and
//! pagination. Text widths come from a [`Measure`], so the layout is tested without a
//! font; the real one shapes with the embedded fonts (`super::shaper`: the same runs by
//! font and direction as are drawn). A line is never cut inside a grapheme cluster (a
//! Thai, Indic or Burmese letter with its marks, an emoji with its modifiers).

use unicode_segmentation::UnicodeSegmentation;

/// Width of a text at a font size, in points.
pub trait Measure {
    fn width(&self, text: &str, size: f32) -> f32;

    /// The widths of the consecutive pieces of `text` that end at `ends` (byte offsets,
    /// increasing, on character boundaries; pieces may be empty). By default each piece
    /// is measured alone; a shaper shapes the whole text once.
    fn widths(&self, text: &str, ends: &[usize], size: f32) -> Vec<f32> {
        let mut start = 0;
        ends.iter()
            .map(|&end| {
                let w = self.width(&text[start..end], size);
                start = end;
                w
            })
            .collect()
    }
}

/// An A4 page, in points, with its margins.
#[derive(Debug, Clone, Copy)]
pub struct Geometry {
    pub width: f32,
    pub height: f32,
    pub margin: f32,
    /// Space kept at the bottom for the footer line.
    pub footer: f32,
}

impl Geometry {
    pub const A4: Geometry = Geometry {
        width: 595.28,
        height: 841.89,
        margin: 56.0,
        footer: 28.0,
    };

    fn text_width(&self) -> f32 {
        self.width - 2.0 * self.margin
    }
}

/// How a block is set.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// The questionnaire's title.
    Title,
    /// A section title.
    Heading,
    /// A question, or the name of a fact ("Submitted at").
    Label,
    /// An answer, or the value of a fact (indented under its label).
    Body,
    /// Small print (the declaration's statement).
    Note,
}

impl Style {
    pub fn size(self) -> f32 {
        match self {
            Style::Title => 16.0,
            Style::Heading => 13.0,
            Style::Label => 9.5,
            Style::Body => 10.5,
            Style::Note => 9.0,
        }
    }

    /// Grey level, 0 = black.
    pub fn grey(self) -> u8 {
        match self {
            Style::Label | Style::Note => 85,
            _ => 0,
        }
    }

    fn indent(self) -> f32 {
        match self {
            Style::Body => 12.0,
            _ => 0.0,
        }
    }

    /// Space before the block.
    fn space_before(self) -> f32 {
        match self {
            Style::Title => 0.0,
            Style::Heading => 14.0,
            Style::Label => 7.0,
            Style::Body => 1.5,
            Style::Note => 6.0,
        }
    }

    fn leading(self) -> f32 {
        self.size() * 1.45
    }
}

/// A paragraph of the document.
#[derive(Debug, Clone, PartialEq)]
pub struct Block {
    pub style: Style,
    pub text: String,
}

impl Block {
    pub fn new(style: Style, text: impl Into<String>) -> Block {
        Block {
            style,
            text: text.into(),
        }
    }
}

/// One line of text on a page: left end of its baseline, from the page's top-left.
#[derive(Debug, Clone, PartialEq)]
pub struct Line {
    pub x: f32,
    pub y: f32,
    pub style: Style,
    pub text: String,
}

/// The blocks set in lines on pages of `geometry`; `footer(page, pages)` is written at
/// the bottom of every page (page numbers from 1).
pub fn paginate(
    blocks: &[Block],
    measure: &impl Measure,
    geometry: Geometry,
    footer: impl Fn(usize, usize) -> String,
) -> Vec<Vec<Line>> {
    let bottom = geometry.height - geometry.margin - geometry.footer;
    let mut pages: Vec<Vec<Line>> = vec![Vec::new()];
    let mut y = geometry.margin;
    for block in blocks {
        let style = block.style;
        let width = geometry.text_width() - style.indent();
        let lines = wrap(&block.text, width, style.size(), measure);
        // A label is not left alone at the bottom of a page: it moves with the first
        // line of its answer.
        let keep = if style == Style::Label || style == Style::Heading {
            style.leading() + Style::Body.leading() * 2.0
        } else {
            style.leading()
        };
        let before = if pages.last().is_some_and(|p| p.is_empty()) {
            0.0
        } else {
            style.space_before()
        };
        if y + before + keep > bottom && !pages.last().is_some_and(|p| p.is_empty()) {
            pages.push(Vec::new());
            y = geometry.margin;
        } else {
            y += before;
        }
        for text in lines {
            if y + style.leading() > bottom {
                pages.push(Vec::new());
                y = geometry.margin;
            }
            y += style.leading();
            if let Some(page) = pages.last_mut() {
                page.push(Line {
                    x: geometry.margin + style.indent(),
                    y: y - style.leading() + style.size(),
                    style,
                    text,
                });
            }
        }
    }
    let count = pages.len();
    for (n, page) in pages.iter_mut().enumerate() {
        page.push(Line {
            x: geometry.margin,
            y: geometry.height - geometry.margin + Style::Note.size(),
            style: Style::Note,
            text: footer(n + 1, count),
        });
    }
    pages
}

/// `text` broken into lines no wider than `width` at `size`. Line breaks in the text
/// are kept; blank lines are kept as empty lines. A word wider than the line is broken
/// between grapheme clusters (Thai, Lao, Khmer and Burmese have no spaces between
/// words: a long sentence is broken so, not by a dictionary).
pub fn wrap(text: &str, width: f32, size: f32, measure: &impl Measure) -> Vec<String> {
    let mut out = Vec::new();
    for paragraph in text.split('\n') {
        let paragraph = paragraph.trim_end_matches('\r');
        let segments = segments(paragraph);
        // Each segment as three pieces (leading spaces, the rest, trailing spaces; a
        // segment of spaces only is all trailing), measured in one pass over the
        // paragraph.
        let mut ends = Vec::with_capacity(segments.len() * 3);
        let mut at = 0;
        for segment in &segments {
            let end = at + segment.len();
            let core_end = at + segment.trim_end().len();
            let lead = core_end - at - segment.trim().len();
            ends.extend([at + lead, core_end, end]);
            at = end;
        }
        let widths = measure.widths(paragraph, &ends, size);
        let mut line = String::new();
        let mut line_width = 0.0;
        for (segment, w) in segments.iter().zip(widths.chunks_exact(3)) {
            let (lead, core, trail) = (w[0], w[1], w[2]);
            let trimmed_width = lead + core;
            if !line.is_empty() && line_width + trimmed_width > width {
                out.push(line.trim_end().to_string());
                line.clear();
                line_width = 0.0;
            }
            if line.is_empty() && trimmed_width > width {
                // Too wide even alone: grapheme cluster by cluster.
                for g in segment.graphemes(true) {
                    let w = measure.width(g, size);
                    if !line.is_empty() && line_width + w > width && !g.trim().is_empty() {
                        out.push(line.trim_end().to_string());
                        line.clear();
                        line_width = 0.0;
                    }
                    line.push_str(g);
                    line_width += w;
                }
                continue;
            }
            if line.is_empty() {
                let kept = segment.trim_start();
                line_width = if kept.is_empty() { 0.0 } else { core + trail };
                line.push_str(kept);
            } else {
                line.push_str(segment);
                line_width += lead + core + trail;
            }
        }
        out.push(line.trim_end().to_string());
    }
    out
}

/// Han, kana, CJK punctuation and full-width forms: a line may break around them.
fn is_cjk(c: char) -> bool {
    matches!(c as u32,
        0x2E80..=0x2FFF | 0x3000..=0x30FF | 0x3100..=0x31FF | 0x3200..=0x33FF
        | 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0xFE30..=0xFE4F
        | 0xFF00..=0xFFEF | 0x20000..=0x2FFFF)
}

/// Kinsoku: characters that may not start a line (closing brackets and punctuation,
/// small kana, the prolonged sound mark).
fn no_break_before(c: char) -> bool {
    ")]}、。，．・：；！？」』）】〕〉》〙〗ゝゞー々ぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ!?,.:;%".contains(c)
}

/// Kinsoku: characters that may not end a line (opening brackets).
fn no_break_after(c: char) -> bool {
    "([{「『（【〔〈《〘〖".contains(c)
}

/// The text cut where a line may break: after spaces, and between CJK characters
/// (keeping the kinsoku rules), never inside a grapheme cluster. Concatenated, the
/// segments are the text.
fn segments(text: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut current = String::new();
    let mut prev: Option<char> = None;
    for g in text.graphemes(true) {
        // A cluster breaks as its first character does, and is followed as its last.
        let (Some(c), Some(last)) = (g.chars().next(), g.chars().next_back()) else {
            continue;
        };
        if let Some(p) = prev {
            let after_space = p.is_whitespace() && !c.is_whitespace();
            let around_cjk = (is_cjk(p) || is_cjk(c)) && !c.is_whitespace();
            let may_break =
                (after_space || around_cjk) && !no_break_before(c) && !no_break_after(p);
            if may_break && !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        }
        current.push_str(g);
        prev = Some(last);
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Latin characters 0.5 em, CJK 1 em.
    struct Fake;

    impl Measure for Fake {
        fn width(&self, text: &str, size: f32) -> f32 {
            text.chars()
                .map(|c| if is_cjk(c) { size } else { size * 0.5 })
                .sum()
        }
    }

    #[test]
    fn words_wrap_at_spaces_within_the_width() {
        let lines = wrap("the quick brown fox jumps over", 50.0, 10.0, &Fake);
        assert_eq!(lines, ["the quick", "brown fox", "jumps over"]);
        for l in &lines {
            assert!(Fake.width(l, 10.0) <= 50.0, "{l}");
        }
    }

    #[test]
    fn vietnamese_wraps_at_spaces_and_keeps_its_letters() {
        let text = "Người lao động được trả lương đầy đủ";
        let lines = wrap(text, 60.0, 10.0, &Fake);
        assert!(lines.len() > 1);
        assert_eq!(lines.join(" "), text);
    }

    #[test]
    fn japanese_breaks_between_characters_but_not_before_closing_punctuation() {
        let lines = wrap(
            "労働者は自由に退職できます。はい、できます。",
            50.0,
            10.0,
            &Fake,
        );
        assert_eq!(
            lines.concat(),
            "労働者は自由に退職できます。はい、できます。"
        );
        for l in &lines {
            assert!(Fake.width(l, 10.0) <= 50.0 + 10.0, "{l}");
            let first = l.chars().next().unwrap();
            assert!(
                !no_break_before(first),
                "line starts with {first}: {lines:?}"
            );
        }
        // Five characters per line, except where the full stop joins its word.
        assert_eq!(lines[0], "労働者は自");
    }

    #[test]
    fn opening_brackets_stay_with_what_follows() {
        let lines = wrap("ああああ「はい」", 40.0, 10.0, &Fake);
        for l in &lines {
            assert!(!l.ends_with('「'), "{lines:?}");
        }
    }

    #[test]
    fn a_long_word_is_cut_between_clusters_never_inside_one() {
        // Thai has no spaces between words; each cluster here is a consonant with a
        // mark (น้ำ: a tone mark and a vowel sign), which must stay on its line.
        let text = "น้ำใจดีมากน้ำใจดีมากน้ำใจดีมาก";
        let lines = wrap(text, 30.0, 10.0, &Fake);
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(lines.concat(), text);
        for l in &lines {
            let first = l.chars().next().unwrap();
            assert!(
                !matches!(first, '\u{0E31}' | '\u{0E33}'..='\u{0E3A}' | '\u{0E47}'..='\u{0E4E}'),
                "a line starts with a mark: {lines:?}"
            );
        }
        // A combining accent after a Japanese character stays with it.
        let lines = wrap("あか\u{3099}さ", 10.0, 10.0, &Fake);
        assert!(lines.contains(&"か\u{3099}".to_string()), "{lines:?}");
    }

    #[test]
    fn line_breaks_and_blank_lines_are_kept() {
        assert_eq!(wrap("a\n\nb", 100.0, 10.0, &Fake), ["a", "", "b"]);
    }

    #[test]
    fn a_word_wider_than_the_line_is_cut_between_characters() {
        let fp = "0123456789abcdef".repeat(4);
        let lines = wrap(&fp, 100.0, 10.0, &Fake);
        assert_eq!(lines.concat(), fp);
        assert!(lines
            .iter()
            .all(|l| l.chars().count() == 20 || l == lines.last().unwrap()));
    }

    #[test]
    fn pages_fill_then_break_and_every_page_has_a_numbered_footer() {
        let mut blocks = vec![Block::new(Style::Title, "Receipt")];
        for n in 0..120 {
            blocks.push(Block::new(Style::Label, format!("Question {n}")));
            blocks.push(Block::new(Style::Body, format!("Answer {n}")));
        }
        let g = Geometry::A4;
        let pages = paginate(&blocks, &Fake, g, |n, of| format!("page {n} / {of}"));
        assert!(pages.len() >= 3, "{}", pages.len());
        let count = pages.len();
        for (i, page) in pages.iter().enumerate() {
            let footer = page.last().unwrap();
            assert_eq!(footer.text, format!("page {} / {count}", i + 1));
            for line in &page[..page.len() - 1] {
                assert!(
                    line.y > g.margin && line.y <= g.height - g.margin - g.footer,
                    "{line:?}"
                );
            }
            // Lines go down the page.
            assert!(page.windows(2).all(|w| w[0].y < w[1].y));
        }
        // Every answer is there once, in order, and under its question.
        let texts: Vec<&str> = pages
            .iter()
            .flat_map(|p| p[..p.len() - 1].iter().map(|l| l.text.as_str()))
            .collect();
        assert_eq!(texts.len(), 241);
        for n in 0..120 {
            assert_eq!(texts[1 + 2 * n], format!("Question {n}"));
            assert_eq!(texts[2 + 2 * n], format!("Answer {n}"));
        }
    }

    #[test]
    fn a_question_is_never_the_last_line_of_a_page() {
        let mut blocks = Vec::new();
        for n in 0..200 {
            blocks.push(Block::new(Style::Label, format!("Question {n}")));
            blocks.push(Block::new(Style::Body, "x ".repeat(n % 7 * 20)));
        }
        let pages = paginate(&blocks, &Fake, Geometry::A4, |_, _| String::new());
        for page in &pages[..pages.len() - 1] {
            let last_text = &page[page.len() - 2];
            assert_ne!(last_text.style, Style::Label, "{last_text:?}");
        }
    }

    #[test]
    fn answers_are_indented_under_their_question() {
        let blocks = [Block::new(Style::Label, "Q"), Block::new(Style::Body, "A")];
        let pages = paginate(&blocks, &Fake, Geometry::A4, |_, _| String::new());
        assert!(pages[0][1].x > pages[0][0].x);
    }
}
