ALTER TABLE invitations DROP COLUMN chosen_language;
ALTER TABLE answers DROP COLUMN version;
ALTER TABLE responses DROP CONSTRAINT responses_declaration_complete,
    DROP COLUMN declared_at, DROP COLUMN signatory_title, DROP COLUMN signatory_name;
