-- One definition of "an organisation's submission of a questionnaire" (any version, any
-- campaign), read by db::views::submissions: the start page's "Start from your last
-- answers", the emails that say when the organisation last submitted, the flag page's
-- "This question before", the queue's "flagged last time too" and the organisation's
-- latest response to each questionnaire. Inlined by the planner like the joins it names.
CREATE VIEW submissions AS
SELECT r.id AS response_id, r.organisation_id, tv.template_id, c.template_version_id,
       r.campaign_id, r.submitted_at
  FROM responses r
  JOIN campaigns c ON c.id = r.campaign_id
  JOIN template_versions tv ON tv.id = c.template_version_id
 WHERE r.status = 'submitted';
