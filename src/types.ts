import { DataSourceJsonData } from '@grafana/data';
import { DataQuery } from '@grafana/schema';

/**
 * Query kinds the backend can answer. Adding a kind means adding it here, giving it a
 * definition in QUERY_KIND_DEFINITIONS and an editor in components/query/kindEditors.ts;
 * the compiler points at every place that still misses it.
 *
 * 'incidents', 'hypotheses', 'annotations' and 'variables' read the Foresight receiver's API
 * rather than an expression. Planned: 'changepoints'.
 */
export const QUERY_KINDS = [
  'anomaly',
  'forecast',
  'patterns',
  'incidents',
  'hypotheses',
  'annotations',
  'variables',
] as const;

/** What a query asks the backend to compute. */
export type QueryKind = (typeof QUERY_KINDS)[number];

/** Seasonal periods the anomaly and forecast models can fit; 'auto' lets the backend choose. */
export type Seasonality = 'auto' | 'none' | 'daily' | 'weekly';

/** 'bands' returns actual, predicted, lower and upper series; 'score' only the anomaly score (for alert rules). */
export type AnomalyOutput = 'bands' | 'score';

/** Language of a query's expression: PromQL for Prometheus, LogQL for Loki, 'none' for kinds that take no expression. */
export type QueryLanguage = 'promql' | 'logql' | 'none';

/** Lifecycle states of an incident in the receiver. */
export const INCIDENT_STATES = ['open', 'acknowledged', 'resolved', 'merged'] as const;

/** Lifecycle state of an incident in the receiver. */
export type IncidentState = (typeof INCIDENT_STATES)[number];

/** What a variable query lists: services with incidents in the range, or open incidents. */
export type VariableTarget = 'services' | 'incidents';

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
  /** Incidents and annotations: incident states to include. */
  states?: IncidentState[];
  /** Incidents and annotations: only incidents touching this service (template variables allowed). */
  service?: string;
  /** Incidents, annotations and hypotheses: most incidents returned. */
  limit?: number;
  /** Hypotheses: the incident whose hypotheses are listed (template variables allowed); empty lists every open incident's. */
  incidentId?: string;
  /** Variables: what the variable lists. */
  variable?: VariableTarget;
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
export const DEFAULT_STATES: IncidentState[] = ['open', 'acknowledged'];
export const DEFAULT_LIMIT = 100;
export const DEFAULT_VARIABLE: VariableTarget = 'services';

/** Inclusive bounds of a whole-number query field; the backend rejects values outside them. */
export interface CountRange {
  min: number;
  max: number;
}

export const TOP_PATTERNS_RANGE: CountRange = { min: 1, max: 50 };
export const MAX_LINES_RANGE: CountRange = { min: 100, max: 200_000 };
export const LIMIT_RANGE: CountRange = { min: 1, max: 500 };

/** Query given to a new annotation: the receiver's open and acknowledged incidents as regions. */
export const DEFAULT_ANNOTATION_QUERY: Partial<FsQuery> = { kind: 'annotations', expr: '' };

/** Query given to a new query variable: the services with incidents in the dashboard's range. */
export const DEFAULT_VARIABLE_QUERY: Partial<FsQuery> = { kind: 'variables', expr: '', variable: DEFAULT_VARIABLE };

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
  /** Switching between kinds of different languages clears the expression; 'none' kinds have no expression. */
  language: QueryLanguage;
  /** Offered by the panel editor's kind selector; annotations and variables have editors of their own. */
  panel: boolean;
}

/** Labels and help texts of all query kinds. */
export const QUERY_KIND_DEFINITIONS: Record<QueryKind, QueryKindDefinition> = {
  anomaly: {
    label: 'Anomaly',
    description:
      'Expected band from a seasonal baseline; points outside it, and sudden shifts or never-seen levels, are anomalies',
    language: 'promql',
    panel: true,
  },
  forecast: {
    label: 'Forecast',
    description:
      'Continues each series past the end of the panel with a prediction interval; with a threshold, when it will be reached',
    language: 'promql',
    panel: true,
  },
  patterns: {
    label: 'Log patterns',
    description:
      'Groups Loki log lines into patterns; one count series per top pattern and a table of new or surging patterns',
    language: 'logql',
    panel: true,
  },
  incidents: {
    label: 'Incidents',
    description:
      "Incidents from the Foresight receiver overlapping the panel's range: state, severity, duration, alerts, services and the top hypothesis",
    language: 'none',
    panel: true,
  },
  hypotheses: {
    label: 'Hypotheses',
    description:
      'Ranked root-cause hypotheses of one incident, or of every open incident, with confidence and evidence',
    language: 'none',
    panel: true,
  },
  annotations: {
    label: 'Incident annotations',
    description: 'Incidents drawn as regions on time series panels, with their probable cause in the text',
    language: 'none',
    panel: false,
  },
  variables: {
    label: 'Variable values',
    description: 'Services with incidents in the range, or open incidents, as dashboard variable values',
    language: 'none',
    panel: false,
  },
};

/** True when value names a query kind this version knows (a saved query may come from another version). */
export function isQueryKind(value: unknown): value is QueryKind {
  return typeof value === 'string' && (QUERY_KINDS as readonly string[]).includes(value);
}

/** True when the kind reads an expression (PromQL or LogQL) rather than the receiver's API. */
export function kindHasExpression(kind: QueryKind | undefined): boolean {
  return !isQueryKind(kind) || QUERY_KIND_DEFINITIONS[kind].language !== 'none';
}

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
  /** Base URL of the Foresight receiver, whose API the incident, hypothesis, annotation and variable kinds read. */
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
  /** Sent to the receiver as Authorization: Bearer <token>; it selects the tenant whose incidents are read. */
  receiverToken?: string;
  [header: HttpHeaderValueKey]: string | undefined;
}
