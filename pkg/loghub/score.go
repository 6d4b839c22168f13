package loghub

import "fmt"

// Scores are the accuracy figures of the log-parsing benchmarks, each in [0, 1]. A group is
// the set of lines sharing one template (predicted) or one label (truth, see Grouping).
type Scores struct {
	// GA, grouping accuracy: the share of lines whose predicted group is exactly their truth
	// group.
	GA float64
	// FGA: F1 of PGA (groups predicted exactly / predicted groups) and RGA (the same count /
	// truth groups).
	FGA float64
	// PA, parsing accuracy: the share of lines whose predicted template string equals the
	// truth template.
	PA float64
	// FTA: F1 of PTA (predicted groups whose lines all carry the predicted template string as
	// their truth template / predicted groups) and RTA (the same count / truth templates).
	FTA float64
}

// Score compares predicted, one template per line, with the truth. Predicted groups are
// lines with equal template strings, so two clusters a parser names alike are one group.
// Truth groups follow truth.GroupBy. Lines whose truth label reads as missing to pandas
// (see missing.go) are left out as the evaluators leave them out: of every figure but PA's
// denominator. Zero lines score zero. Score panics when predicted has not one template per
// truth line.
//
// GA and FGA, with ByTemplate, are loghub-2.0's get_accuracy
// (benchmark/logparser/utils/evaluator.py); GA with ByEventID is logparser's get_accuracy
// (logparser/utils/evaluator.py), whose FGA loghub-2.0 added. PA is loghub-2.0's
// calculate_parsing_accuracy (benchmark/evaluation/utils/PA_calculator.py) and FTA its
// evaluate_template_level (benchmark/evaluation/utils/template_level_analysis.py). Neither
// evaluator normalises templates, the parser's or the truth's: -otc only makes
// evaluator_main.py read <log>_structured_corrected.csv instead of <log>_structured.csv.
// The oracle template correction (common.py's correct_single_template rules: whitespace,
// digits, paths, booleans, ...) went into writing those files offline; post_process.py's
// variant is imported by one version of evaluator_main.py but never called. Strings are
// compared as they are, whitespace included.
func Score(truth Labels, predicted []string) Scores {
	n := len(truth.Template)
	if len(predicted) != n || truth.GroupBy == ByEventID && len(truth.EventID) != n {
		panic(fmt.Sprintf("loghub.Score: %d predicted templates, %d truth templates, %d event ids",
			len(predicted), n, len(truth.EventID)))
	}
	filled := make([]string, n)
	for i, p := range predicted {
		filled[i] = fillNA(p)
	}
	keys, groups := truth.Template, filled
	if truth.GroupBy == ByEventID {
		// logparser groups its parser's EventId column, an md5 of the template string, so
		// the predicted groups are the template strings; they never read as NaN.
		keys, groups = truth.EventID, predicted
	}
	var s Scores
	s.GA, s.FGA = groupingAccuracy(keys, groups)
	s.PA = parsingAccuracy(truth.Template, filled)
	s.FTA = templateAccuracy(truth.Template, filled)
	return s
}

// groupingAccuracy returns GA and FGA. A truth group is predicted exactly when all its lines
// share one predicted template and no other line has it. logparser iterates predicted groups
// and loghub-2.0 truth groups, but both count the same pairs of equal groups.
func groupingAccuracy(truth, predicted []string) (ga, fga float64) {
	type group struct {
		size      int
		predicted string // the predicted template of its first line
		mixed     bool   // its lines have more than one predicted template
	}
	truthGroups := map[string]*group{}
	predictedSize := map[string]int{}
	lines := 0
	for i, label := range truth {
		if unlabelled(label) {
			continue
		}
		lines++
		predictedSize[predicted[i]]++
		g := truthGroups[label]
		if g == nil {
			g = &group{predicted: predicted[i]}
			truthGroups[label] = g
		}
		g.mixed = g.mixed || g.predicted != predicted[i]
		g.size++
	}
	if lines == 0 {
		return 0, 0
	}
	exactLines, exactGroups := 0, 0
	for _, g := range truthGroups {
		if !g.mixed && predictedSize[g.predicted] == g.size {
			exactLines += g.size
			exactGroups++
		}
	}
	precision := float64(exactGroups) / float64(len(predictedSize))
	recall := float64(exactGroups) / float64(len(truthGroups))
	return float64(exactLines) / float64(lines), f1(precision, recall)
}

// parsingAccuracy returns PA. Its denominator is every line, labelled or not:
// PA_calculator.py divides by the parser output's length and compares against NaN truth,
// which never matches.
func parsingAccuracy(truth, predicted []string) float64 {
	if len(truth) == 0 {
		return 0
	}
	correct := 0
	for i, t := range truth {
		if !unlabelled(t) && predicted[i] == t {
			correct++
		}
	}
	return float64(correct) / float64(len(truth))
}

// templateAccuracy returns FTA. A predicted group counts when the set of truth templates of
// its lines is exactly {its predicted template}, as template_level_analysis.py tests it.
// That does not ask for the whole truth group: of a truth group split in two, the part
// named exactly as the truth still counts. That is the code's definition, which the
// published figures come from, not the paper's wording ("correct group and template").
func templateAccuracy(truth, predicted []string) float64 {
	consistent := map[string]bool{} // predicted template -> all its lines are labelled with it
	truthTemplates := map[string]bool{}
	for i, t := range truth {
		if unlabelled(t) {
			continue
		}
		truthTemplates[t] = true
		if ok, seen := consistent[predicted[i]]; ok || !seen {
			consistent[predicted[i]] = t == predicted[i]
		}
	}
	if len(consistent) == 0 {
		return 0
	}
	correct := 0
	for _, ok := range consistent {
		if ok {
			correct++
		}
	}
	precision := float64(correct) / float64(len(consistent))
	recall := float64(correct) / float64(len(truthTemplates))
	return f1(precision, recall)
}

// f1 is the harmonic mean, 0 when both are 0 (the evaluators' `if P != 0 or R != 0` guard).
func f1(precision, recall float64) float64 {
	if precision == 0 && recall == 0 {
		return 0
	}
	return 2 * precision * recall / (precision + recall)
}
