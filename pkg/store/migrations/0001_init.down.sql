DROP TABLE refs;
DROP TABLE outbox;
DROP TABLE events;
DROP TABLE members;
DROP TABLE incident_services;
DROP TABLE incidents;
DROP TABLE counters;
DROP TABLE tenants;
