import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

/**
 * Query kinds the backend can answer. Adding a kind means adding it here, giving it a
 * definition in QUERY_KIND_DEFINITIONS and an editor in components/query/kindEditors.ts;
 * the compiler points at every place that still misses it.
 *
 * Planned: 'changepoints' | 'incidents' | 'hypotheses'.
 */
export const QUERY_KINDS = ['anomaly', 'forecast', 'patterns'] as const;

/** What a query asks the backend to compute. */
export type QueryKind = (typeof QUERY_KINDS)[number];

/** Seasonal periods the anomaly and forecast models can fit; 'auto' lets the backend choose. */
export type Seasonality = 'auto' | 'none' | 'daily' | 'weekly';

/** 'bands' returns actual, predicted, lower and upper series; 'score' only the anomaly score (for alert rules). */
export type AnomalyOutput = 'bands' | 'score';

/** Language of a query's expression: PromQL for Prometheus, LogQL for Loki. */
export type QueryLanguage = 'promql' | 'logql';

/** Coverage, in percent, of the prediction interval a forecast draws. */
export type IntervalLevel = 80 | 95;

/** Fields of every Foresight query, as the backend decodes them from JSON. */
export interface FsQuery extends DataQuery {
  kind: QueryKind;
  /** PromQL expression whose series are modelled; for patterns, a LogQL log query (stream selector and line filters). */
  expr: string;
  /** History used to fit the model, a Prometheus duration such as 7d, 12h or 1w. */
  trainingWindow?: string;
  seasonality?: Seasonality;
  /** 0..1; higher gives a narrower band and so more anomalies; for patterns, flags a smaller surge in a pattern's rate. */
  sensitivity?: number;
  /** Series name template, like Prometheus: {{service}}. */
  legendFormat?: string;
  output?: AnomalyOutput;
  /** Lower bound for the query step, a Prometheus duration. */
  minStep?: string;
  /** Forecast: how far past the end of the panel, a Prometheus duration such as 24h. */
  horizon?: string;
  /** Forecast: coverage of the drawn prediction interval. */
  intervalLevel?: IntervalLevel;
  /** Forecast: when set, each series gets the time at which it is forecast to reach this value. */
  threshold?: number;
  /** Patterns: how many of the most frequent patterns get a count series. */
  topPatterns?: number;
  /** Patterns: most log lines read from Loki per query; when the range holds more, the most recent are analysed. */
  maxLines?: number;
}

/** Defaults the backend applies to absent fields; the editor shows the same values. */
export const DEFAULT_TRAINING_WINDOW = '7d';
export const DEFAULT_SEASONALITY: Seasonality = 'auto';
export const DEFAULT_SENSITIVITY = 0.5;
export const DEFAULT_OUTPUT: AnomalyOutput = 'bands';
export const DEFAULT_HORIZON = '24h';
export const DEFAULT_INTERVAL_LEVEL: IntervalLevel = 95;
export const DEFAULT_TOP_PATTERNS = 10;
export const DEFAULT_MAX_LINES = 20_000;
export const DEFAULT_TIMEOUT_SECONDS = 30;
export const DEFAULT_MAX_SERIES = 500;
export const DEFAULT_MAX_POINTS_PER_SERIES = 50_000;
export const DEFAULT_MAX_POINTS_PER_QUERY = 5_000_000;

/** Inclusive bounds of a whole-number query field; the backend rejects values outside them. */
export interface CountRange {
  min: number;
  max: number;
}

export const TOP_PATTERNS_RANGE: CountRange = { min: 1, max: 50 };
export const MAX_LINES_RANGE: CountRange = { min: 100, max: 200_000 };

/** Query given to a new panel or Explore tab. */
export const DEFAULT_QUERY: Partial<FsQuery> = {
  kind: 'anomaly',
  expr: '',
  trainingWindow: DEFAULT_TRAINING_WINDOW,
  seasonality: DEFAULT_SEASONALITY,
  sensitivity: DEFAULT_SENSITIVITY,
  output: DEFAULT_OUTPUT,
};

/** Label and help text of a query kind, shown by the kind selector, and the language of its expression. */
export interface QueryKindDefinition {
  label: string;
  description: string;
  /** Switching between kinds of different languages clears the expression. */
  language: QueryLanguage;
}

/** Labels and help texts of all query kinds. */
export const QUERY_KIND_DEFINITIONS: Record<QueryKind, QueryKindDefinition> = {
  anomaly: {
    label: 'Anomaly',
    description:
      'Expected band from a seasonal baseline; points outside it, and sudden shifts or never-seen levels, are anomalies',
    language: 'promql',
  },
  forecast: {
    label: 'Forecast',
    description:
      'Continues each series past the end of the panel with a prediction interval; with a threshold, when it will be reached',
    language: 'promql',
  },
  patterns: {
    label: 'Log patterns',
    description:
      'Groups Loki log lines into patterns; one count series per top pattern and a table of new or surging patterns',
    language: 'logql',
  },
};

/** How the backend authenticates to Prometheus. */
export type PrometheusAuth = 'none' | 'basic' | 'bearer';

/** Names of custom HTTP headers sent to Prometheus, Grafana style: httpHeaderName1, httpHeaderName2, … */
export type HttpHeaderNameKey = `httpHeaderName${number}`;

/** Secret values of the custom headers: httpHeaderValue1, httpHeaderValue2, … */
export type HttpHeaderValueKey = `httpHeaderValue${number}`;

/** Data source settings stored in jsonData (readable by the browser). */
export interface FsOptions extends DataSourceJsonData {
  prometheusUrl: string;
  prometheusAuth?: PrometheusAuth;
  basicAuthUser?: string;
  tlsSkipVerify?: boolean;
  /** Present a client certificate (tlsClientCert / tlsClientKey). */
  tlsAuth?: boolean;
  /** Verify the server against tlsCACert. */
  tlsAuthWithCACert?: boolean;
  tlsServerName?: string;
  timeoutSeconds?: number;
  /** Limits on one query's work; the backend's defaults apply when absent. */
  maxSeries?: number;
  maxPointsPerSeries?: number;
  maxPointsPerQuery?: number;
  lokiUrl?: string;
  tempoUrl?: string;
  receiverUrl?: string;
  [header: HttpHeaderNameKey]: string | undefined;
}

/** Data source settings stored encrypted in secureJsonData; the browser never reads them back. */
export interface FsSecureOptions {
  basicAuthPassword?: string;
  bearerToken?: string;
  tlsCACert?: string;
  tlsClientCert?: string;
  tlsClientKey?: string;
  lokiBearerToken?: string;
  tempoBearerToken?: string;
  receiverToken?: string;
  [header: HttpHeaderValueKey]: string | undefined;
}
