import { DataSourceSettings } from '@grafana/data';

import { FsOptions, FsSecureOptions } from '../../types';
import { readCustomHeaders, writeCustomHeaders } from './customHeaders';

type Settings = DataSourceSettings<FsOptions, FsSecureOptions>;

const settings = (patch: Partial<Settings>): Settings =>
  ({
    jsonData: { prometheusUrl: 'http://prometheus:9090' },
    secureJsonFields: {},
    ...patch,
  }) as Settings;

describe('readCustomHeaders', () => {
  it('reads contiguous headers and whether their values are stored', () => {
    const headers = readCustomHeaders(
      settings({
        jsonData: { prometheusUrl: '', httpHeaderName1: 'X-Scope-OrgID', httpHeaderName2: 'X-Team' },
        secureJsonFields: { httpHeaderValue1: true },
        secureJsonData: { httpHeaderValue2: 'blue' },
      })
    );
    expect(headers).toEqual([
      { index: 1, name: 'X-Scope-OrgID', configured: true, value: undefined },
      { index: 2, name: 'X-Team', configured: false, value: 'blue' },
    ]);
  });

  it('returns nothing when no header is set', () => {
    expect(readCustomHeaders(settings({}))).toEqual([]);
  });
});

describe('writeCustomHeaders', () => {
  const twoStored = settings({
    jsonData: { prometheusUrl: 'http://p', httpHeaderName1: 'A', httpHeaderName2: 'B' },
    secureJsonFields: { httpHeaderValue1: true, httpHeaderValue2: true, basicAuthPassword: true },
  });

  it('keeps stored values whose index does not change', () => {
    const out = writeCustomHeaders(twoStored, readCustomHeaders(twoStored));
    expect(out.jsonData).toEqual(twoStored.jsonData);
    expect(out.secureJsonFields).toEqual(twoStored.secureJsonFields);
    expect(out.secureJsonData).toEqual({});
  });

  it('renumbers after a removal and never sends a stale value under another name', () => {
    const [, second] = readCustomHeaders(twoStored);
    const out = writeCustomHeaders(twoStored, [second]);
    expect(out.jsonData).toEqual({ prometheusUrl: 'http://p', httpHeaderName1: 'B' });
    // B moved from 2 to 1: its stored value cannot follow, so index 1 is cleared and must be re-entered.
    expect(out.secureJsonFields).toEqual({ httpHeaderValue1: false, httpHeaderValue2: false, basicAuthPassword: true });
    expect(out.secureJsonData).toEqual({ httpHeaderValue1: '', httpHeaderValue2: '' });
  });

  it('removing the last header keeps the others and clears its value', () => {
    const [first] = readCustomHeaders(twoStored);
    const out = writeCustomHeaders(twoStored, [first]);
    expect(out.jsonData).toEqual({ prometheusUrl: 'http://p', httpHeaderName1: 'A' });
    expect(out.secureJsonFields).toMatchObject({ httpHeaderValue1: true, httpHeaderValue2: false });
    expect(out.secureJsonData).toEqual({ httpHeaderValue2: '' });
  });

  it('sends values typed in this session', () => {
    const out = writeCustomHeaders(settings({}), [
      { index: 1, name: 'X-Scope-OrgID', configured: false, value: 'tenant-1' },
    ]);
    expect(out.jsonData.httpHeaderName1).toBe('X-Scope-OrgID');
    expect(out.secureJsonData).toEqual({ httpHeaderValue1: 'tenant-1' });
  });
});
