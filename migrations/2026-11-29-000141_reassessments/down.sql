DROP TABLE reassessment_flags;
DROP TABLE reassessments;
