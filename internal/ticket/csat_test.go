package ticket

import (
	"strings"
	"testing"

	"kefu/internal/apperr"
)

func TestCSATRules(t *testing.T) {
	for score, ok := range map[int]bool{0: false, 1: true, 3: true, 5: true, 6: false, -1: false} {
		if _, err := CheckCSAT(score, ""); (err == nil) != ok {
			t.Errorf("score %d: %v", score, err)
		}
	}
	if c, err := CheckCSAT(4, "  很好 "); err != nil || c != "很好" {
		t.Fatalf("comment %q %v", c, err)
	}
	for _, bad := range []string{strings.Repeat("长", 2001), "a\x00", "\xff"} {
		if _, err := CheckCSAT(3, bad); err == nil {
			t.Errorf("comment %q accepted", bad)
		}
	}
	for score, want := range map[int]bool{1: true, 2: true, 3: true, 4: false, 5: false, 0: false} {
		if NeedsFollowUp(score) != want {
			t.Errorf("NeedsFollowUp(%d)", score)
		}
	}
	for _, s := range Statuses {
		err := CSATAllowed(s)
		if (err == nil) != (s == StatusResolved || s == StatusClosed) {
			t.Errorf("CSATAllowed(%s) = %v", s, err)
		}
	}
}

func TestCheckMerge(t *testing.T) {
	open := func(id, cust int64) MergeCandidate {
		return MergeCandidate{ID: id, Status: StatusOpen, CustomerID: cust}
	}
	cases := []struct {
		src, dst MergeCandidate
		code     string
	}{
		{open(1, 9), open(2, 9), ""},
		{MergeCandidate{ID: 1, Status: StatusResolved, CustomerID: 9}, open(2, 9), ""},
		{open(1, 9), open(1, 9), "merge_self"},
		{MergeCandidate{ID: 1, Status: StatusClosed, CustomerID: 9}, open(2, 9), "ticket_closed"},
		{open(1, 9), MergeCandidate{ID: 2, Status: StatusClosed, CustomerID: 9}, "merge_target_closed"},
		{open(1, 9), open(2, 8), "merge_customer_mismatch"},
	}
	for _, tc := range cases {
		err := CheckMerge(tc.src, tc.dst)
		if tc.code == "" && err != nil || tc.code != "" && code(err) != tc.code {
			t.Errorf("%+v → %+v: %v, want %q", tc.src, tc.dst, err, tc.code)
		}
	}
}

func code(err error) string {
	if ae, ok := apperr.As(err); ok {
		return ae.Code
	}
	return ""
}
