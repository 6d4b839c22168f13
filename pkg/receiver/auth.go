package receiver

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// TenantConfig is one tenant (a Grafana organisation, a team) and the credentials that
// speak for it. A credential belongs to exactly one tenant, so the tenant of every request
// follows from how it authenticated and can never be chosen by the caller.
type TenantConfig struct {
	ID string `yaml:"id"`
	// Token is accepted as "Authorization: Bearer <token>".
	Token string `yaml:"token"`
	// Username and Password are accepted as HTTP basic auth (what Grafana's webhook contact
	// point and Alertmanager's basic_auth send).
	Username string `yaml:"username"`
	Password string `yaml:"password"`
	// HMAC, when set, requires Grafana's X-Grafana-Alerting-Signature on webhooks.
	HMAC HMACConfig `yaml:"hmac"`
}

// HMACConfig mirrors the HMAC settings of Grafana's webhook contact point.
type HMACConfig struct {
	Secret string `yaml:"secret"`
	// Header carries the hex HMAC-SHA256; Grafana's default is X-Grafana-Alerting-Signature.
	Header string `yaml:"header"`
	// TimestampHeader, when set, carries the Unix time Grafana signed as "<ts>:<body>";
	// requests outside ReplayWindow of the receiver's clock are refused as replays.
	TimestampHeader string        `yaml:"timestamp_header"`
	ReplayWindow    time.Duration `yaml:"replay_window"`
}

const (
	defaultSignatureHeader = "X-Grafana-Alerting-Signature"
	defaultReplayWindow    = 5 * time.Minute
)

// RegisterFlags registers a single tenant, enough for one Grafana organisation; several
// tenants are configured in the YAML file.
func (t *TenantConfig) RegisterFlags(prefix string, f *flag.FlagSet) {
	f.StringVar(&t.ID, prefix+"id", "default", "Tenant id of the credentials below.")
	f.StringVar(&t.Token, prefix+"token", "", "Bearer token of the tenant (a secret).")
	f.StringVar(&t.Username, prefix+"username", "", "Basic-auth user of the tenant.")
	f.StringVar(&t.Password, prefix+"password", "", "Basic-auth password of the tenant (a secret).")
	f.StringVar(&t.HMAC.Secret, prefix+"hmac-secret", "", "Require Grafana's HMAC-SHA256 webhook signature made with this secret.")
	f.StringVar(&t.HMAC.TimestampHeader, prefix+"hmac-timestamp-header", "", "Header with the signed timestamp (e.g. X-Grafana-Alerting-Timestamp); enables replay protection.")
}

func (t TenantConfig) validate() error {
	switch {
	case t.ID == "":
		return errors.New("tenant without id")
	case strings.ContainsAny(t.ID, "/ \t\n"):
		return fmt.Errorf("tenant id %q must not contain slashes or spaces", t.ID)
	case t.Token == "" && t.Username == "":
		return fmt.Errorf("tenant %s has no credentials (token or username/password)", t.ID)
	case t.Username != "" && t.Password == "":
		return fmt.Errorf("tenant %s: username without password", t.ID)
	}
	return nil
}

// authenticator maps credentials to tenants. Secrets are kept only as SHA-256 digests,
// compared in constant time.
type authenticator struct {
	tokens map[[32]byte]*TenantConfig
	basic  map[[32]byte]*TenantConfig
	now    func() time.Time
}

func newAuthenticator(tenants []TenantConfig, now func() time.Time) (*authenticator, error) {
	a := &authenticator{tokens: map[[32]byte]*TenantConfig{}, basic: map[[32]byte]*TenantConfig{}, now: now}
	seen := map[string]bool{}
	for i := range tenants {
		t := &tenants[i]
		if err := t.validate(); err != nil {
			return nil, err
		}
		if seen[t.ID] {
			return nil, fmt.Errorf("tenant %s is configured twice", t.ID)
		}
		seen[t.ID] = true
		if t.HMAC.Header == "" {
			t.HMAC.Header = defaultSignatureHeader
		}
		if t.HMAC.ReplayWindow == 0 {
			t.HMAC.ReplayWindow = defaultReplayWindow
		}
		if t.Token != "" {
			k := sha256.Sum256([]byte(t.Token))
			if a.tokens[k] != nil {
				return nil, fmt.Errorf("tenants %s and %s share a token", a.tokens[k].ID, t.ID)
			}
			a.tokens[k] = t
		}
		if t.Username != "" {
			k := basicKey(t.Username, t.Password)
			if a.basic[k] != nil {
				return nil, fmt.Errorf("tenants %s and %s share basic-auth credentials", a.basic[k].ID, t.ID)
			}
			a.basic[k] = t
		}
	}
	return a, nil
}

func basicKey(user, pass string) [32]byte {
	return sha256.Sum256([]byte(user + "\x00" + pass))
}

// authError is a refused request: the status and a message that names what was wrong
// without echoing any credential.
type authError struct {
	status int
	msg    string
}

func (e *authError) Error() string { return e.msg }

var errNoCredentials = &authError{http.StatusUnauthorized, "missing credentials: send Authorization: Bearer <token> or basic auth"}

// tenant authenticates r and returns its tenant.
func (a *authenticator) tenant(r *http.Request) (*TenantConfig, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, errNoCredentials
	}
	if user, pass, ok := r.BasicAuth(); ok {
		return lookup(a.basic, basicKey(user, pass), "basic-auth")
	}
	scheme, token, _ := strings.Cut(h, " ")
	if !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, &authError{http.StatusUnauthorized, "unsupported Authorization scheme: use Bearer or Basic"}
	}
	return lookup(a.tokens, sha256.Sum256([]byte(strings.TrimSpace(token))), "bearer token")
}

// lookup finds the tenant whose credential digest is key. Every digest is compared, in
// constant time, so neither the answer's timing nor which tenant matched depends on how
// much of a secret a caller guessed.
func lookup(m map[[32]byte]*TenantConfig, key [32]byte, what string) (*TenantConfig, error) {
	var found *TenantConfig
	for digest, t := range m {
		if subtle.ConstantTimeCompare(digest[:], key[:]) == 1 {
			found = t
		}
	}
	if found == nil {
		return nil, &authError{http.StatusUnauthorized, "invalid " + what}
	}
	return found, nil
}

// verifySignature checks Grafana's HMAC signature of body when the tenant requires one.
func (a *authenticator) verifySignature(t *TenantConfig, h http.Header, body []byte) error {
	cfg := t.HMAC
	if cfg.Secret == "" {
		return nil
	}
	got := h.Get(cfg.Header)
	if got == "" {
		return &authError{http.StatusUnauthorized, "missing signature header " + cfg.Header}
	}
	sig, err := hex.DecodeString(got)
	if err != nil {
		return &authError{http.StatusUnauthorized, "signature header " + cfg.Header + " is not hex"}
	}
	mac := hmac.New(sha256.New, []byte(cfg.Secret))
	if cfg.TimestampHeader != "" {
		ts := h.Get(cfg.TimestampHeader)
		if err := a.checkTimestamp(ts, cfg); err != nil {
			return err
		}
		mac.Write([]byte(ts + ":"))
	}
	mac.Write(body)
	if !hmac.Equal(mac.Sum(nil), sig) {
		return &authError{http.StatusUnauthorized, "signature does not match the body"}
	}
	return nil
}

func (a *authenticator) checkTimestamp(ts string, cfg HMACConfig) error {
	if ts == "" {
		return &authError{http.StatusUnauthorized, "missing timestamp header " + cfg.TimestampHeader}
	}
	sec, err := strconv.ParseInt(ts, 10, 64)
	if err != nil {
		return &authError{http.StatusUnauthorized, "timestamp header " + cfg.TimestampHeader + " is not Unix seconds"}
	}
	skew := a.now().Sub(time.Unix(sec, 0))
	if skew > cfg.ReplayWindow || skew < -cfg.ReplayWindow {
		return &authError{http.StatusUnauthorized, fmt.Sprintf("timestamp is %s away from now, outside the %s replay window", skew.Round(time.Second), cfg.ReplayWindow)}
	}
	return nil
}
