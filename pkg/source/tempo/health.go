package tempo

import (
	"bytes"
	"context"
	"fmt"

	"github.com/foresight-aiops/foresight/pkg/source/internal/httpapi"
)

const pathEcho = "/api/echo"

// Probe checks that the client reaches an authorised Tempo query API. It calls
// GET /api/echo, which Tempo's query frontend answers with 200 and the body "echo" when it
// is ready (docs/sources/tempo/api_docs/_index.md, "Query Echo endpoint"); Grafana's Tempo
// data source tests connections the same way.
func (c *Client) Probe(ctx context.Context) error {
	body, _, err := c.get(ctx, pathEcho, nil)
	if err != nil {
		return fmt.Errorf("probe: %w", c.notTempo(pathEcho, err))
	}
	if got := bytes.TrimSpace(body); !bytes.Equal(got, []byte("echo")) {
		return fmt.Errorf("probe: %w: GET %s answered %q, not \"echo\"; check that %s is Tempo's API root", ErrNotTempo, pathEcho, httpapi.Snippet(got, 300), c.base)
	}
	return nil
}
