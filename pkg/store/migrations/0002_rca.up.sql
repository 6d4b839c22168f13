-- Root-cause analysis: each incident's latest ranked hypotheses, what people said about
-- them, and the per-tenant evidence weights that feedback has taught. Same portable
-- types as 0001: times are unix milliseconds, JSON documents are TEXT.

-- Feedback ids are per tenant, taken under the tenant's row lock like the other sequences.
ALTER TABLE tenants ADD COLUMN feedback_seq BIGINT NOT NULL DEFAULT 0;

-- The latest rca.Result of an incident, with the incident's alert count and revision it
-- was computed from: a result whose alert count differs from the incident's is stale.
CREATE TABLE rca_hypotheses (
    tenant      TEXT    NOT NULL,
    incident_id TEXT    NOT NULL,
    result      TEXT    NOT NULL,
    alert_count INTEGER NOT NULL,
    revision    BIGINT  NOT NULL,
    computed_at BIGINT  NOT NULL,
    PRIMARY KEY (tenant, incident_id)
);

-- Judgements of an incident's hypotheses, in the order they were given.
CREATE TABLE rca_feedback (
    tenant      TEXT   NOT NULL,
    id          BIGINT NOT NULL,
    incident_id TEXT   NOT NULL,
    verdict     TEXT   NOT NULL,
    entity      TEXT   NOT NULL,
    actor       TEXT   NOT NULL DEFAULT '',
    comment     TEXT   NOT NULL DEFAULT '',
    at          BIGINT NOT NULL,
    PRIMARY KEY (tenant, id)
);
CREATE INDEX rca_feedback_incident ON rca_feedback (tenant, incident_id, id);

-- rca.Weights learnt from a tenant's feedback; no row: every kind weighs 1.
CREATE TABLE rca_weights (
    tenant     TEXT   NOT NULL PRIMARY KEY,
    weights    TEXT   NOT NULL,
    updated_at BIGINT NOT NULL
);
