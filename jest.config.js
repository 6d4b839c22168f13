// force timezone to UTC to allow tests to work regardless of local timezone
// generally used by snapshots, but can affect specific tests
process.env.TZ = 'UTC';

// Jest configuration provided by Grafana scaffolding
const base = require('./.config/jest.config');

const swcTransform = base.transform['^.+\\.(t|j)sx?$'];

module.exports = {
  ...base,
  transform: {
    ...base.transform,
    // Some ESM-only dependencies of @grafana/data (d3-color 3.1.1) ship .mjs files only.
    '^.+\\.mjs$': swcTransform,
  },
  // The editors' tests type into fields with user-event, a timer per keystroke: on a
  // two-core machine with another job running, one such test took over Jest's default 5 s
  // (IncidentsEditor, 2026-11-21) and failed though nothing was wrong. 20 s still catches a
  // test that hangs.
  testTimeout: 20000,
};
