package loghub

import (
	"math"
	"strings"
	"testing"
)

// byTemplate is hand-made truth grouped as loghub-2.0 groups it.
func byTemplate(templates string) Labels {
	return Labels{Template: strings.Fields(templates), GroupBy: ByTemplate}
}

// TestScore checks each metric against values worked out by hand from the evaluators' code.
// Truth and predicted templates are single words, one per line.
func TestScore(t *testing.T) {
	for _, c := range []struct {
		name      string
		truth     Labels
		predicted string
		want      Scores
	}{
		{"perfect", byTemplate("A A B"), "A A B", Scores{GA: 1, FGA: 1, PA: 1, FTA: 1}},
		// Right groups, wrong strings: grouping is perfect, templates all wrong.
		{"renamed", byTemplate("A A B"), "x x y", Scores{GA: 1, FGA: 1, PA: 0, FTA: 0}},
		// Predicted A merges truth A {0,1} and B {2}: only C is exact, 1 of 4 lines.
		// PGA 1/2, RGA 1/3, FGA 2·(1/6)/(5/6) = 0.4. PA 3/4. FTA: group A holds {A,B}, group
		// C holds {C}: PTA 1/2, RTA 1/3, FTA 0.4.
		{"merge", byTemplate("A A B C"), "A A A C", Scores{GA: 0.25, FGA: 0.4, PA: 0.75, FTA: 0.4}},
		// Truth A {0,1,2} split into A {0,1} and x {2}: only B is exact. PGA 1/3, RGA 1/2,
		// FGA 0.4. PA 3/4. FTA: groups A and B hold only their own name (the split part
		// named A counts), x does not: PTA 2/3, RTA 2/2, FTA 2·(2/3)/(5/3) = 0.8.
		{"split", byTemplate("A A A B"), "A A x B", Scores{GA: 0.25, FGA: 0.4, PA: 0.75, FTA: 0.8}},
		// A and C exact, B split: GA 3/5, PGA 2/4, RGA 2/3, FGA 4/7. PA 4/5. FTA: A, B, C
		// correct, x not: PTA 3/4, RTA 3/3, FTA 6/7.
		{"split one of three", byTemplate("A A B B C"), "A A B x C", Scores{GA: 0.6, FGA: 4.0 / 7, PA: 0.8, FTA: 6.0 / 7}},
		// Singleton groups on both sides match one to one.
		{"singletons", byTemplate("A B C"), "p q r", Scores{GA: 1, FGA: 1, PA: 0, FTA: 0}},
		// A parser that keeps every line as it is: each truth group is cut into singletons.
		// PGA 0/3, RGA 0/1.
		{"every line its own group", byTemplate("A A A"), "l0 l1 l2", Scores{}},
		// Two clusters the parser named alike are one predicted group, merging A and B.
		{"same string for two clusters", byTemplate("A A B B"), "X X X X", Scores{}},
		// Same, with the name of one truth template: PA counts lines 0 and 1, but group A
		// holds {A,B}, so it is no correct template.
		{"same true string for two clusters", byTemplate("A A B"), "A A A", Scores{GA: 0, FGA: 0, PA: 2.0 / 3, FTA: 0}},
		// Line 1 is unlabelled: left out of everything but PA's denominator.
		{"unlabelled line", byTemplate("A _ A B"), "A A A B", Scores{GA: 1, FGA: 1, PA: 0.75, FTA: 1}},
		{"label pandas reads as NaN", Labels{Template: []string{"A", "null", "A", "B"}}, "A A A B", Scores{GA: 1, FGA: 1, PA: 0.75, FTA: 1}},
		// loghub-2.0 reads "null" back as NaN and fills it with "", merging it with "".
		{"templates pandas reads as NaN", byTemplate("A B"), "null _", Scores{}},
		{"no lines", byTemplate(""), "", Scores{}},
		// logparser groups the truth by EventId: one template string, two events.
		{"by event id", Labels{EventID: []string{"E1", "E2", "E1"}, Template: []string{"T", "T", "T"}, GroupBy: ByEventID},
			"a b a", Scores{GA: 1, FGA: 1, PA: 0, FTA: 0}},
		{"by template, same labels", Labels{EventID: []string{"E1", "E2", "E1"}, Template: []string{"T", "T", "T"}},
			"a b a", Scores{}},
		// logparser's EventId is a hash of the template, so "null" and "" stay apart.
		{"by event id, templates pandas reads as NaN", Labels{EventID: []string{"E1", "E2"}, Template: []string{"A", "B"}, GroupBy: ByEventID},
			"null _", Scores{GA: 1, FGA: 1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			truth := c.truth
			truth.Template = blanks(truth.Template)
			got := Score(truth, blanks(strings.Fields(c.predicted)))
			if !near(got, c.want) {
				t.Errorf("Score = %+v, want %+v", got, c.want)
			}
		})
	}
}

// blanks turns "_" into the empty string, which strings.Fields cannot produce.
func blanks(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		if w != "_" {
			out[i] = w
		}
	}
	return out
}

func near(a, b Scores) bool {
	const eps = 1e-12
	return math.Abs(a.GA-b.GA) < eps && math.Abs(a.FGA-b.FGA) < eps &&
		math.Abs(a.PA-b.PA) < eps && math.Abs(a.FTA-b.FTA) < eps
}

func TestScorePanicsOnLengthMismatch(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("Score with 1 template for 2 lines did not panic")
		}
	}()
	Score(byTemplate("A B"), []string{"A"})
}

func BenchmarkScore(b *testing.B) {
	truth := Labels{Template: make([]string, 2000)}
	predicted := make([]string, 2000)
	for i := range predicted {
		truth.Template[i] = string(rune('A' + i%50))
		predicted[i] = string(rune('A' + i%40))
	}
	for b.Loop() {
		Score(truth, predicted)
	}
}
