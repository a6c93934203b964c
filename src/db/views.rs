//! Views as diesel tables: read, never written (`migrations/`).

use super::schema::{answers, campaigns, template_versions};

diesel::table! {
    /// Every submitted response with the questionnaire it answers, whatever the version:
    /// the one definition of "an organisation's submission of a questionnaire" (view
    /// `submissions`). An organisation's latest is the first by `submitted_at` then
    /// `response_id`, both descending.
    submissions (response_id) {
        response_id -> Uuid,
        organisation_id -> Uuid,
        template_id -> Text,
        template_version_id -> Uuid,
        campaign_id -> Uuid,
        submitted_at -> Timestamptz,
    }
}

diesel::joinable!(submissions -> campaigns (campaign_id));
diesel::joinable!(submissions -> template_versions (template_version_id));
diesel::allow_tables_to_appear_in_same_query!(submissions, campaigns);
diesel::allow_tables_to_appear_in_same_query!(submissions, template_versions);
diesel::allow_tables_to_appear_in_same_query!(submissions, answers);
