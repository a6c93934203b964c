//! The rows of a table question (`group`) as a form posts them: `group.N.field` names,
//! N from 0. Which rows a post holds, and a row removed by its "Remove row" button
//! (`action=remove_row:<group>:<N>`) with the rows after it renumbered, so the form
//! shown again numbers its rows as the stored answer (an array, in order) reads back.

use std::collections::{BTreeSet, HashMap};

/// The row numbers of group `group` that a form posted (`group.row.field` names), in
/// order, each once.
pub fn posted_rows(values: &HashMap<String, Vec<String>>, group: &str) -> BTreeSet<usize> {
    let prefix = format!("{group}.");
    values
        .keys()
        .filter_map(|k| k.strip_prefix(&prefix)?.split('.').next()?.parse().ok())
        .collect()
}

/// The form action of the "Remove row" button of row `row` (from 0) of `group`.
pub fn remove_action(group: &str, row: usize) -> String {
    format!("remove_row:{group}:{row}")
}

/// The group and row (from 0) a `remove_row:<group>:<row>` action names.
pub fn parse_remove_action(action: &str) -> Option<(&str, usize)> {
    let (group, row) = action.strip_prefix("remove_row:")?.rsplit_once(':')?;
    let row = row.parse().ok()?;
    (!group.is_empty()).then_some((group, row))
}

/// Takes row `row` of `group` out of a posted form and numbers the rows left 0, 1, …
/// in their order (every field of a row, its "don't know" boxes included, moves with
/// it). Returns the removed row's place among the posted rows, from 1 (the number
/// the form showed it with), or `None` when the post holds no such row (nothing
/// changes).
pub fn remove_row(
    values: &mut HashMap<String, Vec<String>>,
    group: &str,
    row: usize,
) -> Option<usize> {
    let rows: Vec<usize> = posted_rows(values, group).into_iter().collect();
    let place = rows.iter().position(|r| *r == row)?;
    let prefix = format!("{group}.");
    let cells: Vec<(String, usize, String)> = values
        .keys()
        .filter_map(|k| {
            let rest = k.strip_prefix(&prefix)?;
            let (n, field) = rest.split_once('.')?;
            Some((k.clone(), n.parse().ok()?, field.to_string()))
        })
        .collect();
    let mut moved = Vec::new();
    for (key, n, field) in cells {
        let taken = values.remove(&key).unwrap_or_default();
        if n == row {
            continue;
        }
        let new_n = rows.iter().filter(|r| **r != row && **r < n).count();
        moved.push((format!("{prefix}{new_n}.{field}"), taken));
    }
    values.extend(moved);
    Some(place + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> HashMap<String, Vec<String>> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), vec![v.to_string()]))
            .collect()
    }

    #[test]
    fn a_removed_row_goes_and_the_rows_after_it_move_up() {
        let mut values = form(&[
            ("agents.0.name", "Alpha"),
            ("agents.1.name", "Beta"),
            ("agents.1.fee", ""),
            ("agents.1.fee.dont_know", "yes"),
            ("agents.2.name", "Gamma"),
            ("agents.2.fee.dont_know", "yes"),
            ("agents", "not a cell"),
            ("other.1.name", "kept"),
        ]);
        assert_eq!(remove_row(&mut values, "agents", 1), Some(2));
        assert_eq!(
            values,
            form(&[
                ("agents.0.name", "Alpha"),
                ("agents.1.name", "Gamma"),
                ("agents.1.fee.dont_know", "yes"),
                ("agents", "not a cell"),
                ("other.1.name", "kept"),
            ])
        );
    }

    #[test]
    fn rows_with_gaps_are_numbered_in_order_and_a_missing_row_changes_nothing() {
        let mut values = form(&[("g.0.a", "x"), ("g.3.a", "y"), ("g.7.a", "z")]);
        assert_eq!(remove_row(&mut values, "g", 5), None);
        assert_eq!(values.len(), 3);
        assert_eq!(remove_row(&mut values, "g", 3), Some(2));
        assert_eq!(values, form(&[("g.0.a", "x"), ("g.1.a", "z")]));
        assert_eq!(remove_row(&mut values, "g", 0), Some(1));
        assert_eq!(remove_row(&mut values, "g", 0), Some(1));
        assert!(values.is_empty(), "the only row removed: no row left");
    }

    #[test]
    fn the_action_names_its_group_and_row() {
        assert_eq!(remove_action("agents", 2), "remove_row:agents:2");
        assert_eq!(
            parse_remove_action("remove_row:agents:2"),
            Some(("agents", 2))
        );
        assert_eq!(parse_remove_action("remove_row:agents"), None);
        assert_eq!(parse_remove_action("remove_row::1"), None);
        assert_eq!(parse_remove_action("remove_row:agents:x"), None);
        assert_eq!(parse_remove_action("add_row:agents"), None);
    }
}
