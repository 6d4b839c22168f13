package patterns

// Config bounds the miner and sets how readily lines are grouped. The zero value means
// the defaults, which are the one configuration measured on Loghub in docs/BENCHMARKS.md.
type Config struct {
	// MaxTemplates caps the patterns kept; the least recently seen is evicted beyond it.
	MaxTemplates int
	// Similarity is the least fraction of a pattern's words a line must share, position by
	// position, to join it when its words do not all match (Drain's similarity threshold).
	Similarity float64
	// MergeVariants is the number of patterns differing in one position only, everything
	// else equal, from which that position is taken to be a variable and they are merged.
	// Two variants ("user=root", "user=guest") are kept apart: they are often distinct
	// events; many variants are a value.
	MergeVariants int
	// MaxLineBytes cuts longer lines before tokenizing.
	MaxLineBytes int
	// MaxTokens cuts lines with more tokens: the rest becomes one wildcard.
	MaxTokens int
}

// Defaults.
const (
	DefaultMaxTemplates  = 10_000
	DefaultSimilarity    = 0.9
	DefaultMergeVariants = 4
	DefaultMaxLineBytes  = 16 << 10
	DefaultMaxTokens     = 200
)

func (c Config) withDefaults() Config {
	if c.MaxTemplates <= 0 {
		c.MaxTemplates = DefaultMaxTemplates
	}
	if c.Similarity <= 0 {
		c.Similarity = DefaultSimilarity
	}
	if c.MergeVariants <= 0 {
		c.MergeVariants = DefaultMergeVariants
	}
	if c.MaxLineBytes <= 0 {
		c.MaxLineBytes = DefaultMaxLineBytes
	}
	if c.MaxTokens <= 0 {
		c.MaxTokens = DefaultMaxTokens
	}
	return c
}
