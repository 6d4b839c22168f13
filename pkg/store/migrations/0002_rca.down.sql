DROP TABLE rca_weights;
DROP TABLE rca_feedback;
DROP TABLE rca_hypotheses;
ALTER TABLE tenants DROP COLUMN feedback_seq;
