//! ISO 3166-1 countries with their names in each interface language (the keshvar
//! crate's data; Vietnamese names from CLDR, `countries_vi.tsv`, as keshvar's are
//! decades old: "Nam Dương" for Indonesia, "Miến Điện" for Myanmar), built once on
//! first use.

use super::i18n::Lang;
use std::sync::OnceLock;

/// One country: its alpha-2 code and its name in `Lang::ALL` order.
struct Entry {
    code: String,
    names: [String; 4],
}

fn table() -> &'static [Entry] {
    static TABLE: OnceLock<Vec<Entry>> = OnceLock::new();
    TABLE.get_or_init(|| {
        keshvar::CountryIterator::new()
            .map(|c| {
                let english = c.iso_short_name().to_string();
                let code = c.alpha2().to_string().to_ascii_uppercase();
                let names = Lang::ALL.map(|lang| {
                    let cldr = (lang == Lang::Vi).then(|| vietnamese(&code)).flatten();
                    cldr.or_else(|| c.translations().get(lang.code()).map(|s| s.to_string()))
                        .unwrap_or_else(|| english.clone())
                });
                Entry { code, names }
            })
            .collect()
    })
}

/// The country's name in Vietnamese from CLDR, if it has one.
fn vietnamese(code: &str) -> Option<String> {
    include_str!("countries_vi.tsv")
        .lines()
        .filter(|l| !l.starts_with('#'))
        .filter_map(|l| l.split_once('\t'))
        .find(|(c, _)| *c == code)
        .map(|(_, name)| name.to_string())
}

fn index(lang: Lang) -> usize {
    Lang::ALL.iter().position(|l| *l == lang).unwrap_or(0)
}

/// Whether `code` is an ISO 3166-1 alpha-2 code, in capitals (`JP`, `VN`).
pub fn is_code(code: &str) -> bool {
    code.len() == 2 && table().iter().any(|e| e.code == code)
}

/// The country's name in `lang` (English when CLDR has none), `None` for an unknown code.
pub fn name(code: &str, lang: Lang) -> Option<&'static str> {
    table()
        .iter()
        .find(|e| e.code.eq_ignore_ascii_case(code))
        .map(|e| e.names[index(lang)].as_str())
}

/// "JP · Japan": the code a list sorts by, then the English name the reader knows it
/// by; the code alone when it is not one.
pub fn labelled(code: &str) -> String {
    match name(code, Lang::En) {
        Some(name) => format!("{} · {name}", code.to_ascii_uppercase()),
        None => code.to_string(),
    }
}

/// Every (code, name in `lang`), sorted by name.
pub fn all(lang: Lang) -> Vec<(&'static str, &'static str)> {
    let i = index(lang);
    let mut list: Vec<_> = table()
        .iter()
        .map(|e| (e.code.as_str(), e.names[i].as_str()))
        .collect();
    list.sort_by(|a, b| a.1.cmp(b.1));
    list
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_in_each_language() {
        assert_eq!(name("JP", Lang::Ja), Some("日本"));
        assert_eq!(name("VN", Lang::En), Some("Vietnam"));
        assert_eq!(name("vn", Lang::Vi), Some("Việt Nam"));
        assert_eq!(name("XX", Lang::En), None);
        assert!(is_code("MY") && !is_code("my") && !is_code("ZZ") && !is_code("JPN"));
        assert!(all(Lang::En).len() >= 249);
        assert_eq!(labelled("VN"), "VN · Vietnam");
        assert_eq!(labelled("vn"), "VN · Vietnam");
        assert_eq!(labelled("XX"), "XX");
    }

    #[test]
    fn vietnamese_names_are_todays() {
        for (code, name_vi) in [
            ("ID", "Indonesia"),
            ("MM", "Myanmar (Miến Điện)"),
            ("PH", "Philippines"),
            ("KH", "Campuchia"),
            ("KR", "Hàn Quốc"),
            ("AT", "Áo"),
            ("IN", "Ấn Độ"),
            ("JP", "Nhật Bản"),
            ("HK", "Hồng Kông"),
        ] {
            assert_eq!(name(code, Lang::Vi), Some(name_vi));
        }
        // Every country has a Vietnamese name from CLDR, not keshvar's.
        for (code, _) in all(Lang::En) {
            assert!(vietnamese(code).is_some(), "{code}");
        }
    }
}
