package groupeval

// Scores compare a clustering of items with the gold clusters.
type Scores struct {
	Items, Clusters int
	// Compression is 1 − clusters/items: the share of notifications grouping saves.
	Compression float64
	// Pairwise: of the item pairs put together, the share that belong together
	// (precision); of those that belong together, the share put together (recall).
	Precision, Recall, F1 float64
	// ARI is the adjusted Rand index: pair agreement corrected for chance, 1 for a perfect
	// clustering, about 0 for a random one.
	ARI float64
}

// Score compares predicted cluster labels with gold ones, item by item (equal lengths).
// A clustering with no pairs to judge scores 1: nothing was wrongly joined (precision) or
// nothing needed joining (recall).
func Score(gold, pred []string) Scores {
	if len(gold) != len(pred) {
		panic("groupeval.Score: gold and predicted labels differ in length")
	}
	type cell struct{ g, p string }
	cells := map[cell]int{}
	golds := map[string]int{}
	preds := map[string]int{}
	for i := range gold {
		cells[cell{gold[i], pred[i]}]++
		golds[gold[i]]++
		preds[pred[i]]++
	}
	var both, sameGold, samePred float64
	for _, n := range cells {
		both += pairs(n)
	}
	for _, n := range golds {
		sameGold += pairs(n)
	}
	for _, n := range preds {
		samePred += pairs(n)
	}
	s := Scores{Items: len(gold), Clusters: len(preds), Precision: 1, Recall: 1, ARI: 1}
	if s.Items > 0 {
		s.Compression = 1 - float64(s.Clusters)/float64(s.Items)
	}
	if samePred > 0 {
		s.Precision = both / samePred
	}
	if sameGold > 0 {
		s.Recall = both / sameGold
	}
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	if len(gold) < 2 {
		return s
	}
	// Hubert & Arabie (1985): (index − expected) / (max − expected) over pair counts.
	expected := sameGold * samePred / pairs(len(gold))
	if denom := (sameGold+samePred)/2 - expected; denom != 0 {
		s.ARI = (both - expected) / denom
	}
	return s
}

func pairs(n int) float64 { return float64(n) * float64(n-1) / 2 }
