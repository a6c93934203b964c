//! Roles, permissions, and the one table that says who may call which route.
//!
//! Every route the service registers must appear in [`ROUTES`]; the middleware denies a
//! registered route that is missing (fail closed), and the route-table test fails when
//! a handler is added without a row here.

/// Roles and what each may do are pure policy, in [`crate::domain::role`].
pub use crate::domain::role::{Permission, Role};

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone (login page, assets, health).
    Public,
    /// A respondent's personal link; the token in the path is the credential.
    Respondent,
    /// Any signed-in staff member, even one who must still change their password.
    SignedIn,
    /// A staff member or API token whose role has the permission.
    Needs(Permission),
}

/// `(method, route pattern, access)` for every route of the service.
pub const ROUTES: &[(&str, &str, Access)] = &[
    ("GET", "/", Access::Public),
    ("GET", "/health", Access::Public),
    ("GET", "/static/app.css", Access::Public),
    ("GET", "/static/form.js", Access::Public),
    ("GET", "/favicon.ico", Access::Public),
    ("GET", "/login", Access::Public),
    ("POST", "/login", Access::Public),
    ("GET", "/password/reset", Access::Public),
    ("POST", "/password/reset", Access::Public),
    ("GET", "/password/reset/{token}", Access::Public),
    ("POST", "/password/reset/{token}", Access::Public),
    ("POST", "/logout", Access::SignedIn),
    ("GET", "/account/password", Access::SignedIn),
    ("POST", "/account/password", Access::SignedIn),
    ("POST", "/account/sessions/revoke", Access::SignedIn),
    ("GET", "/r/{token}", Access::Respondent),
    ("POST", "/r/{token}", Access::Respondent),
    ("GET", "/r/{token}/evidence/{file_id}", Access::Respondent),
    ("GET", "/r/{token}/clarification", Access::Respondent),
    ("POST", "/r/{token}/clarification", Access::Respondent),
    ("GET", "/r/{token}/s/{n}", Access::Respondent),
    ("POST", "/r/{token}/s/{n}", Access::Respondent),
    ("GET", "/r/{token}/review", Access::Respondent),
    ("POST", "/r/{token}/submit", Access::Respondent),
    ("POST", "/r/{token}/handover", Access::Respondent),
    ("POST", "/r/{token}/carry-over", Access::Respondent),
    ("GET", "/r/{token}/receipt.pdf", Access::Respondent),
    (
        "GET",
        "/staff/responses/{id}/receipt.pdf",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "GET",
        "/staff/responses/{id}/evidence/{file_id}",
        Access::Needs(Permission::ViewFlags),
    ),
    ("GET", "/staff", Access::SignedIn),
    (
        "GET",
        "/staff/users",
        Access::Needs(Permission::ManageUsers),
    ),
    (
        "POST",
        "/staff/users",
        Access::Needs(Permission::ManageUsers),
    ),
    (
        "POST",
        "/staff/users/{id}/role",
        Access::Needs(Permission::ManageUsers),
    ),
    (
        "POST",
        "/staff/users/{id}/disable",
        Access::Needs(Permission::ManageUsers),
    ),
    (
        "POST",
        "/staff/users/{id}/enable",
        Access::Needs(Permission::ManageUsers),
    ),
    (
        "GET",
        "/staff/api-tokens",
        Access::Needs(Permission::ManageApiTokens),
    ),
    (
        "POST",
        "/staff/api-tokens",
        Access::Needs(Permission::ManageApiTokens),
    ),
    (
        "POST",
        "/staff/api-tokens/{id}/revoke",
        Access::Needs(Permission::ManageApiTokens),
    ),
    (
        "GET",
        "/staff/organisations",
        Access::Needs(Permission::ViewOrganisations),
    ),
    (
        "POST",
        "/staff/organisations",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "GET",
        "/staff/organisations/export.csv",
        Access::Needs(Permission::ViewOrganisations),
    ),
    (
        "GET",
        "/staff/organisations/example.csv",
        Access::Needs(Permission::ViewOrganisations),
    ),
    (
        "GET",
        "/staff/organisations/import",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "POST",
        "/staff/organisations/import",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "POST",
        "/staff/organisations/import/{upload}/confirm",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "GET",
        "/staff/organisations/{id}",
        Access::Needs(Permission::ViewOrganisations),
    ),
    (
        "POST",
        "/staff/organisations/{id}",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "POST",
        "/staff/organisations/{id}/deactivate",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "POST",
        "/staff/organisations/{id}/reactivate",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "POST",
        "/staff/organisations/{id}/contacts",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "GET",
        "/staff/organisations/{id}/contacts/{contact_id}",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "POST",
        "/staff/organisations/{id}/contacts/{contact_id}",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "POST",
        "/staff/organisations/{id}/contacts/{contact_id}/deactivate",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "POST",
        "/staff/organisations/{id}/contacts/{contact_id}/reactivate",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "GET",
        "/staff/campaigns",
        Access::Needs(Permission::ViewCampaigns),
    ),
    (
        "GET",
        "/staff/campaigns/new",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/staff/campaigns",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "GET",
        "/staff/campaigns/{id}",
        Access::Needs(Permission::ViewCampaigns),
    ),
    (
        "GET",
        "/staff/campaigns/{id}/edit",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/staff/campaigns/{id}/edit",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/staff/campaigns/{id}/launch",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/staff/campaigns/{id}/deadline",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/staff/campaigns/{id}/owner",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/staff/campaigns/{id}/close",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/staff/campaigns/{id}/delete",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/staff/campaigns/{id}/organisations",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/staff/campaigns/{id}/organisations/{org}/remind",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/staff/campaigns/{id}/contacts/{contact}/resend",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/staff/campaigns/{id}/contacts/{contact}/revoke",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "GET",
        "/staff/campaigns/{id}/email-preview",
        Access::Needs(Permission::ViewCampaigns),
    ),
    (
        "GET",
        "/staff/campaigns/{id}/email-preview.html",
        Access::Needs(Permission::ViewCampaigns),
    ),
    (
        "GET",
        "/staff/campaigns/{id}/progress.csv",
        Access::Needs(Permission::ViewCampaigns),
    ),
    (
        "GET",
        "/staff/campaigns/{id}/organisations/{org}",
        Access::Needs(Permission::ViewCampaigns),
    ),
    ("GET", "/staff/flags", Access::Needs(Permission::ViewFlags)),
    (
        "POST",
        "/staff/flags/assign",
        Access::Needs(Permission::DecideFlags),
    ),
    (
        "GET",
        "/staff/heatmap",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "GET",
        "/staff/ranking",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "GET",
        "/staff/ranking.csv",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "GET",
        "/staff/dashboard",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "GET",
        "/staff/organisations/{id}/responses",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "GET",
        "/staff/responses/{id}/clarifications",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "POST",
        "/staff/responses/{id}/clarifications",
        Access::Needs(Permission::DecideFlags),
    ),
    (
        "GET",
        "/staff/flags/{id}/action-plans",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "POST",
        "/staff/flags/{id}/action-plans",
        Access::Needs(Permission::DecideFlags),
    ),
    (
        "GET",
        "/staff/action-plans",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "GET",
        "/staff/action-plans/{id}",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "POST",
        "/staff/action-plans/{id}/status",
        Access::Needs(Permission::DecideFlags),
    ),
    (
        "POST",
        "/staff/action-plans/{id}/remedy",
        Access::Needs(Permission::DecideFlags),
    ),
    (
        "POST",
        "/staff/action-plans/{id}/evidence",
        Access::Needs(Permission::DecideFlags),
    ),
    (
        "GET",
        "/staff/action-plans/{id}/evidence/{file_id}",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "POST",
        "/staff/action-plans/{id}/close",
        Access::Needs(Permission::DecideFlags),
    ),
    (
        "POST",
        "/staff/action-plans/{id}/cancel",
        Access::Needs(Permission::DecideFlags),
    ),
    (
        "GET",
        "/staff/flags/{id}",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "POST",
        "/staff/flags/{id}/decide",
        Access::Needs(Permission::DecideFlags),
    ),
    (
        "POST",
        "/staff/flags/{id}/comments",
        Access::Needs(Permission::CommentOnFlags),
    ),
    ("GET", "/staff/audit", Access::Needs(Permission::ViewAudit)),
    (
        "POST",
        "/staff/audit/verify",
        Access::Needs(Permission::ViewAudit),
    ),
    (
        "GET",
        "/staff/exports/audit",
        Access::Needs(Permission::ViewAudit),
    ),
    ("GET", "/staff/jobs", Access::Needs(Permission::ManageJobs)),
    (
        "GET",
        "/staff/outbox",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "GET",
        "/staff/outbox/{name}",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/staff/jobs/{id}/retry",
        Access::Needs(Permission::ManageJobs),
    ),
    (
        "POST",
        "/staff/jobs/retry-dead-emails",
        Access::Needs(Permission::ManageJobs),
    ),
    (
        "GET",
        "/staff/exports",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "GET",
        "/staff/exports/responses",
        Access::Needs(Permission::ViewCampaigns),
    ),
    (
        "GET",
        "/staff/exports/flags",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "GET",
        "/staff/exports/action-plans",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "GET",
        "/staff/reassessments",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "POST",
        "/staff/reassessments",
        Access::Needs(Permission::DecideFlags),
    ),
    (
        "GET",
        "/staff/reassessments/{id}",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "GET",
        "/staff/inherent-risk",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "POST",
        "/staff/inherent-risk",
        Access::Needs(Permission::ManageRiskData),
    ),
    (
        "POST",
        "/api/v1/organisations",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "GET",
        "/api/v1/organisations/{id}",
        Access::Needs(Permission::ViewOrganisations),
    ),
    (
        "POST",
        "/api/v1/organisations/{id}/contacts",
        Access::Needs(Permission::ManageOrganisations),
    ),
    (
        "GET",
        "/api/v1/templates",
        Access::Needs(Permission::ViewCampaigns),
    ),
    (
        "POST",
        "/api/v1/campaigns",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "PATCH",
        "/api/v1/campaigns/{id}",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/api/v1/campaigns/{id}/invitations",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/api/v1/campaigns/{id}/launch",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/api/v1/campaigns/{id}/organisations",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/api/v1/campaigns/{id}/deadline",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/api/v1/campaigns/{id}/owner",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/api/v1/campaigns/{id}/close",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "POST",
        "/api/v1/campaigns/{id}/organisations/{org}/remind",
        Access::Needs(Permission::ManageCampaigns),
    ),
    (
        "GET",
        "/api/v1/campaigns/{id}/progress",
        Access::Needs(Permission::ViewCampaigns),
    ),
    (
        "GET",
        "/api/v1/responses/{id}/flags",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "GET",
        "/api/v1/organisations/{id}/rating",
        Access::Needs(Permission::ViewFlags),
    ),
    (
        "GET",
        "/api/v1/ranking",
        Access::Needs(Permission::ViewFlags),
    ),
];

/// Whether a route belongs to the JSON API (mounted under `/api/`). Only API routes
/// accept an API token (`Authorization: Bearer`); every other route is a browser page
/// and refuses a token caller, so a new staff page cannot forget to (see the middleware).
pub fn is_api_route(pattern: &str) -> bool {
    pattern.starts_with("/api/")
}

/// The methods the table lists for a route pattern (empty when it is not in the table).
pub fn methods_for(pattern: &str) -> Vec<&'static str> {
    ROUTES
        .iter()
        .filter(|(_, p, _)| *p == pattern)
        .map(|(m, _, _)| *m)
        .collect()
}

/// The access rule of a route, `None` when the route is not in the table.
pub fn access_for(method: &str, pattern: &str) -> Option<Access> {
    ROUTES
        .iter()
        .find(|(m, p, _)| *m == method && *p == pattern)
        .map(|(_, _, a)| *a)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn table_has_no_duplicates() {
        for (i, (m, p, _)) in ROUTES.iter().enumerate() {
            assert!(
                !ROUTES[i + 1..].iter().any(|(m2, p2, _)| m == m2 && p == p2),
                "{m} {p} is listed twice"
            );
        }
    }

    #[test]
    fn only_admin_manages_users_and_only_committee_and_admin_decide() {
        for role in Role::ALL {
            assert_eq!(role.can(Permission::ManageUsers), role == Role::Admin);
            assert_eq!(
                role.can(Permission::DecideFlags),
                matches!(role, Role::Admin | Role::Committee)
            );
            assert!(role.can(Permission::ViewFlags));
        }
    }
}
