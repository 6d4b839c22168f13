package notify

import (
	"fmt"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

// Payload is the JSON an outbox item carries: the engine's notice and, when root-cause
// analysis had named a probable cause by the time the item was queued, that cause. It
// embeds the notice, so items queued before causes existed decode unchanged.
type Payload struct {
	incident.Notice
	Cause *Cause `json:"cause,omitempty"`
}

// Cause is the top root-cause hypothesis of an incident, as notifications and
// annotations show it. Only a hypothesis more likely than "no clear cause" becomes one.
type Cause struct {
	Entity     string  `json:"entity"`
	Confidence float64 `json:"confidence"`
	// Explanation is RCA's sentence: the entity, its confidence and the strongest evidence.
	Explanation string `json:"explanation"`
}

// Headline is the cause in one short line: "Probable cause: db (confidence 0.82)".
func (c Cause) Headline() string {
	return fmt.Sprintf("Probable cause: %s (confidence %.2f)", c.Entity, c.Confidence)
}

// Text is the cause with its evidence: "Probable cause: db (confidence 0.82): version
// 1.4.2 deployed 3 min before the first alert". RCA's explanation already names the
// entity and confidence; without one the headline stands alone.
func (c Cause) Text() string {
	if c.Explanation == "" {
		return c.Headline()
	}
	return "Probable cause: " + c.Explanation
}
