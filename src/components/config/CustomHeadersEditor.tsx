import React from 'react';

import { DataSourceSettings } from '@grafana/data';
import { Button, IconButton, Input, SecretInput, Stack } from '@grafana/ui';

import { FsOptions, FsSecureOptions } from '../../types';
import { CustomHeader, readCustomHeaders, writeCustomHeaders } from './customHeaders';

interface Props {
  options: DataSourceSettings<FsOptions, FsSecureOptions>;
  onOptionsChange: (options: DataSourceSettings<FsOptions, FsSecureOptions>) => void;
}

/** Rows of custom HTTP headers sent to Prometheus: the name in jsonData, the value as a secret. */
export function CustomHeadersEditor({ options, onOptionsChange }: Props) {
  const headers = readCustomHeaders(options);
  const update = (next: CustomHeader[]) => onOptionsChange(writeCustomHeaders(options, next));
  const replaceAt = (position: number, header: CustomHeader) =>
    update(headers.map((h, i) => (i === position ? header : h)));

  return (
    <Stack direction="column" gap={1}>
      {headers.map((header, position) => {
        const n = position + 1;
        return (
          <Stack key={header.index} gap={1} alignItems="center">
            <Input
              aria-label={`Header name ${n}`}
              placeholder="X-Scope-OrgID"
              width={30}
              value={header.name}
              onChange={(e) => replaceAt(position, { ...header, name: e.currentTarget.value })}
            />
            <SecretInput
              aria-label={`Header value ${n}`}
              placeholder="Value"
              width={30}
              isConfigured={header.configured}
              value={header.value ?? ''}
              onChange={(e) => replaceAt(position, { ...header, value: e.currentTarget.value })}
              onReset={() => replaceAt(position, { ...header, configured: false, value: '' })}
            />
            <IconButton
              name="trash-alt"
              tooltip={`Remove header ${n}`}
              onClick={() => update(headers.filter((_, i) => i !== position))}
            />
          </Stack>
        );
      })}
      <div>
        <Button
          variant="secondary"
          icon="plus"
          size="sm"
          onClick={() => update([...headers, { index: headers.length + 1, name: '', configured: false, value: '' }])}
        >
          Add header
        </Button>
      </div>
    </Stack>
  );
}
