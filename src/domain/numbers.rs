//! Numbers as people type them: thousands separators and decimal commas read without
//! guessing. Vietnamese (and much of Europe) writes 1.500.000 for one and a half
//! million and 1,5 for one and a half; English and Japanese write 1,500,000 and 1.5.
//! Read as a browser's number box reads them, "1.500.000" became 1.5: a fee a million
//! times too small, saved without a word. Here a grouping that can only be one thing is
//! read as that, and one that could be either is refused with a message that says how
//! to write it, never guessed.

use super::i18n::{Lang, Msg};

/// `text` (already without spaces, with ASCII digits) as Rust parses a number: thousands
/// separators taken out, the decimal separator a dot. [`Msg::AmbiguousNumber`] when
/// the separators could mean either: one comma followed by three digits ("1,500"), or,
/// in Vietnamese, one dot followed by three digits ("1.500").
pub fn ungrouped(text: &str, lang: Lang) -> Result<String, Msg> {
    let (sign, digits) = match text.strip_prefix(['-', '+']) {
        Some(rest) => (&text[..1], rest),
        None => ("", text),
    };
    let dots = digits.matches('.').count();
    let commas = digits.matches(',').count();
    let last = digits.rfind(['.', ',']);
    let (whole, fraction) = match (dots, commas, last) {
        (0, 0, _) | (_, _, None) => return Ok(text.to_string()),
        // Both: the last one is the decimal separator, the other groups thousands.
        (d, c, Some(at)) if d > 0 && c > 0 => (&digits[..at], Some(&digits[at + 1..])),
        // The same one twice or more: it groups thousands.
        (d, c, Some(_)) if d + c >= 2 => (digits, None),
        // Just one.
        (_, _, Some(at)) => {
            let (before, after) = (&digits[..at], &digits[at + 1..]);
            let could_group = (1..=3).contains(&before.len())
                && after.len() == 3
                && before
                    .bytes()
                    .chain(after.bytes())
                    .all(|b| b.is_ascii_digit());
            let comma = commas == 1;
            if could_group && (comma || lang == Lang::Vi) {
                return Err(Msg::AmbiguousNumber);
            }
            return Ok(format!("{sign}{before}.{after}"));
        }
    };
    let groups: Vec<&str> = whole.split(['.', ',']).collect();
    let grouped = groups.len() >= 2
        && (1..=3).contains(&groups[0].len())
        && groups[1..].iter().all(|g| g.len() == 3)
        && groups.iter().all(|g| g.bytes().all(|b| b.is_ascii_digit()));
    if !grouped {
        // "1.2.3", "12,34,567": not a number anyone writes; the caller's parse refuses it.
        return Ok(text.to_string());
    }
    Ok(match fraction {
        Some(f) => format!("{sign}{}.{f}", groups.concat()),
        None => format!("{sign}{}", groups.concat()),
    })
}

/// A stored number as a form shows it again, never in a shape [`ungrouped`] refuses: a
/// dot followed by exactly three digits gets a fourth ("0.125" is shown "0.1250"), so a
/// form posted back unchanged reads the same number in every language.
pub fn unambiguous(rendered: String) -> String {
    let digits = rendered.trim_start_matches(['-', '+']);
    match digits.split_once('.') {
        Some((before, after)) if (1..=3).contains(&before.len()) && after.len() == 3 => {
            rendered + "0"
        }
        _ => rendered,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(text: &str, lang: Lang) -> Result<String, Msg> {
        ungrouped(text, lang)
    }

    #[test]
    fn groupings_that_can_only_mean_one_thing_are_read() {
        for lang in [Lang::En, Lang::Ja, Lang::Vi] {
            assert_eq!(read("1.500.000", lang).unwrap(), "1500000");
            assert_eq!(read("1,500,000", lang).unwrap(), "1500000");
            assert_eq!(read("1.500.000,50", lang).unwrap(), "1500000.50");
            assert_eq!(read("1,500,000.50", lang).unwrap(), "1500000.50");
            assert_eq!(read("-2.000.000", lang).unwrap(), "-2000000");
            assert_eq!(read("12.5", lang).unwrap(), "12.5");
            assert_eq!(read("1,5", lang).unwrap(), "1.5");
            assert_eq!(read("0,25", lang).unwrap(), "0.25");
            assert_eq!(read("1500000", lang).unwrap(), "1500000");
        }
        assert_eq!(read("1.500", Lang::En).unwrap(), "1.500");
        assert_eq!(read("1.500", Lang::Ja).unwrap(), "1.500");
    }

    #[test]
    fn groupings_that_could_mean_either_are_refused_not_guessed() {
        assert_eq!(read("1,500", Lang::En), Err(Msg::AmbiguousNumber));
        assert_eq!(read("1,500", Lang::Vi), Err(Msg::AmbiguousNumber));
        assert_eq!(read("1.500", Lang::Vi), Err(Msg::AmbiguousNumber));
        assert_eq!(read("250.000", Lang::Vi), Err(Msg::AmbiguousNumber));
        // Not a grouping: left for the parse to refuse.
        assert_eq!(read("1.2.3", Lang::En).unwrap(), "1.2.3");
        assert_eq!(read("12,34,567", Lang::En).unwrap(), "12,34,567");
    }

    #[test]
    fn a_stored_number_shown_again_reads_back_the_same_in_every_language() {
        assert_eq!(unambiguous("0.125".into()), "0.1250");
        assert_eq!(unambiguous("-12.375".into()), "-12.3750");
        assert_eq!(unambiguous("1500000".into()), "1500000");
        assert_eq!(unambiguous("12.5".into()), "12.5");
        assert_eq!(unambiguous("1234.125".into()), "1234.125");
        for lang in [Lang::En, Lang::Ja, Lang::Vi] {
            assert_eq!(read(&unambiguous("0.125".into()), lang).unwrap(), "0.1250");
        }
    }
}
