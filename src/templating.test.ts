import { escapePromQLRegex, formatPlainVariable, formatPromQLVariable } from './templating';

describe('formatPromQLVariable', () => {
  const single = { name: 'job', multi: false, includeAll: false };
  const multi = { name: 'service', multi: true, includeAll: false };
  const all = { name: 'service', multi: false, includeAll: true };

  it('inserts a single value as it is, with backslashes doubled', () => {
    expect(formatPromQLVariable('api', single)).toBe('api');
    expect(formatPromQLVariable('job="api"', single)).toBe('job="api"');
    expect(formatPromQLVariable('a\\d', single)).toBe('a\\\\d');
  });

  it('joins multiple values into a regex alternation', () => {
    expect(formatPromQLVariable(['api', 'web'], multi)).toBe('(api|web)');
  });

  it('regex-escapes the values of multi-value and include-all variables', () => {
    expect(formatPromQLVariable(['a.b', 'c+d'], multi)).toBe('(a\\\\.b|c\\\\+d)');
    expect(formatPromQLVariable(['only.one'], multi)).toBe('only\\\\.one');
    expect(formatPromQLVariable('x|y', all)).toBe('x\\\\|y');
  });

  it('treats a variable it knows nothing about as single-valued', () => {
    expect(formatPromQLVariable('a.b')).toBe('a.b');
  });
});

describe('escapePromQLRegex', () => {
  it('escapes regex metacharacters and then the PromQL string', () => {
    // In PromQL source `\\.` is the regex `\.`; a quote becomes `\"`.
    expect(escapePromQLRegex('1.2')).toBe('1\\\\.2');
    expect(escapePromQLRegex('say "hi"')).toBe('say \\"hi\\"');
    expect(escapePromQLRegex('a\\b')).toBe('a\\\\\\\\b');
  });
});

describe('formatPlainVariable', () => {
  it.each([
    ['a single value as it is', 'cart.v2', 'cart.v2'],
    ['a multi-value selection joined with commas', ['cart', 'check"out'], 'cart,check"out'],
    ['a one-value selection as that value', ['cart'], 'cart'],
  ])('formats %s', (_, value, want) => {
    expect(formatPlainVariable(value)).toBe(want);
  });
});
