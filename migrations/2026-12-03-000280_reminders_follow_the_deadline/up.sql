-- An open campaign's deadline can be extended. Its reminders and the escalation to its
-- owner now follow the deadline in force (domain::reminders): each is sent once per
-- deadline, and only for steps that fall after the deadline was last changed (a step
-- of the new schedule that lies between the opening and the change is never sent).
ALTER TABLE campaigns ADD COLUMN deadline_changed_at timestamptz;

-- When each open or closed campaign's deadline was last changed since it opened (its
-- launch, or its creation for one whose links are issued one by one), from its audit
-- trail.
UPDATE campaigns k
   SET deadline_changed_at = a.at
  FROM (SELECT subject_id, max(occurred_at) AS at
          FROM audit_log
         WHERE action = 'campaign.deadline_changed' AND subject_type = 'campaign'
         GROUP BY subject_id) a
 WHERE a.subject_id = k.id::text AND k.status <> 'draft'
   AND a.at > coalesce(k.launched_at, k.created_at);

-- The scheduler's deduplication keys name the deadline they were sent for:
-- reminder:{campaign}:{contact}:{step}:{deadline}, escalation:{campaign}:{deadline}.
-- Those already sent are counted as sent for the deadline in force, so nothing goes twice.
UPDATE jobs j
   SET dedup_key = j.dedup_key || ':' || k.deadline::text
  FROM campaigns k
 WHERE j.kind = 'send_email'
   AND (j.dedup_key ~ '^reminder:[0-9a-f-]{36}:[0-9a-f-]{36}:[0-9]+$'
        OR j.dedup_key ~ '^escalation:[0-9a-f-]{36}$')
   AND split_part(j.dedup_key, ':', 2) = k.id::text;
