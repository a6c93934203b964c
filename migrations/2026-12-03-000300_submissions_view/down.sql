DROP VIEW submissions;
