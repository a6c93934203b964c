//! The staff area's pages built from what the services return: the overview tiles and
//! one table per area (users, API tokens, jobs).

use super::staff::{
    action, role_options, DueCampaign, FormField, HomePage, LinksCell, Row, StaffNav, Summary,
    TablePage, Tile,
};
use crate::auth::permissions::{Permission, Role};
use crate::auth::principal::StaffUser;
use crate::domain::reminders;
use crate::domain::states::CampaignStatus;
use crate::services::accounts::{ApiToken, OpenWork, User};
use crate::services::jobs::Troubled;
use crate::services::listings::{CampaignRow, Overview};
use chrono::{DateTime, Utc};

const MINUTES: &str = "%Y-%m-%d %H:%M";

/// The overview: what needs the member's attention (tiles and the open campaigns by
/// deadline), then a tile for each count the role may open.
pub fn home(
    user: &StaffUser,
    o: &Overview,
    campaigns: &[CampaignRow],
    now: DateTime<Utc>,
) -> HomePage {
    let today = now.date_naive();
    let mine = format!("/staff/flags?assignee={}", user.id);
    let attention: [(&str, i64, &str, Permission); 4] = [
        // Only members who decide are assigned flags.
        (
            "Flags assigned to you",
            o.my_open_flags,
            &mine,
            Permission::DecideFlags,
        ),
        (
            "Open flags nobody is assigned to",
            o.unassigned_open_flags,
            "/staff/flags?assignee=nobody",
            Permission::ViewFlags,
        ),
        (
            "Escalated flags",
            o.escalated_flags,
            "/staff/flags?status=escalated",
            Permission::ViewFlags,
        ),
        (
            "Corrective action plans past due",
            o.overdue_plans,
            "/staff/action-plans?show=overdue",
            Permission::ViewFlags,
        ),
    ];
    // Only when there are some: a member who left with flags in their hands.
    let disabled: [(&str, i64, &str, Permission); 1] = [(
        "Open flags assigned to a disabled member",
        o.disabled_assignee_flags,
        "/staff/flags?assignee=disabled",
        Permission::ViewFlags,
    )];
    let disabled: Vec<_> = disabled.into_iter().filter(|t| t.1 > 0).collect();
    let mut open: Vec<&CampaignRow> = campaigns
        .iter()
        .filter(|c| c.campaign.status == CampaignStatus::Open)
        .collect();
    open.sort_by_key(|c| c.campaign.deadline);
    let due = open
        .into_iter()
        .map(|c| {
            let when = days_from(c.campaign.deadline, today);
            DueCampaign {
                href: format!("/staff/campaigns/{}", c.campaign.id),
                name: c.campaign.name.clone(),
                deadline: c.campaign.deadline.to_string(),
                when,
                submitted: format!(
                    "{} / {}",
                    super::staff::number(c.submitted),
                    super::staff::number(c.responses)
                ),
                outstanding: c.responses - c.submitted,
                past_deadline: reminders::deadline_passed(c.campaign.deadline, now),
                no_owner: c.owner.is_none(),
                // As the campaign page says it (`jobs::campaign_schedule` sends it).
                next_reminder: if c.responses > 0 && c.submitted == c.responses {
                    reminders::NONE_NEEDED.to_string()
                } else {
                    reminders::next_step(c.campaign.deadline, &c.reminders, c.reminders_from, now)
                        .map_or_else(
                            || "none left".to_string(),
                            |step| reminders::describe_step(&step, c.campaign.deadline),
                        )
                },
            }
        })
        .collect();
    let tiles: [(&str, i64, &str, Permission); 5] = [
        (
            "Organisations",
            o.organisations,
            "/staff/organisations",
            Permission::ViewOrganisations,
        ),
        (
            "Open campaigns",
            o.open_campaigns,
            "/staff/campaigns",
            Permission::ViewCampaigns,
        ),
        (
            "Submitted responses",
            o.submitted,
            "/staff/campaigns",
            Permission::ViewCampaigns,
        ),
        (
            "Open flags",
            o.open_flags,
            "/staff/flags",
            Permission::ViewFlags,
        ),
        (
            "Critical open flags",
            o.critical_open_flags,
            "/staff/flags?band=critical",
            Permission::ViewFlags,
        ),
    ];
    let visible = |tiles: &[(&str, i64, &str, Permission)]| -> Vec<Tile> {
        tiles
            .iter()
            .filter(|(.., p)| user.role.can(*p))
            .map(|(label, value, href, _)| Tile {
                label: label.to_string(),
                value: super::staff::number(value),
                href: href.to_string(),
            })
            .collect()
    };
    let mail_failing = o.failing_emails.as_ref().map_or_else(String::new, |f| {
        format!(
            "Email is not going out: {} waiting for another try, the oldest queued {} UTC. \
             The mail server's last answer: \u{201c}{}\u{201d}. Each is tried again for three days.",
            super::staff::count_of(f.count as usize, "email"),
            f.oldest.format(MINUTES),
            f.answer
        )
    });
    HomePage {
        lang: "en".into(),
        title: format!("Welcome, {}", user.name),
        nav: StaffNav::new(user, "/staff"),
        mail_failing,
        jobs_link: user.role.can(Permission::ManageJobs),
        attention: visible(&attention)
            .into_iter()
            .chain(visible(&disabled))
            .collect(),
        due,
        tiles: visible(&tiles),
    }
}

/// The users table's "Open work" cell: links to the member's open flags and campaigns;
/// strong for a member who can no longer do it (disabled), since nobody else is
/// reminded of it.
fn open_work_cell(u: &User, work: OpenWork) -> LinksCell {
    let mut links = Vec::new();
    if work.flags > 0 {
        links.push((
            format!("/staff/flags?assignee={}", u.id),
            super::staff::count_of(work.flags as usize, "open flag") + " assigned",
        ));
    }
    if work.campaigns > 0 {
        links.push((
            format!("/staff/campaigns?owner={}", u.id),
            super::staff::count_of(work.campaigns as usize, "campaign") + " owned",
        ));
    }
    LinksCell {
        attention: u.disabled_at.is_some() && !links.is_empty(),
        links,
        empty: "none".into(),
    }
}

pub fn users(
    user: &StaffUser,
    list: Vec<User>,
    work: &std::collections::HashMap<uuid::Uuid, OpenWork>,
) -> TablePage {
    let rows = list
        .into_iter()
        .map(|u| {
            let links = Some(open_work_cell(
                &u,
                work.get(&u.id).copied().unwrap_or_default(),
            ));
            let mut actions: Vec<_> = Role::ALL
                .iter()
                .filter(|r| **r != u.role)
                .map(|r| {
                    action(
                        format!("/staff/users/{}/role", u.id),
                        &format!("Make {}", r.as_str()),
                        Some(("role", r.as_str())),
                    )
                })
                .collect();
            if u.id != user.id {
                let (verb, label) = match u.disabled_at {
                    Some(_) => ("enable", "Enable"),
                    None => ("disable", "Disable"),
                };
                actions.push(action(format!("/staff/users/{}/{verb}", u.id), label, None));
            }
            let status = match (u.disabled_at, u.must_change_password) {
                (Some(_), _) => "disabled",
                (None, true) => "must set password",
                (None, false) => "active",
            };
            Row {
                cells: vec![u.email, u.name, u.role.to_string(), status.into()],
                links,
                actions,
            }
        })
        .collect();
    TablePage {
        rows,
        ..TablePage::new(user, "/staff/users", "Users", "Roles: admin (users, API tokens, everything), procurement (organisations, contacts, campaigns), committee (flags, decisions, audit log), viewer (read only). A new user gets a one-time password and must change it at first sign-in. Making an admin anything else, or disabling a user, revokes the API tokens they created: integrations that use them stop working. Open work is what is still in each member's hands: open flags assigned to them and campaigns they own that are not closed. A disabled member's is marked: their flags wait until someone is assigned (select them in the queue and assign), and their campaigns tell the administrators who is overdue until someone takes them over (Change the owner, on the campaign's page).")
    }
    .headers(&["Email", "Name", "Role", "Status", "Open work", "Actions"])
    .form(
        "/staff/users",
        "Add user",
        vec![
            FormField::text("email", "Email", "email"),
            FormField::text("name", "Name", "text"),
            FormField::select("role", "Role", role_options()),
        ],
    )
}

pub fn api_tokens(user: &StaffUser, list: Vec<ApiToken>) -> TablePage {
    let rows = list
        .into_iter()
        .map(|t| Row {
            links: None,
            cells: vec![
                t.name,
                t.role.to_string(),
                t.created_at.format(MINUTES).to_string(),
                t.last_used_at
                    .map(|d| d.format(MINUTES).to_string())
                    .unwrap_or_else(|| "never".into()),
                if t.revoked_at.is_some() {
                    "revoked"
                } else {
                    "active"
                }
                .into(),
            ],
            actions: match t.revoked_at {
                None => vec![action(
                    format!("/staff/api-tokens/{}/revoke", t.id),
                    "Revoke",
                    None,
                )],
                Some(_) => Vec::new(),
            },
        })
        .collect();
    TablePage {
        rows,
        ..TablePage::new(user, "/staff/api-tokens", "API tokens", "Tokens let other systems (for example a procurement system that pushes suppliers) call the JSON API with the header “Authorization: Bearer <token>”. A token acts with the permissions of its role; only its hash is stored.")
    }
    .headers(&["Name", "Role", "Created", "Last used", "Status", "Actions"])
    .form(
        "/staff/api-tokens",
        "Create token",
        vec![
            FormField::text("name", "Name", "text"),
            FormField::select("role", "Role", role_options()),
        ],
    )
}

/// Background work that failed (dead, or waiting for a retry), with a retry action for
/// the dead ones.
pub fn jobs(user: &StaffUser, troubled: Troubled) -> TablePage {
    let when = |d: chrono::DateTime<chrono::Utc>| d.format("%Y-%m-%d %H:%M:%S").to_string();
    let count = |n: i64| super::staff::number(n);
    let listed = troubled.newest.len() as i64;
    let mut intro = String::from("Background work that failed. A failing job is retried with growing delays (an email for three days); after its last attempt, or at once on a permanent error (such as a mail server refusing the address), it is dead and waits here for a retry.");
    if troubled.failing + troubled.dead > 0 {
        intro.push_str(&format!(
            " Now {} failing, {} dead",
            count(troubled.failing),
            count(troubled.dead)
        ));
        if listed < troubled.failing + troubled.dead {
            intro.push_str(&format!("; the newest {} are listed", count(listed)));
        }
        intro.push('.');
    }
    let summary = (!troubled.dead_emails.is_empty()).then(|| Summary {
        caption: "Dead emails by the server's answer (addresses written …): when the mail server refused them all at once and has been fixed, queue them again".into(),
        headers: vec!["Answer".into(), "Emails".into(), "Actions".into()],
        rows: troubled
            .dead_emails
            .iter()
            .map(|(answer, n)| Row {
                cells: vec![answer.clone(), count(*n)],
                links: None,
                actions: vec![action(
                    "/staff/jobs/retry-dead-emails".into(),
                    &format!("Retry these {}", count(*n)),
                    Some(("answer", answer)),
                )],
            })
            .collect(),
    });
    let rows = troubled
        .newest
        .into_iter()
        .map(|(job, recipient)| {
            let dead = job.state == "dead";
            Row {
                links: None,
                cells: vec![
                    job.kind.replace('_', " "),
                    if dead { "dead" } else { "failing" }.into(),
                    format!("{} / {}", job.attempts, job.max_attempts),
                    recipient.unwrap_or_default(),
                    job.last_error.unwrap_or_default(),
                    match (dead, job.finished_at) {
                        (true, Some(at)) => when(at),
                        _ => when(job.run_at),
                    },
                    when(job.created_at),
                ],
                actions: if dead {
                    vec![action(
                        format!("/staff/jobs/{}/retry", job.id),
                        "Retry",
                        None,
                    )]
                } else {
                    Vec::new()
                },
            }
        })
        .collect();
    TablePage {
        rows,
        empty: "No failed jobs.".into(),
        summary,
        ..TablePage::new(user, "/staff/jobs", "Jobs", &intro)
    }
    .headers(&[
        "Kind",
        "State",
        "Attempts",
        "For",
        "Last error",
        "Next try / ended (UTC)",
        "Queued (UTC)",
        "Actions",
    ])
}

/// How far `day` is from `today`: "in 5 days", "tomorrow", "today", "3 days ago".
pub fn days_from(day: chrono::NaiveDate, today: chrono::NaiveDate) -> String {
    match (day - today).num_days() {
        0 => "today".to_string(),
        1 => "tomorrow".to_string(),
        d if d > 1 => format!("in {d} days"),
        -1 => "1 day ago".to_string(),
        d => format!("{} days ago", -d),
    }
}
