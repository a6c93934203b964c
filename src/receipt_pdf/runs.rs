//! A line of text cut into runs, each drawn with one font of the receipt's chain and in
//! one direction (pure: the fonts' coverage is a function, so this is tested without a
//! font).
//!
//! - **Fonts**: the text is taken a grapheme cluster at a time (a letter with its
//!   combining marks, an emoji with its modifiers), never cut inside one; each cluster
//!   goes to the first font of the chain that has all of its characters. Spaces, digits
//!   and punctuation stay in the run they are in when its font has them, so a Thai
//!   sentence with spaces is one run, shaped together.
//! - **Direction**: a line with right-to-left letters (Arabic, Hebrew) is ordered by the
//!   Unicode bidirectional algorithm (`unicode-bidi`): its level runs come in visual
//!   order, left to right, and each right-to-left one is shaped right to left with its
//!   font runs reversed. The paragraph's direction is its first strong letter's, as a
//!   browser does with `dir="auto"`; lines are still set from the left margin.

use std::ops::Range;
use unicode_bidi::{BidiClass, BidiInfo};
use unicode_segmentation::UnicodeSegmentation;

/// A piece of a line drawn with one font (`slot`: 0 the primary font, then the
/// fallbacks in order) in one direction.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Run {
    /// Byte range of the run in the line's text.
    pub range: Range<usize>,
    pub slot: usize,
    pub rtl: bool,
}

/// `text` in runs, in the order they are drawn from left to right. `slots` is the
/// length of the font chain; `covers(slot, c)` whether that font has a glyph for `c`.
pub fn runs(text: &str, slots: usize, covers: impl Fn(usize, char) -> bool) -> Vec<Run> {
    if text.is_empty() {
        return Vec::new();
    }
    let rtl = text.chars().any(is_rtl);
    if !rtl && text.chars().all(|c| chooses_no_font(c) || covers(0, c)) {
        // The common case: all in the primary font, left to right (what cutting it at
        // every cluster would give, without cutting).
        return vec![Run {
            range: 0..text.len(),
            slot: 0,
            rtl: false,
        }];
    }
    let mut out = Vec::new();
    if !rtl {
        by_font(text, 0..text.len(), false, slots, &covers, &mut out);
        return out;
    }
    let bidi = BidiInfo::new(text, None);
    for para in &bidi.paragraphs {
        let (levels, level_runs) = bidi.visual_runs(para, para.range.clone());
        for range in level_runs {
            let rtl = levels.get(range.start).is_some_and(|l| l.is_rtl());
            let first = out.len();
            by_font(text, range, rtl, slots, &covers, &mut out);
            if rtl {
                out[first..].reverse();
            }
        }
    }
    out
}

/// A character that makes a line right-to-left somewhere.
fn is_rtl(c: char) -> bool {
    // Below U+0590 nothing is right-to-left: the common case costs no table look-up.
    (c as u32) >= 0x0590
        && matches!(
            unicode_bidi::bidi_class(c),
            BidiClass::R | BidiClass::AL | BidiClass::RLE | BidiClass::RLO | BidiClass::RLI
        )
}

/// Characters that choose no font: joiners, variation selectors, emoji tags, bidi
/// controls and the soft hyphen (a shaper hides those a font lacks).
fn chooses_no_font(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{E0020}'..='\u{E007F}' | '\u{E0100}'..='\u{E01EF}')
}

/// `range` of `text` (one direction) cut where the font changes, in text order.
fn by_font(
    text: &str,
    range: Range<usize>,
    rtl: bool,
    slots: usize,
    covers: &impl Fn(usize, char) -> bool,
    out: &mut Vec<Run>,
) {
    let mut current: Option<Run> = None;
    for (at, cluster) in text[range.clone()].grapheme_indices(true) {
        let start = range.start + at;
        let slot = font_for(cluster, current.as_ref().map(|r| r.slot), slots, covers);
        match &mut current {
            Some(run) if run.slot == slot => run.range.end = start + cluster.len(),
            _ => {
                out.extend(current.take());
                current = Some(Run {
                    range: start..start + cluster.len(),
                    slot,
                    rtl,
                });
            }
        }
    }
    out.extend(current);
}

/// The font for one grapheme cluster: the current run's for a space, digit or
/// punctuation it has; else the first with every character; else the first with the
/// cluster's first character; else the current one (drawn as a box, but in place).
fn font_for(
    cluster: &str,
    current: Option<usize>,
    slots: usize,
    covers: &impl Fn(usize, char) -> bool,
) -> usize {
    let mut needed = cluster.chars().filter(|c| !chooses_no_font(*c));
    let Some(first) = needed.next() else {
        return current.unwrap_or(0);
    };
    let has_all = |slot: usize| {
        covers(slot, first)
            && cluster
                .chars()
                .filter(|c| !chooses_no_font(*c))
                .all(|c| covers(slot, c))
    };
    if let Some(slot) = current.filter(|s| !first.is_alphabetic() && has_all(*s)) {
        return slot;
    }
    (0..slots)
        .find(|s| has_all(*s))
        .or_else(|| (0..slots).find(|s| covers(*s, first)))
        .or(current)
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Slot 0 has ASCII, kana and Han; 1 Thai; 2 Arabic (and digits); 3 emoji.
    fn covers(slot: usize, c: char) -> bool {
        let u = c as u32;
        match slot {
            0 => c.is_ascii() || (0x3040..=0x9FFF).contains(&u),
            1 => (0x0E00..=0x0E7F).contains(&u) || c == ' ',
            2 => (0x0600..=0x06FF).contains(&u) || c == ' ' || c.is_ascii_digit(),
            3 => (0x1F300..=0x1FAFF).contains(&u),
            _ => false,
        }
    }

    fn pieces(text: &str) -> Vec<(&str, usize, bool)> {
        runs(text, 4, covers)
            .into_iter()
            .map(|r| (&text[r.range], r.slot, r.rtl))
            .collect()
    }

    #[test]
    fn text_the_primary_font_has_is_one_run() {
        assert_eq!(pieces("Yes, 労働者 12"), [("Yes, 労働者 12", 0, false)]);
        assert!(pieces("").is_empty());
    }

    #[test]
    fn each_script_goes_to_the_first_font_that_has_it_and_spaces_stay_in_their_run() {
        assert_eq!(
            pieces("Yes ภาษา ไทย ok"),
            [
                ("Yes ", 0, false),
                ("ภาษา ไทย ", 1, false),
                ("ok", 0, false)
            ]
        );
        assert_eq!(
            pieces("OK 👍🏽!"),
            [("OK ", 0, false), ("👍🏽", 3, false), ("!", 0, false)]
        );
    }

    #[test]
    fn combining_marks_stay_with_their_letter() {
        // น้ำ: a consonant, a tone mark and a vowel sign; "e" + combining acute, which
        // only the Thai font is said to lack.
        let text = "น้ำe\u{301}";
        let runs = runs(text, 4, |slot, c| {
            covers(slot, c) || (slot == 0 && c == '\u{301}')
        });
        assert_eq!(runs.len(), 2);
        assert_eq!(&text[runs[0].range.clone()], "น้ำ");
        assert_eq!(&text[runs[1].range.clone()], "e\u{301}");
    }

    #[test]
    fn right_to_left_runs_are_reversed_and_marked() {
        // An English line with an Arabic phrase: the phrase is one run, right to left.
        let text = "Answer: مرحبا بكم.";
        assert_eq!(
            pieces(text),
            [
                ("Answer: ", 0, false),
                ("مرحبا بكم", 2, true),
                (".", 0, false)
            ]
        );
        // An Arabic line with a number: the number reads left to right, and is drawn
        // left of the words before it.
        let text = "العمال 120";
        let p = pieces(text);
        assert_eq!(p, [("120", 0, false), ("العمال ", 2, true)]);
        // Concatenated, the runs are the text.
        let mut all: Vec<_> = runs(text, 4, covers);
        all.sort_by_key(|r| r.range.start);
        assert_eq!(all.iter().map(|r| r.range.len()).sum::<usize>(), text.len());
    }

    #[test]
    fn a_character_no_font_has_stays_in_its_run() {
        assert_eq!(pieces("ภาษา\u{10A0}"), [("ภาษา\u{10A0}", 1, false)]);
        assert_eq!(pieces("\u{10A0}a"), [("\u{10A0}a", 0, false)]);
    }
}
