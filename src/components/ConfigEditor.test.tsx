import { render, screen, within } from '@testing-library/react';
import userEvent from '@testing-library/user-event';
import React, { useState } from 'react';

import { DataSourceSettings } from '@grafana/data';

import { FsOptions, FsSecureOptions } from '../types';
import { ConfigEditor } from './ConfigEditor';

type Settings = DataSourceSettings<FsOptions, FsSecureOptions>;

function makeSettings(patch: Partial<Settings> = {}): Settings {
  // Cast: the type still requires the deprecated `database` field, which this plugin does not use.
  return {
    id: 1,
    uid: 'foresight',
    orgId: 1,
    name: 'Foresight',
    type: 'foresight-aiops-datasource',
    typeName: 'Foresight AIOps',
    typeLogoUrl: '',
    access: 'proxy',
    url: '',
    user: '',
    basicAuth: false,
    basicAuthUser: '',
    isDefault: false,
    readOnly: false,
    withCredentials: false,
    jsonData: { prometheusUrl: '' },
    secureJsonFields: {},
    ...patch,
  } as Settings;
}

// Grafana keeps the settings in state and passes them back in: do the same so typing accumulates.
function setup(initial: Settings) {
  const onOptionsChange = jest.fn();
  function Harness() {
    const [options, setOptions] = useState(initial);
    return (
      <ConfigEditor
        options={options}
        onOptionsChange={(next) => {
          onOptionsChange(next);
          setOptions(next);
        }}
      />
    );
  }
  render(<Harness />);
  const last = (): Settings => onOptionsChange.mock.calls[onOptionsChange.mock.calls.length - 1][0];
  return { user: userEvent.setup(), onOptionsChange, last };
}

describe('ConfigEditor', () => {
  it('renders its sections with empty settings', () => {
    setup(makeSettings());
    for (const section of ['Prometheus', 'TLS', 'Requests', 'Other sources', 'Foresight receiver']) {
      expect(screen.getByRole('group', { name: section })).toBeInTheDocument();
    }
    expect(screen.getByLabelText(/Prometheus URL/)).toHaveValue('');
    expect(screen.getByRole('radio', { name: 'No auth' })).toBeChecked();
    expect(screen.queryByLabelText('User')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Bearer token')).not.toBeInTheDocument();
  });

  it('stores the Prometheus URL in jsonData', async () => {
    const { user, last } = setup(makeSettings());
    await user.type(screen.getByLabelText(/Prometheus URL/), 'http://prometheus:9090');
    expect(last().jsonData.prometheusUrl).toBe('http://prometheus:9090');
    expect(screen.queryByText(/Use an absolute URL/)).not.toBeInTheDocument();
  });

  it('flags a URL that is not absolute', async () => {
    const { user } = setup(makeSettings());
    await user.type(screen.getByLabelText(/Loki URL/), 'loki:3100/x');
    expect(screen.getByText(/Use an (absolute|http)/)).toBeInTheDocument();
  });

  it('shows user and password for basic auth and stores them apart', async () => {
    const { user, last } = setup(makeSettings());
    await user.click(screen.getByRole('radio', { name: 'Basic' }));
    expect(last().jsonData.prometheusAuth).toBe('basic');

    await user.type(screen.getByLabelText('User'), 'grafana');
    await user.type(screen.getByLabelText('Password'), 's3cret');
    expect(last().jsonData.basicAuthUser).toBe('grafana');
    expect(last().secureJsonData?.basicAuthPassword).toBe('s3cret');
    expect(JSON.stringify(last().jsonData)).not.toContain('s3cret');
    expect(screen.queryByLabelText('Bearer token')).not.toBeInTheDocument();
  });

  it('shows a token field for bearer auth', async () => {
    const { user, last } = setup(makeSettings());
    await user.click(screen.getByRole('radio', { name: 'Bearer' }));
    await user.type(screen.getByLabelText('Bearer token'), 'tok');
    expect(last().jsonData.prometheusAuth).toBe('bearer');
    expect(last().secureJsonData?.bearerToken).toBe('tok');
    expect(screen.queryByLabelText('Password')).not.toBeInTheDocument();
  });

  it('never pre-fills stored secrets and marks them configured', () => {
    setup(
      makeSettings({
        jsonData: { prometheusUrl: 'http://p', prometheusAuth: 'bearer', tlsAuth: true },
        secureJsonFields: { bearerToken: true, tlsClientKey: true, receiverToken: true },
      })
    );
    const token = screen.getByLabelText('Bearer token');
    expect(token).toBeDisabled();
    expect(token).toHaveValue('configured');
    expect(screen.getByLabelText('Client key')).toHaveValue('configured');
    // Secrets not stored are empty password fields.
    expect(screen.getByLabelText(/^Loki bearer token/)).toHaveValue('');
    expect(screen.getByLabelText(/^Loki bearer token/)).toHaveAttribute('type', 'password');
    expect(screen.getAllByRole('button', { name: 'Reset' })).toHaveLength(3);
  });

  it('resets a stored secret', async () => {
    const { user, last } = setup(
      makeSettings({
        jsonData: { prometheusUrl: 'http://p', prometheusAuth: 'bearer' },
        secureJsonFields: { bearerToken: true, lokiBearerToken: true },
      })
    );
    const prometheusGroup = screen.getByRole('group', { name: 'Prometheus' });
    await user.click(within(prometheusGroup).getByRole('button', { name: 'Reset' }));

    expect(last().secureJsonFields.bearerToken).toBe(false);
    expect(last().secureJsonData?.bearerToken).toBe('');
    expect(last().secureJsonFields.lokiBearerToken).toBe(true);
    const token = screen.getByLabelText('Bearer token');
    expect(token).toBeEnabled();
    await user.type(token, 'new-token');
    expect(last().secureJsonData?.bearerToken).toBe('new-token');
  });

  it('adds a custom header with its name in jsonData and its value as a secret', async () => {
    const { user, last } = setup(makeSettings());
    await user.click(screen.getByRole('button', { name: /Add header/ }));
    await user.type(screen.getByLabelText('Header name 1'), 'X-Scope-OrgID');
    await user.type(screen.getByLabelText('Header value 1'), 'tenant-1');

    expect(last().jsonData.httpHeaderName1).toBe('X-Scope-OrgID');
    expect(last().secureJsonData?.httpHeaderValue1).toBe('tenant-1');
    expect(JSON.stringify(last().jsonData)).not.toContain('tenant-1');

    await user.click(screen.getByRole('button', { name: /Add header/ }));
    expect(screen.getByLabelText('Header name 2')).toHaveValue('');
    expect(last().jsonData.httpHeaderName2).toBe('');
  });

  it('removes a custom header', async () => {
    const { user, last } = setup(
      makeSettings({
        jsonData: { prometheusUrl: 'http://p', httpHeaderName1: 'X-A', httpHeaderName2: 'X-B' },
        secureJsonFields: { httpHeaderValue1: true, httpHeaderValue2: true },
      })
    );
    await user.click(screen.getByRole('button', { name: 'Remove header 2' }));
    expect(last().jsonData.httpHeaderName1).toBe('X-A');
    expect(last().jsonData.httpHeaderName2).toBeUndefined();
    expect(last().secureJsonFields.httpHeaderValue1).toBe(true);
    expect(last().secureJsonData?.httpHeaderValue2).toBe('');
    expect(screen.queryByLabelText('Header name 2')).not.toBeInTheDocument();
  });

  it('shows certificate fields only when their switch is on', async () => {
    const { user, last } = setup(makeSettings());
    expect(screen.queryByLabelText('CA certificate')).not.toBeInTheDocument();
    await user.click(screen.getByLabelText(/^With CA certificate/));
    expect(last().jsonData.tlsAuthWithCACert).toBe(true);
    await user.type(screen.getByLabelText('CA certificate'), 'PEM');
    expect(last().secureJsonData?.tlsCACert).toBe('PEM');

    await user.click(screen.getByLabelText(/^TLS client authentication/));
    expect(screen.getByLabelText('Client certificate')).toBeInTheDocument();
    expect(screen.getByLabelText('Client key')).toBeInTheDocument();

    await user.click(screen.getByLabelText(/^Skip TLS certificate verification/));
    expect(last().jsonData.tlsSkipVerify).toBe(true);
  });

  it('stores the timeout as a number and rejects a non-positive one', async () => {
    const { user, last } = setup(makeSettings());
    const timeout = screen.getByLabelText(/Timeout/);
    await user.type(timeout, '45');
    expect(last().jsonData.timeoutSeconds).toBe(45);
    expect(screen.queryByText(/whole number greater than 0/)).not.toBeInTheDocument();

    await user.clear(timeout);
    expect(last().jsonData.timeoutSeconds).toBeUndefined();
    await user.type(timeout, '0');
    expect(screen.getByText(/whole number greater than 0/)).toBeInTheDocument();
  });

  it('stores the query limits, empty meaning the backend default', async () => {
    const { user, last } = setup(makeSettings({ jsonData: { prometheusUrl: 'http://p', maxSeries: 100 } }));
    expect(screen.getByLabelText(/Max points per series/)).toHaveAttribute('placeholder', '50000');
    await user.clear(screen.getByLabelText(/Max series per query/));
    expect(last().jsonData.maxSeries).toBeUndefined();
    await user.type(screen.getByLabelText(/Max points per query/), '1000000');
    expect(last().jsonData.maxPointsPerQuery).toBe(1000000);
    await user.type(screen.getByLabelText(/Max series per query/), '2.5');
    expect(last().jsonData.maxSeries).toBe(2.5);
    expect(screen.getByText(/whole number greater than 0/)).toBeInTheDocument();
  });

  it('stores the other sources', async () => {
    const { user, last } = setup(makeSettings());
    await user.type(screen.getByLabelText(/Tempo URL/), 'http://tempo:3200');
    expect(last().jsonData).toMatchObject({ tempoUrl: 'http://tempo:3200' });
  });

  describe('Foresight receiver', () => {
    it('stores the receiver URL in jsonData and the token as a secret', async () => {
      const { user, last } = setup(makeSettings());
      const section = within(screen.getByRole('group', { name: 'Foresight receiver' }));
      await user.type(section.getByLabelText(/Receiver URL/), 'http://receiver:8080');
      await user.type(section.getByLabelText(/^Receiver token/), 'rt');
      expect(last().jsonData).toMatchObject({ receiverUrl: 'http://receiver:8080' });
      expect(last().jsonData).not.toHaveProperty('receiverToken');
      expect(last().secureJsonData?.receiverToken).toBe('rt');
    });

    it('explains what the receiver is for and how the token is sent', () => {
      setup(makeSettings());
      expect(
        screen.getByText(/incident, hypothesis, annotation and variable queries read its API/)
      ).toBeInTheDocument();
      expect(screen.getByText(/Authorization: Bearer <token>/)).toBeInTheDocument();
    });

    it('flags a receiver URL that is not absolute', async () => {
      const { user } = setup(makeSettings());
      await user.type(screen.getByLabelText(/Receiver URL/), 'receiver:8080');
      expect(screen.getByText(/Use an (absolute|http)/)).toBeInTheDocument();
    });

    it('shows a stored receiver token as configured and resets it', async () => {
      const { user, last } = setup(
        makeSettings({
          jsonData: { prometheusUrl: 'http://p', receiverUrl: 'http://r' },
          secureJsonFields: { receiverToken: true },
        })
      );
      const token = screen.getByLabelText(/^Receiver token/);
      expect(token).toBeDisabled();
      expect(token).toHaveValue('configured');
      await user.click(screen.getByRole('button', { name: 'Reset' }));
      expect(last().secureJsonFields.receiverToken).toBe(false);
      expect(last().secureJsonData?.receiverToken).toBe('');
    });
  });
});
