package app

import (
	"testing"

	"kefu/internal/bot"
)

func TestPhotoWords(t *testing.T) {
	order := bot.Understanding{Intent: "oos", Confidence: 0.3, Entities: []bot.Entity{{Type: "order_number", Value: "KF20261101001"}}}
	parcel := bot.Understanding{Intent: "oos", Entities: []bot.Entity{{Type: "tracking_number", Value: "SF1234567890123"}}}
	sure := bot.Understanding{Intent: "payment_issue", Confidence: 0.9}
	unsure := bot.Understanding{Intent: "payment_issue", Confidence: 0.4}
	for _, tc := range []struct {
		name string
		st   bot.State
		text string
		u    bot.Understanding
		want bool
	}{
		{"order screenshot", bot.State{}, "Order No. KF20261101001", order, true},
		{"tracking label", bot.State{Flow: "order_status", Step: "order"}, "SF1234567890123", parcel, true},
		{"error screenshot NLU is sure of", bot.State{}, "支付失败，请重试", sure, true},
		{"label NLU cannot place", bot.State{}, "SONY WH-1000", unsure, false},
		{"nothing read", bot.State{}, "", order, false},
		{"too short to mean anything", bot.State{}, "OK", sure, false},
		{"damage photo during a damaged-item request", bot.State{Flow: "damaged_item", Step: "evidence"}, "Order No. KF20261101001", order, false},
		{"photo during a return request", bot.State{Flow: "return_request", Step: "reason"}, "KF20261101001", order, false},
	} {
		text, ok := photoWords(tc.st, tc.text, tc.u, 0.6)
		if ok != tc.want || (ok && text != tc.text) {
			t.Errorf("%s: %q %v, want %v", tc.name, text, ok, tc.want)
		}
	}
}
