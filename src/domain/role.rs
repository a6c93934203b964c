//! Staff roles and the permissions each one has. Pure policy: which route needs which
//! permission is in `auth::permissions::ROUTES`.

use serde::{Deserialize, Serialize};

/// A staff role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Admin,
    Procurement,
    Committee,
    Viewer,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Admin,
        Role::Procurement,
        Role::Committee,
        Role::Viewer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Procurement => "procurement",
            Role::Committee => "committee",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    /// What the role may do.
    pub fn permissions(self) -> &'static [Permission] {
        use Permission::*;
        match self {
            // Admins may do everything.
            Role::Admin => &Permission::ALL,
            Role::Procurement => &[
                ViewOrganisations,
                ManageOrganisations,
                ViewCampaigns,
                ManageCampaigns,
                ViewFlags,
                CommentOnFlags,
            ],
            Role::Committee => &[
                ViewOrganisations,
                ViewCampaigns,
                ViewFlags,
                CommentOnFlags,
                DecideFlags,
                ViewAudit,
            ],
            Role::Viewer => &[ViewOrganisations, ViewCampaigns, ViewFlags],
        }
    }

    pub fn can(self, p: Permission) -> bool {
        self.permissions().contains(&p)
    }
}

/// Something a staff member or API token may be allowed to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    ManageUsers,
    ManageApiTokens,
    ViewOrganisations,
    ManageOrganisations,
    ViewCampaigns,
    ManageCampaigns,
    ViewFlags,
    /// Comment on a flag (discussion, not a decision): procurement may, a viewer not.
    CommentOnFlags,
    /// Assign, decide and close flags, sign a four-eyes close, record a dissent.
    DecideFlags,
    ViewAudit,
    /// See failed background jobs (e.g. undeliverable email) and retry them.
    ManageJobs,
    /// Import the inherent country/sector risk table (operator data).
    ManageRiskData,
}

impl Permission {
    /// Every permission (what an admin has).
    pub const ALL: [Permission; 12] = [
        Permission::ManageUsers,
        Permission::ManageApiTokens,
        Permission::ViewOrganisations,
        Permission::ManageOrganisations,
        Permission::ViewCampaigns,
        Permission::ManageCampaigns,
        Permission::ViewFlags,
        Permission::CommentOnFlags,
        Permission::DecideFlags,
        Permission::ViewAudit,
        Permission::ManageJobs,
        Permission::ManageRiskData,
    ];
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}
