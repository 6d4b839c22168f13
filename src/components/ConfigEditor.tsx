import React from 'react';

import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Field, FieldSet, Input, RadioButtonGroup, SecretInput, SecretTextArea, Stack, Switch } from '@grafana/ui';

import {
  DEFAULT_MAX_POINTS_PER_QUERY,
  DEFAULT_MAX_POINTS_PER_SERIES,
  DEFAULT_MAX_SERIES,
  DEFAULT_TIMEOUT_SECONDS,
  FsOptions,
  FsSecureOptions,
  PrometheusAuth,
} from '../types';
import { CustomHeadersEditor } from './config/CustomHeadersEditor';

type Props = DataSourcePluginOptionsEditorProps<FsOptions, FsSecureOptions>;

/** Secrets with a fixed name; custom header values are handled by CustomHeadersEditor. */
type SecretKey = Exclude<keyof FsSecureOptions, `httpHeaderValue${number}`>;

/** jsonData fields edited as text. */
type TextKey = 'prometheusUrl' | 'basicAuthUser' | 'tlsServerName' | 'lokiUrl' | 'tempoUrl' | 'receiverUrl';

/** jsonData fields edited as whole numbers greater than zero; empty means the backend's default. */
type CountKey = 'timeoutSeconds' | 'maxSeries' | 'maxPointsPerSeries' | 'maxPointsPerQuery';

/** jsonData fields edited as switches. */
type FlagKey = 'tlsSkipVerify' | 'tlsAuth' | 'tlsAuthWithCACert';

const AUTH_OPTIONS: Array<{ label: string; value: PrometheusAuth; description: string }> = [
  { label: 'No auth', value: 'none', description: 'Send no credentials' },
  { label: 'Basic', value: 'basic', description: 'HTTP basic authentication with user and password' },
  { label: 'Bearer', value: 'bearer', description: 'Authorization: Bearer <token>' },
];

const INPUT_WIDTH = 60;

/** Returns an error for a URL that is set but not an absolute http(s) URL. */
export function urlError(value: string | undefined): string | undefined {
  if (!value) {
    return undefined;
  }
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:' ? undefined : 'Use an http:// or https:// URL';
  } catch {
    return 'Use an absolute URL such as http://prometheus:9090';
  }
}

/** Settings page of a Foresight data source. */
export function ConfigEditor({ options, onOptionsChange }: Props) {
  const { jsonData } = options;
  const auth: PrometheusAuth = jsonData.prometheusAuth ?? 'none';

  const setJsonData = <K extends keyof FsOptions>(key: K, value: FsOptions[K]) =>
    onOptionsChange({ ...options, jsonData: { ...options.jsonData, [key]: value } });

  const textProps = (key: TextKey) => ({
    id: `fs-config-${key}`,
    width: INPUT_WIDTH,
    value: jsonData[key] ?? '',
    onChange: (e: React.FormEvent<HTMLInputElement>) => setJsonData(key, e.currentTarget.value),
  });

  const switchProps = (key: FlagKey) => ({
    id: `fs-config-${key}`,
    value: Boolean(jsonData[key]),
    onChange: (e: React.FormEvent<HTMLInputElement>) => setJsonData(key, e.currentTarget.checked),
  });

  // Secrets are write-only: the input shows only what was typed in this session, and "configured"
  // with a Reset button when Grafana already stores a value.
  const secretProps = (key: SecretKey) => ({
    id: `fs-config-${key}`,
    isConfigured: Boolean(options.secureJsonFields?.[key]),
    value: options.secureJsonData?.[key] ?? '',
    onChange: (e: React.FormEvent<HTMLInputElement | HTMLTextAreaElement>) =>
      onOptionsChange({
        ...options,
        secureJsonData: { ...options.secureJsonData, [key]: e.currentTarget.value },
      }),
    onReset: () =>
      onOptionsChange({
        ...options,
        secureJsonFields: { ...options.secureJsonFields, [key]: false },
        secureJsonData: { ...options.secureJsonData, [key]: '' },
      }),
  });

  const countError = (key: CountKey) => {
    const value = jsonData[key];
    return value === undefined || (Number.isInteger(value) && value > 0)
      ? undefined
      : 'Use a whole number greater than 0';
  };

  const countProps = (key: CountKey, defaultValue: number) => ({
    id: `fs-config-${key}`,
    type: 'number',
    min: 1,
    width: 16,
    value: jsonData[key] ?? '',
    placeholder: String(defaultValue),
    onChange: (e: React.FormEvent<HTMLInputElement>) => {
      const raw = e.currentTarget.value.trim();
      setJsonData(key, raw === '' ? undefined : Number(raw));
    },
  });

  return (
    <Stack direction="column" gap={2}>
      <FieldSet label="Prometheus">
        <Field
          label="Prometheus URL"
          description="Base URL of the Prometheus-compatible API (Prometheus, Mimir, Thanos, VictoriaMetrics) whose series are modelled; needed by anomaly and forecast queries, not by log patterns or incidents"
          invalid={Boolean(urlError(jsonData.prometheusUrl))}
          error={urlError(jsonData.prometheusUrl)}
        >
          <Input {...textProps('prometheusUrl')} placeholder="http://prometheus:9090" />
        </Field>
        <Field label="Authentication" description="How Foresight authenticates to Prometheus">
          <RadioButtonGroup<PrometheusAuth>
            id="fs-config-prometheusAuth"
            options={AUTH_OPTIONS}
            value={auth}
            onChange={(value) => setJsonData('prometheusAuth', value)}
          />
        </Field>
        {auth === 'basic' && (
          <>
            <Field label="User">
              <Input {...textProps('basicAuthUser')} placeholder="User" />
            </Field>
            <Field label="Password">
              <SecretInput {...secretProps('basicAuthPassword')} width={INPUT_WIDTH} placeholder="Password" />
            </Field>
          </>
        )}
        {auth === 'bearer' && (
          <Field label="Bearer token">
            <SecretInput {...secretProps('bearerToken')} width={INPUT_WIDTH} placeholder="Token" />
          </Field>
        )}
        <Field
          label="Custom HTTP headers"
          description="Sent with every request to Prometheus, for example a tenant header; values are stored encrypted"
        >
          <CustomHeadersEditor options={options} onOptionsChange={onOptionsChange} />
        </Field>
      </FieldSet>

      <FieldSet label="TLS">
        <Field label="Skip TLS certificate verification" description="Accept any server certificate (insecure)">
          <Switch {...switchProps('tlsSkipVerify')} />
        </Field>
        <Field label="With CA certificate" description="Verify the server against your own certificate authority">
          <Switch {...switchProps('tlsAuthWithCACert')} />
        </Field>
        {jsonData.tlsAuthWithCACert && (
          <Field label="CA certificate">
            <SecretTextArea
              {...secretProps('tlsCACert')}
              rows={6}
              cols={INPUT_WIDTH}
              placeholder="-----BEGIN CERTIFICATE-----"
            />
          </Field>
        )}
        <Field label="TLS client authentication" description="Present a client certificate to the server">
          <Switch {...switchProps('tlsAuth')} />
        </Field>
        {jsonData.tlsAuth && (
          <>
            <Field label="Client certificate">
              <SecretTextArea
                {...secretProps('tlsClientCert')}
                rows={6}
                cols={INPUT_WIDTH}
                placeholder="-----BEGIN CERTIFICATE-----"
              />
            </Field>
            <Field label="Client key">
              <SecretTextArea
                {...secretProps('tlsClientKey')}
                rows={6}
                cols={INPUT_WIDTH}
                placeholder="-----BEGIN PRIVATE KEY-----"
              />
            </Field>
          </>
        )}
        <Field
          label="Server name"
          description="Name expected in the server certificate, when it differs from the URL host"
        >
          <Input {...textProps('tlsServerName')} placeholder="prometheus.example.com" />
        </Field>
      </FieldSet>

      <FieldSet label="Requests">
        <Field
          label="Timeout (seconds)"
          description={`Longest wait for one upstream request; default ${DEFAULT_TIMEOUT_SECONDS}`}
          invalid={Boolean(countError('timeoutSeconds'))}
          error={countError('timeoutSeconds')}
        >
          <Input {...countProps('timeoutSeconds', DEFAULT_TIMEOUT_SECONDS)} />
        </Field>
        <Field
          label="Max series per query"
          description="Series one expression may return before the query is refused"
          invalid={Boolean(countError('maxSeries'))}
          error={countError('maxSeries')}
        >
          <Input {...countProps('maxSeries', DEFAULT_MAX_SERIES)} />
        </Field>
        <Field
          label="Max points per series"
          description="Training window plus panel range, divided by the step"
          invalid={Boolean(countError('maxPointsPerSeries'))}
          error={countError('maxPointsPerSeries')}
        >
          <Input {...countProps('maxPointsPerSeries', DEFAULT_MAX_POINTS_PER_SERIES)} />
        </Field>
        <Field
          label="Max points per query"
          description="All series of one query together"
          invalid={Boolean(countError('maxPointsPerQuery'))}
          error={countError('maxPointsPerQuery')}
        >
          <Input {...countProps('maxPointsPerQuery', DEFAULT_MAX_POINTS_PER_QUERY)} />
        </Field>
      </FieldSet>

      <FieldSet label="Other sources">
        <Field
          label="Loki URL"
          description="Logs for log patterns and root-cause hypotheses (optional)"
          invalid={Boolean(urlError(jsonData.lokiUrl))}
          error={urlError(jsonData.lokiUrl)}
        >
          <Input {...textProps('lokiUrl')} placeholder="http://loki:3100" />
        </Field>
        <Field label="Loki bearer token" description="Optional">
          <SecretInput {...secretProps('lokiBearerToken')} width={INPUT_WIDTH} placeholder="Token" />
        </Field>
        <Field
          label="Tempo URL"
          description="Traces for service dependencies (optional)"
          invalid={Boolean(urlError(jsonData.tempoUrl))}
          error={urlError(jsonData.tempoUrl)}
        >
          <Input {...textProps('tempoUrl')} placeholder="http://tempo:3200" />
        </Field>
        <Field label="Tempo bearer token" description="Optional">
          <SecretInput {...secretProps('tempoBearerToken')} width={INPUT_WIDTH} placeholder="Token" />
        </Field>
      </FieldSet>

      <FieldSet label="Foresight receiver">
        <Field
          label="Receiver URL"
          description="Base URL of the Foresight alert receiver, which groups alerts into incidents and ranks their root causes. The incident, hypothesis, annotation and variable queries read its API; leave empty if you do not run it."
          invalid={Boolean(urlError(jsonData.receiverUrl))}
          error={urlError(jsonData.receiverUrl)}
        >
          <Input {...textProps('receiverUrl')} placeholder="http://foresight-receiver:8080" />
        </Field>
        <Field
          label="Receiver token"
          description="API token of your tenant on the receiver, sent as Authorization: Bearer <token>; it decides whose incidents are read. Stored encrypted."
        >
          <SecretInput {...secretProps('receiverToken')} width={INPUT_WIDTH} placeholder="Token" />
        </Field>
      </FieldSet>
    </Stack>
  );
}
