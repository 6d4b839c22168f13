package loadgen

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// The generator shares the machine with the receiver it measures, so it encodes webhooks
// by hand: encoding/json's reflection and map-key sorting took a quarter of the CPU of a
// 10,000 alerts/s run, which the receiver then did not get.

// appendWebhook appends w as JSON, the same document json.Marshal would produce.
func appendWebhook(b []byte, w *amWebhook) []byte {
	b = append(b, `{"version":`...)
	b = appendString(b, w.Version)
	b = append(b, `,"groupKey":`...)
	b = appendString(b, w.GroupKey)
	b = append(b, `,"truncatedAlerts":`...)
	b = strconv.AppendInt(b, int64(w.TruncatedAlerts), 10)
	b = append(b, `,"status":`...)
	b = appendString(b, w.Status)
	b = append(b, `,"receiver":`...)
	b = appendString(b, w.Receiver)
	b = append(b, `,"groupLabels":`...)
	b = appendMap(b, w.GroupLabels)
	b = append(b, `,"commonLabels":`...)
	b = appendMap(b, w.CommonLabels)
	b = append(b, `,"commonAnnotations":`...)
	b = appendMap(b, w.CommonAnnotations)
	b = append(b, `,"externalURL":`...)
	b = appendString(b, w.ExternalURL)
	b = append(b, `,"alerts":[`...)
	for i := range w.Alerts {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendAlert(b, &w.Alerts[i])
	}
	return append(b, "]}"...)
}

func appendAlert(b []byte, a *amAlert) []byte {
	b = append(b, `{"status":`...)
	b = appendString(b, a.Status)
	b = append(b, `,"labels":`...)
	b = appendMap(b, a.Labels)
	b = append(b, `,"annotations":`...)
	b = appendMap(b, a.Annotations)
	b = append(b, `,"startsAt":"`...)
	b = a.StartsAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","endsAt":"`...)
	b = a.EndsAt.AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","generatorURL":`...)
	b = appendString(b, a.GeneratorURL)
	b = append(b, `,"fingerprint":`...)
	b = appendString(b, a.Fingerprint)
	return append(b, '}')
}

// appendMap writes m with sorted keys, as json.Marshal does, so bodies are reproducible.
func appendMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendString(b, k)
		b = append(b, ':')
		b = appendString(b, m[k])
	}
	return append(b, '}')
}

// appendString writes s as a JSON string; only the rare string that needs escaping
// goes through encoding/json.
func appendString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' || c >= utf8.RuneSelf {
			raw, _ := json.Marshal(s) // a string always encodes
			return append(b, raw...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}
