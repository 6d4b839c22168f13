package loghub

// Both evaluators read labels and parser output with pandas.read_csv, which turns these
// strings into NaN whatever their column type (pandas 2.x STR_NA_VALUES, in
// pandas/_libs/parsers.pyx; loghub-2.0's requirements.txt pins pandas 2.0.3). A truth label
// that reads as NaN marks a line the evaluators skip; a parser template that reads as NaN
// becomes "" (loghub-2.0's evaluator_main.py calls parsedresult.fillna("")). None of the
// Loghub-2k label files holds one, but a parser may print "null" or "None" as a template.
var pandasNA = map[string]bool{
	"": true, "#N/A": true, "#N/A N/A": true, "#NA": true, "-1.#IND": true, "-1.#QNAN": true,
	"-NaN": true, "-nan": true, "1.#IND": true, "1.#QNAN": true, "<NA>": true, "N/A": true,
	"NA": true, "NULL": true, "NaN": true, "None": true, "n/a": true, "nan": true, "null": true,
}

// unlabelled reports whether the evaluators treat a truth label as missing.
func unlabelled(label string) bool { return pandasNA[label] }

// fillNA returns the template the loghub-2.0 evaluator compares after its CSV round trip.
func fillNA(template string) string {
	if pandasNA[template] {
		return ""
	}
	return template
}
