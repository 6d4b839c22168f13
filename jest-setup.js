// Jest setup provided by Grafana scaffolding
import './.config/jest-setup';

// i18next (used by @grafana/ui) prints an advertisement when it initialises; keep test output clean.
const consoleInfo = console.info;
console.info = (...args) => {
  if (typeof args[0] === 'string' && args[0].includes('i18next is made possible')) {
    return;
  }
  consoleInfo(...args);
};
