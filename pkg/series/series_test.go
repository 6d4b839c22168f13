package series

import (
	"math"
	"testing"
)

func TestSliceAndValidate(t *testing.T) {
	s := Series{Times: []int64{10, 20, 30, 40}, Values: []float64{1, math.NaN(), 3, 4}}
	if err := s.Validate(); err != nil {
		t.Fatal(err)
	}
	got := s.Slice(15, 40)
	if got.Len() != 2 || got.Times[0] != 20 || got.Times[1] != 30 || !IsGap(got.Values[0]) {
		t.Errorf("Slice(15, 40) = %+v", got)
	}
	for _, bad := range []Series{
		{Times: []int64{1, 1}, Values: []float64{0, 0}},
		{Times: []int64{2, 1}, Values: []float64{0, 0}},
		{Times: []int64{1}, Values: []float64{0, 0}},
	} {
		if bad.Validate() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
}

func TestKeyIsOrderIndependentAndUnambiguous(t *testing.T) {
	a := Key(map[string]string{"b": "2", "a": "1"})
	if a != `{a="1",b="2"}` {
		t.Errorf("Key = %s", a)
	}
	if Key(map[string]string{"a": `1",b="2`}) == a {
		t.Error("a value containing a separator collides with two labels")
	}
}
