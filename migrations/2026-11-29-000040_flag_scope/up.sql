-- The scope of a flag, for ratings that rank sites within a band: how many workers the
-- rule's count question says it concerns, and the site's workforce, both as answered.
-- NULL when the rule names no count or the count was not given (older flags too).
ALTER TABLE flags
    ADD COLUMN affected_workers integer CHECK (affected_workers IS NULL OR affected_workers >= 0),
    ADD COLUMN workforce        integer CHECK (workforce IS NULL OR workforce >= 0);
