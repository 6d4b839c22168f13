package plugin

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"
)

// Default limits; each can be changed per data source in jsonData.
const (
	defaultTimeout            = 30 * time.Second
	defaultMaxSeries          = 500
	defaultMaxPointsPerSeries = 50_000
	defaultMaxPointsPerQuery  = 5_000_000
	maxHeaders                = 20
)

// Settings is a data source's configuration: jsonData as the config editor writes it
// (mirrors FsOptions in src/types.ts) plus the decrypted secrets, which stay unexported so
// that nothing formats them by accident.
type Settings struct {
	PrometheusURL      string  `json:"prometheusUrl"`
	PrometheusAuth     string  `json:"prometheusAuth"` // none, basic or bearer
	BasicAuthUser      string  `json:"basicAuthUser"`
	TLSSkipVerify      bool    `json:"tlsSkipVerify"`
	TLSAuth            bool    `json:"tlsAuth"`
	TLSAuthWithCACert  bool    `json:"tlsAuthWithCACert"`
	TLSServerName      string  `json:"tlsServerName"`
	TimeoutSeconds     float64 `json:"timeoutSeconds"`
	LokiURL            string  `json:"lokiUrl"`
	TempoURL           string  `json:"tempoUrl"`
	ReceiverURL        string  `json:"receiverUrl"`
	MaxSeries          int     `json:"maxSeries"`
	MaxPointsPerSeries int     `json:"maxPointsPerSeries"`
	MaxPointsPerQuery  int     `json:"maxPointsPerQuery"`

	headers http.Header
	secrets map[string]string
}

// Secret keys in secureJsonData.
const (
	secretBasicAuthPassword = "basicAuthPassword"
	secretBearerToken       = "bearerToken"
	secretTLSCACert         = "tlsCACert"
	secretTLSClientCert     = "tlsClientCert"
	secretTLSClientKey      = "tlsClientKey"
	secretLokiToken         = "lokiBearerToken"
	secretTempoToken        = "tempoBearerToken"
	secretReceiverToken     = "receiverToken"
)

// LoadSettings reads and validates a data source's settings, applying defaults.
func LoadSettings(s backend.DataSourceInstanceSettings) (Settings, error) {
	var set Settings
	if len(s.JSONData) > 0 {
		if err := json.Unmarshal(s.JSONData, &set); err != nil {
			return Settings{}, fmt.Errorf("decode data source settings (jsonData): %w", err)
		}
	}
	var raw map[string]any
	_ = json.Unmarshal(s.JSONData, &raw)
	set.secrets = s.DecryptedSecureJSONData
	set.headers = http.Header{}
	for i := 1; i <= maxHeaders; i++ {
		name, _ := raw[fmt.Sprintf("httpHeaderName%d", i)].(string)
		if name = strings.TrimSpace(name); name != "" {
			set.headers.Set(name, set.secrets[fmt.Sprintf("httpHeaderValue%d", i)])
		}
	}
	set.applyDefaults()
	return set, set.validate()
}

func (s *Settings) applyDefaults() {
	if s.PrometheusAuth == "" {
		s.PrometheusAuth = "none"
	}
	if s.TimeoutSeconds <= 0 {
		s.TimeoutSeconds = defaultTimeout.Seconds()
	}
	if s.MaxSeries <= 0 {
		s.MaxSeries = defaultMaxSeries
	}
	if s.MaxPointsPerSeries <= 0 {
		s.MaxPointsPerSeries = defaultMaxPointsPerSeries
	}
	if s.MaxPointsPerQuery <= 0 {
		s.MaxPointsPerQuery = defaultMaxPointsPerQuery
	}
}

func (s *Settings) validate() error {
	switch s.PrometheusAuth {
	case "none", "basic", "bearer":
	default:
		return fmt.Errorf("prometheusAuth %q: want none, basic or bearer", s.PrometheusAuth)
	}
	if s.PrometheusAuth == "basic" && s.BasicAuthUser == "" {
		return fmt.Errorf("basic auth is selected but the user is empty")
	}
	return nil
}

// Timeout is the per-request timeout for every source.
func (s Settings) Timeout() time.Duration {
	return time.Duration(s.TimeoutSeconds * float64(time.Second))
}

// httpOptions are the HTTP client options shared by every source (timeouts, TLS, custom
// headers); bearer is the source's own token, if any.
func (s Settings) httpOptions(bearer string) httpclient.Options {
	timeouts := httpclient.DefaultTimeoutOptions
	timeouts.Timeout = s.Timeout()
	opts := httpclient.Options{Timeouts: &timeouts, Header: s.headers.Clone()}
	if bearer != "" {
		opts.Header.Set("Authorization", "Bearer "+bearer)
	}
	if s.TLSSkipVerify || s.TLSAuth || s.TLSAuthWithCACert || s.TLSServerName != "" {
		opts.TLS = &httpclient.TLSOptions{InsecureSkipVerify: s.TLSSkipVerify, ServerName: s.TLSServerName}
		if s.TLSAuthWithCACert {
			opts.TLS.CACertificate = s.secrets[secretTLSCACert]
		}
		if s.TLSAuth {
			opts.TLS.ClientCertificate = s.secrets[secretTLSClientCert]
			opts.TLS.ClientKey = s.secrets[secretTLSClientKey]
		}
	}
	return opts
}

// prometheusHTTPOptions adds the Prometheus credentials to the shared options.
func (s Settings) prometheusHTTPOptions() httpclient.Options {
	bearer := ""
	if s.PrometheusAuth == "bearer" {
		bearer = s.secrets[secretBearerToken]
	}
	opts := s.httpOptions(bearer)
	if s.PrometheusAuth == "basic" {
		opts.BasicAuth = &httpclient.BasicAuthOptions{User: s.BasicAuthUser, Password: s.secrets[secretBasicAuthPassword]}
	}
	return opts
}
