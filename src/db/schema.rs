// The diesel view of migrations/. Keep in step with the SQL (checked by the migration
// tests, which run every query module against a migrated database).

diesel::table! {
    organisations (id) {
        id -> Uuid,
        kind -> Text,
        name -> Text,
        country -> Text,
        sector -> Nullable<Text>,
        external_ref -> Nullable<Text>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        business_unit -> Nullable<Text>,
        owner_user_id -> Nullable<Uuid>,
        deactivated_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    contacts (id) {
        id -> Uuid,
        organisation_id -> Uuid,
        name -> Text,
        email -> Text,
        language -> Text,
        job_title -> Nullable<Text>,
        created_at -> Timestamptz,
        deactivated_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    questionnaire_templates (id) {
        id -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    template_versions (id) {
        id -> Uuid,
        template_id -> Text,
        version -> Int4,
        title -> Text,
        languages -> Array<Text>,
        source -> Text,
        content_sha256 -> Text,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    campaigns (id) {
        id -> Uuid,
        name -> Text,
        template_version_id -> Uuid,
        status -> Text,
        deadline -> Date,
        created_at -> Timestamptz,
        owner_user_id -> Nullable<Uuid>,
        message -> Nullable<Text>,
        reminder_days_before -> Array<Int4>,
        reminder_weekly_after -> Int4,
        link_grace_days -> Int4,
        audience -> Nullable<Jsonb>,
        launched_at -> Nullable<Timestamptz>,
        closed_at -> Nullable<Timestamptz>,
        updated_at -> Timestamptz,
        deadline_changed_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    responses (id) {
        id -> Uuid,
        campaign_id -> Uuid,
        organisation_id -> Uuid,
        status -> Text,
        language -> Nullable<Text>,
        answers_sha256 -> Nullable<Text>,
        submitted_at -> Nullable<Timestamptz>,
        submitted_by_contact_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        signatory_name -> Nullable<Text>,
        signatory_title -> Nullable<Text>,
        declared_at -> Nullable<Timestamptz>,
        revision -> Int8,
    }
}

diesel::table! {
    invitations (id) {
        id -> Uuid,
        campaign_id -> Uuid,
        organisation_id -> Uuid,
        contact_id -> Uuid,
        response_id -> Uuid,
        token_sha256 -> Text,
        language -> Text,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
        link_key_id -> Nullable<Int4>,
        first_opened_at -> Nullable<Timestamptz>,
        chosen_language -> Nullable<Text>,
        handed_over_by -> Nullable<Uuid>,
    }
}

diesel::table! {
    answers (response_id, question_id) {
        response_id -> Uuid,
        question_id -> Text,
        value -> Jsonb,
        answered_by_contact_id -> Nullable<Uuid>,
        updated_at -> Timestamptz,
        version -> Int4,
    }
}

diesel::table! {
    evidence_files (id) {
        id -> Uuid,
        response_id -> Uuid,
        question_id -> Text,
        file_name -> Text,
        content_type -> Text,
        size_bytes -> Int4,
        sha256 -> Text,
        content -> Bytea,
        uploaded_by_contact_id -> Nullable<Uuid>,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    flags (id) {
        id -> Uuid,
        response_id -> Uuid,
        question_id -> Text,
        rule_index -> Int4,
        indicator -> Text,
        severity -> Int2,
        likelihood -> Int2,
        score -> Int2,
        band -> Text,
        critical -> Bool,
        answer -> Jsonb,
        status -> Text,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        affected_workers -> Nullable<Int4>,
        workforce -> Nullable<Int4>,
        assignee_id -> Nullable<Uuid>,
        decision_reason -> Nullable<Text>,
        version -> Int4,
        signed_by -> Nullable<Uuid>,
        signed_at -> Nullable<Timestamptz>,
        campaign_id -> Uuid,
        organisation_id -> Uuid,
        queue_rank -> Int2,
        country -> Text,
        kind -> Text,
        signed_for -> Nullable<Text>,
    }
}

diesel::table! {
    flag_comments (id) {
        id -> Uuid,
        flag_id -> Uuid,
        author_id -> Uuid,
        body -> Text,
        created_at -> Timestamptz,
        form_token -> Nullable<Uuid>,
    }
}

diesel::table! {
    flag_decisions (id) {
        id -> Uuid,
        flag_id -> Uuid,
        member_id -> Nullable<Uuid>,
        actor_kind -> Text,
        action -> Text,
        from_status -> Text,
        to_status -> Text,
        assignee_id -> Nullable<Uuid>,
        reason -> Nullable<Text>,
        flag_version -> Int4,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    audit_log (id) {
        id -> Int8,
        occurred_at -> Timestamptz,
        actor_kind -> Text,
        actor_id -> Nullable<Text>,
        action -> Text,
        subject_type -> Text,
        subject_id -> Text,
        details -> Jsonb,
        prev_hash -> Nullable<Text>,
        hash -> Text,
        seq -> Int8,
        chain -> Int2,
    }
}

diesel::table! {
    audit_head (chain) {
        seq -> Int8,
        hash -> Nullable<Text>,
        mac -> Nullable<Text>,
        chain -> Int2,
    }
}

diesel::joinable!(contacts -> organisations (organisation_id));
diesel::joinable!(template_versions -> questionnaire_templates (template_id));
diesel::joinable!(campaigns -> template_versions (template_version_id));
diesel::joinable!(responses -> campaigns (campaign_id));
diesel::joinable!(responses -> organisations (organisation_id));
diesel::joinable!(invitations -> responses (response_id));
diesel::joinable!(invitations -> campaigns (campaign_id));
diesel::joinable!(invitations -> organisations (organisation_id));
diesel::joinable!(invitations -> contacts (contact_id));
diesel::joinable!(answers -> responses (response_id));
diesel::joinable!(evidence_files -> responses (response_id));
diesel::joinable!(flags -> responses (response_id));
diesel::joinable!(flag_comments -> flags (flag_id));
diesel::joinable!(flag_decisions -> flags (flag_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    contacts,
    questionnaire_templates,
    template_versions,
    campaigns,
    responses,
    invitations,
    answers,
    evidence_files,
    flags,
    flag_comments,
    flag_decisions,
    audit_log,
    users,
);

diesel::table! {
    users (id) {
        id -> Uuid,
        email -> Text,
        name -> Text,
        role -> Text,
        password_hash -> Text,
        must_change_password -> Bool,
        disabled_at -> Nullable<Timestamptz>,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    staff_sessions (id) {
        id -> Uuid,
        token_sha256 -> Text,
        user_id -> Uuid,
        csrf_token -> Text,
        created_at -> Timestamptz,
        last_seen_at -> Timestamptz,
        expires_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        ip -> Nullable<Text>,
        user_agent -> Nullable<Text>,
    }
}

diesel::table! {
    password_reset_tokens (token_sha256) {
        token_sha256 -> Text,
        user_id -> Uuid,
        created_at -> Timestamptz,
        expires_at -> Timestamptz,
        used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    login_attempts (id) {
        id -> Int8,
        email -> Text,
        ip -> Text,
        succeeded -> Bool,
        at -> Timestamptz,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> Uuid,
        name -> Text,
        token_sha256 -> Text,
        role -> Text,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        revoked_at -> Nullable<Timestamptz>,
        last_used_at -> Nullable<Timestamptz>,
    }
}

diesel::table! {
    /// Read-only view of the `send_email` jobs as messages with a status (migration …000170).
    email_outbox (id) {
        id -> Uuid,
        to_address -> Text,
        subject -> Text,
        text_body -> Text,
        html_body -> Nullable<Text>,
        created_at -> Timestamptz,
        sent_at -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        job_id -> Uuid,
        status -> Text,
        purpose -> Nullable<Text>,
        campaign_id -> Nullable<Uuid>,
        invitation_id -> Nullable<Uuid>,
        contact_id -> Nullable<Uuid>,
        reminder_step -> Nullable<Int4>,
    }
}

diesel::table! {
    jobs (id) {
        id -> Uuid,
        kind -> Text,
        payload -> Jsonb,
        run_at -> Timestamptz,
        dedup_key -> Nullable<Text>,
        state -> Text,
        attempts -> Int4,
        max_attempts -> Int4,
        lease_until -> Nullable<Timestamptz>,
        last_error -> Nullable<Text>,
        created_at -> Timestamptz,
        finished_at -> Nullable<Timestamptz>,
        to_address -> Nullable<Text>,
        subject -> Nullable<Text>,
        text_body -> Nullable<Text>,
        html_body -> Nullable<Text>,
        purpose -> Nullable<Text>,
        campaign_id -> Nullable<Uuid>,
        invitation_id -> Nullable<Uuid>,
        reminder_step -> Nullable<Int4>,
        bulk -> Bool,
    }
}

diesel::joinable!(email_outbox -> jobs (job_id));
diesel::allow_tables_to_appear_in_same_query!(email_outbox, jobs);

diesel::joinable!(staff_sessions -> users (user_id));
diesel::joinable!(password_reset_tokens -> users (user_id));
diesel::allow_tables_to_appear_in_same_query!(
    users,
    staff_sessions,
    password_reset_tokens,
    api_tokens
);

diesel::table! {
    clarification_requests (id) {
        id -> Uuid,
        response_id -> Uuid,
        invitation_id -> Uuid,
        requested_by -> Uuid,
        created_at -> Timestamptz,
        answered_at -> Nullable<Timestamptz>,
        answered_by_contact_id -> Nullable<Uuid>,
        score_before -> Int2,
        flags_before -> Int4,
        score_after -> Nullable<Int2>,
        flags_after -> Nullable<Int4>,
        withdrawn_at -> Nullable<Timestamptz>,
        withdrawn_by -> Nullable<Uuid>,
        withdrawn_reason -> Nullable<Text>,
    }
}

diesel::table! {
    clarification_items (request_id, question_id) {
        request_id -> Uuid,
        question_id -> Text,
        flag_ids -> Array<Uuid>,
        question -> Text,
        original_answer -> Nullable<Jsonb>,
        reply_answer -> Nullable<Jsonb>,
        reply_note -> Nullable<Text>,
        score_before -> Int2,
        score_after -> Nullable<Int2>,
    }
}

diesel::table! {
    action_plans (id) {
        id -> Uuid,
        flag_id -> Uuid,
        root_cause -> Text,
        actions -> Text,
        owner_contact_id -> Nullable<Uuid>,
        owner_user_id -> Nullable<Uuid>,
        start_date -> Date,
        due_date -> Date,
        status -> Text,
        created_by -> Uuid,
        created_at -> Timestamptz,
        updated_at -> Timestamptz,
        completed_at -> Nullable<Timestamptz>,
        verified_at -> Nullable<Timestamptz>,
        verified_by -> Nullable<Uuid>,
        cancelled_at -> Nullable<Timestamptz>,
        cancelled_by -> Nullable<Uuid>,
        cancel_reason -> Nullable<Text>,
    }
}

diesel::table! {
    action_plan_remedies (plan_id) {
        plan_id -> Uuid,
        workers_affected -> Nullable<Int4>,
        fees_repaid_hundredths -> Nullable<Int8>,
        fees_currency -> Nullable<Text>,
        workers_repaid -> Nullable<Int4>,
        fees_repaid_on -> Nullable<Date>,
        documents_returned -> Nullable<Int4>,
        documents_returned_on -> Nullable<Date>,
        updated_at -> Timestamptz,
    }
}

diesel::table! {
    action_plan_evidence (plan_id, evidence_file_id) {
        plan_id -> Uuid,
        evidence_file_id -> Uuid,
        uploaded_by -> Uuid,
    }
}

diesel::joinable!(clarification_items -> clarification_requests (request_id));
diesel::joinable!(clarification_requests -> responses (response_id));
diesel::joinable!(action_plans -> flags (flag_id));
diesel::joinable!(action_plan_evidence -> action_plans (plan_id));
diesel::joinable!(action_plan_remedies -> action_plans (plan_id));
diesel::joinable!(action_plan_evidence -> evidence_files (evidence_file_id));
diesel::allow_tables_to_appear_in_same_query!(
    clarification_requests,
    clarification_items,
    action_plans,
    action_plan_evidence,
    action_plan_remedies,
);
diesel::allow_tables_to_appear_in_same_query!(clarification_requests, responses);
diesel::allow_tables_to_appear_in_same_query!(clarification_requests, flags);
diesel::allow_tables_to_appear_in_same_query!(clarification_requests, evidence_files);
diesel::allow_tables_to_appear_in_same_query!(clarification_requests, contacts);
diesel::allow_tables_to_appear_in_same_query!(clarification_requests, organisations);
diesel::allow_tables_to_appear_in_same_query!(clarification_requests, campaigns);
diesel::allow_tables_to_appear_in_same_query!(clarification_requests, users);
diesel::allow_tables_to_appear_in_same_query!(clarification_requests, invitations);
diesel::allow_tables_to_appear_in_same_query!(clarification_items, responses);
diesel::allow_tables_to_appear_in_same_query!(clarification_items, flags);
diesel::allow_tables_to_appear_in_same_query!(clarification_items, evidence_files);
diesel::allow_tables_to_appear_in_same_query!(clarification_items, contacts);
diesel::allow_tables_to_appear_in_same_query!(clarification_items, organisations);
diesel::allow_tables_to_appear_in_same_query!(clarification_items, campaigns);
diesel::allow_tables_to_appear_in_same_query!(clarification_items, users);
diesel::allow_tables_to_appear_in_same_query!(clarification_items, invitations);
diesel::allow_tables_to_appear_in_same_query!(action_plans, responses);
diesel::allow_tables_to_appear_in_same_query!(action_plans, flags);
diesel::allow_tables_to_appear_in_same_query!(action_plans, evidence_files);
diesel::allow_tables_to_appear_in_same_query!(action_plans, contacts);
diesel::allow_tables_to_appear_in_same_query!(action_plans, organisations);
diesel::allow_tables_to_appear_in_same_query!(action_plans, campaigns);
diesel::allow_tables_to_appear_in_same_query!(action_plans, users);
diesel::allow_tables_to_appear_in_same_query!(action_plans, invitations);
diesel::allow_tables_to_appear_in_same_query!(action_plan_evidence, responses);
diesel::allow_tables_to_appear_in_same_query!(action_plan_evidence, flags);
diesel::allow_tables_to_appear_in_same_query!(action_plan_evidence, evidence_files);
diesel::allow_tables_to_appear_in_same_query!(action_plan_evidence, contacts);
diesel::allow_tables_to_appear_in_same_query!(action_plan_evidence, organisations);
diesel::allow_tables_to_appear_in_same_query!(action_plan_evidence, campaigns);
diesel::allow_tables_to_appear_in_same_query!(action_plan_evidence, users);
diesel::allow_tables_to_appear_in_same_query!(action_plan_evidence, invitations);
diesel::allow_tables_to_appear_in_same_query!(action_plan_remedies, responses);
diesel::allow_tables_to_appear_in_same_query!(action_plan_remedies, flags);
diesel::allow_tables_to_appear_in_same_query!(action_plan_remedies, evidence_files);
diesel::allow_tables_to_appear_in_same_query!(action_plan_remedies, contacts);
diesel::allow_tables_to_appear_in_same_query!(action_plan_remedies, organisations);
diesel::allow_tables_to_appear_in_same_query!(action_plan_remedies, campaigns);
diesel::allow_tables_to_appear_in_same_query!(action_plan_remedies, users);
diesel::allow_tables_to_appear_in_same_query!(action_plan_remedies, invitations);

diesel::table! {
    org_import_uploads (id) {
        id -> Uuid,
        user_id -> Uuid,
        file_name -> Text,
        sha256 -> Text,
        content -> Bytea,
        created_at -> Timestamptz,
    }
}

diesel::table! {
    response_events (id) {
        id -> Int8,
        response_id -> Uuid,
        invitation_id -> Nullable<Uuid>,
        kind -> Text,
        at -> Timestamptz,
        answers -> Nullable<Int4>,
        hidden_removed -> Nullable<Array<Text>>,
    }
}
// Inherent country/sector risk and re-assessments (issue 10, items 5 and 6).
diesel::table! {
    inherent_risk_versions (id) {
        id -> Uuid,
        version -> Int4,
        file_name -> Nullable<Text>,
        row_count -> Int4,
        sha256 -> Text,
        imported_by -> Nullable<Uuid>,
        imported_at -> Timestamptz,
    }
}

diesel::table! {
    inherent_risk_rows (version_id, country, sector) {
        version_id -> Uuid,
        country -> Text,
        sector -> Text,
        value -> Int2,
        source -> Text,
        year -> Int4,
    }
}

diesel::table! {
    response_inherent_risk (response_id) {
        response_id -> Uuid,
        version_id -> Uuid,
        country -> Text,
        sector -> Text,
        value -> Int2,
    }
}

diesel::table! {
    reassessments (id) {
        id -> Uuid,
        campaign_id -> Uuid,
        template_version_id -> Uuid,
        inherent_version_id -> Nullable<Uuid>,
        created_by -> Nullable<Uuid>,
        created_at -> Timestamptz,
        response_count -> Int4,
        flag_count -> Int4,
    }
}

diesel::table! {
    reassessment_flags (reassessment_id, response_id, question_id, rule_index) {
        reassessment_id -> Uuid,
        response_id -> Uuid,
        question_id -> Text,
        rule_index -> Int4,
        indicator -> Text,
        severity -> Int2,
        likelihood -> Int2,
        score -> Int2,
        band -> Text,
        critical -> Bool,
        answer -> Jsonb,
    }
}

diesel::joinable!(inherent_risk_rows -> inherent_risk_versions (version_id));
diesel::joinable!(response_inherent_risk -> inherent_risk_versions (version_id));
diesel::joinable!(reassessment_flags -> reassessments (reassessment_id));
diesel::joinable!(reassessments -> campaigns (campaign_id));
diesel::joinable!(reassessments -> template_versions (template_version_id));
diesel::joinable!(reassessment_flags -> responses (response_id));
diesel::allow_tables_to_appear_in_same_query!(
    inherent_risk_versions,
    inherent_risk_rows,
    response_inherent_risk,
    reassessments,
    reassessment_flags,
);
diesel::allow_tables_to_appear_in_same_query!(inherent_risk_versions, users);
diesel::allow_tables_to_appear_in_same_query!(response_inherent_risk, responses);
diesel::allow_tables_to_appear_in_same_query!(reassessments, campaigns);
diesel::allow_tables_to_appear_in_same_query!(reassessments, template_versions);
diesel::allow_tables_to_appear_in_same_query!(reassessments, users);
diesel::allow_tables_to_appear_in_same_query!(reassessment_flags, responses);
diesel::allow_tables_to_appear_in_same_query!(reassessment_flags, organisations);
