// Package loghub loads the Loghub-2k log-parsing benchmark (16 systems, 2,000 labelled lines
// each) and scores a log parser's templates the way the published evaluators do, so our
// figures compare with the published tables:
//
//   - original labels (Zhu et al., ICSE-SEIP 2019): grouping accuracy as computed by
//     logparser's logparser/utils/evaluator.py, averaged over the 16 systems;
//   - corrected labels (Jiang et al., ISSTA 2024, run with -otc): GA, FGA, PA and FTA as
//     computed by loghub-2.0's benchmark/logparser/utils/evaluator.py,
//     benchmark/evaluation/utils/PA_calculator.py and template_level_analysis.py, averaged
//     over the 14 systems that have them.
//
// The data set is research-only and is never copied into this repository; callers pass the
// folder that holds it.
package loghub

// Systems are the 16 Loghub-2k systems, in the order reports list them.
var Systems = []string{
	"Android", "Apache", "BGL", "HDFS", "HPC", "Hadoop", "HealthApp", "Linux",
	"Mac", "OpenSSH", "OpenStack", "Proxifier", "Spark", "Thunderbird", "Windows", "Zookeeper",
}

// System is one system's 2,000 lines with their labels. Index i of every slice is line i.
type System struct {
	Name      string
	Raw       []string // lines of <Name>_2k.log, '\r' stripped
	Content   []string // the message part of each line (the structured CSV's Content column)
	Original  Labels   // from <Name>_2k.log_structured.csv
	Corrected *Labels  // from <Name>_2k.log_structured_corrected.csv; nil when absent
}

// Labels are the ground truth of one labelling: the event id and template of each line.
type Labels struct {
	EventID  []string
	Template []string // "<*>" marks a variable
	GroupBy  Grouping // which column forms the truth groups
}

// Grouping names the label column whose equal values form one truth group. The two
// evaluators differ here; on the Loghub-2k files EventId and EventTemplate are one-to-one,
// so both give the same groups, but hand-made labels need not.
type Grouping int

const (
	// ByTemplate groups lines by Template, as loghub-2.0's evaluator.py (groupby on
	// EventTemplate) and template_level_analysis.py do. Corrected labels use it.
	ByTemplate Grouping = iota
	// ByEventID groups lines by EventID, as logparser's evaluator.py (value_counts on
	// EventId) does. Original labels use it.
	ByEventID
)
