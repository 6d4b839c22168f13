import { DataSourceSettings, KeyValue } from '@grafana/data';

import { FsOptions, FsSecureOptions, HttpHeaderNameKey, HttpHeaderValueKey } from '../../types';

type Settings = DataSourceSettings<FsOptions, FsSecureOptions>;

/** One custom header as the editor shows it; index is the N of httpHeaderNameN / httpHeaderValueN. */
export interface CustomHeader {
  index: number;
  name: string;
  /** The value is stored in Grafana (secureJsonFields) and not re-entered in this session. */
  configured: boolean;
  /** The value typed in this session, if any. */
  value?: string;
}

const nameKey = (index: number): HttpHeaderNameKey => `httpHeaderName${index}`;
const valueKey = (index: number): HttpHeaderValueKey => `httpHeaderValue${index}`;

/** Reads the custom headers from jsonData, in index order: httpHeaderName1, httpHeaderName2, … */
export function readCustomHeaders(settings: Settings): CustomHeader[] {
  const headers: CustomHeader[] = [];
  for (let index = 1; settings.jsonData[nameKey(index)] !== undefined; index++) {
    headers.push({
      index,
      name: settings.jsonData[nameKey(index)] ?? '',
      configured: Boolean(settings.secureJsonFields?.[valueKey(index)]),
      value: settings.secureJsonData?.[valueKey(index)],
    });
  }
  return headers;
}

/**
 * Writes headers back as httpHeaderName1..N / httpHeaderValue1..N (contiguous, as the Grafana SDK
 * reads them). A stored value cannot be moved to another index because the browser never sees it:
 * a configured header whose index changes loses its value and must be typed again, and the
 * stale value at its new index is cleared so it is never sent under the wrong name.
 */
export function writeCustomHeaders(settings: Settings, headers: CustomHeader[]): Settings {
  const jsonData: FsOptions = { ...settings.jsonData };
  const secureJsonData: FsSecureOptions = { ...settings.secureJsonData };
  const secureJsonFields: KeyValue<boolean> = { ...settings.secureJsonFields };
  const previous = readCustomHeaders(settings);

  for (const old of previous) {
    delete jsonData[nameKey(old.index)];
    delete secureJsonData[valueKey(old.index)];
  }

  headers.forEach((header, i) => {
    const index = i + 1;
    jsonData[nameKey(index)] = header.name;
    const keepsStoredValue = header.configured && header.index === index;
    if (keepsStoredValue) {
      secureJsonFields[valueKey(index)] = true;
    } else {
      secureJsonFields[valueKey(index)] = false;
      // Always send a value: an empty one clears what Grafana stored at this index before.
      secureJsonData[valueKey(index)] = header.value ?? '';
    }
  });

  // Indexes no longer used: clear their stored values.
  for (let index = headers.length + 1; index <= previous.length; index++) {
    secureJsonFields[valueKey(index)] = false;
    secureJsonData[valueKey(index)] = '';
  }

  return { ...settings, jsonData, secureJsonData, secureJsonFields };
}
