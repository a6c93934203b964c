//! What a member typed in a plan form that was refused and is no longer offered (the
//! plan got verified, the flag got a plan from another tab): the page quotes it, field
//! by field, so that nothing typed is lost.

use std::collections::HashMap;

/// The plan forms' fields in the order of the forms, with their labels.
const LABELS: &[(&str, &str)] = &[
    ("root_cause", "Root cause"),
    ("actions", "Actions"),
    ("owner", "Owner"),
    ("start_date", "Start"),
    ("due_date", "Due"),
    ("workers_affected", "Workers affected"),
    ("fees_repaid_amount", "Recruitment fees repaid"),
    ("fees_currency", "Currency"),
    ("workers_repaid", "Workers repaid"),
    ("fees_repaid_on", "Fees repaid on"),
    ("documents_returned", "Identity documents returned"),
    ("documents_returned_on", "Documents returned on"),
];

/// (label, text) of each filled field of `posted`; `owners` names an owner's value
/// ("contact:…") as the form's choice did.
pub fn typed_lines(
    posted: &HashMap<String, String>,
    owners: &[(String, String)],
) -> Vec<(String, String)> {
    LABELS
        .iter()
        .filter_map(|(name, label)| {
            let value = posted
                .get(*name)
                .map(|v| v.trim())
                .filter(|v| !v.is_empty())?;
            let shown = match *name {
                "owner" => owners
                    .iter()
                    .find(|(v, _)| v == value)
                    .map_or(value, |(_, text)| text.as_str()),
                _ => value,
            };
            Some((label.to_string(), shown.to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filled_fields_in_form_order_with_the_owner_named() {
        let posted: HashMap<String, String> = [
            ("csrf_token", "x"),
            ("actions", "Return the passports"),
            ("root_cause", "Kept in the safe"),
            ("owner", "contact:1"),
            ("workers_affected", " "),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let owners = vec![(
            "contact:1".to_string(),
            "Aiko (supplier contact)".to_string(),
        )];
        assert_eq!(
            typed_lines(&posted, &owners),
            [
                ("Root cause".to_string(), "Kept in the safe".to_string()),
                ("Actions".into(), "Return the passports".into()),
                ("Owner".into(), "Aiko (supplier contact)".into()),
            ]
        );
    }
}
