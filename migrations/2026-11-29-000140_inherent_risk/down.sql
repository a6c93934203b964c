DROP TABLE response_inherent_risk;
DROP TABLE inherent_risk_rows;
DROP TABLE inherent_risk_versions;
