import { durationError, hasTemplateVariable, isValidDuration } from './duration';

describe('isValidDuration', () => {
  it.each(['7d', '12h', '1w', '30s', '500ms', '1h30m', '2w3d', '1y'])('accepts %s', (value) => {
    expect(isValidDuration(value)).toBe(true);
  });

  it.each(['', '7', 'd', '7 days', '1.5h', '-1h', '30m1h', '0s', '0d0h', '7D'])('rejects %p', (value) => {
    expect(isValidDuration(value)).toBe(false);
  });
});

describe('durationError', () => {
  it('accepts an empty value, which means the default', () => {
    expect(durationError(undefined)).toBeUndefined();
    expect(durationError('')).toBeUndefined();
  });

  it('leaves template variables to the server', () => {
    expect(hasTemplateVariable('$window')).toBe(true);
    expect(hasTemplateVariable('${window}')).toBe(true);
    expect(durationError('$window')).toBeUndefined();
  });

  it('explains an invalid duration', () => {
    expect(durationError('7 days')).toMatch(/duration such as/);
  });
});
