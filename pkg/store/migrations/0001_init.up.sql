-- Portable across SQLite and PostgreSQL: TEXT, BIGINT, INTEGER only; times are unix
-- milliseconds with 0 for "never"; JSON documents are TEXT. Ids that must be generated
-- come from counters (tenants.*_seq per tenant, counters for global ids), not from
-- SERIAL/AUTOINCREMENT, which the two databases spell differently.

-- One row per tenant: the engine's version, locked by every write transaction of the
-- tenant, and the per-tenant sequences for timeline events and outbox ordering.
CREATE TABLE tenants (
    tenant     TEXT   NOT NULL PRIMARY KEY,
    version    BIGINT NOT NULL DEFAULT 0,
    event_seq  BIGINT NOT NULL DEFAULT 0,
    outbox_seq BIGINT NOT NULL DEFAULT 0
);

-- Global counters; 'outbox' hands out outbox ids, which are unique across tenants.
CREATE TABLE counters (
    name  TEXT   NOT NULL PRIMARY KEY,
    value BIGINT NOT NULL
);
INSERT INTO counters (name, value) VALUES ('outbox', 0);

CREATE TABLE incidents (
    tenant                 TEXT    NOT NULL,
    id                     TEXT    NOT NULL,
    state                  TEXT    NOT NULL,
    title                  TEXT    NOT NULL DEFAULT '',
    severity               TEXT    NOT NULL DEFAULT '',
    services               TEXT    NOT NULL DEFAULT 'null',
    started_at             BIGINT  NOT NULL DEFAULT 0,
    updated_at             BIGINT  NOT NULL DEFAULT 0,
    acked_at               BIGINT  NOT NULL DEFAULT 0,
    acked_by               TEXT    NOT NULL DEFAULT '',
    resolved_at            BIGINT  NOT NULL DEFAULT 0,
    last_resolved_alert_at BIGINT  NOT NULL DEFAULT 0,
    alert_count            INTEGER NOT NULL DEFAULT 0,
    firing_count           INTEGER NOT NULL DEFAULT 0,
    flap_count             INTEGER NOT NULL DEFAULT 0,
    merged_into            TEXT    NOT NULL DEFAULT '',
    revision               BIGINT  NOT NULL DEFAULT 0,
    PRIMARY KEY (tenant, id)
);
-- Listing pages newest first.
CREATE INDEX incidents_started ON incidents (tenant, started_at, id);
-- Snapshot: active ones and recently resolved ones; purge: old resolved ones.
CREATE INDEX incidents_state ON incidents (tenant, state, resolved_at);

-- Incidents.Services, one row each, so the service filter is an indexed lookup rather
-- than a LIKE over JSON (whose case rules differ between the databases).
CREATE TABLE incident_services (
    tenant      TEXT NOT NULL,
    service     TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    PRIMARY KEY (tenant, service, incident_id)
);
CREATE INDEX incident_services_incident ON incident_services (tenant, incident_id);

CREATE TABLE members (
    tenant        TEXT    NOT NULL,
    incident_id   TEXT    NOT NULL,
    fingerprint   TEXT    NOT NULL,
    status        TEXT    NOT NULL,
    labels        TEXT    NOT NULL DEFAULT 'null',
    annotations   TEXT    NOT NULL DEFAULT 'null',
    starts_at     BIGINT  NOT NULL DEFAULT 0,
    ends_at       BIGINT  NOT NULL DEFAULT 0,
    generator_url TEXT    NOT NULL DEFAULT '',
    alert_values  TEXT    NOT NULL DEFAULT 'null',
    source        TEXT    NOT NULL DEFAULT '',
    first_seen    BIGINT  NOT NULL DEFAULT 0,
    last_seen     BIGINT  NOT NULL DEFAULT 0,
    flap_count    INTEGER NOT NULL DEFAULT 0,
    service       TEXT    NOT NULL DEFAULT '',
    reason        TEXT    NOT NULL DEFAULT '{}',
    PRIMARY KEY (tenant, incident_id, fingerprint)
);
CREATE INDEX members_fingerprint ON members (tenant, fingerprint);

-- The timeline; seq comes from tenants.event_seq, so it orders a tenant's events.
CREATE TABLE events (
    tenant      TEXT   NOT NULL,
    seq         BIGINT NOT NULL,
    incident_id TEXT   NOT NULL,
    at          BIGINT NOT NULL,
    kind        TEXT   NOT NULL,
    fingerprint TEXT   NOT NULL DEFAULT '',
    actor       TEXT   NOT NULL DEFAULT '',
    detail      TEXT   NOT NULL DEFAULT '',
    PRIMARY KEY (tenant, seq)
);
CREATE INDEX events_incident ON events (tenant, incident_id, seq);

-- Notifications to deliver. id is global (counters 'outbox'); seq comes from
-- tenants.outbox_seq, which is taken under the tenant's row lock and so grows in commit
-- order: Claim uses it to keep an incident's notices to a target in order.
CREATE TABLE outbox (
    id              BIGINT  NOT NULL PRIMARY KEY,
    tenant          TEXT    NOT NULL,
    seq             BIGINT  NOT NULL,
    incident_id     TEXT    NOT NULL,
    target          TEXT    NOT NULL,
    kind            TEXT    NOT NULL,
    dedup_key       TEXT    NOT NULL,
    payload         TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    state           TEXT    NOT NULL DEFAULT 'pending', -- pending, done, failed
    next_attempt_at BIGINT  NOT NULL,
    lease_owner     TEXT    NOT NULL DEFAULT '',
    lease_until     BIGINT  NOT NULL DEFAULT 0,
    last_error      TEXT    NOT NULL DEFAULT '',
    created         BIGINT  NOT NULL,
    done_at         BIGINT  NOT NULL DEFAULT 0,
    UNIQUE (tenant, dedup_key)
);
-- Claim: due pending items; the older-item check per incident and target.
CREATE INDEX outbox_due ON outbox (state, next_attempt_at, id);
CREATE INDEX outbox_order ON outbox (tenant, incident_id, target, state, seq);
-- Purge: finished items by age.
CREATE INDEX outbox_done ON outbox (state, done_at);

-- A target's handle for an incident, e.g. the Grafana annotation id to update.
CREATE TABLE refs (
    tenant      TEXT NOT NULL,
    incident_id TEXT NOT NULL,
    target      TEXT NOT NULL,
    ref         TEXT NOT NULL,
    PRIMARY KEY (tenant, incident_id, target)
);
